from django.db import migrations, models


def refuse_persons_with_a_clear_birth_date(apps, schema_editor):
    """Persons registered when the birth date was kept in clear: their ledger entries still hold it, and the ledger
    is never rewritten, so such a database cannot be brought to the sealed form."""
    count = apps.get_model("registry", "Person").objects.using(schema_editor.connection.alias).count()
    if count:
        raise RuntimeError(f"registry_person holds {count} persons whose ledger entries keep the birth date in clear; "
                           f"make a new home (sirecords init) and register them again")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0002_person_pooling_region"),
    ]

    operations = [
        migrations.RunPython(refuse_persons_with_a_clear_birth_date, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="person",
            name="birth_date",
        ),
        migrations.AddField(
            model_name="person",
            name="birth_date_sealed",
            field=models.TextField(default="", help_text="The full birth date, sealed: with the address code, the sex "
                                   "and a mask it would narrow the ID number to a few hundred numbers."),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="person",
            name="birth_month",
            field=models.CharField(default="", help_text="Birth year-month YYYY-MM, in clear for set-based computations "
                                   "(retirement ages).", max_length=7),
            preserve_default=False,
        ),
    ]
