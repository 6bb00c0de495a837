"""The decided applications (a projection of application.approved / application.refused): what the recipients
register (第二十四条, 第二十九条) and the answer and refusal pages read. No personal datum: the persons are counted,
never named (the ledger entry holds them by uid and keyed index)."""

from django.db import models

from sirecords.ledger.projection import projected_table


@projected_table
class Decision(models.Model):
    uid = models.CharField(primary_key=True, max_length=32, help_text="The answer_application transaction's uid.")
    applicant_kind = models.CharField(max_length=16, help_text="authority (第十八条) or unit (第十九条).")
    organisation = models.CharField(max_length=200)
    region = models.CharField(max_length=6)
    decision = models.CharField(max_length=8, help_text="approved or refused.")
    decided_on = models.CharField(max_length=10, help_text="YYYY-MM-DD (UTC).")
    agreed_use = models.TextField(blank=True)
    legal_basis = models.TextField(blank=True)
    items = models.CharField(max_length=100, blank=True, help_text="The 第二条 item codes approved, space-separated.")
    months = models.CharField(max_length=16, blank=True, help_text="YYYY-MM..YYYY-MM approved.")
    persons = models.PositiveIntegerField(default=0)
    disclose_on = models.CharField(max_length=10, blank=True, help_text="An authority's reads are kept from the person until then.")
    reason = models.TextField(blank=True, help_text="A refusal's reason, as told to the applicant.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "applications_decision"
        constraints = [models.CheckConstraint(condition=models.Q(decision__in=("approved", "refused")),
                                              name="application_decision_known"),
                       models.CheckConstraint(condition=models.Q(applicant_kind__in=("authority", "unit")),
                                              name="application_kind_known")]
        indexes = [models.Index(fields=["applicant_kind", "organisation"], name="application_recipient")]
