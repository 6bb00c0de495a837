"""Feeds received, the discrepancies they showed, and the rows about nobody the record holds: projections of the
ledger (crosschecks/projectors.py), written only by posting. No ID number or name in clear: persons are named by uid,
unmatched rows by the keyed blind index of their number."""

from django.db import models

from sirecords.ledger.projection import projected_table


class DiscrepancyState(models.TextChoices):
    OPEN = "open", "待处理 open"
    IN_REVIEW = "in_review", "审核中 in review"
    RESOLVED = "resolved", "已处理 resolved"
    DISMISSED = "dismissed", "已排除 dismissed"


@projected_table
class FeedFile(models.Model):
    """One department's file, received once (its SHA-256): what it held and what comparing it found."""

    sha256 = models.CharField(primary_key=True, max_length=64)
    kind = models.CharField(max_length=24, help_text="person_events, employer_status, tax_paid, id_changes, establishment, "
                                                      "payment_returns (crosschecks/feeds.py).")
    file_name = models.CharField(max_length=200)
    encoding = models.CharField(max_length=10, default="utf-8", help_text="utf-8 or gb18030, as declared at import.")
    period = models.CharField(max_length=15, blank=True, help_text="tax_paid: the months it covers, YYYY-MM[:YYYY-MM].")
    rows = models.IntegerField(help_text="Rows read (the held ones not counted).")
    held = models.IntegerField(default=0, help_text="Rows held for their problems (--hold-invalid).")
    unmatched = models.IntegerField(default=0, help_text="Rows about persons or units the record does not hold.")
    repeated = models.IntegerField(default=0, help_text="Rows that repeated a discrepancy already known.")
    found = models.IntegerField(default=0, help_text="New discrepancies queued.")
    received_at = models.CharField(max_length=27)
    txn = models.CharField(max_length=32)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "crosscheck_feed_file"
        constraints = [models.CheckConstraint(condition=models.Q(rows__gte=0, held__gte=0, unmatched__gte=0,
                                                                 repeated__gte=0, found__gte=0),
                                              name="crosscheck_feed_counts_not_negative")]


@projected_table
class Discrepancy(models.Model):
    """What a feed says against what the record holds, for a clerk to resolve through a reviewed transaction or
    dismiss. Identified by kind, subject and month or date (`key`)."""

    id = models.CharField(primary_key=True, max_length=12)
    kind = models.CharField(max_length=32)
    subject = models.CharField(max_length=80, help_text="person:<uid>, employer:<uid>.")
    hold = models.CharField(max_length=32, blank=True, help_text="The award whose payments it held, if any.")
    key = models.CharField(max_length=32, help_text="The month (YYYY-MM) or the event's date (YYYY-MM-DD); for "
                                                    "unknown_person the feed's kind and the month or date.")
    detail = models.TextField(help_text="The figures and facts, canonical JSON (money as yuan strings).")
    figures = models.CharField(max_length=64, help_text="SHA-256 of detail: a report that changes them reopens a dismissal.")
    state = models.CharField(max_length=10, choices=DiscrepancyState.choices)
    due_on = models.CharField(max_length=10, help_text="To be resolved by (working days per kind, settings).")
    assigned_to = models.CharField(max_length=150, blank=True)
    transaction = models.CharField(max_length=32, blank=True, help_text="The transaction that resolved or dismissed it.")
    outcome = models.TextField(blank=True, help_text="What resolving or dismissing it did, canonical JSON (an "
                                                     "overpayment to recover, the months released).")
    feed = models.CharField(max_length=64, help_text="The feed file that first reported it.")
    line = models.IntegerField(help_text="The line of that file that reported it (its header is line 1).")
    reports = models.IntegerField(default=1, help_text="How many feed rows reported it.")
    found_at = models.CharField(max_length=27)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "crosscheck_discrepancy"
        constraints = [models.UniqueConstraint(fields=["kind", "subject", "key"], name="crosscheck_discrepancy_once"),
                       models.CheckConstraint(condition=models.Q(state__in=DiscrepancyState.values),
                                              name="crosscheck_discrepancy_state_known")]
        indexes = [models.Index(fields=["state", "kind"], name="crosscheck_queue"),
                   models.Index(fields=["subject"], name="crosscheck_discrepancy_subject")]


@projected_table
class UnmatchedRow(models.Model):
    """A feed row about a person or unit the record does not hold, kept to match when they register."""

    key = models.CharField(primary_key=True, max_length=80, help_text="<feed sha256>:<line>")
    feed = models.CharField(max_length=64)
    line = models.IntegerField()
    kind = models.CharField(max_length=24, help_text="The feed's kind.")
    index = models.CharField(max_length=64, help_text="The keyed blind index of the ID number or credit code.")
    detail = models.TextField(help_text="The row's other facts, canonical JSON (no name, no number in clear).")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "crosscheck_unmatched_row"
        indexes = [models.Index(fields=["index"], name="crosscheck_unmatched_index")]


class Claim(models.Model):
    """The transaction opened to resolve or dismiss a discrepancy, while it is reviewed: one at a time per
    discrepancy (the primary key), written with the opening and replaced when a rejected or withdrawn one is followed
    by another. Workflow bookkeeping, like the collection files' claims; what a posted transaction did is in the
    ledger (discrepancy.resolved, discrepancy.dismissed)."""

    discrepancy = models.CharField(primary_key=True, max_length=12)
    txn = models.CharField(max_length=32)
    action = models.CharField(max_length=32, help_text="What the transaction does: dismiss, record_death, …")
    opened_by = models.CharField(max_length=150)
    opened_at = models.DateTimeField()

    class Meta:
        db_table = "crosscheck_claim"
