from django.db import models

from sirecords.ledger.chained_log import ChainedLog, register
from sirecords.ledger.projection import projected_table


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
        # The read limits count the distinct persons one actor read in the last hour and day (records/limits.py).
        indexes = [models.Index(fields=["actor", "at"], name="audit_access_actor_at")]


# The hashed array is ["sirecords/users/access/v1", seq, at, actor, subject, what, channel, purpose, prev_hash].
ACCESS_LOG = register(ChainedLog(AccessEvent, "sirecords/users/access/v1",
                                 ("at", "actor", "subject", "what", "channel", "purpose"), seq="seq", noun="access records"))


class ReadAlert(models.Model):
    """A read limit reached (第二十二条): who, which limit, in which window; supervisors see these on their pages.
    One row per actor, limit and window (the first refusal in it), however many refusals follow."""

    at = models.DateTimeField(help_text="When the limit was first reached in this window (UTC).")
    actor = models.CharField(max_length=150)
    limit = models.CharField(max_length=16, help_text="hour, day (distinct persons), lookups or probes (request rate).")
    allowed = models.CharField(max_length=40, help_text="The limit in force, e.g. 60 persons/hour or 20/h.")
    window = models.CharField(max_length=20, help_text="The window the alert stands for: the hour or day (UTC).")
    channel = models.CharField(max_length=16)
    via = models.CharField(max_length=40, help_text="A staff session or token:<uid>.")

    class Meta:
        db_table = "audit_read_alert"
        constraints = [models.UniqueConstraint(fields=["actor", "limit", "window"], name="read_alert_once_per_window")]
        indexes = [models.Index(fields=["-at"], name="read_alert_recent")]


class RateCounter(models.Model):
    """A look-up rate counter of the read limits (django-ratelimit's "reads" cache, records/counters.py): not business
    data and not logged; it paces callers for a minute or an hour. UNLOGGED on PostgreSQL (migration 0006)."""

    cache_key = models.CharField(primary_key=True, max_length=255)
    count = models.BigIntegerField()
    expires = models.DateTimeField(help_text="UTC; an expired counter counts as absent and is replaced.")

    class Meta:
        db_table = "records_rate_counter"
        constraints = [models.CheckConstraint(condition=models.Q(count__gte=0), name="rate_counter_not_negative")]
        indexes = [models.Index(fields=["expires"], name="rate_counter_expires")]


@projected_table
class WithheldReads(models.Model):
    """An order of an administrative or judicial body (第十八条): its reads of the person, those whose purpose names
    its case reference, are kept from the person until `disclose_on` (records/disclosure.py)."""

    uid = models.CharField(primary_key=True, max_length=32, help_text="The withhold_read_disclosure transaction's uid.")
    person_id = models.CharField(max_length=32, db_index=True, help_text="registry_person.uid")
    reference = models.CharField(max_length=60, help_text="The case reference the body's reads stated.")
    authority = models.CharField(max_length=200, help_text="The body that ordered it.")
    disclose_on = models.CharField(max_length=10, help_text="YYYY-MM-DD: the reads appear to the person from this day.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "records_withheld_reads"
