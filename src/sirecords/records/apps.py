from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sirecords.records"
    label = "records"
    verbose_name = "Personal records and the access log"

    def ready(self) -> None:
        from sirecords.records import checks  # noqa: F401  (the access-log chain check for `verify`)
