from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "sirecords.rules"
    label = "rules"
    verbose_name = "Rules engine"
