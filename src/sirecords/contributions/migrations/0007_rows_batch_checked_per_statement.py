"""The contribution rows' batch is checked once per statement instead of once per row.

The foreign key from contributions_contribution.batch_id to contributions_batch fired one deferred trigger event per
inserted row: for a million-row collection file a million look-ups at commit, about as long as writing the rows
(bench/README.md, ingest). In its place a trigger checks that every row an INSERT or UPDATE writes names a batch that
exists: on PostgreSQL once per statement over the statement's new rows (a transition table: one hash anti-join), on
SQLite per row (SQLite has no statement triggers; its imports are small). The check runs at the statement's end, not
at commit: every writer inserts the batch row before its rows (transactions.batch_posted, counter.insert). Deleting a
batch stays refused by the ORM (on_delete=PROTECT); verify reports a row whose batch is missing.
Note for later migrations: a SQLite table rebuild (AlterField on contributions_contribution) drops its triggers; make
them again there.
"""

import django.db.models.deletion
from django.db import migrations, models

MESSAGE = "contribution rows must name a batch of contributions_batch"

POSTGRESQL = f"""
CREATE FUNCTION contributions_rows_have_batch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT batch_id FROM new_rows) n
               WHERE NOT EXISTS (SELECT 1 FROM contributions_batch b WHERE b.uid = n.batch_id)) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER contribution_rows_have_batch_insert AFTER INSERT ON contributions_contribution
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contributions_rows_have_batch();
CREATE TRIGGER contribution_rows_have_batch_update AFTER UPDATE ON contributions_contribution
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contributions_rows_have_batch();
"""  # nosec B608 # constant SQL of the migration
POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS contribution_rows_have_batch_insert ON contributions_contribution;
DROP TRIGGER IF EXISTS contribution_rows_have_batch_update ON contributions_contribution;
DROP FUNCTION IF EXISTS contributions_rows_have_batch();
"""
SQLITE = [f"""
CREATE TRIGGER contribution_rows_have_batch_{event.split()[0].lower()} BEFORE {event} ON contributions_contribution
WHEN NOT EXISTS (SELECT 1 FROM contributions_batch b WHERE b.uid = NEW.batch_id)
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
""" for event in ("INSERT", "UPDATE OF batch_id")]  # nosec B608 # constant SQL of the migration
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS contribution_rows_have_batch_insert",
                  "DROP TRIGGER IF EXISTS contribution_rows_have_batch_update"]


def forwards(apps, schema_editor):
    run(schema_editor, POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE)


def backwards(apps, schema_editor):
    run(schema_editor, POSTGRESQL_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE)


def run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:  # the connection the migration runs on (migrate --database)
        for statement in [statements] if isinstance(statements, str) else statements:
            cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('contributions', '0006_pension_credit_by_basis'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contribution',
            name='batch',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='rows', to='contributions.contributionbatch'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
