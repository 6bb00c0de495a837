"""Contribution rows. They arrive in batches (a collection agency's monthly file, or a single row at
the counter): one ledger entry per batch commits to the Merkle root of its rows as stored, and
`sirecords verify` recomputes it, so a changed, added or missing row is found without one ledger
entry per row. Money is integer fen."""

from django.db import models


class InsuranceType(models.TextChoices):
    PENSION = "pension", "养老保险"
    MEDICAL = "medical", "医疗保险"
    UNEMPLOYMENT = "unemployment", "失业保险"
    WORK_INJURY = "work_injury", "工伤保险"
    MATERNITY = "maternity", "生育保险"


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

    class Meta:
        db_table = "contributions_contribution"
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="contribution_row_once")]
        indexes = [models.Index(fields=["person_id", "period"], name="contribution_person_period")]


class PensionCredit(models.Model):
    """Per person and year: the paid pension rows' account credits, summed, and their credit-months
    Σ credit × (13 − month). Kept with the rows (the batch's posting adds to it in the same database
    transaction) so the annual crediting reads one row per account instead of twelve; `verify` checks
    it against the rows (checks.py)."""

    id = models.BigAutoField(primary_key=True)
    person_id = models.CharField(max_length=32)
    year = models.IntegerField()
    credits_fen = models.BigIntegerField()
    credit_months_fen = models.BigIntegerField()

    class Meta:
        db_table = "contributions_pension_credit"
        constraints = [models.UniqueConstraint(fields=["year", "person_id"], name="pension_credit_once")]
