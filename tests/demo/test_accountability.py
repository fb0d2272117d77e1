"""The demo's accountability items: last month's, proposed through the job's service, some
explained and decided; loading twice adds nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.demo.loaded import demo_loaded
from xinfang.accountability.models import AccountabilityItem, Kind, Status
from xinfang.demo.accountability import demo_accountability_create, demo_accountability_delete

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
@pytest.mark.slow
def test_the_demo_proposes_last_months_items_and_decides_some():
    demo_loaded(now=NOW, count=80)
    total = demo_accountability_create(now=NOW)
    items = AccountabilityItem.objects.all()
    assert total == items.count() > 0
    assert {i.month.isoformat() for i in items} == {"2026-02-01"}
    assert items.filter(kind=Kind.ZERO_REPORT_MISSING).exists()
    statuses = set(items.values_list("status", flat=True))
    assert {Status.PROPOSED, Status.EXPLAINED, Status.CONFIRMED, Status.DISMISSED} <= statuses
    assert items.exclude(measure="").exists()
    assert demo_accountability_create(now=NOW) == total
    assert AccountabilityItem.objects.count() == total
    assert demo_accountability_delete() >= total
