"""The ledger entry kinds of the regions this one exchanges transfers with (第十条, docs/transfers.md): one grammar,
noun.past_participle (tests/test_kinds.py). Each carries the region's code, and before/after."""

# Another pooling region was registered, with its name, its signed-note verifier key and its X25519 encryption key.
REGION_REGISTERED = "region.registered"
# A registered region's keys changed (its checkpoint key rotated, its transfer key replaced), its name perhaps too.
REGION_KEYS_CHANGED = "region_keys.changed"
# A registered region's name changed, its keys not.
REGION_RENAMED = "region.renamed"
