"""Reads of dispute screening: the compliance board, a unit's history, reports, disputes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Length, Replace, Substr
from django.http import Http404
from django.utils import timezone

from xinfang.prevention.models import CadenceRule, Dispute, ScreeningPeriod, ScreeningReport
from xinfang.prevention.roles import FILING_ROLES
from xinfang.prevention.selectors.common import get_scoped, scoped
from xinfang.units.models import Membership, Staff, Unit
from xinfang.units.selectors import unit_is_visible_to

Status = ScreeningPeriod.Status


class BoardStatus(models.TextChoices):
    """A period's status as the board and a unit's history show it: the stored status, or
    "missing" for a pending one past its due time, or "partial" for a unit that reports in
    parts (分项) while some of its departments have not filed theirs. Never stored."""

    PENDING = Status.PENDING.value, Status.PENDING.label
    PARTIAL = "partial", "部分上报"
    FILED = Status.FILED.value, Status.FILED.label
    ZERO = Status.ZERO.value, Status.ZERO.label
    LATE = Status.LATE.value, Status.LATE.label
    MISSING = Status.MISSING.value, Status.MISSING.label


# The board's order and its chart's: who has not reported, then who has reported some of
# their parts, then who reported late, then who did (issue 20).
NOT_REPORTED_FIRST = (
    BoardStatus.MISSING,
    BoardStatus.PENDING,
    BoardStatus.PARTIAL,
    BoardStatus.LATE,
    BoardStatus.ZERO,
    BoardStatus.FILED,
)
STATUS_ORDER = [Status.MISSING, Status.LATE, Status.PENDING, Status.FILED, Status.ZERO]
PREVIOUS, CURRENT, ON_DATE = "previous", "current", "date"


def _parts_expected() -> Coalesce:
    """How many parts each period's unit files, by its cadence rule (the unit's own wins
    over its kind's): the lines of the rule's `parts` (one name a line, CadenceRule.save);
    0 for a unit that reports as a whole."""
    lines = Case(
        When(parts="", then=Value(0)),
        default=Length("parts") - Length(Replace("parts", Value("\n"), Value(""))) + 1,
        output_field=IntegerField(),
    )
    own = CadenceRule.objects.filter(unit=OuterRef("unit")).annotate(n=lines).values("n")
    kind = (
        CadenceRule.objects.filter(unit__isnull=True, unit_kind=OuterRef("unit__kind"))
        .annotate(n=lines)
        .values("n")
    )
    return Coalesce(
        Subquery(own, output_field=IntegerField()),
        Subquery(kind, output_field=IntegerField()),
        Value(0),
    )


def _with_details(qs: QuerySet[ScreeningPeriod], now: datetime) -> QuerySet[ScreeningPeriod]:
    """The periods with `status_now` (BoardStatus), `n_disputes` (open items), and for a
    unit reporting in parts `parts_expected` and `parts_filed`."""
    open_items = (
        Dispute.objects.filter(period=OuterRef("pk"), withdrawn_in__isnull=True)
        .values("period")
        .annotate(n=Count("id"))
        .values("n")
    )
    parts = (
        ScreeningReport.objects.filter(period=OuterRef("pk"))
        .exclude(part="")
        .values("period")
        .annotate(n=Count("id"))
        .values("n")
    )
    # A report filed whole (not a part, not a correction) reports every department.
    whole = ScreeningReport.objects.filter(period=OuterRef("pk"), part="", supersedes__isnull=True)
    return (
        qs.annotate(
            n_disputes=Coalesce(Subquery(open_items, output_field=IntegerField()), 0),
            parts_expected=_parts_expected(),
            parts_filed=Coalesce(Subquery(parts, output_field=IntegerField()), 0),
            filed_whole=Exists(whole),
        )
        .annotate(
            status_now=Case(
                When(
                    current_report__isnull=False,
                    filed_whole=False,
                    parts_filed__lt=F("parts_expected"),
                    then=Value(BoardStatus.PARTIAL),
                ),
                When(status=Status.PENDING, due_at__lt=now, then=Value(Status.MISSING)),
                default=F("status"),
            ),
        )
        .select_related("unit", "current_report", "current_report__submitted_by", "special_period")
    )


def periods_unfinished(qs: QuerySet[ScreeningPeriod], now: datetime) -> QuerySet[ScreeningPeriod]:
    """Those of the periods still owed a filing: with no report, or reported in part only
    (`BoardStatus.PARTIAL`: a unit reporting in parts whose departments have not all filed)."""
    return _with_details(qs, now).filter(
        Q(current_report__isnull=True) | Q(status_now=BoardStatus.PARTIAL)
    )


def _counts(qs: QuerySet[ScreeningPeriod]) -> dict[str, int]:
    return qs.aggregate(
        total=Count("id"),
        **{s: Count("id", filter=Q(status_now=s)) for s in BoardStatus.values},
    )


@dataclass
class Branch:
    unit: Unit
    counts: dict[str, int]


@dataclass
class Board:
    """The compliance board of a subtree: one row per reporting unit, and the numbers."""

    root: Unit
    mode: str
    on: date | None
    rows: QuerySet[ScreeningPeriod]
    counts: dict[str, int]
    branches: list[Branch] = field(default_factory=list)

    @property
    def chart(self) -> list[tuple[str, str, int, float]]:
        """The period's statuses as one stacked bar, not reported first: (status, label,
        units, percent of all) for each status with any unit."""
        total = self.counts.get("total") or 0
        labels = dict(BoardStatus.choices)
        return [
            (s, labels[s], self.counts.get(s, 0), round(100 * self.counts.get(s, 0) / total, 1))
            for s in NOT_REPORTED_FIRST
            if total and self.counts.get(s)
        ]


def board_periods(
    *, root: Unit, mode: str = PREVIOUS, on: date | None = None, now: datetime | None = None
) -> QuerySet[ScreeningPeriod]:
    """The period of each reporting unit under root that the board shows: the last one that
    has ended (`previous`), the one under way (`current`), or the one containing `on`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    qs = ScreeningPeriod.objects.filter(unit__path__startswith=root.path, unit__is_active=True)
    # A period reported before a sensitive period was declared may hold the sensitive
    # period's daily ones: where both count, the one inside is the unit's period.
    inside = ScreeningPeriod.objects.filter(
        unit=OuterRef("unit"),
        starts_on__gte=OuterRef("starts_on"),
        ends_on__lte=OuterRef("ends_on"),
    ).exclude(pk=OuterRef("pk"))
    if mode == ON_DATE and on is not None:
        inside_on = inside.filter(starts_on__lte=on, ends_on__gte=on)
        return qs.filter(starts_on__lte=on, ends_on__gte=on).filter(~Exists(inside_on))
    if mode == CURRENT:
        inside_now = inside.filter(starts_on__lte=today, ends_on__gte=today)
        return qs.filter(starts_on__lte=today, ends_on__gte=today).filter(~Exists(inside_now))
    later = ScreeningPeriod.objects.filter(
        unit=OuterRef("unit"), ends_on__lt=today, starts_on__gt=OuterRef("ends_on")
    )
    ended_inside = inside.filter(ends_on__lt=today)
    return qs.filter(ends_on__lt=today).filter(~Exists(later), ~Exists(ended_inside))


