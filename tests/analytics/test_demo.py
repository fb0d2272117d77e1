"""The dashboard's numbers with the demo data: every rate has cases behind it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.demo.loaded import demo_committed
from xinfang.analytics import periods
from xinfang.analytics.indicators import Scope, indicators_compute
from xinfang.analytics.models import EarlyWarning
from xinfang.analytics.selectors import default_unit_for
from xinfang.demo.warnings import demo_warnings_create, demo_warnings_delete
from xinfang.units.models import Staff

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def demo_cases(django_db_setup, django_db_blocker):
    """The demo organisation and 80 cases at NOW, loaded once for the module."""
    with demo_committed(django_db_blocker, now=NOW, count=80):
        yield


@pytest.mark.django_db
def test_the_demo_gives_every_headline_indicator_something_to_count(demo_cases):
    leader = Staff.objects.get(username="city_leader")
    unit = default_unit_for(leader)
    span = periods.custom(date(2025, 12, 1), date(2026, 3, 9))
    scope = Scope(leader, unit, span.start, span.end, as_of=NOW.date())
    r = {x.key: x for x in indicators_compute(scope)}
    assert r["cases"].numerator > 20
    assert r["person_times"].numerator > r["cases"].numerator
    for key in ("timely_acceptance_rate", "on_time_conclusion_rate", "repeat_rate"):
        assert r[key].denominator > 0, key
        assert 0 < r[key].value <= 1, key
    assert r["collective_batches"].numerator > 0


@pytest.mark.django_db
def test_the_demo_has_live_warnings_of_every_level(demo_cases):
    demo_warnings_create(now=NOW)
    levels = set(EarlyWarning.objects.values_list("level", flat=True))
    assert levels == {1, 2, 3, 4}
    assert all(w.cases.exists() for w in EarlyWarning.objects.all())
    count = EarlyWarning.objects.count()
    assert demo_warnings_create(now=NOW) == count  # a rerun raises nothing twice
    demo_warnings_delete()
    assert not EarlyWarning.objects.exists()
