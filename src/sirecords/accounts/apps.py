from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sirecords.accounts"
    label = "accounts"
    verbose_name = "Individual accounts"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.accounts import deemed, integrity, transactions  # noqa: F401
