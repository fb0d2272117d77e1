from django.db import migrations

# The defaults of prevention/schedule.py DEFAULT_RULES, as they were when this ran.
DEFAULTS = {
    "group": "weekly",
    "community": "weekly",
    "school": "weekly",
    "street": "semimonthly",
    "enterprise": "semimonthly",
}


def seed(apps, schema_editor):
    CadenceRule = apps.get_model("prevention", "CadenceRule")
    for kind, cadence in DEFAULTS.items():
        CadenceRule.objects.get_or_create(unit_kind=kind, unit=None, defaults={"cadence": cadence})


class Migration(migrations.Migration):
    dependencies = [("prevention", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
