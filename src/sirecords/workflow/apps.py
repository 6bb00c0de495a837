from django.apps import AppConfig
from django.core import checks

# The kinds of stored file under SIRECORDS_HOME or in the object store (crypto/objects.py), each one folder name.
STORED_FOLDERS = ("attachments", "collection", "feeds", "transfers")


class WorkflowConfig(AppConfig):
    name = "sirecords.workflow"
    label = "workflow"
    verbose_name = "Business transactions"

    def ready(self) -> None:
        # The verify check of the stored documents (the action log registers itself in models.py).
        from sirecords.workflow import integrity  # noqa: F401

        checks.register(check_object_store, checks.Tags.compatibility)


def check_object_store(app_configs, **kwargs) -> list:
    """SIRECORDS_OBJECT_STORE and SIRECORDS_OBJECT_STORE_<FOLDER> read as s3://BUCKET/PREFIX (nothing is asked of the
    store here: a command or a server that starts does not wait on it)."""
    from sirecords.crypto.objects import PlaceError, place, witness_place

    problems = []
    for where in (*(lambda folder=folder: place(folder) for folder in STORED_FOLDERS), witness_place):
        try:
            where()
        except PlaceError as wrong:
            problems.append(checks.Error(str(wrong), id="sirecords.E121"))
    return list({p.msg: p for p in problems}.values())
