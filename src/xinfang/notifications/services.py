"""Sending notifications: once per recipient and key, in the inbox and by email as chosen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xinfang.core.db import copy_rows, copy_stamp
from xinfang.core.errors import NotFound
from xinfang.core.outbox import outbox_put_many
from xinfang.notifications.models import Kind, Notification, Preference
from xinfang.notifications.selectors import received_by
from xinfang.notifications.tasks import EMAIL_TOPIC
from xinfang.units.models import Staff


def _choices(staff_ids: list[int], kind: str) -> dict[int, tuple[bool, bool]]:
    rows = Preference.objects.filter(staff_id__in=staff_ids, kind=kind)
    return {p.staff_id: (p.in_app, p.email) for p in rows}


def notify(
    *,
    recipients: Iterable[Staff],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    petition=None,
    dedupe_key: str,
) -> list[Notification]:
    """Send one notification to each recipient unless they already have one with this key.

    Returns the notifications created now (an empty list when all were sent before). Email
    goes out after the commit, through the outbox and the worker, to those who chose it.
    """
    people = {r.pk: r for r in recipients if r is not None and r.is_active}
    if not people:
        return []
    choices = _choices(list(people), kind)
    created: list[Notification] = []
    by_email: list[int] = []
    for staff_id, staff in people.items():
        in_app, email = choices.get(staff_id, (True, False))
        if not in_app and not email:
            continue
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=staff,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    url=url,
                    petition=petition,
                    dedupe_key=dedupe_key[:200],
                    # A purely e-mailed message is born read: it does not wait in the inbox.
                    read_at=None if in_app else timezone.now(),
                )
        except IntegrityError:
            continue  # sent before: the unique key makes a rerun harmless
        created.append(note)
        if email and staff.email:
            by_email.append(note.pk)
    _email_later(by_email)
    return created


def _email_later(notification_ids: list[int]) -> None:
    """Queue the e-mails of these notifications in the outbox, in the caller's transaction:
    sent by the worker once the change commits, never when it rolls back."""
    outbox_put_many(
        rows=[(EMAIL_TOPIC, {"notification_id": pk}, f"email:{pk}") for pk in notification_ids]
    )


class Message(NamedTuple):
    """One notification for one staff member, for `notify_bulk` (a tuple: the deadline job
    makes a hundred thousand of them a run, a frozen dataclass costs several times more)."""

    recipient_id: int
    kind: str
    title: str
    dedupe_key: str
    body: str = ""
    url: str = ""
    petition_id: int | None = None


def notify_bulk(*, messages: Iterable[Message], new_keys: bool = False) -> int:
    """Send many notifications in a few queries, each recipient and key once; return how many
    rows were offered to the database (those sent before are skipped by the unique key).

    For jobs that notify hundreds of people at a time; `notify` is the one-by-one form.
    `new_keys`: the caller logged these keys as sent for the first time in this transaction
    (the deadline watch's reminder log), so none should be present: the rows go straight in,
    and only if one is there after all are they inserted again skipping those present.
    """
    wanted = {(m.recipient_id, m.dedupe_key[:200]): m for m in messages}
    if not wanted:
        return 0
    staff_ids = {r for r, _ in wanted}
    active = dict(Staff.objects.filter(pk__in=staff_ids, is_active=True).values_list("pk", "email"))
    kinds = {m.kind for m in wanted.values()}
    choices = {
        (p.staff_id, p.kind): (p.in_app, p.email)
        for p in Preference.objects.filter(staff_id__in=active, kind__in=kinds)
    }
    now = copy_stamp(timezone.now())  # on PostgreSQL its text, formatted once for every row
    rows: list[tuple] = []
    by_email: list[tuple[int, str]] = []
    for (staff_id, key), m in wanted.items():
        if staff_id not in active:
            continue
        in_app, email = choices.get((staff_id, m.kind), (True, False))
        if not in_app and not email:
            continue
        # A purely e-mailed message is born read: it does not wait in the inbox.
        rows.append(
            (
                staff_id,
                m.kind,
                m.title[:200],
                m.body,
                m.url,
                m.petition_id,
                key,
                now,
                None if in_app else now,
            )
        )
        if email and active[staff_id]:
            by_email.append((staff_id, key))
    _insert(rows, new_keys=new_keys)
    if by_email:
        wanted_email = set(by_email)
        _email_later(
            [
                pk
                for pk, staff_id, key in Notification.objects.filter(
                    recipient_id__in={staff_id for staff_id, _ in by_email},
                    dedupe_key__in={key for _, key in by_email},
                    emailed_at__isnull=True,
                ).values_list("pk", "recipient_id", "dedupe_key")
                if (staff_id, key) in wanted_email
            ]
        )
    return len(rows)


COLUMNS = (
    "recipient_id",
    "kind",
    "title",
    "body",
    "url",
    "petition_id",
    "dedupe_key",
    "created_at",
    "read_at",
)


def _insert(rows: list[tuple], *, new_keys: bool = False) -> None:
    """Insert the rows, skipping (recipient, key) pairs present: on PostgreSQL COPY into a
    temporary table and one INSERT … SELECT … ON CONFLICT from it, elsewhere Django's
    bulk_create. With `new_keys` (none should be present), on PostgreSQL a COPY straight into
    the table first, in a savepoint.

    COPY because the deadline scan sends a hundred thousand at a time: the same rows as nine
    array parameters unnested in one INSERT cost the server three times as much (parsing
    arrays of long Chinese texts), 0.5 s a 5,000 against 0.15 s (bench_deadlines). Straight
    into the table, a first run's ~145,000 notices at a million cases skip the temporary
    table and the speculative insertion ON CONFLICT makes of every row.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(
            [Notification(**dict(zip(COLUMNS, row, strict=True))) for row in rows],
            ignore_conflicts=True,
            batch_size=1000,
        )
        return
    table = Notification._meta.db_table
    columns = ", ".join(COLUMNS)
    if new_keys:
        try:
            with transaction.atomic():
                copy_rows(f"COPY {table} ({columns}) FROM STDIN", rows)
            return
        except IntegrityError:
            pass  # one was present after all (sent by hand, a log cleared): skip those present
    # Dropped at the commit (or rollback) of the caller's transaction; atomic() makes one
    # when there is none, so the table outlives the COPY.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE notify_bulk_rows ON COMMIT DROP AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        copy_rows(f"COPY notify_bulk_rows ({columns}) FROM STDIN", rows)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM notify_bulk_rows "
            "ON CONFLICT (recipient_id, dedupe_key) DO NOTHING"
        )
        cursor.execute("DROP TABLE notify_bulk_rows")


def notification_mark_read(*, actor: Staff, notification_id: int | None = None) -> int:
    """Mark one of the actor's notifications read, or all of them; return how many changed.

    Raises:
        NotFound: the notification is not the actor's.
    """
    mine = received_by(actor)
    qs = mine.filter(read_at__isnull=True)
    if notification_id is not None:
        if not mine.filter(pk=notification_id).exists():
            raise NotFound("未找到该通知。")
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


@transaction.atomic
def preferences_save(*, actor: Staff, choices: dict[str, tuple[bool, bool]]) -> None:
    """Save the actor's choice (in_app, email) for each kind given."""
    for kind, (in_app, email) in choices.items():
        if kind not in Kind.values:
            continue
        Preference.objects.update_or_create(
            staff=actor, kind=kind, defaults={"in_app": in_app, "email": email}
        )
