"""Supervision that does not wait for a supervisor (RULES.md §7, local practice), and the
owner's target date (包案, §8), both part of the hourly deadline job.

- A case overdue by the configured days (rule `escalate_order`) gets a 督办 order, raised by
  the system, to the unit whose move it is.
- A case still overdue the configured days after an order (rule `escalate_flag`) has the
  order upgraded to 挂牌督办.
- An owner's target date is reminded before and on the day, and once when it passes, to the
  owner and the leaders of the unit above the owner's.

Each step is first logged in DeadlineReminder, in the same transaction as the step, so
however often and on however many workers the job runs it happens exactly once; a step
that fails leaves no log row and is tried again next hour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from xinfang.core.db import rows_copy
from xinfang.core.errors import DomainError, InvalidTransition
from xinfang.notifications.models import Kind
from xinfang.notifications.services import Message, notify_bulk
from xinfang.petitions.history import CASE_STATE_FIELDS, SystemEvents, case_digest
from xinfang.petitions.models import TERMINAL_STATES, Petition, is_open_state
from xinfang.units.models import Membership, Role, Unit
from xinfang.workflow.deadlines import (
    BINDING_FIELD,
    DEADLINE_LABELS,
    Clock,
    basis_of,
    binding_refresh,
)
from xinfang.workflow.models import DeadlineRule, Ownership, SupervisionOrder
from xinfang.workflow.services.extensions import leaders_over
from xinfang.workflow.services.recipients import (
    acting_unit_id,
    ids_param,
    members_of,
    owners_of,
    supervisors_above,
)
from xinfang.workflow.services.reminder_log import (
    OVERDUE,
    Due,
    batches_send,
    interleaved_batches,
    log_insert,
    point_ranges,
    points_by_date,
    scan_workers,
)
from xinfang.workflow.services.transition import SYSTEM, _record

K = DeadlineRule.Key
ESCALATION = "escalation"
OWNERSHIP = "ownership"
NOT_CLOSED = ~Q(status=SupervisionOrder.Status.CLOSED)


def escalation_lookback_days() -> int:
    """How long after its escalation date a case is still escalated (setting
    DEADLINE_ESCALATION_LOOKBACK_DAYS, default 30): switching the rule on over old data
    does not raise an order on every case that was ever late."""
    return int(getattr(settings, "DEADLINE_ESCALATION_LOOKBACK_DAYS", 30))


@dataclass
class Escalations:
    raised: int = 0
    flagged: int = 0
    ownership_reminders: int = 0
    notifications: int = 0


def escalations_run(
    *, now: datetime | None = None, commit: bool = True, days: list[int] | None = None
) -> Escalations:
    """Raise and upgrade supervision orders on cases that stay overdue, and remind owners of
    their target dates; with commit=False only count what is due."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    clock = Clock()
    out = Escalations()
    to_raise = _to_raise(clock, today)
    if commit:
        out.raised, out.notifications = _raise_all(to_raise, clock, now)
    else:
        out.raised = len(to_raise)
    for order_id, petition_id, issued_on in _to_flag(clock, today):
        sent = _flag(order_id, petition_id, issued_on, now) if commit else 0
        if sent is not None:
            out.flagged += 1
            out.notifications += sent
    out.ownership_reminders, sent = _ownership_remind(today, now, commit, days or [3, 1, 0])
    out.notifications += sent
    return out


# --- raising an order ------------------------------------------------------------------------


def _to_raise(clock: Clock, today: date) -> list[tuple[int, date]]:
    days, _ = clock.rules[K.ESCALATE_ORDER]
    if not days:
        return []
    active = SupervisionOrder.objects.filter(NOT_CLOSED, petition=OuterRef("pk"))
    rows = (
        Petition.objects.open()
        .filter(due_on__lte=today - timedelta(days=days))
        .filter(due_on__gte=today - timedelta(days=days + escalation_lookback_days()))
        .exclude(Exists(active))
        .values_list("pk", "due_on")
    )
    # The calendar decides exactly (a working-day rule ends later than the query's bound).
    return [(pk, due) for pk, due in rows if clock.due(K.ESCALATE_ORDER, due).date <= today]


