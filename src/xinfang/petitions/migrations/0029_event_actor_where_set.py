"""The events' index on the actor only where there is one (event_actor): the deadline scan's
system events (83k at 1M in a first run) have no actor, and each paid an index entry for
NULL that no query reads (lookups are by a staff member: who did what, PROTECT on delete).

The old index goes by SQL (state: db_index=False): Django's AlterField would drop and re-add
the foreign key, re-checking every event under an exclusive lock.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0028_event_petition_one_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="petitionevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "petitions_petitionevent_actor_id_5fa29e82"',
                    reverse_sql='CREATE INDEX "petitions_petitionevent_actor_id_5fa29e82" '
                    'ON "petitions_petitionevent" ("actor_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="petitionevent",
            index=models.Index(
                condition=models.Q(actor__isnull=False), fields=["actor"], name="event_actor"
            ),
        ),
    ]
