"""Duty-log callers' names are stored encrypted, like petitioners' names and the callers'
phones (issue 18: a stolen disk or backup must not name who called the hotline).

The column becomes text, the names already there are encrypted in place in batches, and then
the field is declared encrypted (the last step changes no SQL).
"""

from django.db import migrations, models

import xinfang.core.crypto

BATCH = 500


def encrypt_callers(apps, schema_editor):
    DutyLogEntry = apps.get_model("prevention", "DutyLogEntry")
    crypto = xinfang.core.crypto
    last = 0
    while True:
        rows = list(
            DutyLogEntry.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "caller")[:BATCH]
        )
        if not rows:
            return
        batch = [
            DutyLogEntry(pk=pk, caller=crypto.encrypt(caller))
            for pk, caller in rows
            if caller and not crypto.is_token(caller)
        ]
        DutyLogEntry.objects.bulk_update(batch, ["caller"])
        last = rows[-1][0]


def decrypt_callers(apps, schema_editor):
    DutyLogEntry = apps.get_model("prevention", "DutyLogEntry")
    crypto = xinfang.core.crypto
    for pk, token in DutyLogEntry.objects.exclude(caller="").values_list("pk", "caller"):
        if crypto.is_token(token):
            DutyLogEntry.objects.filter(pk=pk).update(caller=crypto.decrypt(token)[:100])


class Migration(migrations.Migration):
    dependencies = [
        ("prevention", "0004_screening_period_unique_dates"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dutylogentry",
            name="caller",
            field=models.TextField(blank=True, default="", verbose_name="来电/来访人"),
        ),
        migrations.RunPython(encrypt_callers, decrypt_callers, elidable=False),
        migrations.AlterField(
            model_name="dutylogentry",
            name="caller",
            field=xinfang.core.crypto.EncryptedTextField(
                blank=True, default="", verbose_name="来电/来访人"
            ),
        ),
    ]
