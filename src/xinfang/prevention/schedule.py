"""Which units report, how often, and under which special periods: the configuration read
from the database once and turned into the pure terms of `periods`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from xinfang.prevention import periods
from xinfang.prevention.models import CadenceRule, SpecialPeriod
from xinfang.units.models import Unit

# The defaults for each kind of unit (configurable afterwards in CadenceRule): grassroots
# units screen; residents' and villagers' groups, communities and schools weekly, street
# offices and enterprises every half month. Districts, cities and bureaus do not report.
DEFAULT_RULES: dict[str, str] = {
    Unit.Kind.GROUP: periods.WEEKLY,
    Unit.Kind.COMMUNITY: periods.WEEKLY,
    Unit.Kind.SCHOOL: periods.WEEKLY,
    Unit.Kind.STREET: periods.SEMIMONTHLY,
    Unit.Kind.ENTERPRISE: periods.SEMIMONTHLY,
}
# A special period can split an ordinary period; its neighbours matter up to a month away.
_MARGIN = timedelta(days=62)


@dataclass
class Schedule:
    """One reporting unit's cadence, grace, reminder hour and the special periods over it."""

    unit: Unit
    cadence: str
    grace_hours: int | None
    remind_hour: int
    specials: list[periods.Special] = field(default_factory=list)
    special_grace: dict[int, int | None] = field(default_factory=dict)

    def period_for(self, day: date) -> periods.Period:
        return periods.period_containing(day, self.cadence, self.specials)

    def periods_between(self, first: date, last: date) -> Iterator[periods.Period]:
        return periods.periods_between(first, last, self.cadence, self.specials)

    def due(self, period: periods.Period) -> datetime:
        if period.special_id is not None:
            return periods.due_at(period, self.special_grace.get(period.special_id))
        return periods.due_at(period, self.grace_hours)

    def remind_after(self, period: periods.Period) -> datetime:
        return periods.remind_after(self.due(period), self.remind_hour)


def schedules_for(units: Iterable[Unit], *, first: date, last: date) -> list[Schedule]:
    """The schedules of the units among these that must report (three queries in all)."""
    units = [u for u in units if u.is_active]
    if not units:
        return []
    by_unit: dict[int, CadenceRule] = {}
    by_kind: dict[str, CadenceRule] = {}
    for rule in CadenceRule.objects.all():
        if rule.unit_id:
            by_unit[rule.unit_id] = rule
        else:
            by_kind[rule.unit_kind] = rule
    specials = list(
        SpecialPeriod.objects.filter(
            starts_on__lte=last + _MARGIN, ends_on__gte=first - _MARGIN
        ).prefetch_related("units")
    )
    special_paths = {sp.pk: [u.path for u in sp.units.all()] for sp in specials}
    schedules = []
    for unit in units:
        rule = by_unit.get(unit.pk) or by_kind.get(unit.kind)
        if rule is None or not rule.reports:
            continue
        covering = [
            sp for sp in specials if any(unit.path.startswith(p) for p in special_paths[sp.pk])
        ]
        schedules.append(
            Schedule(
                unit=unit,
                cadence=rule.cadence,
                grace_hours=rule.grace_hours,
                remind_hour=rule.remind_hour,
                specials=[
                    periods.Special(sp.starts_on, sp.ends_on, sp.cadence, sp.pk) for sp in covering
                ],
                special_grace={sp.pk: sp.grace_hours for sp in covering},
            )
        )
    return schedules


def expected_parts(unit: Unit) -> list[str]:
    """The departments that each file a part (分项) of the unit's report, [] when the unit
    reports as a whole: its own rule's, else its kind's."""
    rule = (
        CadenceRule.objects.filter(unit=unit).first()
        or CadenceRule.objects.filter(unit__isnull=True, unit_kind=unit.kind).first()
    )
    return rule.part_names if rule is not None else []


def schedule_for(unit: Unit, *, first: date, last: date | None = None) -> Schedule | None:
    """The unit's schedule, or None when it does not report."""
    found = schedules_for([unit], first=first, last=last or first)
    return found[0] if found else None
