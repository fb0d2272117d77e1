"""When a year's official holidays are entered, every stored date that still lies ahead is
counted again: a case's deadlines and the petitioner's review windows, its pending
follow-up and its open supervision orders. Each case whose dates moved gets one event."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.core.outbox import outbox_put
from xinfang.petitions.history import event_append
from xinfang.petitions.models import DEADLINE_FIELDS, TERMINAL_STATES, Petition
from xinfang.workflow.deadlines import Clock, basis_recompute
from xinfang.workflow.models import FollowUp, SupervisionOrder
from xinfang.workflow.services.transition import SYSTEM, _field_values

CASE_DATES = (*DEADLINE_FIELDS, "target_on")
RECOMPUTE_TOPIC = "workflow.deadlines_recompute"
OPEN_ORDER = ~Q(status=SupervisionOrder.Status.CLOSED)


def _case_ahead(today: date) -> Q:
    """Cases with a date on or after today, or one still counted provisionally."""
    q = Q(deadlines_provisional=True)
    for name in CASE_DATES:
        q |= Q(**{f"{name}__gte": today})
    return q


def _due_ahead(today: date) -> Q:
    """Follow-ups or orders due on or after today, or counted provisionally."""
    return Q(due_on__gte=today) | Q(due_basis__provisional=True)


def _dates_recompute(rows: list, clock: Clock, today: date, key: str) -> dict[str, str]:
    """Move each row's due_on to what its basis gives now; return {key: new date} of moves."""
    moved = {}
    for row in rows:
        basis = row.due_basis
        if not basis or (row.due_on < today and not basis.get("provisional")):
            continue
        result = basis_recompute(clock.calendar, basis)
        changed = ["due_basis"]
        row.due_basis = {**basis, "provisional": result.provisional}
        if row.due_on != result.date:
            row.due_on = result.date
            changed.append("due_on")
            moved[key.format(row.pk)] = result.date.isoformat()
        if row.due_basis != basis or len(changed) > 1:
            row.save(update_fields=changed)
    return moved


def deadlines_recompute(*, now: datetime | None = None) -> list[int]:
    """Count every date that still lies ahead (or rests on a provisional year) again with the
    calendar as it stands; log each case whose dates moved; return those cases' ids."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    clock = Clock()
    ids = set(
        Petition.objects.exclude(state__in=TERMINAL_STATES)
        .filter(_case_ahead(today))
        .values_list("pk", flat=True)
    )
    ids |= set(
        FollowUp.objects.filter(_due_ahead(today), done_at__isnull=True).values_list(
            "petition_id", flat=True
        )
    )
    ids |= set(
        SupervisionOrder.objects.filter(_due_ahead(today), OPEN_ORDER).values_list(
            "petition_id", flat=True
        )
    )
    moved_ids: list[int] = []
    for pk in sorted(ids):
        with transaction.atomic():
            p = Petition.objects.select_for_update(of=("self",)).filter(pk=pk).first()
            if p is None:
                continue
            before = _field_values(p)
            moved = {}
            if p.state not in TERMINAL_STATES:
                moved = {name: getattr(p, name).isoformat() for name in clock.recompute(p, today)}
            follow_ups = FollowUp.objects.select_for_update().filter(
                petition=p, done_at__isnull=True
            )
            moved |= _dates_recompute(list(follow_ups), clock, today, "follow_up:{}")
            orders = SupervisionOrder.objects.select_for_update().filter(OPEN_ORDER, petition=p)
            moved |= _dates_recompute(list(orders), clock, today, "order:{}")
            after = _field_values(p)
            changed = [
                f.name
                for f in Petition._meta.concrete_fields
                if after[f.attname] != before[f.attname]
            ]
            if moved:
                # A form loaded before the move must not save over it.
                p.version += 1
                event_append(
                    p,
                    kind="deadlines_recomputed",
                    actor=None,
                    from_state=p.state,
                    to_state=p.state,
                    data={"moved": moved, "via": SYSTEM},
                    at=now,
                )
                changed += ["history_head", "version"]
                moved_ids.append(pk)
            if changed:
                p.save(update_fields=[*changed, "updated_at"])
    return moved_ids


def deadlines_recompute_later() -> None:
    """Have the worker recompute provisional deadlines once the caller's change commits (an
    outbox row in the caller's transaction; workflow.tasks handles it)."""
    outbox_put(topic=RECOMPUTE_TOPIC)
