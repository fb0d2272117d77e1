"""Query credentials of kind "phone_last4" become "phone": the full number is the secret.

The last four digits are shown on every masked phone on the staff pages, so they proved
nothing. A converted row keeps its case and submission key; its hash is made unusable, as
the lookup now compares the full number's blind index with the petitioner's.
"""

from django.contrib.auth.hashers import make_password
from django.db import migrations, models


def to_full_phone(apps, schema_editor):
    QueryCredential = apps.get_model("portal", "QueryCredential")
    for credential in QueryCredential.objects.filter(kind="phone_last4"):
        credential.kind = "phone"
        credential.secret_hash = make_password(None)
        credential.save(update_fields=["kind", "secret_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="querycredential",
            name="kind",
            field=models.CharField(
                choices=[("password", "查询密码"), ("phone", "完整手机号码")],
                max_length=16,
                verbose_name="方式",
            ),
        ),
        # One way: the four digits cannot be turned back into the hash they replaced.
        migrations.RunPython(to_full_phone, migrations.RunPython.noop),
    ]
