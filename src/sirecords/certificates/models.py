"""Issued certificates: a projection of certificate.issued and certificate.revoked entries (projectors.py).

Offline, a certificate proves itself from its PDF and the agency root; this table adds what only the agency knows
later: that it was revoked. It holds no personal datum in clear (the person by uid only)."""

from django.db import models

from sirecords.ledger.projection import projected_table


@projected_table
class Certificate(models.Model):
    code = models.CharField(primary_key=True, max_length=19, help_text="Verification code, XXXX-XXXX-XXXX-XXXX.")
    kind = models.CharField(max_length=24, help_text="contributions, pension, statement or query_result.")
    person_id = models.CharField(max_length=32, db_index=True, help_text="registry_person.uid")
    issued_at = models.CharField(max_length=27, help_text="UTC, YYYY-MM-DDTHH:MM:SSZ.")
    seqs = models.TextField(help_text="JSON list of the ledger entries the document rests on.")
    txn = models.CharField(max_length=64, help_text="The issue_certificate transaction.")
    revoked_on = models.CharField(max_length=10, blank=True, default="", help_text="YYYY-MM-DD, empty while valid.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "certificates_certificate"
        constraints = [models.CheckConstraint(condition=models.Q(kind__in=["contributions", "pension", "statement", "query_result"]),
                                              name="certificate_kind_known")]

    def __str__(self) -> str:
        return f"{self.kind} {self.code}"
