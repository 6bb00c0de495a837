from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "sirecords.benefits"
    label = "benefits"
    verbose_name = "Benefits"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.benefits import adjustments, closures, integrity, projectors, transactions  # noqa: F401

        closures.register_with_accounts()
