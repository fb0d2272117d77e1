"""Who sees which backlog entries and meetings, and the board's figures.

An entry is seen by staff of its unit's subtree (and above), and only when every case it
links is visible to them: a matter holding an accusation never shows to the accused unit's
subtree (RULES.md §6). A meeting is seen by staff over its convening unit or a unit present,
and likewise only when every case it discussed or tasked is visible to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet

from xinfang.backlog.models import BacklogEntry, JointMeeting, MeetingTask, PlanStep
from xinfang.core.bounds import parse_pk
from xinfang.core.errors import NotFound
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import units_visible_to

# Age of a matter, from its first case: (key, label, from years, to years)
AGE_BANDS = [
    ("lt1", "1年以内", 0, 1),
    ("1to3", "1至3年", 1, 3),
    ("3to5", "3至5年", 3, 5),
    ("ge5", "5年以上", 5, None),
]
OPEN_STATUSES = (
    BacklogEntry.Status.PROPOSED,
    BacklogEntry.Status.IN_PROGRESS,
    BacklogEntry.Status.RESOLVED,
)


def _hidden_cases(user: Staff) -> QuerySet[Petition]:
    return Petition.objects.exclude(pk__in=petitions_visible_to(user).values("pk"))


def entries_visible_to(user: Staff) -> QuerySet[BacklogEntry]:
    """The entries the user may open."""
    if not user.is_authenticated or not user.is_active:
        return BacklogEntry.objects.none()
    qs = BacklogEntry.objects.filter(unit__in=units_visible_to(user))
    if not user.is_superuser:
        qs = qs.exclude(cases__in=_hidden_cases(user))
    return qs


def entry_get_for_user(user: Staff, pk: int) -> BacklogEntry:
    """The entry, or NotFound when it does not exist or lies outside the user's sight."""
    entry = (
        entries_visible_to(user)
        .select_related("unit", "owner", "anchor", "confirmed_by")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise NotFound("未找到该积案。")
    return entry


def entry_cases(user: Staff, entry: BacklogEntry) -> list[Petition]:
    """The entry's cases the user may open, oldest first."""
    visible = petitions_visible_to(user).values("pk")
    return list(entry.cases.filter(pk__in=visible).order_by("received_at"))


def meetings_visible_to(user: Staff) -> QuerySet[JointMeeting]:
    """The meetings the user may open."""
    if not user.is_authenticated or not user.is_active:
        return JointMeeting.objects.none()
    units = units_visible_to(user)
    qs = JointMeeting.objects.filter(Q(convening_unit__in=units) | Q(units_present__in=units))
    if not user.is_superuser:
        # A meeting that discussed a case the user may not see (an accusation against their
        # unit) is not theirs to read, even when their unit was present.
        hidden = _hidden_cases(user)
        qs = qs.exclude(cases__in=hidden).exclude(tasks__petition__in=hidden)
    return qs.distinct()


def meeting_get_for_user(user: Staff, pk: int) -> JointMeeting:
    meeting = meetings_visible_to(user).select_related("convening_unit").filter(pk=pk).first()
    if meeting is None:
        raise NotFound("未找到该联席会议。")
    return meeting


def task_get_for_user(user: Staff, pk: int) -> MeetingTask:
    task = (
        MeetingTask.objects.filter(pk=pk, meeting__in=meetings_visible_to(user))
        .select_related("meeting", "unit", "petition", "supervision_order")
        .first()
    )
    if task is None:
        raise NotFound("未找到该会议任务。")
    return task


def step_get_for_user(user: Staff, pk: int) -> PlanStep:
    step = (
        PlanStep.objects.filter(pk=pk, entry__in=entries_visible_to(user))
        .select_related("entry", "unit")
        .first()
    )
    if step is None:
        raise NotFound("未找到该化解步骤。")
    return step


# --- the board -------------------------------------------------------------------------------


def in_subtree(qs: QuerySet[BacklogEntry], unit: Unit) -> QuerySet[BacklogEntry]:
    return qs.filter(unit__path__startswith=unit.path)


def _age_q(key: str, today: date) -> Q:
    for band, _, low, high in AGE_BANDS:
        if band == key:
            q = Q(anchor__received_on__lte=_years_before(today, low))
            if high is not None:
                q &= Q(anchor__received_on__gt=_years_before(today, high))
            return q
    return Q(pk__in=[])


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class EntryFilter:
    """The list's filter; each board figure links to the list with exactly its filter."""

    unit: int | None = None
    status: str = ""
    age: str = ""
    overdue: bool = False
    resolved_year: int | None = None

    @classmethod
    def of(cls, params) -> EntryFilter:
        def num(key: str) -> int | None:
            return parse_pk(params.get(key))

        status = params.get("status") or ""
        age = params.get("age") or ""
        return cls(
            unit=num("unit"),
            status=status if status in BacklogEntry.Status.values or status == "open" else "",
            age=age if age in {b[0] for b in AGE_BANDS} else "",
            overdue=params.get("overdue") in ("1", "true"),
            resolved_year=num("resolved_year"),
        )

    def apply(self, qs: QuerySet[BacklogEntry], today: date) -> QuerySet[BacklogEntry]:
        if self.status == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif self.status:
            qs = qs.filter(status=self.status)
        if self.age:
            qs = qs.filter(_age_q(self.age, today))
        if self.overdue:
            late = PlanStep.objects.filter(done_on__isnull=True, due_on__lt=today)
            qs = qs.filter(status__in=OPEN_STATUSES, pk__in=late.values("entry_id"))
        if self.resolved_year:
            qs = qs.filter(resolved_on__year=self.resolved_year)
        return qs


def entries_filtered(user: Staff, f: EntryFilter, today: date) -> QuerySet[BacklogEntry]:
    qs = entries_visible_to(user)
    if f.unit:
        unit = units_visible_to(user).filter(pk=f.unit).first()
        qs = in_subtree(qs, unit) if unit else qs.none()
    return (
        f.apply(qs, today)
        .select_related("unit", "owner", "anchor")
        .annotate(n_cases=Count("cases", distinct=True))
        .order_by("anchor__received_on", "pk")
    )


@dataclass
class Board:
    unit: Unit
    by_status: list[tuple[str, str, int]]
    by_age: list[tuple[str, str, int]]
    open_total: int
    overdue_entries: int
    overdue_steps: int
    resolved_this_year: int
    year: int
    due_soon: list[PlanStep]


def backlog_board(user: Staff, unit: Unit, today: date) -> Board:
    """The figures of a unit subtree's backlog: by status, by age of the open matters,
    matters with overdue plan steps, matters resolved this year."""
    qs = in_subtree(entries_visible_to(user), unit)
    counts = dict(qs.values_list("status").annotate(n=Count("pk", distinct=True)))
    by_status = [(s.value, s.label, counts.get(s.value, 0)) for s in BacklogEntry.Status]
    open_qs = qs.filter(status__in=OPEN_STATUSES)
    by_age = [
        (key, label, open_qs.filter(_age_q(key, today)).distinct().count())
        for key, label, _, _ in AGE_BANDS
    ]
    late_steps = PlanStep.objects.filter(entry__in=open_qs, done_on__isnull=True, due_on__lt=today)
    soon = PlanStep.objects.filter(
        entry__in=open_qs, done_on__isnull=True, due_on__lte=today + timedelta(days=7)
    ).select_related("entry", "unit")[:20]
    return Board(
        unit=unit,
        by_status=by_status,
        by_age=by_age,
        open_total=open_qs.distinct().count(),
        overdue_entries=open_qs.filter(pk__in=late_steps.values("entry_id")).distinct().count(),
        overdue_steps=late_steps.count(),
        resolved_this_year=qs.filter(resolved_on__year=today.year).distinct().count(),
        year=today.year,
        due_soon=list(soon),
    )


def board_units(user: Staff) -> list[Unit]:
    """The units whose subtree a user may pick on the board: the tops of their memberships
    and the units one and two levels below."""
    units = units_visible_to(user)
    tops = units.order_by("depth").first()
    if tops is None:
        return []
    depth = tops.depth
    return list(units.filter(depth__lte=depth + 2).order_by("path"))
