from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "sirecords.transfers"
    label = "transfers"
    verbose_name = "Transfers between pooling regions (第十条)"

    def ready(self) -> None:
        from sirecords.accounts import closures
        from sirecords.transactions.posting import register_guard
        from sirecords.transfers import integrity, projectors, steps, supplements, transactions  # noqa: F401  (ledger, verify)
        from sirecords.transfers.closure import SOURCE, kept_for_reference

        closures.register(SOURCE)
        register_guard(kept_for_reference)
