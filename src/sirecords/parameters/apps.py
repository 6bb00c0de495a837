from django.apps import AppConfig


class ParametersConfig(AppConfig):
    name = "sirecords.parameters"
    label = "parameters"
    verbose_name = "Rule parameter sets"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.parameters import transactions  # noqa: F401
