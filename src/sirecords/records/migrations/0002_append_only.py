"""The audit_access_event table is append-only, like the ledger (ledger/triggers.py)."""

from django.db import migrations

from sirecords.ledger import triggers

TABLES = ("audit_access_event",)


def install(apps, schema_editor):
    triggers.install(schema_editor.connection, TABLES)
    apps.get_model("records", "AccessHead").objects.using(schema_editor.connection.alias).create(id=1, size=0)


def drop(apps, schema_editor):
    triggers.drop(schema_editor.connection, TABLES)


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial"), ("ledger", "0002_append_only_and_head")]

    operations = [migrations.RunPython(install, drop)]
