"""The ledger entry kinds the cross-checks write: one grammar, noun.past_participle (tests/test_kinds.py)."""

# A department's feed file was received and compared with the record (第五条): its SHA-256, kind and counts.
FEED_RECEIVED = "crosscheck_feed.received"
# A discrepancy between a feed and the record, queued for a clerk (its kind, subject, month or date, figures).
DISCREPANCY_FOUND = "discrepancy.found"
# A feed reported a discrepancy already queued (or dismissed with the same figures): counted, not queued again.
DISCREPANCY_REPEATED = "discrepancy.repeated"
# Rows about persons or units the record does not hold: kept (by blind index) for matching later, not queued.
UNMATCHED_ROWS_KEPT = "unmatched_rows.kept"
# A discrepancy resolved by a reviewed transaction that fixed the record (record_death, suspend_benefit, …).
DISCREPANCY_RESOLVED = "discrepancy.resolved"
# A discrepancy dismissed after review: the record was right; a payment held for it is released with back pay.
DISCREPANCY_DISMISSED = "discrepancy.dismissed"
# A discrepancy assigned to a clerk (by a supervisor, or taken by the clerk): who works on it.
DISCREPANCY_ASSIGNED = "discrepancy.assigned"
# A suspected fraud (a pension drawn after a death, …) referred to the HR administrative department, which may fine
# (社会保险法 第八十八条): the agency records the referral and its facts; it imposes no fine itself.
FRAUD_REFERRAL_RECORDED = "fraud_referral.recorded"
