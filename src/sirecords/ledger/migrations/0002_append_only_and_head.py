"""Append-only triggers on entries and checkpoints, and the single head row."""

from django.db import migrations

from sirecords.ledger import triggers
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH


def install_triggers(apps, schema_editor):
    triggers.install(schema_editor.connection, triggers.LEDGER_TABLES)


def drop_triggers(apps, schema_editor):
    triggers.drop(schema_editor.connection, triggers.LEDGER_TABLES)


def create_head(apps, schema_editor):
    apps.get_model("ledger", "Head").objects.using(schema_editor.connection.alias).create(id=1, size=0, last_hash=GENESIS_PREV_HASH, frontier="[]")


def delete_head(apps, schema_editor):
    apps.get_model("ledger", "Head").objects.using(schema_editor.connection.alias).filter(id=1).delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(install_triggers, drop_triggers),
        migrations.RunPython(create_head, delete_head),
    ]
