from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.workflow.deadlines import rules_seed

    # Adds only the rules that are missing: the escalation rules of an existing database.
    rules_seed(apps.get_model("workflow", "DeadlineRule"))


class Migration(migrations.Migration):
    dependencies = [("workflow", "0005_escalation")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
