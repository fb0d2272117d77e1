"""The notifications' single-column index on the recipient dropped: notification_once
(recipient, dedupe_key) leads with the recipient and serves the inbox, the unread count
falls to notification_unread, and each notification a job sends (the deadline scan: 145k
at 1M) paid an insert into both.

Only the index goes (state: db_index=False); Django's AlterField would drop and re-add the
foreign key, re-checking every row under an exclusive lock.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_text_message_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="recipient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="接收人",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "notifications_notification_recipient_id_d055f3f0"',
                    reverse_sql='CREATE INDEX "notifications_notification_recipient_id_d055f3f0" '
                    'ON "notifications_notification" ("recipient_id")',
                ),
            ],
        ),
    ]
