from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "sirecords.users"
    label = "users"
    verbose_name = "Users and roles"

    def ready(self) -> None:
        from sirecords.users import checks, projectors, transactions  # noqa: F401  (register with the ledger)
