"""The ledger entry kinds the operations app writes (tests/test_kinds.py: noun.past_participle)."""

BACKUP_VERIFIED = "backup.verified"  # a backup's readability was checked (第九条(二)): manifest, signature, content sample
BACKUP_DRILLED = "backup.drilled"  # a restore drill (第二十五条): restored into a scratch database, verified, root compared
