"""Pension awards (a projection of the ledger) and monthly payment rows (committed to by one ledger entry
per month: the Merkle root of the rows as stored, recomputed by `sirecords verify`). Money is integer fen."""

from django.db import models

from sirecords.ledger.projection import projected_table


class AwardStatus(models.TextChoices):
    ACTIVE = "active", "正常发放 active"
    SUSPENDED = "suspended", "暂停发放 suspended"
    ENDED = "ended", "终止 ended"


@projected_table
class Award(models.Model):
    """One person's basic pension award (基本养老金核定), as approved; status follows suspension, resumption, death."""

    uid = models.CharField(primary_key=True, max_length=32, help_text="The approving transaction's uid.")
    person_id = models.CharField(max_length=32, help_text="registry_person.uid")
    region = models.CharField(max_length=6, help_text="Pooling region whose parameters computed it.")
    category = models.CharField(max_length=10)
    start_month = models.CharField(max_length=7, help_text="First month paid, YYYY-MM.")
    end_month = models.CharField(max_length=7, blank=True, help_text="First month no longer paid (after death).")
    basic_fen = models.BigIntegerField()
    account_fen = models.BigIntegerField()
    transitional_fen = models.BigIntegerField()
    total_fen = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=AwardStatus.choices)
    rule_version = models.CharField(max_length=120)
    trace = models.TextField(help_text="The engine's trace (JSON): why the pension is this amount.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "benefits_award"
        indexes = [models.Index(fields=["person_id"], name="benefits_award_person")]


class Payment(models.Model):
    """One month's pension for one award, in the month's payment run (row order = Merkle leaf order)."""

    id = models.BigAutoField(primary_key=True)
    month = models.CharField(max_length=7)
    row_number = models.IntegerField()
    person_id = models.CharField(max_length=32)
    award_id = models.CharField(max_length=32)
    amount_fen = models.BigIntegerField()
    run = models.CharField(max_length=32, help_text="The pay_pensions transaction's uid.")

    class Meta:
        db_table = "benefits_payment"
        constraints = [models.UniqueConstraint(fields=["month", "row_number"], name="benefits_payment_row_once"),
                       models.UniqueConstraint(fields=["month", "award_id"], name="benefits_payment_once")]
