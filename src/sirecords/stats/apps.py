"""De-identified statistics for administrative use (issue 11, 第十七条). No models: it reads the projections."""
from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "sirecords.stats"
    label = "stats"
    verbose_name = "De-identified statistics"