def _raise_all(due: list[tuple[int, date]], clock: Clock, now: datetime) -> tuple[int, int]:
    """Raise the orders, a batch of cases per transaction; (orders raised, notifications)."""
    raised = sent = 0
    due = sorted(due)  # one global order of row locks, as the overdue marks take them
    size = int(getattr(settings, "DEADLINE_SCAN_BATCH", 5000))
    batches = interleaved_batches(due, size, scan_workers())
    for batch_raised, batch_sent in batches_send(
        lambda batch: _raise_batch(dict(batch), clock, now), batches
    ):
        raised += batch_raised
        sent += batch_sent
    return raised, sent


# The columns `_raise_batch` reads of each case: its key, subject, head and version, and the
# state columns its digest covers (CASE_STATE_FIELDS).
ORDER_CASE_FIELDS = ("pk", "subject", "history_head", "version", *CASE_STATE_FIELDS)


class OrderCase(SimpleNamespace):
    """A case row as `_raise_batch` reads it (ORDER_CASE_FIELDS), without a model instance:
    `case_digest`, `binding_refresh`, `acting_unit_id` and `SystemEvents` take it."""

    def __init__(self, *values: Any) -> None:
        super().__init__(**dict(zip(ORDER_CASE_FIELDS, values, strict=True)))


# The columns of an automatic order `_raise_batch` sets; the others keep their defaults.
ORDER_COLUMNS = (
    "petition_id",
    "unit_id",
    "issued_by_id",
    "issued_at",
    "level",
    "requirements",
    "due_on",
    "due_basis",
)


class NewOrder(NamedTuple):
    """An order `_raise_batch` has just inserted: what its event and notices name."""

    pk: int
    petition_id: int
    unit_id: int
    requirements: str


def _raise_batch(due: dict[int, date], clock: Clock, now: datetime) -> tuple[int, int]:
    """Raise the order on each case still overdue on its date, in a fixed handful of queries
    whatever the batch's size: what `_record` does for one case (row lock, log row first, the
    order, the chained `supervise` event with the case's digest, version bump, the notices to
    whoever answers for the order), for all of them at once. (raised, notifications)."""
    # Plain rows, not model instances: what the order, its event, the digest and the notices
    # read (the case's state columns, subject, head and version).
    rows = (
        Petition.objects.select_for_update(of=("self",))
        .filter(pk__in=ids_param(due))
        .order_by("pk")
        .values_list(*ORDER_CASE_FIELDS)
    )
    cases = [OrderCase(*row) for row in rows]
    # Handled meanwhile (deadline moved, closed, in a state without a legal clock): skip.
    ready = [
        p
        for p in cases
        if p.due_on == due[p.pk]
        and BINDING_FIELD.get(p.state) is not None
        and is_open_state(p.state, p.forwarded_to_body)
    ]
    events = SystemEvents(at=now)
    raised, messages = orders_raise(ready, due, clock, now, events)
    events.write()
    return raised, notify_bulk(messages=messages)


def orders_due(cases: Sequence[Any], clock: Clock, today: date) -> dict[int, date]:
    """Of open cases just read under their row locks, those on which the automatic order is
    due today, as `_to_raise` finds them: late by the rule's days (within the lookback), no
    order open. {case id: its due_on}."""
    days, _ = clock.rules[K.ESCALATE_ORDER]
    if not days:
        return {}
    low = today - timedelta(days=days + escalation_lookback_days())
    late = {
        p.pk: p.due_on
        for p in cases
        if p.due_on is not None
        and low <= p.due_on <= today - timedelta(days=days)
        and clock.due(K.ESCALATE_ORDER, p.due_on).date <= today
    }
    if late:
        active = SupervisionOrder.objects.filter(NOT_CLOSED, petition_id__in=ids_param(late))
        for pk in active.values_list("petition_id", flat=True):
            late.pop(pk, None)
    return late


