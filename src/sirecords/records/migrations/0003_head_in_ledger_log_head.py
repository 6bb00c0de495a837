"""The access log's head moves to ledger_log_head (ledger.chained_log), signed with the instance's key."""

from django.db import migrations

NAME = "audit_access_event"


def move_head(apps, schema_editor):
    from sirecords.ledger.chained_log import head_signature

    old = apps.get_model("records", "AccessHead").objects.using(schema_editor.connection.alias).filter(id=1).first()
    if old is None or old.size == 0:
        return  # an empty log: its head is made and signed with its first record
    apps.get_model("ledger", "LogHead").objects.using(schema_editor.connection.alias).update_or_create(
        name=NAME, defaults={"size": old.size, "last_hash": old.last_hash,
                             "signature": head_signature(NAME, old.size, old.last_hash)})


class Migration(migrations.Migration):
    dependencies = [("records", "0002_append_only"), ("ledger", "0004_signed_heads")]

    operations = [
        migrations.RunPython(move_head, migrations.RunPython.noop),
        migrations.DeleteModel(name="AccessHead"),
    ]
