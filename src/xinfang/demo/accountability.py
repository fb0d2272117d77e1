"""Demo accountability (责任追究) for `xinfang demo`: last month's items proposed by the job's
own service over the demo cases, supervision orders and a short sensitive period declared
last month over 东湖社区 (a few of its groups filed, the rest missing); then some answered by
their units, confirmed with a measure, confirmed awaiting one, or dismissed, through the
services. Idempotent: proposing adds nothing twice and decided items are left alone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TextIO

from django.utils import timezone

from xinfang.accountability import services as acc
from xinfang.accountability.models import AccountabilityItem, Status
from xinfang.accountability.rules import month_parse
from xinfang.prevention.models import ScreeningPeriod, SpecialPeriod
from xinfang.prevention.services import (
    screening_periods_ensure,
    screening_report_submit,
    special_period_create,
)
from xinfang.units.models import Role, Staff, Unit

SPECIAL_NAME = "冬季安全稳定特护期"
SPECIAL_UNIT = "LJ-CN-DC-DH"
SUPERVISORS = ["district_supervisor", "city_supervisor"]
EXPLANATIONS = [
    "当日承办人外出核查，交接不及时，已明确AB岗并整改。",
    "系统故障期间改用纸质登记，恢复后补录，附故障记录。",
    "该件涉及多个部门，协调会后才形成处理意见，已向督查室说明。",
]
# (explain first?, decision, measure, reason) for the first items a supervisor may decide.
PLAN = [
    (True, "confirm", "talk", "说明不能免除责任，对分管负责人约谈。"),
    (True, "dismiss", "", "经核实确因系统故障，不予追究。"),
    (False, "confirm", "criticism", "逾期情况属实。"),
    (True, "confirm", "", "情况属实，追究措施待研究。"),
    (False, "confirm", "notice", "全区通报。"),
    (True, "", "", ""),
]


def _aware(day, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _sensitive_period(month, now: datetime) -> None:
    """A three-day sensitive period last month over 东湖社区: the first group files each day,
    the others miss some days."""
    unit = Unit.objects.filter(code=SPECIAL_UNIT).first()
    if unit is None or SpecialPeriod.objects.filter(name=SPECIAL_NAME).exists():
        return
    start = month.start + timedelta(days=14)
    end = start + timedelta(days=2)
    special_period_create(
        actor=None,
        name=SPECIAL_NAME,
        starts_on=start,
        ends_on=end,
        units=[unit],
        note="演示：特护期每日报送矛盾纠纷排查情况（含零报告）。",
        now=_aware(start, 8),
    )
    screening_periods_ensure(
        first=start, last=end, units=list(Unit.objects.filter(path__startswith=unit.path)), now=now
    )
    reporters = list(
        ScreeningPeriod.objects.filter(special_period__name=SPECIAL_NAME)
        .values_list("unit_id", flat=True)
        .distinct()
        .order_by("unit_id")
    )
    for n, unit_id in enumerate(reporters):
        reporter = Unit.objects.get(pk=unit_id)
        staff = Staff.objects.filter(memberships__unit=reporter).first()
        for offset in range(3):
            if (n + offset) % 3 == 0 or staff is None:
                continue  # missed that day
            day = start + timedelta(days=offset)
            screening_report_submit(
                actor=staff, unit=reporter, period_start=day, is_zero=True, now=_aware(day, 17)
            )


def _who(usernames: list[str], allowed) -> Staff | None:
    for staff in Staff.objects.filter(username__in=usernames).order_by("username"):
        if allowed(staff) is None:
            return staff
    return None


def _explainer(item: AccountabilityItem) -> Staff | None:
    """The nearest leader who answers for the unit: of the unit itself, else the one above."""
    path = item.unit.path
    prefixes = [path[:i] for i in range(Unit.steplen, len(path) + 1, Unit.steplen)]
    leaders = Staff.objects.filter(
        memberships__unit__path__in=prefixes, memberships__role=Role.LEADER
    ).order_by("-memberships__unit__depth", "username")
    for staff in leaders:
        if acc.explain_refusal(staff, item) is None:
            return staff
    return None


def demo_accountability_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Propose last month's items and decide some of them; return how many items there are."""
    now = now or timezone.now()
    month = month_parse("", timezone.localdate(now))
    _sensitive_period(month, now)
    acc.accountability_propose(month=month, now=now)
    items = AccountabilityItem.objects.filter(month=month.start).select_related("unit")
    if not items.exclude(status=Status.PROPOSED).exists():
        step = 0
        # Spread the decisions over the kinds: one item of each kind in turn.
        by_kind: dict[str, list[AccountabilityItem]] = {}
        for item in items.order_by("kind", "pk"):
            by_kind.setdefault(item.kind, []).append(item)
        groups = list(by_kind.values())
        ordered = [g[0] for g in groups] + [i for g in groups for i in g[1:]]
        for item in ordered:
            if step >= len(PLAN):
                break
            explain, decision, measure, reason = PLAN[step]
            supervisor = _who(SUPERVISORS, lambda s, item=item: acc.confirm_refusal(s, item))
            explainer = _explainer(item)
            if supervisor is None or (explain and explainer is None):
                continue
            at = now + timedelta(minutes=step)
            if explain:
                item = acc.item_explain(
                    item=item,
                    actor=explainer,
                    explanation=EXPLANATIONS[step % len(EXPLANATIONS)],
                    now=at,
                )
            if decision:
                acc.item_decide(
                    item=item,
                    actor=supervisor,
                    decision=decision,
                    reason=reason,
                    measure=measure,
                    now=at + timedelta(seconds=30),
                )
            step += 1
    total = items.count()
    if stdout is not None:
        stdout.write(f"演示责任追究：{month.label} {total} 项（部分已说明、确认或不予追究）。")
    return total


def demo_accountability_delete() -> int:
    """Remove every accountability item (and its history) and the demo sensitive period."""
    deleted = AccountabilityItem.objects.all().delete()[0]
    SpecialPeriod.objects.filter(name=SPECIAL_NAME).delete()
    return deleted
