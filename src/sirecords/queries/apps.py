from django.apps import AppConfig


class QueriesConfig(AppConfig):
    name = "sirecords.queries"
    label = "queries"
    verbose_name = "Queries of the record by the person, a delegate or an employer, within their scope"

    def ready(self) -> None:
        from sirecords.queries import transactions  # noqa: F401 (registers record_query)
        from sirecords.queries.scopes import load_scopes

        load_scopes()  # a broken scopes.toml stops the start, not the first query
