from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sirecords.records"
    label = "records"
    verbose_name = "Personal records and the access log"
    # The access log registers itself with the ledger in models.py (ACCESS_LOG): `verify` checks it there.
