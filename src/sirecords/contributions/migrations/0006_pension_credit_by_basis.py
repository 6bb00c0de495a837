"""The pension credit summary keyed by (person, crediting basis, year): rebuilt from the rows on both bases
(summary.py; issue #12: crediting by the month the money arrived)."""

from django.db import migrations, models

# The aggregate of summary.credits_select() at the time of this migration (a migration does not import live code):
# the pension rows that count (paid, not reversed: counted.py) on both bases.
COUNTED = ("insurance_type = 'pension' AND paid_on <> '' AND NOT EXISTS (SELECT 1 FROM contributions_reversal rv "
           "WHERE rv.batch_id = contributions_contribution.batch_id AND rv.row_number = contributions_contribution.row_number)")
FILL = f"""
INSERT INTO contributions_pension_credit (person_id, basis, year, credits_fen, credit_months_fen)
SELECT person_id, 'arrival', CAST(SUBSTR(paid_on, 1, 4) AS INTEGER), SUM(account_credit_fen),
       SUM(account_credit_fen * (13 - CAST(SUBSTR(paid_on, 6, 2) AS INTEGER)))
FROM contributions_contribution
WHERE {COUNTED}
GROUP BY person_id, SUBSTR(paid_on, 1, 4)
UNION ALL
SELECT person_id, 'period', CAST(SUBSTR(period, 1, 4) AS INTEGER), SUM(account_credit_fen),
       SUM(account_credit_fen * (13 - CAST(SUBSTR(period, 6, 2) AS INTEGER)))
FROM contributions_contribution
WHERE {COUNTED}
GROUP BY person_id, SUBSTR(period, 1, 4)
"""  # nosec B608 # constant SQL of the migration

# Going back: the summary as 0003 made it, keyed by (person, period year).
FILL_BY_PERIOD = f"""
INSERT INTO contributions_pension_credit (person_id, year, credits_fen, credit_months_fen)
SELECT person_id, CAST(SUBSTR(period, 1, 4) AS INTEGER), SUM(account_credit_fen),
       SUM(account_credit_fen * (13 - CAST(SUBSTR(period, 6, 2) AS INTEGER)))
FROM contributions_contribution
WHERE {COUNTED}
GROUP BY person_id, SUBSTR(period, 1, 4)
"""  # nosec B608 # constant SQL of the migration

EMPTY = "DELETE FROM contributions_pension_credit"


class Migration(migrations.Migration):

    dependencies = [
        ('contributions', '0005_arrears_payments_reversals'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='pensioncredit', name='pension_credit_once'),
        migrations.RunSQL(EMPTY, FILL_BY_PERIOD),
        migrations.AddField(
            model_name='pensioncredit',
            name='basis',
            field=models.CharField(default='period', help_text='arrival or period: how the rows are placed in years and months.',
                                   max_length=8),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name='pensioncredit',
            constraint=models.UniqueConstraint(fields=('basis', 'year', 'person_id'), name='pension_credit_once'),
        ),
        migrations.AddConstraint(
            model_name='pensioncredit',
            constraint=models.CheckConstraint(condition=models.Q(('basis__in', ('arrival', 'period'))),
                                              name='pension_credit_basis'),
        ),
        migrations.RunSQL(FILL, EMPTY),
    ]
