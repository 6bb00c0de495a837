from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "sirecords.workflow"
    label = "workflow"
    verbose_name = "Business transactions"

    def ready(self) -> None:
        # The verify check of the stored documents (the action log registers itself in models.py).
        from sirecords.workflow import integrity  # noqa: F401
