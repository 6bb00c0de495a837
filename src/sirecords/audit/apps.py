from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sirecords.audit"
    label = "audit"
    verbose_name = "Access log"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (the access-log chain check for `verify`)
