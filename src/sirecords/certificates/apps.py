from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "sirecords.certificates"
    label = "certificates"
    verbose_name = "Certificates and statements"

    def ready(self) -> None:
        from sirecords.certificates import projectors, transactions  # noqa: F401  (register with the ledger)
