from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sirecords.accounts"
    label = "accounts"
    verbose_name = "Individual accounts"

    def ready(self) -> None:
        from sirecords.accounts import checks, deemed, transactions  # noqa: F401  (register with the ledger and verify)
