"""Contribution rows. They arrive in batches (a collection agency's monthly file, or a single row at
the counter): one ledger entry per batch commits to the Merkle root of its rows as stored, and
`sirecords verify` recomputes it, so a changed, added or missing row is found without one ledger
entry per row. Money is integer fen."""

from django.db import models
from django.db.models import Lookup, Q


class InsuranceType(models.TextChoices):
    PENSION = "pension", "养老保险"
    MEDICAL = "medical", "医疗保险"
    UNEMPLOYMENT = "unemployment", "失业保险"
    WORK_INJURY = "work_injury", "工伤保险"
    MATERNITY = "maternity", "生育保险"


class RowKind(models.TextChoices):
    """What a contribution row records. One row of each kind per person, employer, month and insurance type (the
    database refuses a second: contribution_month_once). Arrears payments, refunds and corrections will be other kinds."""

    ASSESSMENT = "assessment", "核定缴费 assessment"


AMOUNTS = ("wage_fen", "base_fen", "employer_fen", "individual_fen", "account_credit_fen", "arrears_fen")
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
    # No separate index: the unique (batch, row_number) constraint serves look-ups by batch.
    batch = models.ForeignKey(ContributionBatch, on_delete=models.PROTECT, related_name="rows", db_index=False)
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

    class Meta:
        db_table = "contributions_contribution"
        # The database states the invariants (DESIGN.md "Data conventions"): one row of a kind per person, employer,
        # month and insurance type (its index, led by person_id and period, also serves the look-ups by person and
        # period); the period YYYY-MM in ASCII digits with a month 01-12; no negative amount; paid_on empty or a date.
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="contribution_row_once"),
            models.UniqueConstraint(fields=["person_id", "period", "insurance_type", "employer_id", "kind"],
                                    name="contribution_month_once"),
            models.CheckConstraint(condition=Q(period__written_as="YYYY-MM"), name="contribution_period_yyyy_mm"),
            models.CheckConstraint(condition=Q(paid_on="") | Q(paid_on__written_as="YYYY-MM-DD"), name="contribution_paid_on_date"),
            models.CheckConstraint(condition=models.Q(**{f"{name}__gte": 0 for name in AMOUNTS}),
                                   name="contribution_amounts_not_negative"),
        ]


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
