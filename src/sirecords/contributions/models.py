"""Contribution rows. They arrive in batches (a collection agency's monthly file, or a single row at
the counter): one ledger entry per batch commits to the Merkle root of its rows as stored, and
`sirecords verify` recomputes it, so a changed, added or missing row is found without one ledger
entry per row. Money is integer fen."""

from django.db import models
from django.db.models import Case, F, Lookup, Q, Value, When

from sirecords.ledger.projection import projected_table


class InsuranceType(models.TextChoices):
    PENSION = "pension", "养老保险"
    MEDICAL = "medical", "医疗保险"
    UNEMPLOYMENT = "unemployment", "失业保险"
    WORK_INJURY = "work_injury", "工伤保险"
    MATERNITY = "maternity", "生育保险"


class RowKind(models.TextChoices):
    """What a contribution row records. An assessment is the month as the collection file first brings it (paid, or
    in arrears with `paid_on` empty): one per person, employer, month and insurance type (contribution_month_once).
    An arrears payment (补缴) is the later payment of a month in arrears, with its late fee; a correction (更正) is the
    right row posted in place of a reversed one. Those two are unique per batch (contribution_month_once, whose last key
    is the batch for them): a month may be paid again after a refund, or corrected twice, each in its own batch; that a
    month has at most one row that counts (docs/contributions.md) is checked by the transactions that post them."""

    ASSESSMENT = "assessment", "核定缴费 assessment"
    ARREARS_PAYMENT = "arrears_payment", "补缴 arrears payment"
    CORRECTION = "correction", "更正 correction"


AMOUNTS = ("wage_fen", "base_fen", "employer_fen", "individual_fen", "account_credit_fen", "arrears_fen", "late_fee_fen")
# A text column written in a fixed ASCII format: PostgreSQL's regular expression (~) and SQLite's GLOB, both of which
# compare code points ([0-9] is never a full-width or Arabic-Indic digit, whatever the collation). A regular
# expression on SQLite would call back into Python for every row; GLOB and ~ run in the database.
FORMATS = {
    "YYYY-MM": (r"^[0-9]{4}-(0[1-9]|1[0-2])$", ("[0-9][0-9][0-9][0-9]-0[1-9]", "[0-9][0-9][0-9][0-9]-1[0-2]")),
    "YYYY-MM-DD": (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", ("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]",)),
}


