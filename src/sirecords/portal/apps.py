from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sirecords.portal"
    label = "portal"
    verbose_name = "Portal accounts of insured persons and employers"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.portal import integrity, projectors, transactions  # noqa: F401
