"""Ledger tables. Entries and checkpoints are append-only: the database refuses UPDATE and DELETE
(see triggers.py). That stops accidents; the evidence against deliberate tampering is the hash
chain, the Merkle tree and the signed checkpoints kept outside the database (docs/ledger.md).
"""

from django.db import models


class Entry(models.Model):
    """One fact. Every column is part of the hashed preimage (entry_hash.py), stored as hashed."""

    seq = models.BigIntegerField(primary_key=True, help_text="Gapless position, from 1.")
    kind = models.CharField(max_length=64, help_text="What happened, e.g. person.registered.")
    subject = models.CharField(max_length=80, help_text="What it is about, e.g. person:<uid>.")
    txn = models.CharField(max_length=64, help_text="The business transaction that posted it.")
    actor = models.CharField(max_length=150, help_text="Who: the responsible user or service account.")
    reason = models.TextField(help_text="Why, as given by the actor.")
    channel = models.CharField(max_length=16, help_text="Through which entry point: counter, web, api, cli, import…")
    recorded_at = models.CharField(max_length=27, help_text="UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ.")
    effective = models.CharField(max_length=10, blank=True, help_text="Business date it takes effect, or empty.")
    payload = models.TextField(help_text="Canonical JSON; personal data inside is sealed.")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)  # seq is the key; the chain, not an index, makes hashes unique

    class Meta:
        db_table = "ledger_entry"
        verbose_name_plural = "entries"
        # Declared here rather than with db_index so PostgreSQL gets no unused LIKE (varchar_pattern_ops)
        # twin: every index costs each of the millions of appends.
        indexes = [models.Index(fields=["subject", "seq"], name="ledger_entry_subject"),
                   models.Index(fields=["txn"], name="ledger_entry_txn"),
                   models.Index(fields=["kind", "seq"], name="ledger_entry_kind")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.subject}"


class Head(models.Model):
    """The single row every writer locks: size, last hash and the Merkle frontier after it, the size of the
    latest checkpoint, and the instance's signature over all of them, made at every append (append.py)."""

    id = models.SmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    frontier = models.TextField(default="[]", help_text="JSON list of hex subtree roots (CompactRange).")
    checkpoint_size = models.BigIntegerField(default=0, help_text="Size of the latest signed checkpoint (0: none yet).")
    signature = models.CharField(max_length=128, blank=True, default="",
                                 help_text="Ed25519 over size, last hash, root and checkpoint size (append.head_statement).")

    class Meta:
        db_table = "ledger_head"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="ledger_head_single_row")]


class Checkpoint(models.Model):
    """A signed statement of (origin, size, root) in the C2SP signed-note format."""

    size = models.BigIntegerField(primary_key=True)
    root = models.CharField(max_length=64)
    frontier = models.TextField(help_text="JSON list of hex subtree roots at this size, to extend from.")
    note = models.TextField(help_text="The signed note, exactly as written to the witness folder.")
    created_at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    signature = models.CharField(max_length=128, help_text="Ed25519 over every other column (checkpoints.row_bytes).")

    class Meta:
        db_table = "ledger_checkpoint"


class LogHead(models.Model):
    """The head of one chained log (chained_log.py): its size and last hash, signed at every append."""

    name = models.CharField(max_length=64, primary_key=True, help_text="The log's table, e.g. audit_access_event.")
    size = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=128, blank=True, default="",
                                 help_text="Ed25519 over the log's name, size and last hash (chained_log.head_statement).")

    class Meta:
        db_table = "ledger_log_head"