@models.CharField.register_lookup
class WrittenAs(Lookup):
    """``Q(period__written_as="YYYY-MM")``: the column is written in that format of FORMATS (for check constraints)."""

    lookup_name = "written_as"
    prepare_rhs = False

    def _patterns(self) -> tuple[str, tuple[str, ...]]:
        if self.rhs not in FORMATS:
            raise ValueError(f"unknown format {self.rhs!r}; known: {', '.join(FORMATS)}")
        return FORMATS[self.rhs]

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} ~ %s", [*params, self._patterns()[0]]

    def as_sqlite(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        globs = self._patterns()[1]
        return "(" + " OR ".join(f"{lhs} GLOB %s" for _ in globs) + ")", [value for glob in globs for value in (*params, glob)]


class ContributionBatch(models.Model):
    """One posted batch: its rows, their Merkle root, and the ledger entry that commits to them."""

    uid = models.CharField(primary_key=True, max_length=32)
    source = models.CharField(max_length=32, help_text="collection_file, counter, …")
    file_sha256 = models.CharField(max_length=64, blank=True, help_text="The imported file, to recognise it twice.")
    row_count = models.IntegerField()
    rows_root = models.CharField(max_length=64, help_text="RFC 6962 root over the rows' canonical bytes, in row order.")
    rule_versions = models.TextField(help_text="Space-separated parameter-set versions the amounts were computed with.")
    entry_seq = models.BigIntegerField(help_text="The ledger entry (contribution_batch.posted) that commits to it.")
    txn = models.CharField(max_length=32)

    class Meta:
        db_table = "contributions_batch"
        constraints = [models.UniqueConstraint(fields=["file_sha256"], condition=~models.Q(file_sha256=""),
                                               name="contribution_file_once")]


class FileClaim(models.Model):
    """A collection file claimed by its SHA-256 (the primary key: the database refuses a second claim) in the database
    transaction that opens its import, before the transaction is opened; so two imports of one file, however
    concurrent, cannot both open one (services.import_file). Not business data: it only names the transaction that
    took the file; a claim whose transaction ended without posting can be taken over by a new import."""

    sha256 = models.CharField(primary_key=True, max_length=64)
    txn = models.CharField(max_length=32)
    claimed_by = models.CharField(max_length=150)
    claimed_at = models.DateTimeField()

    class Meta:
        db_table = "contributions_file_claim"


class Contribution(models.Model):
    """One month of one insurance type for one person (and employer), as computed and posted."""

    id = models.BigAutoField(primary_key=True)
    # No separate index: the unique (batch, row_number) constraint serves look-ups by batch. No foreign-key constraint
    # in the database either: its check runs once per row (a million trigger events for a million-row file, about as
    # much as writing the rows); a check per statement does the same (migration 0007: every inserted or updated row
    # names a batch that exists, set-based, on both engines), and on_delete=PROTECT still refuses to delete a batch
    # through the ORM (batches are never deleted; verify finds a row whose batch is gone).
    batch = models.ForeignKey(ContributionBatch, on_delete=models.PROTECT, related_name="rows", db_index=False,
                              db_constraint=False)
    row_number = models.IntegerField(help_text="Position in the batch, from 1: the Merkle leaf order.")
    person_id = models.CharField(max_length=32, help_text="registry_person.uid (indexed with period below)")
    employer_id = models.CharField(max_length=32, blank=True, help_text="registry_employer.uid; empty for flexible workers.")
    period = models.CharField(max_length=7, help_text="Contribution month YYYY-MM.")
    insurance_type = models.CharField(max_length=16, choices=InsuranceType.choices)
    category = models.CharField(max_length=16, default="employee", help_text="employee or flexible.")
    wage_fen = models.BigIntegerField(help_text="Declared wage the base is derived from.")
    base_fen = models.BigIntegerField(help_text="Contribution base after the floor and ceiling.")
    employer_fen = models.BigIntegerField()
    individual_fen = models.BigIntegerField()
    account_credit_fen = models.BigIntegerField(help_text="Credited to the individual account this month.")
    paid_on = models.CharField(max_length=10, blank=True, help_text="Date paid, YYYY-MM-DD; empty while in arrears.")
    arrears_fen = models.BigIntegerField(default=0)
    rule_version = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=RowKind.choices, default=RowKind.ASSESSMENT,
                            db_default=RowKind.ASSESSMENT, help_text="What the row records (RowKind).")
    late_fee_fen = models.BigIntegerField(default=0, db_default=0, help_text="Late fee (滞纳金) paid with an arrears "
                                          "payment, computed by the engine (engine/late_fees.py); 0 on other rows.")

    class Meta:
        db_table = "contributions_contribution"
        # The database states the invariants (DESIGN.md "Data conventions"): one row of a kind per person, employer,
        # month and insurance type (its index, led by person_id and period, also serves the look-ups by person and
        # period); the period YYYY-MM in ASCII digits with a month 01-12; no negative amount; paid_on empty or a date.
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="contribution_row_once"),
            # One index for both rules (an assessment once; another kind once per batch), not partial, so that it also
            # serves every query by person (the record, the estimate, benefits, crediting's check, arrears: `person_id =
            # … [AND period …]`), which a partial index cannot; and a collection file's rows update one index, not two.
            models.UniqueConstraint(F("person_id"), F("period"), F("insurance_type"), F("employer_id"), F("kind"),
                                    Case(When(kind="assessment", then=Value("")), default=F("batch_id")),
                                    name="contribution_month_once"),
            models.CheckConstraint(condition=Q(kind="arrears_payment") | Q(late_fee_fen=0), name="contribution_late_fee_with_payment"),
            models.CheckConstraint(condition=Q(period__written_as="YYYY-MM"), name="contribution_period_yyyy_mm"),
            models.CheckConstraint(condition=Q(paid_on="") | Q(paid_on__written_as="YYYY-MM-DD"), name="contribution_paid_on_date"),
            models.CheckConstraint(condition=models.Q(**{f"{name}__gte": 0 for name in AMOUNTS}),
                                   name="contribution_amounts_not_negative"),
        ]