def orders_raise(
    cases: Sequence[Any], due: dict[int, date], clock: Clock, now: datetime, events: SystemEvents
) -> tuple[int, list[Message]]:
    """Raise the automatic order on each of these cases, read under their row locks and still
    overdue on their date `due[pk]`: the log row first, the order, its `supervise` event drafted
    into `events` (the caller writes them, with any other event of the case, in one head move),
    and the notices to whoever answers for it (the caller sends them, with any others of the
    transaction, in one `notify_bulk`). The cases are OrderCase rows or any with the same
    attributes (the deadline watch's own). (raised, the notices)."""
    today = timezone.localdate(now)
    # Another run raised it: its log row went in first.
    inserted = log_insert([Due(p.pk, ESCALATION, due[p.pk], "order") for p in cases], now)
    ready = [p for p in cases if (p.pk, ESCALATION, "order") in inserted]
    if not ready:
        return 0, []
    response = clock.due(K.ESCALATE_RESPONSE, today)
    days, unit_kind = clock.rules[K.ESCALATE_RESPONSE]
    # `order_unit` for many cases: the unit whose move it is, read in one query.
    units = Unit.objects.in_bulk({acting_unit_id(p) for p in ready})
    level = SupervisionOrder.Level.NORMAL
    basis = basis_of(today, days, unit_kind, response)  # the same for every order of the run
    rows = []
    # The same words for every case late on one deadline since one date: formatted once each
    # (a first run at a million cases raises ~30,000 orders on a few dozen dates).
    said: dict[tuple[str, date], str] = {}
    for p in ready:
        late_since = due[p.pk]
        requirements = said.get((p.state, late_since))
        if requirements is None:
            requirements = said[p.state, late_since] = (
                f"{DEADLINE_LABELS.get(BINDING_FIELD[p.state], '办理期限')}"
                f"（{late_since:%Y年%m月%d日}）已超期{(today - late_since).days}日，"
                f"请于{response.date:%Y年%m月%d日}前办结并反馈办理情况。"
            )
        rows.append((p.pk, acting_unit_id(p), None, now, level, requirements, response.date, basis))
    # Plain rows, not model instances (core.db.rows_copy); the keys come back in order (the
    # events and notices name the order).
    keys = rows_copy(SupervisionOrder, ORDER_COLUMNS, rows)
    orders = [
        NewOrder(key, pk, unit_id, requirements)
        for key, (pk, unit_id, _, _, _, requirements, _, _) in zip(keys, rows, strict=True)
    ]
    moved = []
    for p in ready:
        before = p.due_on
        binding_refresh(p)  # as `_record` does before its event
        if p.due_on != before:
            moved.append(p)
    events.add(
        ready,
        kind="supervise",
        data={
            o.petition_id: {
                "order": o.pk,
                "level": str(level),
                "level_label": "自动督办",
                "unit": o.unit_id,
                "unit_name": units[o.unit_id].name,
                "requirements": o.requirements,
                "due_on": response.date.isoformat(),
                "days_late": (today - due[o.petition_id]).days,
                "via": SYSTEM,
            }
            for o in orders
        },
        digests={p.pk: case_digest(p) for p in ready},
    )
    # A row whose due_on had drifted from its binding deadline is put right, as `_record`'s
    # save would (none in a consistent database).
    for p in moved:
        Petition.objects.filter(pk=p.pk).update(due_on=p.due_on)
    return len(orders), _orders_messages(ready, orders)


