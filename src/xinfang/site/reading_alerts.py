"""The nightly notice to admins of unusual reading (audit/reading.py finds it; this layer
sends it, being the one that sees both the audit log and the notifications)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse

from xinfang.audit.reading import Thresholds, unusual_reading_find
from xinfang.notifications.models import Kind
from xinfang.notifications.services import notify
from xinfang.units.models import Membership, Role, Staff


def _admins_over(staff_id: int, admins: list[Membership]) -> list[Staff]:
    """The admins of a unit the reader works in or above it, and every superuser."""
    paths = list(Membership.objects.filter(staff_id=staff_id).values_list("unit__path", flat=True))
    chosen = {m.staff for m in admins if any(p.startswith(m.unit.path) for p in paths)}
    chosen.update(Staff.objects.filter(is_superuser=True, is_active=True))
    return [s for s in chosen if s.pk != staff_id]


def unusual_reading_notify(*, day: date, t: Thresholds | None = None) -> int:
    """Tell the admins about each staff member whose reading on `day` was unusual; once per
    reader and day (a rerun sends nothing new). Returns the readers flagged."""
    found = unusual_reading_find(day=day, t=t)
    if not found:
        return 0
    admins = list(
        Membership.objects.filter(role=Role.ADMIN, staff__is_active=True).select_related(
            "staff", "unit"
        )
    )
    readers = Staff.objects.in_bulk([u.staff_id for u in found])
    for u in found:
        reader = readers[u.staff_id]
        why = []
        if "own" in u.reasons:
            times = u.cases / u.own_median
            why.append(f"是其近 30 天日常查阅量（中位数 {u.own_median:g} 件）的 {times:.1f} 倍")
        if "peers" in u.reasons:
            times = u.cases / u.peer_median
            why.append(f"是同岗位人员日常查阅量（中位数 {u.peer_median:g} 件）的 {times:.1f} 倍")
        query = urlencode({"staff": reader.username, "start": day, "end": day})
        with transaction.atomic():
            notify(
                recipients=_admins_over(reader.pk, admins),
                kind=Kind.UNUSUAL_READING,
                title=f"异常查阅：{reader} 于 {day:%Y-%m-%d} 查阅 {u.cases} 件信访件",
                body="；".join(why) + "。请核实是否为工作需要。",
                url=f"{reverse('settings:reads')}?{query}",
                dedupe_key=f"unusual-reading:{reader.pk}:{day.isoformat()}",
            )
    return len(found)
