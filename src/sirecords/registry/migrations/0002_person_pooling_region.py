from django.db import migrations, models


def refuse_persons_without_pooling_region(apps, schema_editor):
    """Persons registered before the pooling region was recorded: their ledger entries cannot say which agency
    insures them, and a region must not be invented for them."""
    count = apps.get_model("registry", "Person").objects.using(schema_editor.connection.alias).count()
    if count:
        raise RuntimeError(f"registry_person holds {count} persons registered before the pooling region (参保地) was "
                           f"recorded in the ledger; make a new home (sirecords init) and register them again")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(refuse_persons_without_pooling_region, migrations.RunPython.noop),
        migrations.AddField(
            model_name="person",
            name="pooling_region",
            field=models.CharField(default="", help_text="Pooling region (参保地): the agency that insures the person, "
                                   "GB/T 2260 code; the region of the registering transaction.", max_length=6),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="person",
            name="region",
            field=models.CharField(help_text="Household region (户籍), GB/T 2260 code.", max_length=6),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["pooling_region"], name="person_pooling_region"),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(condition=models.Q(("pooling_region", ""), _negated=True),
                                              name="person_has_pooling_region"),
        ),
    ]
