"""The ledger entry kinds of a transfer between pooling regions (第十条, docs/transfers.md): one grammar,
noun.past_participle (tests/test_kinds.py). Each carries the transfer's uid, and before/after."""

# The joining region (this one) requested a person's record from the region they left (or, `collect`, gathered the
# record of a person whose benefit is paid here): the transfer is `requested`; its contact letter may be written.
TRANSFER_REQUESTED = "transfer.requested"
# The region left (this one) ended the relationship and sent the record (transfer_out): the transfer is `sent`, the
# account moved (contributions_account_transfer, out), the package may be written.
TRANSFER_SENT = "transfer.sent"
# The joining region (this one) closed its request with the region left's signed written refusal (transfer_close).
TRANSFER_CLOSED = "transfer.closed"
# The joining region (this one) received the record and the funds (transfer_in): the months, deemed months and
# account count here, their region kept.
TRANSFER_RECEIVED = "transfer.received"
# The region left (this one) sent the record again after a correction of a month before the transfer
# (transfer_supplement_out): the transfer's figures are the corrected ones; a supplementary package may be written.
TRANSFER_SUPPLEMENT_SENT = "transfer_supplement.sent"
# The joining region (this one) received a supplementary package and the difference of the funds
# (transfer_supplement_in): its months, deemed months and account replace what the transfer brought before.
TRANSFER_SUPPLEMENT_RECEIVED = "transfer_supplement.received"
