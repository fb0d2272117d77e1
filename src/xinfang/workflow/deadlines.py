"""Deadlines of a case: which rule applies, how it is counted, which one binds now.

The rule table (DeadlineRule) and the admin-entered holiday schedule (CalendarYear) are read
once per service call; the day arithmetic lives in workflow/calendar.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from xinfang.petitions.models import Petition, State
from xinfang.workflow.calendar import Due, Overrides, WorkCalendar
from xinfang.workflow.models import CalendarDay, CalendarYear, DeadlineRule

K = DeadlineRule.Key

# RULES.md §5: the default limits, all configurable in DeadlineRule.
DEFAULT_RULES: dict[str, tuple[int, str, str]] = {
    K.DECIDE_BY: (15, "calendar", "《信访工作条例》第二十二条、第二十三条"),
    K.ACKNOWLEDGE_BY: (15, "calendar", "《信访工作条例》第二十三条"),
    K.RETURN_BY: (5, "working", "《信访工作条例》第二十三条"),
    K.CONCLUDE_BY: (60, "calendar", "《信访工作条例》第三十四条"),
    K.EXTENSION_MAX: (30, "calendar", "《信访工作条例》第三十四条"),
    K.REVIEW_REQUEST_BY: (30, "calendar", "《信访工作条例》第三十五条"),
    K.REVIEW_CONCLUDE_BY: (30, "calendar", "《信访工作条例》第三十五条"),
    K.RE_REVIEW_REQUEST_BY: (30, "calendar", "《信访工作条例》第三十六条"),
    K.RE_REVIEW_CONCLUDE_BY: (30, "calendar", "《信访工作条例》第三十六条"),
    K.TARGET_MINOR: (1, "calendar", "本地服务承诺：小事不过日"),
    K.TARGET_MAJOR: (7, "calendar", "本地服务承诺：大事不过周"),
    K.TARGET_HARD: (30, "calendar", "本地服务承诺：难事不过月"),
    # Local practice (RULES.md §7: supervision of missed deadlines, R05 Art.36; 挂牌督办, R22
    # Art.39): how long a case may stay overdue before the system supervises it, and then.
    K.ESCALATE_ORDER: (3, "calendar", "本地督办规则：超期后自动督办（《信访条例》第三十六条）"),
    K.ESCALATE_FLAG: (
        7,
        "calendar",
        "本地督办规则：督办后仍超期的挂牌督办（《信访工作条例》第三十九条）",
    ),
    K.ESCALATE_RESPONSE: (5, "working", "本地督办规则：被督办单位反馈办理情况"),
}
# Rules that may be 0: "do not escalate".
MAY_BE_OFF = frozenset({K.ESCALATE_ORDER, K.ESCALATE_FLAG})

# The one Chinese name of each deadline, on the case page, in its history and in the
# reminders (target_on is the local service target, not a legal deadline).
DEADLINE_LABELS: dict[str, str] = {
    "decide_by": "受理决定期限",
    "acknowledge_by": "签收告知期限",
    "return_by": "退回期限",
    "conclude_by": "办结期限",
    "review_request_by": "申请复查截止",
    "review_conclude_by": "复查答复期限",
    "re_review_request_by": "申请复核截止",
    "re_review_conclude_by": "复核答复期限",
    "target_on": "服务承诺期限",
}

# The legal deadline that binds a case in each open state (drives due_on and "overdue").
BINDING_FIELD: dict[str, str] = {
    State.REGISTERED: "decide_by",
    State.RETURNED: "decide_by",
    State.ASSIGNED: "acknowledge_by",
    State.FORWARDED: "acknowledge_by",
    State.ACCEPTED: "conclude_by",
    State.ACKNOWLEDGED: "conclude_by",
    State.IN_PROGRESS: "conclude_by",
    State.REVIEW_REQUESTED: "review_conclude_by",
    State.RE_REVIEW_REQUESTED: "re_review_conclude_by",
}

TARGET_RULE = {"minor": K.TARGET_MINOR, "major": K.TARGET_MAJOR, "hard": K.TARGET_HARD}


def rules_seed(rule_model: type | None = None) -> int:
    """Create any missing default rule; takes the migration's historical model or the real one."""
    rule_model = rule_model or DeadlineRule
    made = 0
    for key, (days, unit, basis) in DEFAULT_RULES.items():
        _, created = rule_model.objects.get_or_create(
            key=str(key), defaults={"days": days, "unit": unit, "basis": basis}
        )
        made += created
    return made


def calendar_load() -> WorkCalendar:
    """The working-day calendar with every admin-entered year applied."""
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    if not years:
        return WorkCalendar()
    holidays: set[date] = set()
    workdays: set[date] = set()
    for day, is_working in CalendarDay.objects.filter(year__year__in=years).values_list(
        "date", "is_working"
    ):
        (workdays if is_working else holidays).add(day)
    return WorkCalendar(Overrides(frozenset(holidays), frozenset(workdays), years))


