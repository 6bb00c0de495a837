from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "sirecords.applications"
    label = "applications"
    verbose_name = "Written applications to query records by authorities and other units"

    def ready(self) -> None:
        from sirecords.applications import projectors, transactions  # noqa: F401 (register with the ledger)
