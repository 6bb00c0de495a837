from django.apps import AppConfig
from django.core import checks


class QueriesConfig(AppConfig):
    name = "sirecords.queries"
    label = "queries"
    verbose_name = "Queries of the record by the person, a delegate or an employer, within their scope"

    def ready(self) -> None:
        from sirecords.queries import transactions  # noqa: F401 (registers record_query)
        from sirecords.queries.scopes import load_scopes

        load_scopes()  # a broken scopes.toml stops the start, not the first query
        checks.register(check_query_purpose, checks.Tags.security)


def check_query_purpose(app_configs, **kwargs) -> list:
    """The counter query states its own read purpose (queries/services.PURPOSE_CODE): the configured list must keep it."""
    from django.conf import settings

    from sirecords.queries.services import PURPOSE_CODE

    if PURPOSE_CODE in settings.SIRECORDS_READ_PURPOSES:
        return []
    return [checks.Error(f"SIRECORDS_READ_PURPOSES lacks {PURPOSE_CODE!r}, which the counter query states itself",
                         id="sirecords.E111")]
