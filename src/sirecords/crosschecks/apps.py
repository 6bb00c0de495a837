from django.apps import AppConfig


class CrosschecksConfig(AppConfig):
    name = "sirecords.crosschecks"
    label = "crosschecks"
    verbose_name = "Cross-checks with other departments (第五条)"

    def ready(self) -> None:
        from sirecords.crosschecks import integrity, projectors, resolution, transactions  # noqa: F401  (ledger, verify)
