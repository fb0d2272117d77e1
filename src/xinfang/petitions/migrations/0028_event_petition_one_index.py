"""The events' single-column index on the case dropped: event_seq_unique (petition, seq)
leads with the case and serves every lookup by case, and each event a job appends (the
deadline scan: 83k at 1M) paid an insert into both.

Only the index goes (state: db_index=False). Django's AlterField would drop and re-add the
foreign key, re-checking every event under an exclusive lock; the constraint stays as it is.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0027_receiving_state_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="petitionevent",
                    name="petition",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="petitions.petition",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "petitions_petitionevent_petition_id_d2803903"',
                    reverse_sql='CREATE INDEX "petitions_petitionevent_petition_id_d2803903" '
                    'ON "petitions_petitionevent" ("petition_id")',
                ),
            ],
        ),
    ]
