from django.apps import AppConfig


class CliConfig(AppConfig):
    """The `sirecords` commands: every management command of the project lives in this app."""

    name = "sirecords.cli.main"
    label = "cli"
    verbose_name = "Commands"
