"""Social insurance subsidies received (第二条(二) 补贴): one row per person, month and insurance type, as
granted by a reviewed `grant_subsidy` transaction. A projection of the ledger; money is integer fen."""

from django.db import models

from sirecords.ledger.projection import projected_table


@projected_table
class Subsidy(models.Model):
    """One month of one insurance type subsidised for one person under one scheme."""

    key = models.CharField(primary_key=True, max_length=64, help_text="<grant>:<period>:<insurance type>")
    grant = models.CharField(max_length=32, help_text="The grant_subsidy transaction's uid.")
    person_id = models.CharField(max_length=32, help_text="registry_person.uid")
    region = models.CharField(max_length=6, help_text="Pooling region whose scheme and parameters applied.")
    scheme = models.CharField(max_length=40)
    period = models.CharField(max_length=7, help_text="Contribution month YYYY-MM.")
    insurance_type = models.CharField(max_length=16)
    category = models.CharField(max_length=16, help_text="employee or flexible, as the contribution was paid.")
    employer_paid_fen = models.BigIntegerField(help_text="What the employer paid that month (the subsidy's basis).")
    individual_paid_fen = models.BigIntegerField(help_text="What the person paid that month.")
    amount_fen = models.BigIntegerField(help_text="The subsidy, computed by the rules engine.")
    rule_version = models.CharField(max_length=120, help_text="The parameter set of the month's contribution.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "subsidies_subsidy"
        constraints = [models.UniqueConstraint(fields=["person_id", "period", "insurance_type"], name="subsidy_month_once")]
