"""Contributions and subsidies (第二条(二)): monthly rows per person, employer and insurance type, their
amounts computed by the rules engine, collected through reviewed batches (第五条, 第六条)."""
from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "sirecords.contributions"
    label = "contributions"
    verbose_name = "Contributions"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.contributions import integrity, reversals, row_transactions, transactions  # noqa: F401