def screening_board(
    user: Staff,
    *,
    root: Unit,
    mode: str = PREVIOUS,
    on: date | None = None,
    status: str | None = None,
    now: datetime | None = None,
) -> Board:
    """The board of root's subtree: each reporting unit's period and status, the totals, and
    the totals of each unit directly below root. A handful of queries, whatever the size.

    The caller checks that the user oversees root (`can_oversee`).

    Raises:
        Http404: root lies outside the user's units.
    """
    if not unit_is_visible_to(user, root):
        raise Http404("未找到该单位。")
    now = now or timezone.now()
    base = _with_details(board_periods(root=root, mode=mode, on=on, now=now), now)
    counts = _counts(base)
    depth = len(root.path) + Unit.steplen
    per_branch = {
        row["branch"]: row
        for row in base.annotate(branch=Substr("unit__path", 1, depth))
        .values("branch")
        .annotate(
            total=Count("id"),
            **{s: Count("id", filter=Q(status_now=s)) for s in BoardStatus.values},
        )
        .order_by()
    }
    branch_units = Unit.objects.filter(path__in=list(per_branch)).order_by("path")
    branches = [Branch(unit=u, counts=per_branch[u.path]) for u in branch_units if u.pk != root.pk]
    # The units that have not reported come first (issue 20), then by the tree.
    rank = Case(
        *[When(status_now=s, then=Value(i)) for i, s in enumerate(NOT_REPORTED_FIRST)],
        default=Value(len(NOT_REPORTED_FIRST)),
    )
    rows = base.order_by(rank, "unit__path")
    if status in BoardStatus.values:
        rows = rows.filter(status_now=status)
    return Board(root=root, mode=mode, on=on, rows=rows, counts=counts, branches=branches)