class Reversal(models.Model):
    """A contribution row that no longer counts (refunded 退费, or reversed by a correction 更正). The row itself stays
    as posted (its batch's Merkle root commits to it); the reversal is its own ledger entry
    (`contribution_rows.reversed`), projected here and rebuilt by verify. A row is named by its batch and row
    number, the position the Merkle root commits to. counted.py is the one definition of the rows that count."""

    key = models.CharField(primary_key=True, max_length=48, help_text="batch uid:row number")
    batch_id = models.CharField(max_length=32)
    row_number = models.IntegerField()
    cause = models.CharField(max_length=16, help_text="refund or correction")
    reason = models.TextField()
    entry_seq = models.BigIntegerField(help_text="The contribution_rows.reversed entry.")
    txn = models.CharField(max_length=32)

    class Meta:
        db_table = "contributions_reversal"
        constraints = [models.UniqueConstraint(fields=["batch_id", "row_number"], name="contribution_reversed_once"),
                       models.CheckConstraint(condition=Q(cause__in=["refund", "correction"]), name="reversal_cause_known")]


class PensionCredit(models.Model):
    """Per person, crediting basis and year: the counted pension rows' account credits, summed, and their
    credit-months Σ credit × (13 − month), the year and month being the credit's crediting position on that basis
    (``arrival``: ``paid_on``'s; ``period``: the contribution period's). Both bases are kept, so a region may switch.
    Kept with the rows (the batch's posting adds to it in the same database transaction) so the annual crediting
    reads one row per account instead of twelve; `verify` checks it against the rows (summary.py)."""

    id = models.BigAutoField(primary_key=True)
    person_id = models.CharField(max_length=32)
    basis = models.CharField(max_length=8, help_text="arrival or period: how the rows are placed in years and months.")
    year = models.IntegerField()
    credits_fen = models.BigIntegerField()
    credit_months_fen = models.BigIntegerField()

    class Meta:
        db_table = "contributions_pension_credit"
        constraints = [models.UniqueConstraint(fields=["basis", "year", "person_id"], name="pension_credit_once"),
                       models.CheckConstraint(condition=Q(basis__in=("arrival", "period")), name="pension_credit_basis")]


# --- received with a transfer between pooling regions (第十条; written by the transfers app's projector) -----------


@projected_table
class TransferredMonth(models.Model):
    """A paid pension month received from another pooling region with a transfer (transfer.received): it counts in the
    contribution years here (accounts/years.py; a month paid in both regions counts once and is listed for clean-up,
    先转后清), its region kept for the segmented pension. The proven rows of the package are what it comes from."""

    key = models.CharField(primary_key=True, max_length=48, help_text="transfer uid:YYYY-MM")
    transfer = models.CharField(max_length=32, help_text="transfers_transfer.uid")
    person_id = models.CharField(max_length=32, help_text="registry_person.uid")
    region = models.CharField(max_length=6, help_text="The region the month was paid in (AAB299).")
    period = models.CharField(max_length=7, help_text="YYYY-MM")
    base_fen = models.BigIntegerField(help_text="The month's contribution base there (AAE180).")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "contributions_transferred_month"
        indexes = [models.Index(fields=["person_id", "period"], name="transferred_month_person")]
        constraints = [models.UniqueConstraint(fields=["transfer", "period"], name="transferred_month_once"),
                       models.CheckConstraint(condition=Q(period__written_as="YYYY-MM"), name="transferred_month_period"),
                       models.CheckConstraint(condition=Q(base_fen__gte=0), name="transferred_month_base")]


class AccountTransferDirection(models.TextChoices):
    IN = "in", "转入 in"
    OUT = "out", "转出 out"


@projected_table
class AccountTransfer(models.Model):
    """The individual account moved by a transfer between pooling regions. `in`: ④ received, credited here in `year`
    as a principal earning that whole year's interest (劳社厅发〔1999〕22号: the region joined credits the transfer
    year; contributions_pension_credit holds it with credit-months ④ × 12, so the annual run needs nothing else).
    `out`: the account moved away in `year`; the annual run leaves it out from that year (accounts.closures), the
    balance here is 0.00."""

    transfer = models.CharField(primary_key=True, max_length=32, help_text="transfers_transfer.uid")
    person_id = models.CharField(max_length=32, help_text="registry_person.uid")
    direction = models.CharField(max_length=3, choices=AccountTransferDirection.choices)
    region = models.CharField(max_length=6, help_text="The other region (from, in; to, out).")
    year = models.IntegerField(help_text="The transfer year.")
    amount_fen = models.BigIntegerField(help_text="④ the account that moved.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "contributions_account_transfer"
        indexes = [models.Index(fields=["person_id"], name="account_transfer_person")]
        constraints = [models.CheckConstraint(condition=Q(direction__in=["in", "out"]), name="account_transfer_direction"),
                       models.CheckConstraint(condition=Q(amount_fen__gte=0), name="account_transfer_amount")]
