from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "sirecords.regions"
    label = "regions"
    verbose_name = "Pooling regions and their keys (第十条)"

    def ready(self) -> None:
        from sirecords.regions import projectors, transactions  # noqa: F401  (ledger, verify)
