"""Rule parameter sets as loaded through the ledger (第六条 fourth paragraph: rules set in advance).

Every parameter set a computation ever used is posted by a reviewed `load_rule_parameters` transaction
(parameters/transactions.py); this table is its projection, rebuilt and compared by `sirecords verify`.
Importing this module loads Django, so the pure engine modules never import it.
"""

from django.db import models

from sirecords.ledger.projection import projected_table


@projected_table
class RuleParameterSet(models.Model):
    version = models.CharField(primary_key=True, max_length=120, help_text="<region>/<period>@<SHA-256 of the canonical JSON>")
    region = models.CharField(max_length=16)
    period = models.CharField(max_length=7, help_text="YYYY, or YYYY-MM for a set in force from a month")
    canonical = models.TextField(help_text="The set's canonical JSON (ParamSet.canonical), as posted.")
    last_seq = models.BigIntegerField(help_text="The ledger entry (parameter_set.loaded) that loaded it.")

    class Meta:
        db_table = "rules_parameter_set"

    def __str__(self) -> str:
        return self.version
