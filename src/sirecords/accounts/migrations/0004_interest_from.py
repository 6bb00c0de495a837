"""The crediting basis of each run and row (issue #12): the runs before it credited by contribution period."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_deemed_service'),
    ]

    operations = [
        migrations.AddField(
            model_name='accountyear',
            name='interest_from',
            field=models.CharField(default='period', help_text='arrival or period (crediting basis; see CreditingRun).',
                                   max_length=8),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='creditingrun',
            name='interest_from',
            field=models.CharField(default='period', help_text='arrival (the month paid, 记账月份) or period: where a credit '
                                   'is credited (runs before issue #12 credited by period).', max_length=8),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name='accountyear',
            constraint=models.CheckConstraint(condition=models.Q(('interest_from__in', ('arrival', 'period'))),
                                              name='account_year_interest_from'),
        ),
    ]
