"""Individual account years (个人账户, 第二条(四)): one row per person and year per crediting run.

Rows are written set-based by the annual crediting run (`sirecords credit`), never one ORM save per
row. One ledger entry per run (``account_years.credited``) commits to the row count and the RFC 6962
Merkle root of the run's rows as stored; `sirecords verify` recomputes it and names any changed,
added or missing row (see `checks.py`).

Rows are never updated: a later run for the same year (an official rate replacing the provisional
one, late contributions, a changed crediting basis, a reviewed correction of a person's account years)
adds rows for the accounts whose figures changed, and the row of the latest run (highest ``run_seq``) is
the account's current figure for that year. Money is integer fen.
"""

from django.db import models

from sirecords.ledger.projection import projected_table


class CreditingRun(models.Model):
    """One posted crediting run: what the ledger entry commits to."""

    uid = models.CharField(primary_key=True, max_length=32, help_text="The business transaction's uid.")
    region = models.CharField(max_length=6)
    year = models.IntegerField()
    rule_version = models.CharField(max_length=120)
    rate = models.CharField(max_length=16, help_text="Crediting rate as a decimal fraction, e.g. 0.0262.")
    rate_status = models.CharField(max_length=12, help_text="provisional or official")
    method = models.CharField(max_length=8, help_text="monthly (月积数法) or annual (1.083)")
    interest_from = models.CharField(max_length=8, help_text="arrival (the month paid, 记账月份) or period: where a "
                                     "credit is credited (runs before issue #12 credited by period).")
    row_count = models.IntegerField()
    rows_root = models.CharField(max_length=64, help_text="RFC 6962 root over the rows' canonical bytes, in row order.")
    entry_seq = models.BigIntegerField(help_text="The ledger entry (account_years.credited) that commits to it.")

    class Meta:
        db_table = "accounts_crediting_run"
        indexes = [models.Index(fields=["year", "entry_seq"], name="crediting_run_year")]


class AccountYear(models.Model):
    """One person's account for one year, as credited by one run."""

    id = models.BigAutoField(primary_key=True)
    # No separate index: the unique (run, row_number) constraint serves look-ups by run.
    run = models.ForeignKey(CreditingRun, on_delete=models.PROTECT, related_name="rows", db_constraint=False, db_index=False)
    run_seq = models.BigIntegerField(help_text="The run's ledger entry seq: the latest run's row is current.")
    row_number = models.IntegerField(help_text="Position in the run, from 1: the Merkle leaf order (by person).")
    person_id = models.CharField(max_length=32, help_text="registry_person.uid")
    year = models.IntegerField()
    opening_fen = models.BigIntegerField(help_text="上年末储存额: the previous year's closing (0 if none).")
    credits_fen = models.BigIntegerField(help_text="当年记账额: the year's monthly account credits, summed.")
    interest_on_prior_fen = models.BigIntegerField()
    interest_on_credits_fen = models.BigIntegerField()
    closing_fen = models.BigIntegerField(help_text="年末储存额 = opening + its interest + credits + their interest.")
    months = models.IntegerField(help_text="Months credited (12 for a whole year).")
    rate = models.CharField(max_length=16)
    rate_status = models.CharField(max_length=12)
    method = models.CharField(max_length=8)
    interest_from = models.CharField(max_length=8, help_text="arrival or period (crediting basis; see CreditingRun).")
    rule_version = models.CharField(max_length=120)
    row_hash = models.CharField(max_length=64, help_text="Leaf hash of the row's canonical bytes (names a changed row).")

    class Meta:
        db_table = "accounts_account_year"
        constraints = [models.UniqueConstraint(fields=["run", "row_number"], name="account_year_row_once"),
                       models.CheckConstraint(condition=models.Q(interest_from__in=("arrival", "period")),
                                              name="account_year_interest_from")]
        # Each index costs about 0.9 s of CPU a million rows posted, the person index about 2 s (its entries go
        # everywhere among the earlier years'); docs/crediting.md "Indexes". By year (and run): the crediting reads a
        # year's rows (the current rows of Y and the closings of Y − 1), the bulk statements and the statistics scan a
        # year. By person: the person's record, statement and award read one person's years; with run_seq the current
        # row of a person-year is found in the index. varchar_pattern_ops (PostgreSQL; ignored on SQLite, whose text
        # comparison is bytewise already) compares ids bytewise, cheaper than the locale collation, and serves equality.
        indexes = [models.Index(fields=["year", "run_seq"], name="account_year_year"),
                   models.Index(fields=["person_id", "year", "run_seq"], name="account_year_person_run",
                                opclasses=["varchar_pattern_ops", "int4_ops", "int8_ops"])]


@projected_table
class DeemedService(models.Model):
    """A recognised period of service before the region's individual-contribution system began (视同缴费年限),
    as approved with the archive that proves it; it counts as contribution months (deemed)."""

    uid = models.CharField(primary_key=True, max_length=32, help_text="The recognising transaction's uid.")
    person_id = models.CharField(max_length=32, help_text="registry_person.uid")
    region = models.CharField(max_length=6, help_text="Pooling region whose system start bounds it.")
    start = models.CharField(max_length=7, help_text="First month, YYYY-MM.")
    end = models.CharField(max_length=7, help_text="Last month, YYYY-MM (before the system began).")
    months = models.IntegerField()
    work_unit = models.CharField(max_length=200, help_text="Where the person served (as in the archive).")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "accounts_deemed_service"
        indexes = [models.Index(fields=["person_id"], name="accounts_deemed_person")]
