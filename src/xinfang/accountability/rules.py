"""The proposal rules: the violations of a month the system can prove from its own records.

Each rule reads records other apps keep and returns `Violation`s; none writes anything.
Cases are read from their history (the register, decision, acknowledge, return, extend and
conclude events carry the deadline each set and when each act happened), so a deadline
later replaced (a case returned and decided again) is still judged as it stood then.

A violation belongs to the month its deadline fell in (for a late return, the month of the
return). A deadline counts once its last day has passed: an act not done by then is a
violation whether it is done later or not at all.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from xinfang.accountability.models import Kind
from xinfang.core.errors import ValidationFailed
from xinfang.petitions.models import Petition, PetitionEvent, State, open_q
from xinfang.prevention.models import ScreeningPeriod
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.models import SupervisionOrder

DECISIONS = frozenset({"accept", "forward", "assign", "decline"})
WALKED = DECISIONS | {
    "register",
    "acknowledge",
    "return",
    "extend",
    "conclude",
    "overdue",
    "accusation_mark",
}
# The longest a deadline of a case can lie after the event that started it (60 + 30 days of
# handling, a 15-day decision, holidays): events older than this cannot decide a month.
LOOKBACK_DAYS = 150
CHUNK = 500


@dataclass(frozen=True)
class Month:
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start.year}年{self.start.month}月"

    @property
    def code(self) -> str:
        return f"{self.start:%Y-%m}"


def month_of(day: date) -> Month:
    last = calendar.monthrange(day.year, day.month)[1]
    return Month(day.replace(day=1), day.replace(day=last))


def month_parse(raw: str | None, today: date) -> Month:
    """The month named "YYYY-MM"; last month when none is named.

    Raises:
        ValidationFailed: not a month.
    """
    raw = (raw or "").strip()
    if not raw:
        return month_of(today.replace(day=1) - timedelta(days=1))
    try:
        year, month = (int(x) for x in raw.split("-"))
        if not 2000 <= year <= 2100:
            raise ValueError(raw)
        return month_of(date(year, month, 1))
    except ValueError as exc:
        raise ValidationFailed("月份应为 YYYY-MM 格式。", {"field": "month"}) from exc


@dataclass
class Violation:
    key: str
    kind: str
    unit_id: int
    due_on: date | None
    done_on: date | None
    summary: str
    petition_id: int | None = None
    supervision_order_id: int | None = None
    screening_period_id: int | None = None
    event_ids: list[int] = field(default_factory=list)


def _d(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


def _late(due: date, done: date | None, what: str) -> str:
    if done is None:
        return f"期限{due:%Y-%m-%d}，至今未{what}"
    return f"期限{due:%Y-%m-%d}，{done:%Y-%m-%d}才{what}（逾期{(done - due).days}日）"


@dataclass
class _Clock:
    """One running deadline of a case while its history is walked."""

    due: date
    unit_id: int
    event_ids: list[int]


class _CaseWalk:
    """Walk one case's events in order and collect the deadlines it missed."""

    def __init__(self, p: Petition, clock: Clock, register_days: int, imported: bool) -> None:
        self.p, self.clock = p, clock
        self.register_days, self.imported = register_days, imported
        self.found: list[Violation] = []
        self.decide: _Clock | None = None
        self.ack: _Clock | None = None
        self.conclude: _Clock | None = None
        self.received: tuple[date, int] | None = None  # a forward or assign: (date, event id)
        self.overdue: dict[tuple[str, str], int] = {}

    @property
    def decider(self) -> int:
        # Only a registered or returned case is decided, always by the body that holds it
        # before any assignment: the assigning unit once assigned, else the responsible one.
        return self.p.assigning_unit_id or self.p.responsible_unit_id

    def _add(self, kind: str, key: str, c: _Clock, done: date | None, what: str, ev=None):
        proof = list(c.event_ids) + ([ev] if ev else [])
        marked = self.overdue.get((FIELD_OF[kind], c.due.isoformat()))
        if marked and marked not in proof:
            proof.append(marked)
        self.found.append(
            Violation(
                key=f"{kind}:{self.p.pk}:{key}",
                kind=kind,
                unit_id=c.unit_id,
                due_on=c.due,
                done_on=done,
                summary=_late(c.due, done, what),
                petition_id=self.p.pk,
                event_ids=sorted(proof),
            )
        )

    def _close(self, kind: str, c: _Clock | None, day: date, ev: int, what: str) -> None:
        if c is not None and day > c.due:
            self._add(kind, c.due.isoformat(), c, day, what, ev)

    def step(self, e: dict) -> None:
        kind, data, ev = e["kind"], e["data"] or {}, e["id"]
        day = timezone.localdate(e["at"])
        if kind == "overdue":
            self.overdue[(data.get("field", ""), data.get("due_on", ""))] = ev
        elif kind == "register":
            self._register(day, ev)
            due = _d(data.get("decide_by"))
            self.decide = _Clock(due, self.decider, [ev]) if due else None
        elif kind in DECISIONS:
            self._close(Kind.DECISION_LATE, self.decide, day, ev, "作出决定")
            self.decide = None
            to_unit = data.get("to_unit")
            if kind in ("assign", "forward") and to_unit:
                ack = _d(data.get("acknowledge_by"))
                self.ack = _Clock(ack, to_unit, [ev]) if ack else None
                self.received = (day, ev)
            conclude = _d(data.get("conclude_by"))
            if conclude and kind in ("accept", "assign"):
                unit = to_unit if kind == "assign" else self.decider
                self.conclude = _Clock(conclude, unit, [ev])
        elif kind == "acknowledge":
            self._close(Kind.NOTICE_LATE, self.ack, day, ev, "签收并告知信访人")
            unit = self.ack.unit_id if self.ack else self.p.responsible_unit_id
            self.ack = None
            conclude = _d(data.get("conclude_by"))
            if conclude and (self.conclude is None or self.conclude.due != conclude):
                self.conclude = _Clock(conclude, unit, [ev])
        elif kind == "return":
            self._return(data, day, ev)
        elif kind == "accusation_mark" and data.get("decide_by"):
            # Handling withdrawn from the accused unit: the answering body decides afresh.
            self.ack = self.conclude = self.received = None
            self.decide = _Clock(_d(data["decide_by"]), self.decider, [ev])
        elif kind == "extend":
            conclude = _d(data.get("conclude_by"))
            if conclude and self.conclude is not None:
                self.conclude = _Clock(
                    conclude, self.conclude.unit_id, [*self.conclude.event_ids, ev]
                )
        elif kind == "conclude":
            self._close(Kind.CONCLUSION_LATE, self.conclude, day, ev, "办结答复")
            self.conclude = None

    def _register(self, day: date, ev: int) -> None:
        if self.imported:
            return  # a ledger brought in after the fact was registered when it was imported
        received = self.p.received_on
        due = self.clock.calendar.add(received, self.register_days, "working").date
        if day > due:
            self.found.append(
                Violation(
                    key=f"{Kind.REGISTRATION_LATE}:{self.p.pk}",
                    kind=Kind.REGISTRATION_LATE,
                    unit_id=self.p.receiving_unit_id,
                    due_on=due,
                    done_on=day,
                    summary=f"{received:%Y-%m-%d}收到，{_late(due, day, '登记')}",
                    petition_id=self.p.pk,
                    event_ids=[ev],
                )
            )

    def _return(self, data: dict, day: date, ev: int) -> None:
        if self.received is not None:
            start, assigned_ev = self.received
            due = self.clock.due("return_by", start).date
            if day > due:
                self.found.append(
                    Violation(
                        key=f"{Kind.RETURN_LATE}:{self.p.pk}:{ev}",
                        kind=Kind.RETURN_LATE,
                        unit_id=data.get("from_unit") or self.p.responsible_unit_id,
                        due_on=due,
                        done_on=day,
                        summary=f"{start:%Y-%m-%d}收到，{_late(due, day, '退回')}",
                        petition_id=self.p.pk,
                        event_ids=[assigned_ev, ev],
                    )
                )
        self.ack = self.conclude = self.received = None
        due = _d(data.get("decide_by"))
        self.decide = _Clock(due, self.decider, [ev]) if due else None

    def finish(self, today: date) -> None:
        """Deadlines still running: missed if their last day has passed and the case still
        waits for that act."""
        state = self.p.state
        pending = [
            (Kind.DECISION_LATE, self.decide, {State.REGISTERED, State.RETURNED}, "作出决定"),
            (Kind.NOTICE_LATE, self.ack, {State.ASSIGNED, State.FORWARDED}, "签收并告知信访人"),
            (
                Kind.CONCLUSION_LATE,
                self.conclude,
                {State.ACCEPTED, State.ACKNOWLEDGED, State.IN_PROGRESS},
                "办结答复",
            ),
        ]
        for kind, c, states, what in pending:
            if c is not None and c.due < today and state in states:
                self._add(kind, c.due.isoformat(), c, None, what)


