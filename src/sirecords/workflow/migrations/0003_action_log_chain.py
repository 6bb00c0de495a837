"""The action log becomes a chained log with a signed head (ledger.chained_log): each action's id is its place
in the chain (renumbered here from 1 without gaps, in id order: nothing refers to an action by id), and gets
prev_hash and hash; the head is signed with the instance's key. The append-only triggers are set aside while the
existing rows are numbered."""

from django.db import migrations, models

from sirecords.ledger import triggers

TABLES = ("workflow_action",)
NAME = "workflow_action"
VERSION = "sirecords/workflow/action/v1"
FIELDS = ("txn_id", "actor", "kind", "stage", "opinion", "at")


def chain_existing(apps, schema_editor):
    from sirecords.ledger.chained_log import head_signature, record_hash
    from sirecords.ledger.entry_hash import GENESIS_PREV_HASH

    Action = apps.get_model("workflow", "Action")
    actions = Action.objects.using(schema_editor.connection.alias)
    triggers.reinstall(schema_editor.connection, TABLES)  # SQLite's ALTER (the fields above) copies the table, losing them
    if not actions.exists():
        return
    triggers.drop(schema_editor.connection, TABLES)
    seq, last_hash = 0, GENESIS_PREV_HASH
    for row in list(actions.order_by("id").values_list("id", *FIELDS)):
        seq += 1  # never above the old id: renumbering in ascending order meets no id still in use
        digest = record_hash(VERSION, seq, row[1:], last_hash)
        actions.filter(id=row[0]).update(id=seq, prev_hash=last_hash, hash=digest)
        last_hash = digest
    apps.get_model("ledger", "LogHead").objects.using(schema_editor.connection.alias).update_or_create(
        name=NAME, defaults={"size": seq, "last_hash": last_hash, "signature": head_signature(NAME, seq, last_hash)})
    triggers.install(schema_editor.connection, TABLES)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0002_append_only"), ("ledger", "0004_signed_heads")]

    operations = [
        migrations.AddField(model_name="action", name="prev_hash", field=models.CharField(default="", max_length=64),
                            preserve_default=False),
        migrations.AddField(model_name="action", name="hash", field=models.CharField(default="", max_length=64),
                            preserve_default=False),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
