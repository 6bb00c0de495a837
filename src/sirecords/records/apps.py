from django.apps import AppConfig
from django.core import checks

# The purposes the pages state themselves (records/purposes.implied): the configured list must keep them.
IMPLIED_PURPOSES = ("counter", "transaction", "supervision")


class RecordsConfig(AppConfig):
    name = "sirecords.records"
    label = "records"
    verbose_name = "Personal records and the access log"

    # The access log registers itself with the ledger in models.py (ACCESS_LOG): `verify` checks it there.
    def ready(self) -> None:
        from sirecords.records import projectors, transactions  # noqa: F401  (register with the ledger)
        from sirecords.records.reads import home_region_of
        from sirecords.workflow.regions import register_home_region

        # The workflow checks that a transaction about a person is made in the person's pooling region.
        register_home_region(home_region_of)
        checks.register(check_read_settings, checks.Tags.security)


def check_read_settings(app_configs, **kwargs) -> list:
    from django.conf import settings

    problems = []
    purposes = settings.SIRECORDS_READ_PURPOSES
    for code in IMPLIED_PURPOSES:
        if code not in purposes:
            problems.append(checks.Error(f"SIRECORDS_READ_PURPOSES lacks {code!r}, which the pages state themselves",
                                         id="sirecords.E101"))
    for code, entry in purposes.items():
        if not isinstance(entry, dict) or not entry.get("zh") or not entry.get("en") or "reference" not in entry:
            problems.append(checks.Error(f"SIRECORDS_READ_PURPOSES[{code!r}] needs zh, en and reference",
                                         id="sirecords.E102"))
    limits = settings.SIRECORDS_READ_LIMITS
    for who in ("user", "token"):
        if not all(isinstance(limits.get(who, {}).get(w), int) and limits[who][w] > 0 for w in ("hour", "day")):
            problems.append(checks.Error(f"SIRECORDS_READ_LIMITS[{who!r}] needs positive whole hour and day limits",
                                         id="sirecords.E103"))
    return problems
