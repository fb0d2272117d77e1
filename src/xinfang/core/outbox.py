"""The outbox: work that must follow a commit (e-mails, jobs) is written as a row in the same
transaction as the change, so a commit cannot lose it and a rollback cannot send it.

After the commit the worker is nudged through the job queue; if the queue (Redis) is down the
nudge is only logged, the request still succeeds, and the worker's periodic sweep delivers the
row later. Delivery runs the topic's handler and marks the row done in one transaction, under
a claim on the row, so two workers never both deliver it. A failing handler is retried with
growing delays, then the row is left as given up, for an administrator to see and retry.

Handlers are registered by the apps (`@outbox_handler("notifications.email")` in their
`tasks.py`): core knows no app of ours.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from xinfang.core.models import OutboxMessage

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}

# Delays between attempts double from one minute up to six hours; after this many attempts
# (about a day and a half) a row is given up and shown to administrators.
MAX_ATTEMPTS = 12
FIRST_DELAY = timedelta(minutes=1)
LONGEST_DELAY = timedelta(hours=6)
Status = OutboxMessage.Status


def outbox_handler(topic: str) -> Callable[[Handler], Handler]:
    """Register the function that carries out the outbox rows of a topic."""

    def register(func: Handler) -> Handler:
        _HANDLERS[topic] = func
        return func

    return register


def _handlers() -> dict[str, Handler]:
    # The apps register their handlers in their tasks modules, which the worker imports on
    # start; a drain run elsewhere (a command, a test) imports them here.
    autodiscover_modules("tasks")
    return _HANDLERS


def outbox_put(
    *, topic: str, payload: dict[str, Any] | None = None, dedupe_key: str | None = None
) -> OutboxMessage | None:
    """Write one row for the worker in the caller's transaction and nudge the worker after
    the commit; return it, or None when a row with this dedupe key exists already."""
    now = timezone.now()
    try:
        with transaction.atomic():
            row = OutboxMessage.objects.create(
                topic=topic,
                payload=payload or {},
                dedupe_key=dedupe_key[:200] if dedupe_key else None,
                available_at=now,
            )
    except IntegrityError:
        return None
    _nudge_after_commit()
    return row


def outbox_put_many(*, rows: list[tuple[str, dict[str, Any], str | None]]) -> int:
    """outbox_put for many (topic, payload, dedupe key) at once; rows whose key exists are
    skipped. Return how many were offered."""
    if not rows:
        return 0
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                topic=topic,
                payload=payload,
                dedupe_key=key[:200] if key else None,
                available_at=now,
            )
            for topic, payload, key in rows
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    _nudge_after_commit()
    return len(rows)


def _nudge_after_commit() -> None:
    transaction.on_commit(_nudge)


# After the queue failed to answer, further nudges are skipped for a while: a Redis that does
# not answer then costs one request one failed connection, not every request a timeout.
QUIET_AFTER_FAILURE = 30.0
_queue_down_until = 0.0


def _nudge() -> None:
    """Ask the worker to drain now. The commit is done: whatever fails here must not fail the
    request, and the periodic sweep delivers what this could not announce."""
    global _queue_down_until
    if time.monotonic() < _queue_down_until:
        return
    try:
        from xinfang.core.tasks import outbox_drain_task

        outbox_drain_task()
    except Exception:
        _queue_down_until = time.monotonic() + QUIET_AFTER_FAILURE
        log.warning("outbox: could not reach the job queue; the worker will sweep", exc_info=True)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the given number of failed attempts."""
    return min(FIRST_DELAY * 2 ** max(0, attempts - 1), LONGEST_DELAY)


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    given_up: int = 0


def outbox_drain(*, limit: int = 200, now: datetime | None = None) -> DrainResult:
    """Deliver the rows that are due, oldest first, each exactly once; return the tally."""
    handlers = _handlers()
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.filter(status=Status.PENDING, available_at__lte=now)
        .order_by("available_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    result = DrainResult()
    for pk in due:
        outcome = _deliver(pk, handlers, now)
        if outcome == Status.SENT:
            result.sent += 1
        elif outcome == Status.PENDING:
            result.retried += 1
        elif outcome == Status.FAILED:
            result.given_up += 1
    return result


def _deliver(pk: int, handlers: dict[str, Handler], now: datetime) -> str | None:
    with transaction.atomic():
        due = OutboxMessage.objects.filter(pk=pk, status=Status.PENDING, available_at__lte=now)
        # Another worker holds it: leave it to that worker instead of waiting.
        if connection.features.has_select_for_update_skip_locked and not list(
            due.select_for_update(skip_locked=True).values_list("pk", flat=True)
        ):
            return None
        # The claim. On SQLite this write takes the database's write lock until the commit, so
        # a second worker waits and then finds the row no longer pending.
        if not due.update(attempts=F("attempts") + 1):
            return None
        row = OutboxMessage.objects.get(pk=pk)
        try:
            # A savepoint: a failing handler's own writes are undone, the row's record is kept.
            with transaction.atomic():
                handler = handlers.get(row.topic)
                if handler is None:
                    raise LookupError(f"no outbox handler for {row.topic!r}")
                handler(row.payload)
        except Exception as exc:
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = Status.FAILED
                log.error("outbox: gave up on %s after %s attempts", row, row.attempts)
            else:
                row.available_at = now + retry_delay(row.attempts)
            row.save(update_fields=["status", "available_at", "last_error"])
            return row.status
        row.status = Status.SENT
        row.sent_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["status", "sent_at", "last_error"])
        return row.status


def outbox_retry(*, ids: list[int], now: datetime | None = None) -> int:
    """Put given-up or waiting rows back to be tried at once (an administrator's action);
    return how many."""
    return OutboxMessage.objects.filter(
        pk__in=ids, status__in=[Status.FAILED, Status.PENDING]
    ).update(status=Status.PENDING, attempts=0, available_at=now or timezone.now())


def outbox_prune(*, older_than: timedelta = timedelta(days=30), now: datetime | None = None) -> int:
    """Delete rows delivered longer ago than `older_than`; return how many."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _ = OutboxMessage.objects.filter(status=Status.SENT, sent_at__lt=cutoff).delete()
    return deleted


def outbox_backlog(*, now: datetime | None = None) -> dict[str, int | None]:
    """What waits in the outbox: rows pending, given up, and the oldest pending one's age in
    seconds (None when nothing waits)."""
    now = now or timezone.now()
    found = OutboxMessage.objects.aggregate(
        pending=Count("id", filter=Q(status=Status.PENDING)),
        failed=Count("id", filter=Q(status=Status.FAILED)),
        oldest=Min("created_at", filter=Q(status=Status.PENDING)),
    )
    oldest = found["oldest"]
    return {
        "pending": found["pending"],
        "failed": found["failed"],
        "oldest_pending_seconds": int((now - oldest).total_seconds()) if oldest else None,
    }
