"""The workflow_action table is append-only, like the ledger (ledger/triggers.py)."""

from django.db import migrations

from sirecords.ledger import triggers

TABLES = ("workflow_action",)


def install(apps, schema_editor):
    triggers.install(schema_editor.connection, TABLES)


def drop(apps, schema_editor):
    triggers.drop(schema_editor.connection, TABLES)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial"), ("ledger", "0002_append_only_and_head")]

    operations = [migrations.RunPython(install, drop)]
