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
    total_fen = models.BigIntegerField(help_text="The monthly pension now: as awarded, then after each adjustment.")
    awarded_fen = models.BigIntegerField(default=0, help_text="The monthly pension as awarded (the version in force), "
                                                             "before any adjustment.")
    contribution_months = models.IntegerField(default=0, help_text="Contribution months (actual + deemed) at the award.")
    version = models.IntegerField(default=1, help_text="The award version in force: 1 as approved, +1 at each "
                                                          "recomputation or correction (benefits_recomputation).")
    status = models.CharField(max_length=10, choices=AwardStatus.choices)
    rule_version = models.CharField(max_length=120)
    trace = models.TextField(help_text="The engine's trace (JSON): why the pension is this amount.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "benefits_award"
        indexes = [models.Index(fields=["person_id"], name="benefits_award_person")]


@projected_table
class PaymentHold(models.Model):
    """An award's payments held (暂停发放 pending verification, 经办条例 第四十六条) from the moment a report that may stop
    it is recorded (a death, an imprisonment, a payment the bank returned: sirecords.crosschecks), until it is released
    or the award ends. No payroll run pays a held award; the release owes the months held as back pay."""

    uid = models.CharField(primary_key=True, max_length=32, help_text="The hold: the cross-check discrepancy's id.")
    award_id = models.CharField(max_length=32, help_text="benefits_award.uid")
    person_id = models.CharField(max_length=32, help_text="registry_person.uid")
    reason = models.CharField(max_length=40, help_text="Why: the discrepancy's kind, e.g. pensioner_died.")
    held_at = models.CharField(max_length=27, help_text="When the hold was recorded (UTC, the entry's recorded_at).")
    released_at = models.CharField(max_length=27, blank=True, help_text="When it was released; empty while held.")
    back_pay_fen = models.BigIntegerField(default=0, help_text="Owed at the release: the months the runs skipped while "
                                                                "held, each at the amount in force then.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "benefits_payment_hold"
        indexes = [models.Index(fields=["award_id"], name="benefits_hold_award")]
        constraints = [models.CheckConstraint(condition=models.Q(back_pay_fen__gte=0), name="benefits_hold_back_pay_not_negative")]


class Payment(models.Model):
    """One month's pension for one award, in the month's payment run (row order = Merkle leaf order)."""

    id = models.BigAutoField(primary_key=True)
    month = models.CharField(max_length=7)
    row_number = models.IntegerField()
    person_id = models.CharField(max_length=32)
    award_id = models.CharField(max_length=32)
    amount_fen = models.BigIntegerField(help_text="The month's pension: the amount in force that month.")
    back_pay_fen = models.BigIntegerField(default=0, help_text="Back pay still owed for months paid before an adjustment or "
                                                                "recomputation; negative: an overpayment deducted (never "
                                                                "more than amount_fen: no payment is negative).")
    run = models.CharField(max_length=32, help_text="The pay_pensions transaction's uid.")

    class Meta:
        db_table = "benefits_payment"
        # A person's record reads an award's payments, latest first (records/personal.py): the unique (month, …) keys
        # cannot serve a look-up by award.
        indexes = [models.Index(fields=["award_id", "month"], name="benefits_payment_award")]
        constraints = [models.UniqueConstraint(fields=["month", "row_number"], name="benefits_payment_row_once"),
                       models.UniqueConstraint(fields=["month", "award_id"], name="benefits_payment_once"),
                       models.CheckConstraint(condition=models.Q(back_pay_fen__gte=-models.F("amount_fen")),
                                              name="benefits_payment_never_negative")]


@projected_table
class Adjustment(models.Model):
    """One yearly adjustment of one award (养老金调整): the monthly pension before and after, by the engine."""

    key = models.CharField(primary_key=True, max_length=48, help_text="<award>:<year>")
    award_id = models.CharField(max_length=32)
    person_id = models.CharField(max_length=32)
    year = models.IntegerField()
    from_month = models.CharField(max_length=7, help_text="First month paid at the new amount.")
    before_fen = models.BigIntegerField()
    increase_fen = models.BigIntegerField()
    after_fen = models.BigIntegerField()
    back_pay_fen = models.BigIntegerField(default=0, help_text="Owed for the months of the year paid before it was posted.")
    rule_version = models.CharField(max_length=120)
    trace = models.TextField()
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "benefits_adjustment"
        indexes = [models.Index(fields=["award_id"], name="benefits_adjustment_award")]


@projected_table
class Recomputation(models.Model):
    """One new version of an award (重新核定, or a correction of a wrong input): the version's figures, the monthly
    difference from the version before for each month already paid, and the back pay owed or overpayment to
    recover (deducted from the next payment runs). The versions before stay readable here and in the ledger."""

    key = models.CharField(primary_key=True, max_length=48, help_text="<award>:<version>")
    award_id = models.CharField(max_length=32)
    person_id = models.CharField(max_length=32)
    version = models.IntegerField(help_text="The new version (2 for the first recomputation).")
    trigger = models.CharField(max_length=20, help_text="official_rate, late_recognition, pension_base or correction.")
    category = models.CharField(max_length=10)
    retirement_month = models.CharField(max_length=7)
    start_month = models.CharField(max_length=7, help_text="First month paid under this version.")
    from_month = models.CharField(max_length=7, help_text="First month of the payment runs paid at the new amount.")
    basic_fen = models.BigIntegerField()
    account_fen = models.BigIntegerField()
    transitional_fen = models.BigIntegerField()
    awarded_fen = models.BigIntegerField(help_text="The version's monthly pension at retirement, before adjustments.")
    after_fen = models.BigIntegerField(help_text="The monthly pension in force from from_month (adjustments re-applied).")
    before_fen = models.BigIntegerField(help_text="The monthly pension in force before this version.")
    months_settled = models.IntegerField(help_text="Months already paid (or due) whose amount changed.")
    back_pay_fen = models.BigIntegerField(help_text="Owed to the retiree for months already paid (补发).")
    overpayment_fen = models.BigIntegerField(help_text="Paid too much: recovered by deduction from later payments (多发).")
    rule_version = models.CharField(max_length=120)
    trace = models.TextField()
    txn = models.CharField(max_length=32)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "benefits_recomputation"
        indexes = [models.Index(fields=["award_id"], name="benefits_recomputation_award")]
        constraints = [
            models.CheckConstraint(condition=models.Q(back_pay_fen__gte=0) & models.Q(overpayment_fen__gte=0)
                                   & (models.Q(back_pay_fen=0) | models.Q(overpayment_fen=0)),
                                   name="benefits_recomputation_one_way"),
            models.CheckConstraint(condition=models.Q(version__gte=2), name="benefits_recomputation_version")]


@projected_table
class AccountClosure(models.Model):
    """An individual account closed before retirement (here: the insured person's death): the months of the
    closing year credited as a part year, and the balance that is paid to the heirs (个人账户余额继承)."""

    person_id = models.CharField(primary_key=True, max_length=32, help_text="registry_person.uid")
    reason = models.CharField(max_length=16, help_text="death")
    on_date = models.CharField(max_length=10, help_text="Date of the event, YYYY-MM-DD.")
    year = models.IntegerField(help_text="The year credited as a part year (and the last year of the account).")
    months = models.IntegerField()
    balance_fen = models.BigIntegerField(help_text="The account balance at the closing (inheritable).")
    txn = models.CharField(max_length=32)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "benefits_account_closure"


@projected_table
class OverpaymentCase(models.Model):
    """A pension paid for months after the pensioner's death (经办条例 第四十六条): who received it, what was paid and
    what has been recovered — by offset against the inheritable account balance first, then under an instalment
    agreement or as repaid — each a reviewed transaction (benefits/overpayments.py). What is still owed, and so whether
    it is open or recovered, is derived (overpaid − recovered), never stored apart."""

    uid = models.CharField(primary_key=True, max_length=32, help_text="The discrepancy (or transaction) that opened it.")
    person_id = models.CharField(max_length=32, db_index=True, help_text="The deceased pensioner (registry_person.uid).")
    award_id = models.CharField(max_length=32)
    months = models.TextField(help_text="The months paid after the death, JSON list of YYYY-MM.")
    overpaid_fen = models.BigIntegerField(help_text="Paid for those months less what the bank returned.")
    recovered_fen = models.BigIntegerField(default=0)
    received_by_sealed = models.TextField(blank=True, help_text="Who received it (name), sealed; empty: the heirs.")
    relation = models.CharField(max_length=16, help_text="The receiver's relation to the deceased (RELATIONS).")
    agreement = models.TextField(blank=True, help_text="The instalment agreement, canonical JSON: monthly_fen, "
                                                        "first_month, months.")
    opened_at = models.CharField(max_length=27)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "benefits_overpayment_case"
        constraints = [
            models.CheckConstraint(condition=models.Q(overpaid_fen__gt=0) & models.Q(recovered_fen__gte=0)
                                   & models.Q(recovered_fen__lte=models.F("overpaid_fen")),
                                   name="overpayment_recovered_within")]

    @property
    def owed_fen(self) -> int:
        return self.overpaid_fen - self.recovered_fen

    @property
    def status(self) -> str:
        return "open" if self.owed_fen else "recovered"


@projected_table
class SurvivorClaim(models.Model):
    """The survivors' benefits of a deceased person, paid when a survivor applied (经办条例 第十九条): the funeral grant
    and the survivors' pension by the region's rules, the inheritance of the account balance, less an overpayment
    offset (benefits/survivors.py). One per deceased person."""

    person_id = models.CharField(primary_key=True, max_length=32, help_text="The deceased (registry_person.uid).")
    claim = models.CharField(max_length=32, help_text="The transaction that paid it.")
    claimant_sealed = models.TextField(help_text="The survivor who applied (name), sealed.")
    relation = models.CharField(max_length=16)
    funeral_grant_fen = models.BigIntegerField()
    survivors_pension_fen = models.BigIntegerField()
    inheritance_fen = models.BigIntegerField()
    offset_fen = models.BigIntegerField(help_text="Taken from it to recover an overpayment.")
    paid_fen = models.BigIntegerField(help_text="Paid to the survivor: the three, less the offset.")
    rule_version = models.CharField(max_length=120)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "benefits_survivor_claim"
        constraints = [models.CheckConstraint(
            condition=models.Q(funeral_grant_fen__gte=0, survivors_pension_fen__gte=0, inheritance_fen__gte=0,
                               offset_fen__gte=0, paid_fen__gte=0)
            & models.Q(paid_fen=models.F("funeral_grant_fen") + models.F("survivors_pension_fen")
                       + models.F("inheritance_fen") - models.F("offset_fen")),
            name="survivor_claim_adds_up")]
