"""The deadline watch (RULES.md §5, §7): reminders before each deadline, and when one passes,
the case marked overdue and the people who answer for it told, up to the supervisor above.

It runs hourly on every worker there is, so it must be harmless to run twice or at once:
every reminder and mark is first inserted into DeadlineReminder, whose unique key
(case, deadline, date, point) lets exactly one run insert it, and only what a run inserted
is sent, in the same transaction. The work is set-based: one query finds the cases due at a
reminder point or past their date, the log is probed for them 20,000 cases a query, and each
batch of 5,000 to send costs a fixed handful of queries, whatever its size.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from xinfang.core.dates import date_text
from xinfang.core.db import rows_at_once
from xinfang.core.tracking import display_tracking_code
from xinfang.notifications.models import Kind
from xinfang.notifications.services import Message, notify_bulk
from xinfang.petitions.history import SystemEvents
from xinfang.petitions.models import OPEN_STATES, Petition, State, is_open_state
from xinfang.units.models import Role
from xinfang.workflow.calendar import WorkCalendar
from xinfang.workflow.deadlines import BINDING_FIELD, DEADLINE_LABELS, Clock, calendar_load
from xinfang.workflow.models import DeadlineReminder
from xinfang.workflow.services.escalation import escalations_run, orders_due, orders_raise
from xinfang.workflow.services.follow_ups import follow_ups_remind, follow_ups_schedule
from xinfang.workflow.services.recipients import (
    acting_unit_id,
    ids_param,
    members_of,
    owners_of,
    supervisors_above,
)
from xinfang.workflow.services.reminder_log import (
    FOLLOW_UP,
    OVERDUE,
    TARGET,
    Due,
    batches_send,
    interleaved_batches,
    log_insert,
    point_ranges,
    points_by_date,
    scan_workers,
    sql_array,
)
from xinfang.workflow.services.supervision import supervision_orders_overdue
from xinfang.workflow.services.transition import SYSTEM

# The service target is about first-instance handling; a review has its own legal clock.
TARGET_STATES = frozenset(OPEN_STATES - {State.REVIEW_REQUESTED, State.RE_REVIEW_REQUESTED})
# Before a legal deadline passes, a case without a handler reminds these roles of its unit.
ACTORS_BEFORE = {
    "decide_by": (Role.REGISTRAR, Role.LEADER),
    "acknowledge_by": (Role.REGISTRAR, Role.LEADER),
}
CASE_FIELDS = (
    "id",
    "tracking_code",
    "subject",
    "state",
    "forwarded_to_body",
    "due_on",
    "target_on",
    "handler_id",
    "responsible_unit_id",
    "reviewing_unit_id",
    "re_reviewing_unit_id",
    "history_head",
    "version",
    "deadlines_provisional",
)
PROBE = 5000


def reminder_days() -> list[int]:
    """Days before a deadline at which to remind (setting DEADLINE_REMINDER_DAYS: 3, 1, 0)."""
    days = getattr(settings, "DEADLINE_REMINDER_DAYS", (3, 1, 0))
    return sorted({int(d) for d in days if int(d) >= 0}, reverse=True)


def target_lookback_days() -> int:
    """How many days after a missed service target it is still reported (setting
    DEADLINE_TARGET_LOOKBACK_DAYS, default 7)."""
    return int(getattr(settings, "DEADLINE_TARGET_LOOKBACK_DAYS", 7))


def batch_size() -> int:
    """Cases sent per transaction (setting DEADLINE_SCAN_BATCH, default 5,000)."""
    return int(getattr(settings, "DEADLINE_SCAN_BATCH", 5000))


@dataclass
class DeadlineScan:
    """What one run found and (with commit) sent."""

    now: datetime
    today: date
    committed: bool
    counts: Counter = field(default_factory=Counter)
    found: list[Due] = field(default_factory=list)
    notifications: int = 0
    events: int = 0
    orders_overdue: int = 0
    orders_raised: int = 0
    orders_flagged: int = 0
    ownership_reminders: int = 0
    follow_ups_scheduled: int = 0
    follow_ups_due: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def deadlines_check(*, now: datetime | None = None, commit: bool = True) -> DeadlineScan:
    """Send every reminder and overdue mark that is due and not yet sent; with commit=False
    only find them (a dry run). Idempotent, and safe on several workers at once."""
    with _collector_paused():
        return _deadlines_check(now=now, commit=commit)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the scan, on again after it.

    A first run holds a few hundred thousand reminders, rows and messages at once, all
    tracked containers, and each full collection walks every one of them: at 100,000 open
    cases 236 collections cost 0.7 s of a 9 s run, and the full ones grow with the backlog.
    The scan makes no cycles that must go before it ends; what it leaves is collected by
    the next collection after it, as before."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _deadlines_check(*, now: datetime | None, commit: bool) -> DeadlineScan:
    now = now or timezone.now()
    today = timezone.localdate(now)
    scan = DeadlineScan(now=now, today=today, committed=commit)
    found = _unsent(_found(today))
    # Overdue marks of legal deadlines write events under row locks; the rest only notify.
    marks = [d for d in found if d.point == OVERDUE and d.field != TARGET]
    _run(scan, [d for d in found if d.point != OVERDUE or d.field == TARGET], overdue=False)
    _run(scan, marks, overdue=True)
    scan.orders_overdue, sent = supervision_orders_overdue(now=now, commit=commit)
    scan.notifications += sent
    # The orders raised here are those of cases whose mark was sent earlier (the marks' own
    # went with them, above).
    escalated = escalations_run(now=now, commit=commit, days=reminder_days())
    scan.orders_raised += escalated.raised
    scan.orders_flagged = escalated.flagged
    scan.ownership_reminders = escalated.ownership_reminders
    scan.notifications += escalated.notifications
    scan.follow_ups_scheduled = follow_ups_schedule(now=now, commit=commit)
    scan.follow_ups_due, sent = follow_ups_remind(now=now, commit=commit)
    scan.notifications += sent
    return scan


# --- finding what is due ----------------------------------------------------------------------


def _target_q() -> Q:
    # "The earlier one drives reminders" (RULES.md §5): the service target adds reminders of
    # its own only while it comes before the legal deadline.
    return Q(state__in=TARGET_STATES, target_on__isnull=False) & (
        Q(due_on__isnull=True) | Q(target_on__lt=F("due_on"))
    )


def _found(today: date) -> list[Due]:
    """Open cases whose legal deadline or (earlier) service target falls at a reminder point
    or has passed: one query, classified here.

    A missed service target is a nudge, not a legal mark: only recent ones are told, so a
    first run over old data does not flood everyone with stale news.

    The two ranges are read apart, each from its covering index alone (petition_open_due,
    petition_open_target), and joined here: read as one OR they went through a bitmap of
    the table's pages, 141,000 pages at a million cases against 2,000.
    """
    ranges = point_ranges(reminder_days())
    horizon = today + timedelta(days=max((high for _, _, high in ranges), default=-1))
    since = today - timedelta(days=target_lookback_days())
    columns = ("pk", "state", "due_on", "target_on")
    by_due = Petition.objects.open().filter(due_on__lte=horizon).values_list(*columns)
    by_target = (
        Petition.objects.open()
        .filter(_target_q(), target_on__gte=since, target_on__lte=horizon)
        .values_list(*columns)
    )
    # A case in both ranges comes twice: once is enough.
    rows = {row[0]: row for row in by_due.union(by_target, all=True)}.values()
    points = points_by_date(today, ranges)
    out = []
    for pk, state, due, target in rows:
        if due is not None and due <= horizon:
            point = OVERDUE if due < today else points.get(due)
            if point is not None:
                out.append(Due(pk, BINDING_FIELD[state], due, point))
        if (
            target is not None
            and state in TARGET_STATES
            and since <= target <= horizon
            and (due is None or target < due)
        ):
            point = OVERDUE if target < today else points.get(target)
            if point is not None:
                out.append(Due(pk, TARGET, target, point))
    return out


def _unsent(found: list[Due]) -> list[Due]:
    """Drop what the log says was sent, probing its unique index by case, point by point,
    5,000 cases at a time.

    A join in the database would depend on the planner's estimate of a log that grows by the
    hundred thousand in one run; these probes cost the same whatever the statistics say, and
    bring back only the rows that match.
    """
    groups: dict[tuple[bool, str], list[Due]] = {}
    for d in found:
        groups.setdefault((d.field == TARGET, d.point), []).append(d)
    out: list[Due] = []
    postgres = connection.vendor == "postgresql"
    size = PROBE * 4 if postgres else PROBE
    for (target, point), dues in groups.items():
        for start in range(0, len(dues), size):
            chunk = dues[start : start + size]
            if postgres:
                sent = _logged_pg(chunk, target=target, point=point)
                out += [d for d in chunk if (d.petition_id, d.field, d.due_on) not in sent]
                continue
            logged = DeadlineReminder.objects.filter(
                petition_id__in={d.petition_id for d in chunk},
                point=point,
                due_on__in={d.due_on for d in chunk},
            )
            logged = (
                logged.filter(field=TARGET)
                if target
                else logged.exclude(field__in=(TARGET, FOLLOW_UP))
            )
            sent = set(logged.values_list("petition_id", "field", "due_on"))
            out += [d for d in chunk if (d.petition_id, d.field, d.due_on) not in sent]
    return out


def _logged_pg(chunk: list[Due], *, target: bool, point: str) -> set[tuple[int, str, date]]:
    # Arrays as single parameters: a short query for the driver to parse, however many cases.
    fields = "field = %s" if target else "NOT (field = ANY(%s))"
    sql = (
        f"SELECT petition_id, field, due_on FROM {DeadlineReminder._meta.db_table} "
        "WHERE petition_id = ANY(%s::bigint[]) AND point = %s AND due_on = ANY(%s::date[]) "
        f"AND {fields}"
    )
    params = [
        sql_array(sorted({d.petition_id for d in chunk})),
        point,
        sql_array(sorted({d.due_on for d in chunk})),
        TARGET if target else [TARGET, FOLLOW_UP],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return set(cursor.fetchall())


# --- sending, a batch at a time ---------------------------------------------------------------


def _still_due(p: CaseRow, due: Due) -> bool:
    """The case still has this deadline on this date (it may have moved since the query)."""
    if not is_open_state(p.state, p.forwarded_to_body):
        return False
    if due.field == TARGET:
        return p.state in TARGET_STATES and p.target_on == due.due_on
    return BINDING_FIELD.get(p.state) == due.field and p.due_on == due.due_on


def _run(scan: DeadlineScan, found: list[Due], *, overdue: bool) -> None:
    # One global order, so two runs at once take the same keys in the same order and wait
    # for each other instead of deadlocking.
    found.sort(key=lambda d: (d.petition_id, d.field, d.point))
    if not scan.committed:
        scan.found += found
        scan.counts.update(f"{d.field}:{d.point}" for d in found)
        return
    batches = interleaved_batches(found, batch_size(), scan_workers())
    clock = Clock() if overdue and batches else None

    def work(batch: list[Due]) -> tuple[list[int] | None, int, int, int]:
        sent, events, notifications, orders = _send_batch(scan, list(batch), clock)
        return _positions(batch, sent), events, notifications, orders

    results = batches_send(work, batches)
    for batch, (positions, events, notifications, orders) in zip(batches, results, strict=True):
        sent = list(batch) if positions is None else [batch[i] for i in positions]
        scan.counts.update(f"{d.field}:{d.point}" for d in sent)
        scan.found += sent
        scan.events += events
        scan.notifications += notifications
        scan.orders_raised += orders


def _positions(batch: list[Due], sent: list[Due]) -> list[int] | None:
    """Where in the batch the sent ones stand (None: all of them). A lane in another process
    sends its results back pickled: positions, not the ~200,000 reminders of a first run."""
    if len(sent) == len(batch):
        return None
    sent_ids = {id(d) for d in sent}
    return [i for i, d in enumerate(batch) if id(d) in sent_ids]


@dataclass(slots=True)
class CaseRow:
    """The columns of a case the job reads, without a model instance per row."""

    pk: int
    tracking_code: str
    subject: str
    state: str
    forwarded_to_body: str
    due_on: date | None
    target_on: date | None
    handler_id: int | None
    responsible_unit_id: int
    reviewing_unit_id: int | None
    re_reviewing_unit_id: int | None
    history_head: str
    version: int
    deadlines_provisional: bool = False
    # Read for the overdue marks only (MARK_FIELDS): the rest of the state columns, which an
    # automatic order raised with the mark reads (escalation.ORDER_CASE_FIELDS).
    assigning_unit_id: int | None = None
    decision: str = ""
    decline_reason: str = ""
    decided_on: date | None = None
    accepted_on: date | None = None
    concluded_on: date | None = None
    reply_delivered_on: date | None = None
    extension_days: int = 0
    hearing_days: int = 0
    is_litigation: bool = False
    decide_by: date | None = None
    acknowledge_by: date | None = None
    return_by: date | None = None
    conclude_by: date | None = None
    review_request_by: date | None = None
    review_conclude_by: date | None = None
    re_review_request_by: date | None = None
    re_review_conclude_by: date | None = None
    updated_at: datetime | None = None

    @property
    def tracking_code_display(self) -> str:
        """The tracking code as people read it, as Petition.tracking_code_display."""
        return display_tracking_code(self.tracking_code)


# Every column of CaseRow: what an overdue mark's batch reads.
MARK_FIELDS = tuple(f.name for f in fields(CaseRow) if f.name != "updated_at")


def _send_batch(
    scan: DeadlineScan, batch: list[Due], clock: Clock | None
) -> tuple[list[Due], int, int, int]:
    """Send one batch in the caller's transaction: (what was sent, events, notifications,
    automatic orders). With a clock, the batch holds overdue marks. It reads `scan` and
    changes nothing in it (batches may run on several threads)."""
    cases = Petition.objects.filter(pk__in=ids_param(d.petition_id for d in batch)).order_by("pk")
    # A legal deadline's overdue mark writes an event: lock the cases as `_transition` does.
    marks_events = clock is not None and any(d.field != TARGET for d in batch)
    if marks_events:
        cases = cases.select_for_update(of=("self",))
    columns = MARK_FIELDS if marks_events else CASE_FIELDS
    # The rows as the driver gives them (numbers, texts, dates: nothing for Django to convert
    # on PostgreSQL), not through the queryset's iterator: ~200,000 rows in a first run.
    (rows,) = rows_at_once([cases.values_list(*columns)])
    by_id = {row[0]: CaseRow(*row) for row in rows}
    current = [d for d in batch if d.petition_id in by_id and _still_due(by_id[d.petition_id], d)]
    inserted = log_insert(current, scan.now, unsent=True)  # `_unsent` probed them
    sent = [d for d in current if (d.petition_id, d.field, d.point) in inserted]
    if not sent:
        return [], 0, 0, 0
    events = orders = 0
    messages: list[Message] = []
    if marks_events:
        legal = [d for d in sent if d.field != TARGET]
        drafted = SystemEvents(at=scan.now)
        marked = [by_id[d.petition_id] for d in legal]
        events = drafted.add(
            marked,
            kind="overdue",
            data={
                d.petition_id: {
                    "field": d.field,
                    "label": DEADLINE_LABELS.get(d.field, d.field),
                    "due_on": d.due_on.isoformat(),
                    "via": SYSTEM,
                }
                for d in legal
            },
        )
        # A backlog's case late by the escalation rule's days gets its automatic order here,
        # in the mark's transaction, as escalation's own step would raise it later in the run:
        # its two events then move the case's head once (version + 2).
        due = orders_due(marked, clock, scan.today)
        ordered = [p for p in marked if p.pk in due]
        orders, messages = orders_raise(ordered, due, clock, scan.now, drafted)
        drafted.write()
    messages += _messages(sent, by_id, scan.today)
    # Keys new by construction: each names a reminder or order whose log row this
    # transaction has just inserted.
    return sent, events, notify_bulk(messages=messages, new_keys=True), orders


def _messages(sent: list[Due], by_id: dict[int, CaseRow], today: date) -> list[Message]:
    cases = [by_id[d.petition_id] for d in sent]
    acting = {p.pk: acting_unit_id(p) for p in cases}
    owners = owners_of(acting)
    roles = (Role.LEADER, Role.REGISTRAR)
    members = members_of(set(acting.values()), roles)
    leaders = members_of(set(acting.values()), [Role.LEADER])
    supervisors = (
        supervisors_above(set(acting.values())) if any(d.point == OVERDUE for d in sent) else {}
    )
    # The calendar only where some case counts provisionally (a query a batch, at most).
    calendar = calendar_load() if any(p.deadlines_provisional for p in cases) else None
    # One reverse() for the batch: the case page's address with the id swapped in.
    url_of = reverse("petitions:detail", args=[987654321]).replace("987654321", "{}").format
    out: list[Message] = []
    texts: dict[tuple[str, date, str, bool], tuple[str, str, str]] = {}
    for d in sent:
        p = by_id[d.petition_id]
        unit = acting[p.pk]
        first_instance = p.state in TARGET_STATES
        people: set[int] = set(owners.get(p.pk, ()))
        if first_instance and p.handler_id:
            people.add(p.handler_id)
        handled = first_instance and p.handler_id
        if d.point == OVERDUE:
            people |= leaders.get(unit, set())
            if d.field != TARGET:
                people |= supervisors.get(unit, set())
        if d.point == OVERDUE or not handled:
            # Whose move it is: registrars too while the case waits for a decision.
            if Role.REGISTRAR in ACTORS_BEFORE.get(d.field, ()) and not handled:
                people |= members.get(unit, set())
            elif not handled:
                people |= leaders.get(unit, set())
        if not people:
            continue  # nobody to tell (say, a unit without leaders): skip the text too
        # The words around the case's subject and code, once per deadline, date and point.
        provisional = bool(p.deadlines_provisional) and _provisional(calendar, d.due_on)
        words = (d.field, d.due_on, d.point, provisional)
        parts = texts.get(words)
        if parts is None:
            parts = texts[words] = _text_parts(d, today, provisional)
        before_subject, after_code, kind = parts
        title = before_subject + p.subject[:60]
        body = p.tracking_code_display + after_code
        key = f"deadline:{p.pk}:{d.field}:{d.due_on.isoformat()}:{d.point}"
        url = url_of(p.pk)
        out += [Message(s, kind, title, key, body, url, p.pk) for s in people]
    return out


def _text(p: CaseRow, d: Due, today: date, calendar: WorkCalendar | None) -> tuple[str, str, str]:
    """The reminder's (title, body, kind) for one case."""
    before_subject, after_code, kind = _text_parts(d, today, _provisional(calendar, d.due_on))
    return before_subject + p.subject[:60], p.tracking_code_display + after_code, kind


def _provisional(calendar: WorkCalendar | None, day: date) -> bool:
    # A date in a year without its official arrangement says so (core/dates).
    return bool(calendar) and not calendar.is_known_year(day.year)


def _text_parts(d: Due, today: date, provisional: bool) -> tuple[str, str, str]:
    """A reminder's words around its case: (the title before the subject, the body after the
    tracking code, the kind). The same for every case with this deadline, date and point, so
    a run builds them once each, not once per case."""
    label = DEADLINE_LABELS.get(d.field, d.field)
    when = date_text(d.due_on, provisional)
    if d.point == OVERDUE:
        if d.field == TARGET:
            return (
                "服务承诺期限已过：",
                f" 的{label}（{when}）已过，请抓紧办理。",
                Kind.DEADLINE_REMINDER,
            )
        return ("已超期：", f" 的{label}（{when}）已过，本件已超期，请立即办理。", Kind.OVERDUE)
    left = (d.due_on - today).days
    rest = "今天到期" if left <= 0 else f"还剩{left}天"
    return ("期限提醒：", f" 的{label}为{when}，{rest}。", Kind.DEADLINE_REMINDER)


# --- supervision orders and follow-ups -------------------------------------------------------
