from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sirecords.accounts"
    label = "accounts"
    verbose_name = "Individual accounts"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.accounts import corrections, deemed, integrity, transactions  # noqa: F401
        from sirecords.accounts.kinds import ACCOUNT_YEAR_CORRECTED
        from sirecords.registry import maintenance_log

        # A correction of account years is a correction of the record: the maintenance log (第十二条) lists it.
        maintenance_log.log_kind(ACCOUNT_YEAR_CORRECTED, "修正")
