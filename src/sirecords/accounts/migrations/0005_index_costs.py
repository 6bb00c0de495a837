"""Indexes of accounts_account_year that earn their cost (issue #14, docs/crediting.md "Indexes"): (year, run_seq) for
the year-wide reads of the crediting run, the bulk statements and the statistics, in place of (year, person_id,
run_seq); (person_id, year, run_seq) for one person's years (the record, the statement, the award) and the current row
of a person-year, in place of (person_id, year), its person id compared bytewise on PostgreSQL (varchar_pattern_ops;
SQLite ignores operator classes and compares text bytewise anyway)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_interest_from'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='accountyear',
            name='account_year_current',
        ),
        migrations.RemoveIndex(
            model_name='accountyear',
            name='account_year_person',
        ),
        migrations.AddIndex(
            model_name='accountyear',
            index=models.Index(fields=['year', 'run_seq'], name='account_year_year'),
        ),
        migrations.AddIndex(
            model_name='accountyear',
            index=models.Index(fields=['person_id', 'year', 'run_seq'], name='account_year_person_run', opclasses=['varchar_pattern_ops', 'int4_ops', 'int8_ops']),
        ),
    ]
