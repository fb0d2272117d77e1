"""The single-column index on the case dropped from the reminder log and the supervision
orders: deadline_reminder_once and supervision_petition_status lead with the case and serve
every lookup by it, and each row the deadline scan writes (198k log rows, 31k orders at 1M)
paid an insert into both.

Only the indexes go (state: db_index=False); Django's AlterField would drop and re-add the
foreign keys (on SQLite, rebuild the tables).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0028_event_petition_one_index"),
        ("workflow", "0011_petition_fillfactor"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="deadlinereminder",
                    name="petition",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deadline_reminders",
                        to="petitions.petition",
                    ),
                ),
                migrations.AlterField(
                    model_name="supervisionorder",
                    name="petition",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="supervision_orders",
                        to="petitions.petition",
                        verbose_name="信访件",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "workflow_deadlinereminder_petition_id_2fd39f9a"',
                    reverse_sql='CREATE INDEX "workflow_deadlinereminder_petition_id_2fd39f9a" '
                    'ON "workflow_deadlinereminder" ("petition_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "workflow_supervisionorder_petition_id_08482f17"',
                    reverse_sql='CREATE INDEX "workflow_supervisionorder_petition_id_08482f17" '
                    'ON "workflow_supervisionorder" ("petition_id")',
                ),
            ],
        ),
    ]