def rules_load() -> dict[str, tuple[int, str]]:
    """The time limits in force: the rule table over the defaults."""
    rules = {key: (days, unit) for key, (days, unit, _) in DEFAULT_RULES.items()}
    for key, days, unit in DeadlineRule.objects.values_list("key", "days", "unit"):
        rules[key] = (days, unit)
    return rules


def limit_words(key: str, rules: dict[str, tuple[int, str]] | None = None) -> str:
    """A time limit as the UI prints it, from the rule in force (admins edit the rules, so
    no page prints a constant): "60日", "5个工作日"."""
    days, unit = (rules if rules is not None else rules_load())[key]
    return f"{days}个工作日" if unit == DeadlineRule.DayUnit.WORKING else f"{days}日"


def limits_text(text: str, rules: dict[str, tuple[int, str]] | None = None) -> str:
    """`text` with each {rule_key} replaced by `limit_words` ("受理后{conclude_by}内办结")."""
    rules = rules if rules is not None else rules_load()
    return text.format_map({key: limit_words(key, rules) for key in rules})


@dataclass
class Clock:
    """Rules and calendar loaded once for one service call."""

    rules: dict[str, tuple[int, str]] = field(default_factory=rules_load)
    calendar: WorkCalendar = field(default_factory=calendar_load)

    def limit(self, key: str) -> int:
        return self.rules[key][0]

    def due(self, key: str, start: date, extra: int = 0) -> Due:
        days, unit = self.rules[key]
        return self.calendar.add(start, days + extra, unit)

    def set(
        self,
        petition: Petition,
        field_name: str,
        start: date,
        *,
        extra: int = 0,
        days: int | None = None,
    ) -> date:
        """Set one deadline on the case and remember how it was computed.

        days overrides the rule's number of days (a deadline fixed by the assigning body).
        """
        rule_days, unit = self.rules[field_name]
        if days is not None:
            # A date someone fixed is counted in calendar days, whatever the rule counts in.
            unit = "calendar"
        total = (rule_days if days is None else days) + extra
        result = self.calendar.add(start, total, unit)
        setattr(petition, field_name, result.date)
        basis = dict(petition.deadline_basis or {})
        basis[field_name] = {
            "start": start.isoformat(),
            "days": rule_days if days is None else days,
            "unit": unit,
            "extra": extra,
            "provisional": result.provisional,
        }
        petition.deadline_basis = basis
        petition.deadlines_provisional = any(b.get("provisional") for b in basis.values())
        return result.date

    def recompute(self, petition: Petition, today: date) -> list[str]:
        """Recompute every deadline that still lies ahead (or is provisional) from its stored
        basis; return the fields that moved. Dates already past are history and stay."""
        moved: list[str] = []
        basis = dict(petition.deadline_basis or {})
        for field_name, b in basis.items():
            current = getattr(petition, field_name)
            if current is None or (current < today and not b.get("provisional")):
                continue
            result = basis_recompute(self.calendar, b)
            basis[field_name] = {**b, "provisional": result.provisional}
            if current != result.date:
                moved.append(field_name)
                setattr(petition, field_name, result.date)
        petition.deadline_basis = basis
        petition.deadlines_provisional = any(b.get("provisional") for b in basis.values())
        binding_refresh(petition)
        return moved

    def set_target(self, petition: Petition, start: date) -> None:
        """Set the local service target from the case's difficulty."""
        key = TARGET_RULE[petition.difficulty]
        days, unit = self.rules[key]
        result = self.calendar.add(start, days, unit)
        petition.target_on = result.date
        basis = dict(petition.deadline_basis or {})
        basis["target_on"] = {
            "start": start.isoformat(),
            "days": days,
            "unit": unit,
            "extra": 0,
            "provisional": result.provisional,
            "rule": str(key),
        }
        petition.deadline_basis = basis
        petition.deadlines_provisional = any(b.get("provisional") for b in basis.values())


def basis_of(start: date, days: int, unit: str, due: Due) -> dict[str, Any]:
    """How a single stored date was counted (follow-ups, supervision orders), in the shape of
    one entry of Petition.deadline_basis, so `basis_recompute` can count it again."""
    return {
        "start": start.isoformat(),
        "days": days,
        "unit": unit,
        "extra": 0,
        "provisional": due.provisional,
    }


def basis_recompute(calendar: WorkCalendar, basis: dict[str, Any]) -> Due:
    """The date a stored basis gives under the calendar as it stands now."""
    return calendar.add(
        date.fromisoformat(basis["start"]), basis["days"] + basis.get("extra", 0), basis["unit"]
    )


def binding_refresh(petition: Petition) -> None:
    """Point due_on at the legal deadline that binds in the case's current state."""
    field_name = BINDING_FIELD.get(petition.state)
    petition.due_on = getattr(petition, field_name) if field_name else None


def deadline_is_provisional(petition: Petition, field_name: str) -> bool:
    """True when the deadline rests on a year with no official holiday schedule yet."""
    return bool((petition.deadline_basis or {}).get(field_name, {}).get("provisional"))
