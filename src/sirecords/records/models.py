from django.db import models

from sirecords.ledger.entry_hash import GENESIS_PREV_HASH


class AccessEvent(models.Model):
    """One read of one person's data: who, whose record, what, through which channel, for what purpose."""

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


class AccessHead(models.Model):
    id = models.SmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_PREV_HASH)

    class Meta:
        db_table = "audit_access_head"
