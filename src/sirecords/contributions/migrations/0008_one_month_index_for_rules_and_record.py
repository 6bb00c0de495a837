"""One unique index for a month's rules instead of two partial ones, usable by every query by person.

contribution_month_once (assessments, partial) and contribution_month_once_per_batch (the other kinds, partial) become
one index on (person_id, period, insurance_type, employer_id, kind, CASE kind WHEN 'assessment' THEN '' ELSE batch_id
END): an assessment once per person, employer, month and insurance type, another kind once per batch, as before. Not
partial, it serves the queries by person (`person_id = %s [AND period …]`: the record, the estimate, benefits,
subsidies, crediting's check, arrears), which could use neither partial index and read the whole table.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contributions', '0007_rows_batch_checked_per_statement'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='contribution',
            name='contribution_month_once',
        ),
        migrations.RemoveConstraint(
            model_name='contribution',
            name='contribution_month_once_per_batch',
        ),
        migrations.AddConstraint(
            model_name='contribution',
            constraint=models.UniqueConstraint(models.F('person_id'), models.F('period'), models.F('insurance_type'), models.F('employer_id'), models.F('kind'), models.Case(models.When(kind='assessment', then=models.Value('')), default=models.F('batch_id')), name='contribution_month_once'),
        ),
    ]
