"""The ledger head gains the size of the latest checkpoint and the instance's signature; the chained logs'
heads get a table of their own (ledger.chained_log). An existing head is signed here, with the instance's key."""

import json

from django.db import migrations, models


def sign_existing_head(apps, schema_editor):
    from sirecords.ledger import merkle
    from sirecords.ledger.append import HeadState, sign_head

    Head = apps.get_model("ledger", "Head")
    Checkpoint = apps.get_model("ledger", "Checkpoint")
    db = schema_editor.connection.alias
    head = Head.objects.using(db).filter(id=1).first()
    latest = Checkpoint.objects.using(db).order_by("-size").values_list("size", flat=True).first() or 0
    if head is None or (head.size == 0 and latest == 0):
        return  # a new ledger: its head is signed at the first append
    frontier = merkle.CompactRange(head.size, [bytes.fromhex(h) for h in json.loads(head.frontier)])
    state = HeadState(head.size, head.last_hash, frontier, latest)
    Head.objects.using(db).filter(id=1).update(checkpoint_size=latest, signature=sign_head(state))


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_lean_entry_indexes")]

    operations = [
        migrations.AddField(
            model_name="head",
            name="checkpoint_size",
            field=models.BigIntegerField(default=0, help_text="Size of the latest signed checkpoint (0: none yet)."),
        ),
        migrations.AddField(
            model_name="head",
            name="signature",
            field=models.CharField(blank=True, default="", max_length=128,
                                   help_text="Ed25519 over size, last hash, root and checkpoint size (append.head_statement)."),
        ),
        migrations.CreateModel(
            name="LogHead",
            fields=[
                ("name", models.CharField(help_text="The log's table, e.g. audit_access_event.", max_length=64,
                                          primary_key=True, serialize=False)),
                ("size", models.BigIntegerField(default=0)),
                ("last_hash", models.CharField(max_length=64)),
                ("signature", models.CharField(blank=True, default="", max_length=128,
                                               help_text="Ed25519 over the log's name, size and last hash "
                                                         "(chained_log.head_statement).")),
            ],
            options={"db_table": "ledger_log_head"},
        ),
        migrations.RunPython(sign_existing_head, migrations.RunPython.noop),
    ]
