from django.db import models

from sirecords.ledger.chained_log import ChainedLog, register


class AccessEvent(models.Model):
    """One read of one person's data: who, whose record, what, through which channel, for what purpose.

    A chained log with a signed head (ACCESS_LOG below; ledger/chained_log.py), anchored in every checkpoint."""

    seq = models.BigIntegerField(primary_key=True)
    at = models.CharField(max_length=27, help_text="UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ.")
    actor = models.CharField(max_length=150)
    subject = models.CharField(max_length=80, db_index=True, help_text="Whose record, e.g. person:<uid>.")
    what = models.CharField(max_length=120, help_text="Which data, e.g. person.detail, attachment:<sha256>.")
    channel = models.CharField(max_length=16)
    purpose = models.CharField(max_length=200)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "audit_access_event"


# The hashed array is ["sirecords/users/access/v1", seq, at, actor, subject, what, channel, purpose, prev_hash].
ACCESS_LOG = register(ChainedLog(AccessEvent, "sirecords/users/access/v1",
                                 ("at", "actor", "subject", "what", "channel", "purpose"), seq="seq", noun="access records"))
