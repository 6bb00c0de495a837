from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "sirecords.rules"
    label = "rules"
    verbose_name = "Rules engine"

    def ready(self) -> None:
        from . import transactions  # noqa: F401  (register load_rule_parameters and its projector with the ledger)
