from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "sirecords.workflow"
    label = "workflow"
    verbose_name = "Business transactions"
