from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sirecords.registry"
    label = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from sirecords.registry import maintenance, projectors, transactions  # noqa: F401  (register with the ledger)