def screening_history(user: Staff, *, unit: Unit, limit: int = 60) -> QuerySet[ScreeningPeriod]:
    """The unit's periods, newest first, with status and number of disputes."""
    qs = scoped(ScreeningPeriod.objects.filter(unit=unit), user)
    return _with_details(qs, timezone.now()).order_by("-starts_on")[:limit]


def screening_history_counts(user: Staff, *, unit: Unit) -> dict[str, int]:
    """How many of the unit's periods ended in each status."""
    qs = scoped(ScreeningPeriod.objects.filter(unit=unit), user)
    return _counts(_with_details(qs, timezone.now()))


def screening_compliance_counts(
    *, root: Unit, first: date, last: date, now: datetime | None = None
) -> QuerySet[Unit]:
    """Each unit under root with the number of its periods ending in first..last, by status
    (`periods`, `filed`, `zero`, `late`, `missing`): the numbers the assessment uses."""
    now = now or timezone.now()
    in_range = Q(screening_periods__ends_on__range=(first, last))
    missing = Q(screening_periods__status=Status.MISSING) | Q(
        screening_periods__status=Status.PENDING, screening_periods__due_at__lt=now
    )
    return (
        Unit.objects.filter(path__startswith=root.path)
        .annotate(
            periods=Count("screening_periods", filter=in_range),
            filed=Count(
                "screening_periods", filter=in_range & Q(screening_periods__status="filed")
            ),
            zero=Count("screening_periods", filter=in_range & Q(screening_periods__status="zero")),
            late=Count("screening_periods", filter=in_range & Q(screening_periods__status="late")),
            missing=Count("screening_periods", filter=in_range & missing),
        )
        .filter(periods__gt=0)
        .order_by("path")
    )


def my_filing_units(user: Staff) -> list[Unit]:
    """The units whose screening report the user files as one of their own staff."""
    if not user.is_authenticated:
        return []
    ids = Membership.objects.filter(staff=user, role__in=FILING_ROLES).values("unit_id")
    return list(Unit.objects.filter(pk__in=ids, is_active=True).order_by("-depth", "path"))


def screening_period_get(user: Staff, pk: int) -> ScreeningPeriod:
    """One reporting period the user may see.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    qs = ScreeningPeriod.objects.select_related("unit", "current_report", "special_period")
    return get_scoped(qs, user, pk, "排查周期")


def screening_report_get(user: Staff, pk: int) -> ScreeningReport:
    """One report version the user may see.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    qs = ScreeningReport.objects.select_related("unit", "period", "submitted_by", "supersedes")
    return get_scoped(qs, user, pk, "排查报告")


def report_versions(period: ScreeningPeriod) -> list[ScreeningReport]:
    """Every version of the period's report, oldest first."""
    return list(period.reports.select_related("submitted_by").order_by("version"))


