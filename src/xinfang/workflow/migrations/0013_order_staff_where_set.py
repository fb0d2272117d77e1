"""The orders' staff columns indexed only where set: an automatic order (the deadline scan
raises 31k at 1M in a first run) has no issuer, and a new order no responder or closer yet;
each paid three index entries for NULL that no query reads (lookups are by a staff member).

The old indexes go by SQL (state: db_index=False): Django's AlterField would drop and re-add
the foreign keys.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0012_petition_one_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="supervisionorder",
                    name="issued_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="督办人",
                    ),
                ),
                migrations.AlterField(
                    model_name="supervisionorder",
                    name="responded_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="反馈人",
                    ),
                ),
                migrations.AlterField(
                    model_name="supervisionorder",
                    name="closed_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="销号人",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "workflow_supervisionorder_issued_by_id_31987e6d"',
                    reverse_sql='CREATE INDEX "workflow_supervisionorder_issued_by_id_31987e6d" '
                    'ON "workflow_supervisionorder" ("issued_by_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "workflow_supervisionorder_responded_by_id_59f90396"',
                    reverse_sql='CREATE INDEX "workflow_supervisionorder_responded_by_id_59f90396" '
                    'ON "workflow_supervisionorder" ("responded_by_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "workflow_supervisionorder_closed_by_id_bf67d6b5"',
                    reverse_sql='CREATE INDEX "workflow_supervisionorder_closed_by_id_bf67d6b5" '
                    'ON "workflow_supervisionorder" ("closed_by_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="supervisionorder",
            index=models.Index(
                condition=models.Q(issued_by__isnull=False),
                fields=["issued_by"],
                name="supervision_issued_by",
            ),
        ),
        migrations.AddIndex(
            model_name="supervisionorder",
            index=models.Index(
                condition=models.Q(responded_by__isnull=False),
                fields=["responded_by"],
                name="supervision_responded_by",
            ),
        ),
        migrations.AddIndex(
            model_name="supervisionorder",
            index=models.Index(
                condition=models.Q(closed_by__isnull=False),
                fields=["closed_by"],
                name="supervision_closed_by",
            ),
        ),
    ]
