"""Writes of screening periods: cadence rules, special periods and the reporting-period rows
each reporting unit files against."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.core.changes import Kind, config_snapshot, record_config_change
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.prevention import periods
from xinfang.prevention.models import CadenceRule, ScreeningPeriod, SpecialPeriod
from xinfang.prevention.models.screening import parts_split
from xinfang.prevention.schedule import DEFAULT_RULES, Schedule, schedules_for
from xinfang.prevention.selectors.screening import periods_unfinished
from xinfang.prevention.services.common import OVERSEEING_ROLES, require_roles
from xinfang.units.models import Staff, Unit
from xinfang.units.services import is_admin

Status = ScreeningPeriod.Status
# What the configuration change log keeps of a cadence rule and of a sensitive period.
RULE_FIELDS = ("unit_kind", "unit", "reports", "cadence", "grace_hours", "remind_hour", "parts")
SPECIAL_FIELDS = ("name", "starts_on", "ends_on", "cadence", "grace_hours", "round_the_clock_duty")


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
    parts: str = "",
) -> CadenceRule:
    """Set the cadence of a kind of unit, or of one unit (which then wins over its kind),
    and the departments that each file a part (分项) of its report, if it reports in parts.

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
    elif actor is not None and not is_admin(actor):
        raise NotPermitted("只有管理员可以设置各类单位的默认排查周期。")
    values = {
        "cadence": cadence,
        "reports": reports,
        "grace_hours": grace_hours,
        "remind_hour": remind_hour,
        "parts": "\n".join(parts_split(parts)),
    }
    where = {"unit": unit} if unit is not None else {"unit_kind": unit_kind, "unit": None}
    before = config_snapshot(CadenceRule.objects.filter(**where).first(), RULE_FIELDS)
    rule, _ = CadenceRule.objects.update_or_create(**where, defaults=values)
    after = config_snapshot(rule, RULE_FIELDS)
    record_config_change(actor, Kind.SCREENING, rule, before, after)
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
    """Declare a sensitive period over units (and everything below them), and make its
    periods for every unit in scope from its first day (up to today).

    Periods that have not been reported yet are cut anew where the special period falls;
    periods already reported keep the dates they were reported for, and the special
    period's finer periods are owed beside them.

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
    after = {**config_snapshot(special, SPECIAL_FIELDS), "单位": "、".join(u.name for u in units)}
    record_config_change(actor, Kind.SCREENING, special, None, after)
    _special_periods_make(special, starts_on, ends_on, now)
    return special


def _special_periods_make(special: SpecialPeriod, first: date, last: date, now: datetime) -> int:
    """Make the special period's periods for every unit in scope, from `first` to `last` or
    today if sooner (the job makes each later day's): unreported periods are cut anew, and a
    period already reported stands beside them."""
    last = min(last, timezone.localdate(now))
    if first > last:
        return 0
    subtree = Q()
    for unit in special.units.all():
        subtree |= Q(path__startswith=unit.path)
    return screening_periods_ensure(
        first=first, last=last, units=Unit.objects.filter(subtree, is_active=True), now=now
    )


@transaction.atomic
def special_period_extend(
    *,
    actor: Staff | None,
    special: SpecialPeriod,
    ends_on: date,
    now: datetime | None = None,
) -> SpecialPeriod:
    """Move a sensitive period's last day later; the units in scope owe the added days'
    periods at once.

    Raises:
        NotPermitted: the actor does not supervise or lead every unit of the period.
        ValidationFailed: the new last day is not after the current one, or over a year.
    """
    now = now or timezone.now()
    special = SpecialPeriod.objects.select_for_update().get(pk=special.pk)
    for unit in special.units.all():
        require_roles(actor, unit, OVERSEEING_ROLES, f"您不能调整{unit.name}的敏感期。")
    if ends_on is None or ends_on <= special.ends_on:
        raise ValidationFailed(
            f"延长后的结束日期应晚于{special.ends_on:%Y-%m-%d}。", {"field": "ends_on"}
        )
    if (ends_on - special.starts_on).days > 366:
        raise ValidationFailed("敏感期不能超过一年。", {"field": "ends_on"})
    first = special.ends_on + timedelta(days=1)
    before = config_snapshot(special, SPECIAL_FIELDS)
    special.ends_on = ends_on
    special.save(update_fields=["ends_on"])
    after = config_snapshot(special, SPECIAL_FIELDS)
    record_config_change(actor, Kind.SCREENING, special, before, after)
    _special_periods_make(special, first, ends_on, now)
    return special


def period_row(schedule: Schedule, period: periods.Period, now: datetime) -> ScreeningPeriod:
    """The unsaved row of one reporting period: missing once its due time has passed."""
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


def _finer_special(period: periods.Period, row: ScreeningPeriod) -> bool:
    """A sensitive period's period with a finer cadence than a reported row it overlaps."""
    fineness = {c: i for i, c in enumerate(periods.CADENCES)}
    return period.special_id is not None and fineness[period.cadence] < fineness[row.cadence]


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
            blocking = [r for r in kept if _overlaps(r, period)]
            # A reported row stands, and blocks an ordinary period over its days; a sensitive
            # period's finer periods are owed whatever was reported before it was declared.
            if blocking and not all(_finer_special(period, r) for r in blocking):
                continue
            to_create.append(period_row(schedule, period, now))
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


def screening_period_for(
    *, unit: Unit, day: date, now: datetime | None = None
) -> ScreeningPeriod | None:
    """The unit's reporting-period row containing day, made if needed; None if it does not
    report."""
    screening_periods_ensure(first=day, units=[unit], now=now)
    return (
        ScreeningPeriod.objects.filter(unit=unit, starts_on__lte=day, ends_on__gte=day)
        .order_by("-starts_on", "ends_on")
        .first()
    )


def screening_period_to_file(*, unit: Unit, now: datetime | None = None) -> ScreeningPeriod | None:
    """The period the unit should file for now: the earliest one still on time (yesterday's
    daily report before 10:00, last week's on Monday morning) that is unreported or whose
    departments have not all filed their parts (`periods_unfinished`), else the current one."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    current = screening_period_for(unit=unit, day=today, now=now)
    if current is None:
        return None
    screening_periods_ensure(first=current.starts_on - timedelta(days=1), units=[unit], now=now)
    on_time = ScreeningPeriod.objects.filter(
        unit=unit, ends_on__lt=current.starts_on, due_at__gte=now
    )
    earlier = periods_unfinished(on_time, now).order_by("starts_on").first()
    return earlier or current