def _orders_messages(cases: list[Any], orders: list[NewOrder]) -> list[Message]:
    """The notices to whoever answers for each new order (`_answerable`), in a few queries."""
    unit_ids = {o.unit_id for o in orders}
    leaders = members_of(unit_ids, [Role.LEADER])
    owners = owners_of(p.pk for p in cases)
    above = supervisors_above(unit_ids)
    url_of = reverse("petitions:detail", args=[987654321]).replace("987654321", "{}").format
    messages = []
    for p, order in zip(cases, orders, strict=True):
        people = set(leaders.get(order.unit_id, ())) | owners.get(p.pk, set())
        if p.handler_id and order.unit_id == p.responsible_unit_id:
            people.add(p.handler_id)
        people |= above.get(order.unit_id, set())
        title = f"自动督办：{p.subject[:60]}"
        key = f"supervision:{order.pk}:raised"
        url = url_of(p.pk)
        messages += [
            Message(s, Kind.SUPERVISION, title, key, order.requirements, url, p.pk) for s in people
        ]
    return messages


def _system_step(kind: str, petition_id: int, now: datetime, apply) -> int | None:
    """One event the deadline watch writes on a case, and its notices to whoever answers for
    the order; the notifications sent, or None when apply found nothing to do."""
    made: dict[str, Any] = {"sent": 0}

    def record(p: Petition, today: date, _clock: Clock) -> dict[str, Any]:
        data, message = apply(p, today)
        made.update(message, petition=p)
        return data

    def send() -> None:
        order, p = made["order"], made["petition"]
        title = f"{made['title']}：{p.subject[:60]}"
        made["sent"] = _send(_answerable(order, p), order, p, title, made["body"], made["key"])

    try:
        _record(
            kind,
            petition=Petition(pk=petition_id),
            actor=None,
            now=now,
            apply=record,
            then=send,
            via=SYSTEM,
        )
    except DomainError:
        return None
    return made["sent"]


# --- upgrading to 挂牌督办 ---------------------------------------------------------------------


def _to_flag(clock: Clock, today: date) -> list[tuple[int, int, date]]:
    days, _ = clock.rules[K.ESCALATE_FLAG]
    if not days:
        return []
    rows = SupervisionOrder.objects.filter(
        NOT_CLOSED,
        level=SupervisionOrder.Level.NORMAL,
        issued_at__date__lte=today - timedelta(days=days),
        petition__due_on__lt=today,
        petition__in=Petition.objects.open(),
    ).values_list("pk", "petition_id", "issued_at")
    out = []
    for pk, petition_id, issued_at in rows:
        issued_on = timezone.localdate(issued_at)
        if clock.due(K.ESCALATE_FLAG, issued_on).date <= today:
            out.append((pk, petition_id, issued_on))
    return out


def _flag(order_id: int, petition_id: int, issued_on: date, now: datetime) -> int | None:
    """Upgrade one order; the notifications sent, or None when nothing was due."""

    def apply(p: Petition, today: date) -> tuple[dict[str, Any], dict[str, Any]]:
        if not (p.is_open and p.due_on and p.due_on < today):
            raise InvalidTransition("已不再超期。")
        # A conditional update: only the run that flips the level writes the event.
        upgraded = (
            SupervisionOrder.objects.filter(NOT_CLOSED, pk=order_id, level="normal")
            .exclude(petition__state__in=TERMINAL_STATES)
            .update(level=SupervisionOrder.Level.FLAGGED, flagged_at=now)
        )
        if not upgraded or not log_insert([Due(p.pk, f"flag:{order_id}", issued_on, "flag")], now):
            raise InvalidTransition("已升级为挂牌督办。")
        order = SupervisionOrder.objects.select_related("unit").get(pk=order_id)
        data = {
            "order": order.pk,
            "unit_name": order.unit.name,
            "days": (today - issued_on).days,
            "due_on": p.due_on.isoformat(),
        }
        body = (
            f"{order.unit.name}自{order.issued_at:%Y年%m月%d日}督办以来，本件仍然超期，"
            "已升级为挂牌督办，请立即办理并反馈。"
        )
        return data, {"order": order, "title": "挂牌督办", "body": body, "key": "flagged"}

    return _system_step("supervision_flag", petition_id, now, apply)


