"""The ledger entry kinds of a transfer between pooling regions (第十条, docs/transfers.md): one grammar,
noun.past_participle (tests/test_kinds.py). Each carries the transfer's uid, and before/after."""

# The joining region (this one) requested a person's record from the region they left (or, `collect`, gathered the
# record of a person whose benefit is paid here): the transfer is `requested`; its contact letter may be written.
TRANSFER_REQUESTED = "transfer.requested"
