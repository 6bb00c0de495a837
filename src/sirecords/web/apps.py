from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sirecords.web"
    label = "web"
    verbose_name = "Staff pages"
