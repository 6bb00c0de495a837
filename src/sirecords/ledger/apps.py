from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "sirecords.ledger"
    label = "ledger"
    verbose_name = "Ledger"
