from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "sirecords.disputes"
    label = "disputes"
    verbose_name = "Disputes of the record (第十六条)"

    def ready(self) -> None:
        from sirecords.disputes import projectors, transactions  # noqa: F401  (ledger, verify)