FIELD_OF = {
    Kind.DECISION_LATE: "decide_by",
    Kind.NOTICE_LATE: "acknowledge_by",
    Kind.CONCLUSION_LATE: "conclude_by",
}


def _in_month(v: Violation, month: Month, today: date) -> bool:
    if v.kind in (Kind.REGISTRATION_LATE, Kind.RETURN_LATE):
        return month.start <= v.done_on <= month.end
    return month.start <= v.due_on <= month.end and v.due_on < today


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def case_violations(month: Month, now: datetime) -> list[Violation]:
    """Registration, decision, notice, handling-limit and return violations of the month."""
    today = timezone.localdate(now)
    clock = Clock()
    register_days = settings.ACCOUNTABILITY_REGISTER_WITHIN_DAYS
    since = _aware(month.start - timedelta(days=LOOKBACK_DAYS))
    ids = list(
        Petition.objects.filter(received_at__lt=_aware(month.end + timedelta(days=1)))
        .filter(Q(received_at__gte=since) | open_q() | Q(updated_at__gte=since))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    found: list[Violation] = []
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        cases = Petition.objects.in_bulk(chunk)
        imported = set(
            PetitionEvent.objects.filter(petition_id__in=chunk, kind="ledger_import").values_list(
                "petition_id", flat=True
            )
        )
        walks = {pk: _CaseWalk(p, clock, register_days, pk in imported) for pk, p in cases.items()}
        events = (
            PetitionEvent.objects.filter(petition_id__in=chunk, kind__in=WALKED)
            .order_by("petition_id", "seq")
            .values("id", "petition_id", "kind", "at", "data")
        )
        for e in events.iterator(chunk_size=2000):
            walks[e["petition_id"]].step(e)
        for walk in walks.values():
            walk.finish(today)
            found.extend(v for v in walk.found if _in_month(v, month, today))
    return found


def supervision_violations(month: Month, now: datetime) -> list[Violation]:
    """Supervision orders whose response was due in the month and came late or never (an
    order closed by its supervisor by the due date asked nothing more of the unit)."""
    today = timezone.localdate(now)
    orders = (
        SupervisionOrder.objects.filter(due_on__gte=month.start, due_on__lte=month.end)
        .filter(due_on__lt=today)
        .filter(
            Q(responded_at__isnull=True, closed_at__isnull=True)
            | Q(responded_at__isnull=True, closed_at__date__gt=F("due_on"))
            | Q(responded_at__date__gt=F("due_on"))
        )
        .order_by("pk")
    )
    found = []
    for o in orders:
        done = timezone.localdate(o.responded_at) if o.responded_at else None
        proof = list(
            PetitionEvent.objects.filter(
                petition_id=o.petition_id,
                kind__in=["supervise", "supervision_respond", "supervision_flag"],
                data__order=o.pk,
            ).values_list("id", flat=True)
        )
        found.append(
            Violation(
                key=f"{Kind.SUPERVISION_UNANSWERED}:{o.pk}",
                kind=Kind.SUPERVISION_UNANSWERED,
                unit_id=o.unit_id,
                due_on=o.due_on,
                done_on=done,
                summary=f"{o.get_level_display()}，反馈{_late(o.due_on, done, '反馈')}",
                petition_id=o.petition_id,
                supervision_order_id=o.pk,
                event_ids=sorted(proof),
            )
        )
    return found


def screening_violations(month: Month, now: datetime) -> list[Violation]:
    """Reporting periods of a sensitive period that ended in the month, past their due time,
    with no report at all (not even a zero report)."""
    periods = (
        ScreeningPeriod.objects.filter(
            special_period__isnull=False,
            ends_on__gte=month.start,
            ends_on__lte=month.end,
            due_at__lt=now,
            current_report__isnull=True,
        )
        .select_related("special_period")
        .order_by("pk")
    )
    return [
        Violation(
            key=f"{Kind.ZERO_REPORT_MISSING}:{s.pk}",
            kind=Kind.ZERO_REPORT_MISSING,
            unit_id=s.unit_id,
            due_on=timezone.localdate(s.due_at),
            done_on=None,
            summary=f"{s.special_period.name}期间{s.label}的排查报告（含零报告）未报送",
            screening_period_id=s.pk,
        )
        for s in periods
    ]


def violations_of(month: Month, now: datetime) -> list[Violation]:
    """Every violation of the month the system can prove."""
    return (
        case_violations(month, now)
        + supervision_violations(month, now)
        + screening_violations(month, now)
    )
