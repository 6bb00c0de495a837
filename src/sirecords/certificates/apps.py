from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "sirecords.certificates"
    label = "certificates"
    verbose_name = "Certificates and statements"
