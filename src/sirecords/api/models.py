"""What the API keeps for itself: the answers to requests sent with an Idempotency-Key (api/idempotency.py)."""

from __future__ import annotations

from django.db import models


class IdempotencyKey(models.Model):
    """One Idempotency-Key of one caller: the request it came with and the answer it got, kept 24 hours so that a
    retry (after a timeout, a lost connection, a failover) is answered with the same answer instead of being done again.

    The row is written in the same database transaction as the business change the request made (a transaction
    opened, reviewed, posted): both are committed, or neither. The unique constraint on (principal, key) decides
    between two concurrent requests with the same key: the second waits for the first and then replays its answer.

    Not business data, so not written through the ledger: it records no fact about a person, an employer or money, only
    what the API answered (the answer's summary is masked, as in workflow_transaction), and nothing reads it but the
    replay. The business change it answered for is in the ledger and the transaction's action log, with the request's
    actor; a row edited or removed by someone with database access changes what a retry is told, never the record
    (verify still checks that). Rows older than 24 hours are deleted (idempotency.expire, `sirecords` keeps none
    longer)."""

    principal = models.CharField(max_length=150, help_text="The caller: the staff or service account's username.")
    key = models.CharField(max_length=255, help_text="The Idempotency-Key header: 1-255 printable ASCII characters.")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the request's body, hex.")
    status = models.PositiveSmallIntegerField(help_text="The answer's HTTP status; 0 while the request is in progress.")
    response = models.TextField(blank=True, help_text="The answer's body, as sent (UTF-8 JSON).")
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(help_text="UTC; a key expires 24 hours later.")

    class Meta:
        db_table = "api_idempotency"
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="api_idempotency_once")]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_created")]
