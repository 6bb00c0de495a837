"""The ledger entry kinds of a dispute of the record (第十六条): one grammar, noun.past_participle (tests/test_kinds.py).
Each is a step of the case, in the maintenance log (第十二条) with the state before and after."""

# A written request to verify the record was received: who asked, about what, the claim (sealed), the due date.
DISPUTE_RECEIVED = "dispute.received"
# Evidence for the request (a scan, checked as every document is) was added to the case.
DISPUTE_EVIDENCE_ADDED = "dispute_evidence.added"
# Someone who posted none of the disputed entries took up the re-examination (the case is `examining`).
DISPUTE_EXAMINATION_STARTED = "dispute_examination.started"
# The correction opened for the case was reviewed and posted: the record changed (the case is `corrected`).
DISPUTE_CORRECTED = "dispute.corrected"
# The request was refused with the reasons and the right to administrative review or litigation (`refused`).
DISPUTE_REFUSED = "dispute.refused"
# The disputed months were earned in another region: the case is referred there (`referred`, the region named).
DISPUTE_REFERRED = "dispute.referred"
