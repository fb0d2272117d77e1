"""Admins set the time limits; new clocks use them, running ones keep theirs."""

from __future__ import annotations

from django.db import transaction

from xinfang.core.changes import Kind, config_snapshot, record_config_change
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.units.models import Staff
from xinfang.units.services import is_admin
from xinfang.workflow.deadlines import MAY_BE_OFF
from xinfang.workflow.models import DeadlineRule

LEGAL_EXTENSION_MAX = 30


@transaction.atomic
def deadline_rule_update(*, actor: Staff, key: str, days: int, unit: str) -> DeadlineRule:
    """Change one time limit.

    Raises:
        NotPermitted: the actor is not an admin.
        ValidationFailed: unknown rule, days out of 1..365, or an unknown way of counting.
    """
    if not is_admin(actor):
        raise NotPermitted("只有管理员可以修改期限规则。")
    rule = DeadlineRule.objects.filter(key=key).first()
    if rule is None:
        raise ValidationFailed("没有这条期限规则。", {"field": "key"})
    lowest = 0 if key in MAY_BE_OFF else 1
    if not isinstance(days, int) or not lowest <= days <= 365:
        raise ValidationFailed(f"天数应在{lowest}至365之间。", {"field": "days"})
    if key == DeadlineRule.Key.EXTENSION_MAX and days > LEGAL_EXTENSION_MAX:
        raise ValidationFailed(
            f"依照《信访工作条例》第三十四条，延期不得超过{LEGAL_EXTENSION_MAX}日。",
            {"field": "days"},
        )
    if unit not in DeadlineRule.DayUnit.values:
        raise ValidationFailed("计算方式无效。", {"field": "unit"})
    before = config_snapshot(rule, ("days", "unit"))
    rule.days, rule.unit = days, unit
    rule.save()
    record_config_change(
        actor, Kind.DEADLINE_RULE, rule, before, config_snapshot(rule, ("days", "unit"))
    )
    return rule