def _answerable(order: SupervisionOrder, p: Petition) -> set[int]:
    """The unit's leaders, the case's owner and handler, and the supervisors above the unit."""
    people = members_of([order.unit_id], [Role.LEADER]).get(order.unit_id, set())
    people |= owners_of([p.pk]).get(p.pk, set())
    if p.handler_id and order.unit_id == p.responsible_unit_id:
        people.add(p.handler_id)
    return people | supervisors_above([order.unit_id]).get(order.unit_id, set())


def _send(
    people: set[int], order: SupervisionOrder, p: Petition, title: str, body: str, key: str
) -> int:
    url = reverse("petitions:detail", args=[p.pk])
    return notify_bulk(
        messages=[
            Message(s, Kind.SUPERVISION, title, f"supervision:{order.pk}:{key}", body, url, p.pk)
            for s in people
        ]
    )


# --- the owner's target date ------------------------------------------------------------------


def _points(today: date, days: list[int]) -> dict[date, str]:
    return points_by_date(today, point_ranges(days))


def _ownership_remind(today: date, now: datetime, commit: bool, days: list[int]) -> tuple[int, int]:
    """Remind each active owner (and the leaders above them) of the target date: before it,
    on it, and once when it has passed. Returns (reminders, notifications)."""
    points = _points(today, days)
    horizon = max(points, default=today)
    since = today - timedelta(days=7)
    rows = list(
        Ownership.objects.filter(active=True, target_on__gte=since, target_on__lte=horizon)
        .exclude(petition__state__in=TERMINAL_STATES)
        .select_related("petition", "petition__responsible_unit", "owner")
    )
    found = []
    for o in rows:
        point = OVERDUE if o.target_on < today else points.get(o.target_on)
        if point is not None:
            found.append((o, Due(o.petition_id, OWNERSHIP, o.target_on, point)))
    if not commit:
        return len(found), 0
    sent = reminded = 0
    with transaction.atomic():
        inserted = log_insert([d for _, d in found], now)
        messages: list[Message] = []
        for o, d in found:
            if (d.petition_id, d.field, d.point) not in inserted:
                continue
            reminded += 1
            p = o.petition
            people = {o.owner_id} | _leaders_above_owner(o)
            when = f"{o.target_on:%Y年%m月%d日}"
            whose = f"{o.owner.display_name}包案的 {p.tracking_code_display}"
            if d.point == OVERDUE:
                title = f"包案化解时限已过：{p.subject[:60]}"
                body = f"{whose} 化解时限（{when}）已过。"
            else:
                left = (o.target_on - today).days
                rest = "今天到期" if left <= 0 else f"还剩{left}天"
                title = f"包案化解时限提醒：{p.subject[:60]}"
                body = f"{whose} 化解时限为{when}，{rest}。"
            body += f"包案事项：{o.matter}"
            key = f"ownership:{o.pk}:{o.target_on.isoformat()}:{d.point}"
            url = reverse("petitions:detail", args=[p.pk])
            messages += [Message(s, Kind.OWNERSHIP, title, key, body, url, p.pk) for s in people]
        sent = notify_bulk(messages=messages)
    return reminded, sent


def _leaders_above_owner(o: Ownership) -> set[int]:
    """The leaders of the unit above the one in which the owner leads this case's unit."""
    unit = o.petition.responsible_unit
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    own = (
        Membership.objects.filter(staff_id=o.owner_id, role=Role.LEADER, unit__path__in=paths)
        .order_by("-unit__depth")
        .values_list("unit__path", flat=True)
        .first()
    )
    if not own or len(own) <= Unit.steplen:
        return set()
    above = Unit.objects.get(path=own[: -Unit.steplen])
    return leaders_over(above) - {o.owner_id}
