from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    name = "sirecords.subsidies"
    label = "subsidies"
    verbose_name = "Subsidies"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.subsidies import projectors, transactions  # noqa: F401
