from django.db import migrations

# The defaults of backlog/services.py HELP_KINDS, as they were when this ran.
DEFAULTS = [
    ("subsistence", "最低生活保障"),
    ("medical", "医疗救助"),
    ("school", "入学安排"),
    ("employment", "就业帮扶"),
    ("loan", "贷款帮扶"),
    ("mediation", "矛盾调解"),
    ("legal_aid", "法律援助"),
    ("hardship", "临时救助"),
]


def seed(apps, schema_editor):
    HelpKind = apps.get_model("backlog", "HelpKind")
    for sort, (code, name) in enumerate(DEFAULTS):
        HelpKind.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})


class Migration(migrations.Migration):
    dependencies = [("backlog", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
