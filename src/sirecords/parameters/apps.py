from django.apps import AppConfig


class ParametersConfig(AppConfig):
    name = "sirecords.parameters"
    label = "parameters"
    verbose_name = "Rule parameter sets"

    def ready(self) -> None:
        from sirecords.parameters import transactions  # noqa: F401  (register load_rule_parameters and its projector with the ledger)
