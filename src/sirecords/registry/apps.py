from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sirecords.registry"
    label = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.registry import maintenance, projectors, transactions  # noqa: F401
