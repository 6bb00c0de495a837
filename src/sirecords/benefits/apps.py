from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "sirecords.benefits"
    label = "benefits"
    verbose_name = "Benefits"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.benefits import (  # noqa: F401
            adjustments,
            closures,
            integrity,
            overpayments,
            projectors,
            recompute,
            survivors,
            transactions,
        )
        from sirecords.benefits.kinds import AWARD_CORRECTED
        from sirecords.registry.maintenance_log import log_kind

        closures.register_with_accounts()
        log_kind(AWARD_CORRECTED, "修正")
