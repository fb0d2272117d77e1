from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.petitions.taxonomy import categories_seed

    categories_seed(apps.get_model("petitions", "Category"))


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
