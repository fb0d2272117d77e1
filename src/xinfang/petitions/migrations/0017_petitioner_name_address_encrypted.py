"""Petitioners' names and addresses are stored encrypted, names found by a blind index.

The columns become text, the values already there are encrypted in place in batches (with
the blind index of the normalised name), and then the fields are declared encrypted (the
last step changes no SQL).
"""

from django.db import migrations, models

import xinfang.core.crypto

BATCH = 500


def encrypt_people(apps, schema_editor):
    Petitioner = apps.get_model("petitions", "Petitioner")
    crypto = xinfang.core.crypto
    last = 0
    while True:
        rows = list(
            Petitioner.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "name", "address")[:BATCH]
        )
        if not rows:
            return
        batch = []
        for pk, name, address in rows:
            person = Petitioner(pk=pk)
            person.name = name if crypto.is_token(name) else crypto.encrypt(name)
            plain_name = crypto.decrypt(person.name)
            person.name_index = crypto.blind_index("name", plain_name)
            person.address = address if crypto.is_token(address) else crypto.encrypt(address)
            batch.append(person)
        Petitioner.objects.bulk_update(batch, ["name", "name_index", "address"])
        last = rows[-1][0]


def decrypt_people(apps, schema_editor):
    Petitioner = apps.get_model("petitions", "Petitioner")
    crypto = xinfang.core.crypto
    for pk, name, address in Petitioner.objects.values_list("pk", "name", "address").iterator():
        Petitioner.objects.filter(pk=pk).update(
            name=crypto.decrypt(name)[:50] if crypto.is_token(name) else name,
            address=crypto.decrypt(address)[:200] if crypto.is_token(address) else address,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0016_state_received_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="petitioner",
            name="name_index",
            field=models.CharField(blank=True, db_index=True, default="", max_length=32),
        ),
        migrations.AlterField(
            model_name="petitioner",
            name="name",
            field=models.TextField(verbose_name="姓名"),
        ),
        migrations.AlterField(
            model_name="petitioner",
            name="address",
            field=models.TextField(blank=True, default="", verbose_name="住址"),
        ),
        migrations.RunPython(encrypt_people, decrypt_people, elidable=False),
        migrations.AlterField(
            model_name="petitioner",
            name="name",
            field=xinfang.core.crypto.EncryptedTextField(verbose_name="姓名"),
        ),
        migrations.AlterField(
            model_name="petitioner",
            name="address",
            field=xinfang.core.crypto.EncryptedTextField(blank=True, default="", verbose_name="住址"),
        ),
    ]
