from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "sirecords.users"
    label = "users"
    verbose_name = "Users and roles"

    def ready(self) -> None:
        # Register the transaction types and projectors with the ledger and the integrity checks with verify.
        from sirecords.users import integrity, projectors, transactions  # noqa: F401
