"""The cases some units received in some states, with the accusation columns
(petition_receiving_state): a state's capped count counts them from the index alone first
(visibility.received_in_states). The foreign key's own index on the receiving unit goes: the
new one leads with it.

Only that index goes (state: db_index=False). Django's AlterField would rebuild the case
table on SQLite, and the triggers that keep the subject index and the summary current
(petitions 0015 and 0020, analytics) would go with the old table (the subject and tally
tests failed); on PostgreSQL it would drop and re-add the foreign key, checking every case
again under an exclusive lock.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0026_text_candidates_newest_first"),
        ("units", "0004_decline_channels"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="petition",
                    name="receiving_unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="received_petitions",
                        to="units.unit",
                        verbose_name="登记单位",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "petitions_petition_receiving_unit_id_27901d07"',
                    reverse_sql='CREATE INDEX "petitions_petition_receiving_unit_id_27901d07" '
                    'ON "petitions_petition" ("receiving_unit_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="petition",
            index=models.Index(
                fields=["receiving_unit", "state", "is_accusation", "accused_unit"],
                name="petition_receiving_state",
            ),
        ),
    ]
