from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sirecords.records"
    label = "records"
    verbose_name = "Personal records and the access log"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.records import integrity  # noqa: F401
