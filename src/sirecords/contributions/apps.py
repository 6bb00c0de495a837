from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "sirecords.contributions"
    label = "contributions"
    verbose_name = "Contributions"
