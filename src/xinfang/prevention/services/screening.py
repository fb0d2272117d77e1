"""Writes of dispute screening: reporting periods, reports and corrections, reminders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from xinfang.core.errors import NotPermitted, ValidationFailed, VersionConflict
from xinfang.notifications.services import notify
from xinfang.petitions.models import Category
from xinfang.prevention import periods
from xinfang.prevention.models import (
    CadenceRule,
    Dispute,
    ScreeningPeriod,
    ScreeningReport,
    SpecialPeriod,
)
from xinfang.prevention.schedule import DEFAULT_RULES, Schedule, schedules_for
from xinfang.prevention.services.common import (
    FILING_ROLES,
    OVERSEEING_ROLES,
    require_roles,
)
from xinfang.units.models import Membership, Role, Staff, Unit

Status = ScreeningPeriod.Status
# Reminders go out for periods that fell due this recently; older gaps stay on the board
# and in the history but nobody is woken for them.
REMIND_WINDOW = timedelta(days=2)
RECIPIENT_ROLES = (Role.INFORMANT, Role.REGISTRAR, Role.HANDLER, Role.LEADER)
MAX_ITEMS = 50


def cadence_rules_seed() -> int:
    """Create the default rule of each grassroots kind that has none; return how many."""
    made = 0
    for kind, cadence in DEFAULT_RULES.items():
        _, created = CadenceRule.objects.get_or_create(
            unit_kind=kind, unit=None, defaults={"cadence": cadence}
        )
        made += created
    return made


@transaction.atomic
def cadence_rule_set(
    *,
    actor: Staff | None,
    cadence: str,
    reports: bool = True,
    unit_kind: str = "",
    unit: Unit | None = None,
    grace_hours: int | None = None,
    remind_hour: int = periods.DEFAULT_REMIND_HOUR,
) -> CadenceRule:
    """Set the cadence of a kind of unit, or of one unit (which then wins over its kind).

    Periods already made keep their dates; the new rule applies to periods made from now on.

    Raises:
        NotPermitted: only an administrator changes a kind's rule; a unit's rule needs a
            supervisor, leader or administrator over it.
        ValidationFailed: the cadence, kind or hours are invalid.
    """
    if cadence not in periods.CADENCES:
        raise ValidationFailed("排查周期无效。", {"field": "cadence"})
    if (unit is None) == (not unit_kind):
        raise ValidationFailed("请选择单位类型或具体单位（二选一）。", {"field": "unit"})
    if unit_kind and unit_kind not in Unit.Kind.values:
        raise ValidationFailed("单位类型无效。", {"field": "unit_kind"})
    if not 0 <= remind_hour <= 23:
        raise ValidationFailed("提醒时刻应在0到23时之间。", {"field": "remind_hour"})
    if grace_hours is not None and not 0 <= grace_hours <= 24 * 31:
        raise ValidationFailed("报送宽限应在0到744小时之间。", {"field": "grace_hours"})
    if unit is not None:
        require_roles(
            actor, unit, OVERSEEING_ROLES, "只有督查、领导或管理员可以设置单位的排查周期。"
        )
    elif (
        actor is not None
        and not actor.is_superuser
        and not Membership.objects.filter(staff=actor, role=Role.ADMIN).exists()
    ):
        raise NotPermitted("只有管理员可以设置各类单位的默认排查周期。")
    values = {
        "cadence": cadence,
        "reports": reports,
        "grace_hours": grace_hours,
        "remind_hour": remind_hour,
    }
    if unit is not None:
        rule, _ = CadenceRule.objects.update_or_create(unit=unit, defaults=values)
    else:
        rule, _ = CadenceRule.objects.update_or_create(
            unit_kind=unit_kind, unit=None, defaults=values
        )
    return rule


@transaction.atomic
def special_period_create(
    *,
    actor: Staff | None,
    name: str,
    starts_on: date,
    ends_on: date,
    units: Sequence[Unit],
    cadence: str = periods.DAILY,
    grace_hours: int | None = None,
    round_the_clock_duty: bool = True,
    note: str = "",
    now: datetime | None = None,
) -> SpecialPeriod:
    """Declare a sensitive period over units (and everything below them).

    Periods that have not been reported yet are cut anew where the special period falls;
    periods already reported keep the dates they were reported for.

    Raises:
        NotPermitted: the actor does not supervise or lead every unit named.
        ValidationFailed: a name, the dates or the units are missing or wrong.
    """
    now = now or timezone.now()
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写敏感期名称。", {"field": "name"})
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ValidationFailed("敏感期的结束日期不能早于开始日期。", {"field": "ends_on"})
    if (ends_on - starts_on).days > 366:
        raise ValidationFailed("敏感期不能超过一年。", {"field": "ends_on"})
    if cadence not in periods.CADENCES:
        raise ValidationFailed("排查周期无效。", {"field": "cadence"})
    if not units:
        raise ValidationFailed("请选择敏感期适用的单位。", {"field": "units"})
    for unit in units:
        require_roles(actor, unit, OVERSEEING_ROLES, f"您不能为{unit.name}设置敏感期。")
    special = SpecialPeriod.objects.create(
        name=name[:100],
        starts_on=starts_on,
        ends_on=ends_on,
        cadence=cadence,
        grace_hours=grace_hours,
        round_the_clock_duty=round_the_clock_duty,
        note=note.strip(),
        created_by=actor,
    )
    special.units.set(units)
    # Re-cut what exists already around the special period, up to today.
    today = timezone.localdate(now)
    if starts_on <= today:
        subtree = Q()
        for unit in units:
            subtree |= Q(path__startswith=unit.path)
        screening_periods_ensure(
            first=starts_on, last=min(ends_on, today), units=Unit.objects.filter(subtree), now=now
        )
    return special


def _row(schedule: Schedule, period: periods.Period, now: datetime) -> ScreeningPeriod:
    due = schedule.due(period)
    return ScreeningPeriod(
        unit=schedule.unit,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        cadence=period.cadence,
        special_period_id=period.special_id,
        due_at=due,
        remind_after=schedule.remind_after(period),
        status=Status.MISSING if due < now else Status.PENDING,
    )


def _overlaps(row: ScreeningPeriod, period: periods.Period) -> bool:
    return row.starts_on <= period.ends_on and row.ends_on >= period.starts_on


@transaction.atomic
def screening_periods_ensure(
    *,
    first: date,
    last: date | None = None,
    units: Iterable[Unit] | None = None,
    include_previous: bool = False,
    now: datetime | None = None,
) -> int:
    """Make the reporting-period rows of the reporting units for every day first..last
    (and, with include_previous, for each unit's period before that).

    Idempotent. A row nobody has reported on yet whose dates no longer match the cadence
    (a special period was declared) is replaced; a reported row keeps its dates. Returns the
    number of rows made.
    """
    now = now or timezone.now()
    last = last or first
    units = Unit.objects.filter(is_active=True) if units is None else units
    schedules = schedules_for(units, first=first, last=last)
    if not schedules:
        return 0
    wanted: dict[int, list[periods.Period]] = {}
    for s in schedules:
        found = list(s.periods_between(first, last))
        if include_previous:
            found.insert(0, s.period_for(found[0].starts_on - timedelta(days=1)))
        wanted[s.unit.pk] = found
    span_first = min(p.starts_on for ps in wanted.values() for p in ps)
    span_last = max(p.ends_on for ps in wanted.values() for p in ps)
    existing: dict[int, list[ScreeningPeriod]] = defaultdict(list)
    for row in ScreeningPeriod.objects.filter(
        unit_id__in=list(wanted), starts_on__lte=span_last, ends_on__gte=span_first
    ):
        existing[row.unit_id].append(row)

    to_delete: list[int] = []
    to_create: list[ScreeningPeriod] = []
    for schedule in schedules:
        rows = existing.get(schedule.unit.pk, [])
        wanted_here = wanted[schedule.unit.pk]
        # An unreported row that no longer fits is replaced along with every day it covered.
        stale = [
            r
            for r in rows
            if r.current_report_id is None
            and any(_overlaps(r, p) for p in wanted_here)
            and not any((r.starts_on, r.ends_on) == (p.starts_on, p.ends_on) for p in wanted_here)
        ]
        if stale:
            lo = min([wanted_here[0].starts_on, *(r.starts_on for r in stale)])
            hi = max([last, *(r.ends_on for r in stale)])
            wanted_here = list(schedule.periods_between(lo, hi))
        stale_ids = {r.pk for r in stale}
        kept = [r for r in rows if r.pk not in stale_ids]
        for period in wanted_here:
            if any(_overlaps(r, period) for r in kept):
                continue  # the same dates, or a reported row that stands
            to_create.append(_row(schedule, period, now))
        to_delete.extend(stale_ids)
    if to_delete:
        ScreeningPeriod.objects.filter(pk__in=to_delete, current_report__isnull=True).delete()
    made = ScreeningPeriod.objects.bulk_create(to_create, ignore_conflicts=True)
    return len(made)


def screening_statuses_refresh(*, now: datetime | None = None) -> int:
    """Mark every unreported period whose due time has passed as missing; return how many."""
    now = now or timezone.now()
    return ScreeningPeriod.objects.filter(status=Status.PENDING, due_at__lt=now).update(
        status=Status.MISSING
    )


@dataclass
class DisputeInput:
    """One item of a screening report; `keep` names an item of the superseded version that
    a correction keeps as it was reported."""

    subject: str = ""
    parties: str = ""
    category: Category | None = None
    place: str = ""
    risk_level: str = Dispute.Risk.LOW
    description: str = ""
    measures: str = ""
    responsible: str = ""
    people_count: int = 1
    keep: int | None = None


def _clean_item(item: DisputeInput, n: int) -> DisputeInput:
    where = f"第{n}条纠纷"
    subject = (item.subject or "").strip()
    parties = (item.parties or "").strip()
    if not subject:
        raise ValidationFailed(f"{where}：请填写纠纷事项。", {"field": f"disputes.{n}.subject"})
    if len(subject) > 200:
        raise ValidationFailed(f"{where}：纠纷事项不超过200字。", {"field": f"disputes.{n}"})
    if not parties:
        raise ValidationFailed(f"{where}：请填写当事人。", {"field": f"disputes.{n}.parties"})
    if item.category is None or not item.category.is_active:
        raise ValidationFailed(f"{where}：请选择纠纷类型。", {"field": f"disputes.{n}.category"})
    if item.risk_level not in Dispute.Risk.values:
        raise ValidationFailed(f"{where}：风险等级无效。", {"field": f"disputes.{n}.risk_level"})
    if not isinstance(item.people_count, int) or not 1 <= item.people_count <= 100000:
        raise ValidationFailed(f"{where}：涉及人数无效。", {"field": f"disputes.{n}.people_count"})
    return DisputeInput(
        subject=subject,
        parties=parties[:300],
        category=item.category,
        place=(item.place or "").strip()[:200],
        risk_level=item.risk_level,
        description=(item.description or "").strip(),
        measures=(item.measures or "").strip(),
        responsible=(item.responsible or "").strip()[:100],
        people_count=item.people_count,
    )


def screening_period_for(
    *, unit: Unit, day: date, now: datetime | None = None
) -> ScreeningPeriod | None:
    """The unit's reporting-period row containing day, made if needed; None if it does not
    report."""
    screening_periods_ensure(first=day, units=[unit], now=now)
    return (
        ScreeningPeriod.objects.filter(unit=unit, starts_on__lte=day, ends_on__gte=day)
        .order_by("-starts_on")
        .first()
    )


def screening_report_submit(
    *,
    actor: Staff | None,
    unit: Unit,
    period_start: date,
    is_zero: bool,
    disputes: Sequence[DisputeInput] = (),
    supersedes: ScreeningReport | None = None,
    note: str = "",
    correction_reason: str = "",
    now: datetime | None = None,
) -> ScreeningReport:
    """File a unit's screening report for the period starting period_start: the disputes
    found, or an explicit zero report. A late report is accepted and marked late; a
    correction is a new version naming the version it supersedes.

    Raises:
        NotFound: the unit is outside the actor's units.
        NotPermitted: the actor is not an informant or staff member of the unit.
        ValidationFailed: the date is not the first day of one of the unit's periods, the
            period has not begun, or the items are missing, incomplete or contradict a zero
            report.
        VersionConflict: the unit already filed for the period and `supersedes` does not
            name the current version.
    """
    now = now or timezone.now()
    require_roles(actor, unit, FILING_ROLES, f"只有{unit.name}的信息员或工作人员可以报送排查报告。")
    if period_start is None:
        raise ValidationFailed("请选择排查周期。", {"field": "period_start"})
    if period_start > timezone.localdate(now):
        raise ValidationFailed("该周期尚未开始，不能提前报送。", {"field": "period_start"})
    items = list(disputes)
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(f"一份报告最多填写{MAX_ITEMS}条纠纷。", {"field": "disputes"})
    if is_zero and items:
        raise ValidationFailed(
            "零报告不能同时填写纠纷；请去掉纠纷或取消零报告。", {"field": "is_zero"}
        )
    if not is_zero and not items:
        raise ValidationFailed("请填写排查发现的纠纷，或者报送零报告。", {"field": "disputes"})
    new_items = [_clean_item(i, n) for n, i in enumerate(items, start=1) if i.keep is None]
    keep_ids = {i.keep for i in items if i.keep is not None}

    with transaction.atomic():
        screening_periods_ensure(first=period_start, units=[unit], now=now)
        period = (
            ScreeningPeriod.objects.select_for_update()
            .filter(unit=unit, starts_on__lte=period_start, ends_on__gte=period_start)
            .order_by("-starts_on")
            .first()
        )
        if period is None:
            raise ValidationFailed(f"{unit.name}不需要报送矛盾纠纷排查报告。", {"field": "unit"})
        if period.starts_on != period_start:
            raise ValidationFailed(
                f"{period_start:%Y-%m-%d}不是{unit.name}排查周期的第一天；"
                f"该日所在的周期为{period.label}。",
                {"field": "period_start", "period_start": period.starts_on.isoformat()},
            )
        current = period.current_report
        if current is not None and (supersedes is None or supersedes.pk != current.pk):
            raise VersionConflict(
                f"{unit.name}{period.label}的排查报告已经报送（第{current.version}版）。"
                "如需更正，请注明更正的是哪一版。",
                {"current": current.pk, "version": current.version},
            )
        if current is None and supersedes is not None:
            raise ValidationFailed("本期还没有报告，无从更正。", {"field": "supersedes"})
        if current is not None and not (correction_reason or "").strip():
            correction_reason = "更正"

        open_items = list(period.disputes.filter(withdrawn_in__isnull=True)) if current else []
        unknown = keep_ids - {d.pk for d in open_items}
        if unknown:
            raise ValidationFailed("要保留的纠纷不属于本期现行报告。", {"field": "disputes"})
        dropped = [d for d in open_items if d.pk not in keep_ids]
        for d in dropped:
            if d.status != Dispute.Status.OPEN:
                done = "已化解" if d.status == Dispute.Status.RESOLVED else "已转为信访件"
                raise ValidationFailed(
                    f"纠纷“{d.subject}”{done}，更正时不能删去。",
                    {"field": "disputes", "dispute": d.pk},
                )

        if current is not None:
            current.is_current = False
            current.save(update_fields=["is_current"])
        report = ScreeningReport.objects.create(
            period=period,
            unit=unit,
            version=current.version + 1 if current else 1,
            supersedes=current,
            is_current=True,
            is_zero=is_zero,
            is_late=now > period.due_at,
            note=(note or "").strip(),
            correction_reason=(correction_reason or "").strip()[:200],
            submitted_by=actor,
            submitted_at=now,
        )
        Dispute.objects.filter(pk__in=[d.pk for d in dropped]).update(withdrawn_in=report)
        Dispute.objects.bulk_create(
            [
                Dispute(
                    unit=unit,
                    period=period,
                    reported_in=report,
                    subject=i.subject,
                    parties=i.parties,
                    people_count=i.people_count,
                    category=i.category,
                    place=i.place,
                    risk_level=i.risk_level,
                    description=i.description,
                    measures=i.measures,
                    responsible=i.responsible,
                )
                for i in new_items
            ]
        )
        period.first_filed_at = period.first_filed_at or now
        period.current_report = report
        if period.first_filed_at > period.due_at:
            period.status = Status.LATE
        else:
            period.status = Status.ZERO if is_zero else Status.FILED
        period.save(update_fields=["first_filed_at", "current_report", "status"])
    return report


def screening_zero_report(
    *, actor: Staff, unit: Unit, period_start: date | None = None, now: datetime | None = None
) -> ScreeningReport:
    """The one-tap zero report: for the given period, or the one the unit should file now.

    Raises:
        the same as screening_report_submit.
    """
    now = now or timezone.now()
    if period_start is None:
        period = screening_period_to_file(unit=unit, now=now)
        if period is None:
            raise ValidationFailed(f"{unit.name}不需要报送矛盾纠纷排查报告。", {"field": "unit"})
        period_start = period.starts_on
    return screening_report_submit(
        actor=actor, unit=unit, period_start=period_start, is_zero=True, now=now
    )


def screening_period_to_file(*, unit: Unit, now: datetime | None = None) -> ScreeningPeriod | None:
    """The period the unit should file for now: the earliest unreported one still on time
    (yesterday's daily report before 10:00), else the current one."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    current = screening_period_for(unit=unit, day=today, now=now)
    if current is None:
        return None
    screening_periods_ensure(first=current.starts_on - timedelta(days=1), units=[unit], now=now)
    earlier = (
        ScreeningPeriod.objects.filter(
            unit=unit,
            ends_on__lt=current.starts_on,
            due_at__gte=now,
            current_report__isnull=True,
        )
        .order_by("starts_on")
        .first()
    )
    return earlier or current


def _recipients(units: list[Unit]) -> dict[int, list[Staff]]:
    """Who hears about each unit's missing report: its informants and staff, or else those
    of the nearest unit above it that has any."""
    paths = {u.path[:i] for u in units for i in range(Unit.steplen, len(u.path) + 1, Unit.steplen)}
    by_path: dict[str, list[Staff]] = defaultdict(list)
    for m in Membership.objects.filter(
        unit__path__in=paths, role__in=RECIPIENT_ROLES, staff__is_active=True
    ).select_related("staff", "unit"):
        if m.staff not in by_path[m.unit.path]:
            by_path[m.unit.path].append(m.staff)
    found: dict[int, list[Staff]] = {}
    for unit in units:
        for i in range(len(unit.path), 0, -Unit.steplen):
            people = by_path.get(unit.path[:i])
            if people:
                found[unit.pk] = people
                break
        else:
            found[unit.pk] = []
    return found


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def reminder_key(period: ScreeningPeriod) -> str:
    return f"screening:{period.unit_id}:{period.starts_on.isoformat()}"


def _remind(rows: list[ScreeningPeriod], now: datetime) -> int:
    if not rows:
        return 0
    recipients = _recipients([r.unit for r in rows])
    reminded = 0
    for row in rows:
        url = reverse("prevention:report_form") + f"?unit={row.unit_id}&period={row.starts_on}"
        sent = notify(
            recipients=recipients[row.unit_id],
            kind="screening",
            title=f"排查报告未报送：{row.unit.name}（{row.short_label}）",
            body=(
                f"{row.unit.name}{row.label}的矛盾纠纷排查报告，报送截止时间"
                f"{_when(row.due_at)}已过。请尽快报送；没有发现纠纷的，请报零报告。"
            ),
            url=url,
            dedupe_key=reminder_key(row),
        )
        ScreeningPeriod.objects.filter(pk=row.pk, reminded_at__isnull=True).update(reminded_at=now)
        reminded += bool(sent)
    return reminded


def screening_reminders_due(*, now: datetime | None = None) -> int:
    """The job's pass: make today's rows, mark overdue ones missing, and remind each unit
    missing a report whose reminder hour has come; return how many units were reminded now.

    Safe to run twice or on two workers: each unit hears once per period (the dedupe key).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    screening_periods_ensure(first=today - timedelta(days=1), last=today, now=now)
    screening_statuses_refresh(now=now)
    rows = list(
        ScreeningPeriod.objects.filter(
            status=Status.MISSING,
            reminded_at__isnull=True,
            remind_after__lte=now,
            due_at__gte=now - REMIND_WINDOW,
        ).select_related("unit")
    )
    return _remind(rows, now)


def screening_remind(
    *,
    actor: Staff,
    root: Unit,
    period_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> int:
    """A supervisor's "send reminder" on the board: remind the units in root's subtree that
    are missing the given periods (or all missing in the last days); return how many units
    were reminded now. Units already reminded for a period are not reminded again.

    Raises:
        NotFound: root is outside the actor's units.
        NotPermitted: the actor does not supervise or lead root.
    """
    now = now or timezone.now()
    require_roles(actor, root, OVERSEEING_ROLES, "只有督查或领导可以催报。")
    screening_statuses_refresh(now=now)
    rows = ScreeningPeriod.objects.filter(
        unit__path__startswith=root.path, status=Status.MISSING
    ).select_related("unit")
    if period_ids is not None:
        rows = rows.filter(pk__in=list(period_ids))
    else:
        rows = rows.filter(due_at__gte=now - REMIND_WINDOW)
    return _remind(list(rows), now)
