from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    name = "sirecords.subsidies"
    label = "subsidies"
    verbose_name = "Subsidies"

    def ready(self) -> None:
        from sirecords.subsidies import projections, transactions  # noqa: F401  (register with the ledger)
