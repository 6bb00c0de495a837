from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "sirecords.benefits"
    label = "benefits"
    verbose_name = "Benefits"

    def ready(self) -> None:
        from sirecords.benefits import (  # noqa: F401  (register with the ledger and verify)
            adjustments,
            checks,
            closures,
            projections,
            transactions,
        )

        closures.register_with_accounts()
