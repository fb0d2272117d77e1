from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.workflow.deadlines import rules_seed

    rules_seed(apps.get_model("workflow", "DeadlineRule"))


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
