from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "sirecords.ops"
    label = "ops"
    verbose_name = "Operations"
