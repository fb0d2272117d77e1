"""Reminders of missing screening reports: the periodic job's pass and a supervisor's
"send reminder" on the board."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from xinfang.notifications.services import notify
from xinfang.prevention.models import ScreeningPeriod
from xinfang.prevention.services.common import OVERSEEING_ROLES, require_roles
from xinfang.prevention.services.screening_periods import (
    screening_periods_ensure,
    screening_statuses_refresh,
)
from xinfang.units.models import Membership, Role, Staff, Unit

Status = ScreeningPeriod.Status
# Reminders go out for periods that fell due this recently; older gaps stay on the board
# and in the history but nobody is woken for them.
REMIND_WINDOW = timedelta(days=2)
RECIPIENT_ROLES = (Role.INFORMANT, Role.REGISTRAR, Role.HANDLER, Role.LEADER)


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
