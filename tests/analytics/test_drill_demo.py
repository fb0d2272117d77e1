"""Drill-down over the demo data, built through the real services: for random users, units,
periods and categories, each number's ledger shows exactly that many cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.demo.loaded import demo_committed
from xinfang.analytics.drill import drill_value
from xinfang.analytics.indicators import Scope, indicators_compute
from xinfang.petitions.models import Category
from xinfang.petitions.selectors.ledger import LedgerFilter, ledger_page
from xinfang.units.models import Staff
from xinfang.units.selectors import units_visible_to

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
USERS = ("city_leader", "district_supervisor", "dc_leader", "xc_leader", "ymb_leader")
CATEGORIES = (None, "land", "urban", "labour.wages", "resettlement")


@pytest.fixture(scope="module")
def demo_cases(django_db_setup, django_db_blocker):
    """The demo organisation and 80 cases at NOW, committed for the module, flushed after."""
    with demo_committed(django_db_blocker, now=NOW, count=80):
        yield


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    who=st.sampled_from(USERS),
    unit_pick=st.integers(min_value=0, max_value=50),
    start=st.integers(min_value=0, max_value=540),
    length=st.integers(min_value=0, max_value=200),
    category=st.sampled_from(CATEGORIES),
)
def test_it_links_every_number_to_its_cases_over_the_demo(
    demo_cases, who, unit_pick, start, length, category
):
    user = Staff.objects.get(username=who)
    units = list(units_visible_to(user).order_by("path"))
    unit = units[unit_pick % len(units)]
    first = date(2024, 9, 1) + timedelta(days=start)
    scope = Scope(
        user,
        unit,
        first,
        first + timedelta(days=length),
        Category.objects.get(code=category) if category else None,
        NOW.date(),
    )
    for result in indicators_compute(scope):
        if result.indicator.sums:
            continue
        parts = [("num", result.numerator)]
        if result.indicator.is_rate:
            parts += [("den", result.denominator), ("miss", result.shortfall)]
        for part, number in parts:
            page = ledger_page(user, LedgerFilter(case_set=drill_value(scope, result.key, part)))
            assert page.total == number, (result.key, part)
