from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "sirecords.operations"
    label = "operations"
    verbose_name = "Operations: backup checks and drills"

    def ready(self) -> None:
        from sirecords.operations import transactions  # noqa: F401  (register with the ledger)
