from django.db import migrations, models


def drop_database_cache(apps, schema_editor):
    """The look-up counters were kept in Django's database cache (0004), whose increment is not atomic; they are
    counters of the last minute or hour, so nothing is carried over."""
    schema_editor.execute("DROP TABLE IF EXISTS sirecords_rate_cache")


def unlogged_on_postgresql(apps, schema_editor):
    """Counters need not survive a crash, and their commits need not wait for the disk (records/counters.py)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE records_rate_counter SET UNLOGGED")


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0005_withheld_reads'),
    ]

    operations = [
        migrations.CreateModel(
            name='RateCounter',
            fields=[
                ('cache_key', models.CharField(max_length=255, primary_key=True, serialize=False)),
                ('count', models.BigIntegerField()),
                ('expires', models.DateTimeField(help_text='UTC; an expired counter counts as absent and is replaced.')),
            ],
            options={
                'db_table': 'records_rate_counter',
                'indexes': [models.Index(fields=['expires'], name='rate_counter_expires')],
                'constraints': [models.CheckConstraint(condition=models.Q(('count__gte', 0)), name='rate_counter_not_negative')],
            },
        ),
        migrations.RunPython(unlogged_on_postgresql, migrations.RunPython.noop),
        migrations.RunPython(drop_database_cache, migrations.RunPython.noop),
    ]
