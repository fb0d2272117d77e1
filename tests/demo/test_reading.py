"""The demo's reading history: a month of ordinary reading and one flagged evening, made in a
bounded number of queries (the demo load time matters), removed with the demo."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.demo.loaded import demo_loaded
from xinfang.audit.models import CaseRead
from xinfang.audit.reading import unusual_reading_find
from xinfang.demo.reading import demo_reading_create, demo_reading_delete
from xinfang.units.models import Staff

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_has_a_month_of_reading_and_flags_one_evening(db):
    demo_loaded(now=NOW, count=80)
    with CaptureQueriesContext(connection) as queries:
        made = demo_reading_create(now=NOW)
    assert made > 100
    assert len(queries) <= 10  # a few selects and one bulk insert (batches of 500)
    assert demo_reading_create(now=NOW) == 0  # once
    assert CaseRead.objects.filter(kind=CaseRead.Kind.REVEAL).exists()
    [flag] = unusual_reading_find(day=NOW.date() - timedelta(days=1))
    assert Staff.objects.get(pk=flag.staff_id).username == "dc_registrar"
    assert demo_reading_delete() == made
    assert not CaseRead.objects.exists()
