"""An action's id is its place in the chain, given by ACTION_LOG.append, no longer by the database. (A migration of
its own: PostgreSQL does not alter a table in the transaction that updated its rows.)"""

from django.db import migrations, models

from sirecords.ledger import triggers


def reinstall_triggers(apps, schema_editor):
    triggers.reinstall(schema_editor.connection, ("workflow_action",))  # SQLite's ALTER copies the table and loses them


class Migration(migrations.Migration):
    dependencies = [("workflow", "0003_action_log_chain")]

    operations = [
        migrations.AlterField(
            model_name="action",
            name="id",
            field=models.BigIntegerField(help_text="Place in the action log, from 1, without gaps.", primary_key=True,
                                         serialize=False),
        ),
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop),
    ]
