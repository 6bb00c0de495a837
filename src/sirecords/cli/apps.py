from django.apps import AppConfig


class CliConfig(AppConfig):
    """The `sirecords` commands: every management command of the project lives in this app."""

    name = "sirecords.cli"
    label = "cli"
    verbose_name = "Commands"
