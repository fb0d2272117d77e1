from django.db import migrations


def seed(apps, schema_editor):
    from xinfang.workflow.deadlines import DEFAULT_RULES

    DeadlineRule = apps.get_model("workflow", "DeadlineRule")
    for key, (days, unit, basis) in DEFAULT_RULES.items():
        DeadlineRule.objects.get_or_create(
            key=str(key), defaults={"days": days, "unit": unit, "basis": basis}
        )


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