def report_items(report: ScreeningReport) -> list[Dispute]:
    """The disputes as they stood in this version of the report, each with the version (and
    the person) that reported it."""
    return list(
        Dispute.objects.filter(period_id=report.period_id, reported_in__version__lte=report.version)
        .filter(Q(withdrawn_in__isnull=True) | Q(withdrawn_in__version__gt=report.version))
        .select_related("category", "petition", "reported_in", "reported_in__submitted_by")
        .order_by("id")
    )


def report_parts(report: ScreeningReport) -> list[ScreeningReport]:
    """The parts (分项) filed up to this version of the report, oldest first, each with who
    filed it, how many of its items stand in this version (a correction of the part alone
    included), and when it was last corrected alone (`corrected_at`, None if never)."""
    standing = Q(withdrawn_in__isnull=True) | Q(withdrawn_in__version__gt=report.version)
    of_part = Q(reported_in__part=OuterRef("part")) | Q(reported_in__corrects_part=OuterRef("part"))
    items = (
        Dispute.objects.filter(period_id=report.period_id, reported_in__version__lte=report.version)
        .filter(standing, of_part)
        .values("period")
        .annotate(n=Count("id"))
        .values("n")
    )
    corrected = ScreeningReport.objects.filter(
        period_id=report.period_id, corrects_part=OuterRef("part"), version__lte=report.version
    ).order_by("-version")
    return list(
        report.period.reports.filter(version__lte=report.version)
        .exclude(part="")
        .select_related("submitted_by", "unit", "period")
        .annotate(
            n_items=Coalesce(Subquery(items, output_field=IntegerField()), 0),
            corrected_at=Subquery(corrected.values("submitted_at")[:1]),
        )
        .order_by("version")
    )


def report_items_many(reports: list[ScreeningReport]) -> dict[int, list[Dispute]]:
    """`report_items` for a page of reports in one query: report id -> its disputes."""
    disputes = list(
        Dispute.objects.filter(period_id__in={r.period_id for r in reports})
        .select_related("category", "petition", "reported_in", "withdrawn_in")
        .order_by("id")
    )
    return {
        r.pk: [
            d
            for d in disputes
            if d.period_id == r.period_id
            and d.reported_in.version <= r.version
            and (d.withdrawn_in is None or d.withdrawn_in.version > r.version)
        ]
        for r in reports
    }


def disputes_visible_to(
    user: Staff,
    *,
    status: str | None = None,
    risk: str | None = None,
    root: Unit | None = None,
) -> QuerySet[Dispute]:
    """The disputes (not withdrawn) of the units the user may see, newest first."""
    qs = scoped(Dispute.objects.filter(withdrawn_in__isnull=True), user)
    if status in Dispute.Status.values:
        qs = qs.filter(status=status)
    if risk in Dispute.Risk.values:
        qs = qs.filter(risk_level=risk)
    if root is not None:
        qs = qs.filter(unit__path__startswith=root.path)
    return qs.select_related("unit", "category", "period", "petition").order_by(
        "-created_at", "-id"
    )


def disputes_filed_by(user: Staff, *, limit: int = 10) -> list[Dispute]:
    """The disputes the user reported in their screening reports (not withdrawn), newest
    first: an informant's own record on their landing page."""
    return list(
        scoped(
            Dispute.objects.filter(withdrawn_in__isnull=True, reported_in__submitted_by=user), user
        )
        .select_related("unit", "period")
        .order_by("-created_at", "-id")[:limit]
    )


def dispute_get(user: Staff, pk: int) -> Dispute:
    """One dispute the user may see.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    qs = Dispute.objects.select_related(
        "unit",
        "category",
        "period",
        "reported_in",
        "withdrawn_in",
        "petition",
        "petition__receiving_unit",
        "resolved_by",
    )
    return get_scoped(qs, user, pk, "纠纷")
