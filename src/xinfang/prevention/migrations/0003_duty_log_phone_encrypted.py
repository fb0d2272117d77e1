"""Duty-log callers' phones are stored encrypted, like every petitioner's phone.

The column becomes text, the numbers already there are encrypted in place, and then the
field is declared encrypted (the last step changes no SQL).
"""

from django.db import migrations, models

import xinfang.core.crypto


def encrypt_phones(apps, schema_editor):
    DutyLogEntry = apps.get_model("prevention", "DutyLogEntry")
    for pk, phone in DutyLogEntry.objects.exclude(phone="").values_list("pk", "phone"):
        if not xinfang.core.crypto.is_token(phone):
            token = xinfang.core.crypto.encrypt(phone)
            DutyLogEntry.objects.filter(pk=pk).update(phone=token)


def decrypt_phones(apps, schema_editor):
    DutyLogEntry = apps.get_model("prevention", "DutyLogEntry")
    for pk, token in DutyLogEntry.objects.exclude(phone="").values_list("pk", "phone"):
        if xinfang.core.crypto.is_token(token):
            plain = xinfang.core.crypto.decrypt(token)[:30]
            DutyLogEntry.objects.filter(pk=pk).update(phone=plain)


class Migration(migrations.Migration):
    dependencies = [
        ("prevention", "0002_default_cadence_rules"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dutylogentry",
            name="phone",
            field=models.TextField(blank=True, default="", verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.AlterField(
            model_name="dutylogentry",
            name="phone",
            field=xinfang.core.crypto.EncryptedTextField(
                blank=True, default="", verbose_name="联系电话"
            ),
        ),
    ]
