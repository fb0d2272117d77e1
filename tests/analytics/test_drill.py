"""Drill-down: the ledger a number links to shows exactly the cases behind the number."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analytics.conftest import add_event, make_case
from xinfang.analytics.drill import drill_url, drill_value, resolve
from xinfang.analytics.indicators import (
    INDICATORS,
    Scope,
    indicators_by_child,
    indicators_compute,
)
from xinfang.petitions.models import Category, State
from xinfang.petitions.selectors.ledger import LedgerFilter, case_set_resolve, ledger_page
from xinfang.portal.models import Rating

BASE = date(2026, 9, 1)
days = st.integers(min_value=0, max_value=150)
maybe_day = st.none() | days

case_spec = st.fixed_dictionaries(
    {
        "unit": st.sampled_from(["dongcheng", "donghu", "xicheng", "ximen", "north"]),
        "received": days,
        "channel": st.sampled_from(["visit", "letter", "online", "phone"]),
        "headcount": st.sampled_from([1, 2, 5, 12]),
        "litigation": st.booleans(),
        "skips": st.booleans(),
        "first": st.booleans(),
        "category": st.sampled_from(["urban.municipal", "urban.property", "labour.wages"]),
        "decide_by": maybe_day,
        "decided": maybe_day,
        "returned": st.booleans(),
        "conclude_by": maybe_day,
        "concluded": maybe_day,
        "rating": st.sampled_from([None, "satisfied", "basically_satisfied", "dissatisfied"]),
        "review": st.booleans(),
        "repeat_of": st.none() | st.integers(min_value=0, max_value=20),
    }
)


def _day(n: int | None) -> date | None:
    return None if n is None else BASE + timedelta(days=n)


def _build(org, specs: list[dict]) -> None:
    made = []
    for s in specs:
        repeat_of = (
            made[s["repeat_of"] % len(made)] if s["repeat_of"] is not None and made else None
        )
        concluded = _day(s["concluded"])
        p = make_case(
            getattr(org, s["unit"]),
            _day(s["received"]),
            category=s["category"],
            channel=s["channel"],
            headcount=s["headcount"],
            is_litigation=s["litigation"],
            skips_level=s["skips"],
            is_first=s["first"] and repeat_of is None,
            repeat_of=repeat_of,
            decide_by=_day(s["decide_by"]),
            decided_on=_day(s["decided"]),
            state=State.RETURNED if s["returned"] else State.CONCLUDED,
            conclude_by=_day(s["conclude_by"]),
            concluded_on=concluded,
            reply_delivered_on=concluded,
        )
        if concluded and s["rating"]:
            at = timezone.make_aware(datetime.combine(concluded, time(9)))
            Rating.objects.create(petition=p, level=s["rating"], rated_at=at)
        if concluded and s["review"]:
            add_event(p, "request_review", concluded)
        made.append(p)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(case_spec, max_size=14),
    who=st.sampled_from(["dc_leader", "district_supervisor", "xc_handler"]),
    scope_unit=st.sampled_from(["dongcheng", "district", "xicheng"]),
    start=days,
    length=st.integers(min_value=0, max_value=90),
    as_of=st.integers(min_value=0, max_value=200),
    category=st.sampled_from([None, "urban", "urban.municipal", "labour"]),
)
def test_it_links_every_number_to_a_ledger_of_that_many_cases(
    org,
    dc_leader,
    district_supervisor,
    xc_handler,
    specs,
    who,
    scope_unit,
    start,
    length,
    as_of,
    category,
):
    users = {
        "dc_leader": dc_leader,
        "district_supervisor": district_supervisor,
        "xc_handler": xc_handler,
    }
    user = users[who]
    unit = getattr(org, scope_unit)
    with transaction.atomic():
        _build(org, specs)
        scope = Scope(
            user,
            unit,
            _day(start),
            _day(start + length),
            Category.objects.get(code=category) if category else None,
            _day(as_of),
        )
        resolved = resolve(user, drill_value(scope, "cases"))
        if not unit.path.startswith(
            tuple(m.unit.path for m in user.memberships.select_related("unit"))
        ):
            # A unit the user may not see names no cases.
            assert resolved is None
            transaction.set_rollback(True)
            return
        for result in indicators_compute(scope):
            parts = [("num", result.numerator)]
            if result.indicator.is_rate:
                parts.append(("den", result.denominator))
                parts.append(("miss", result.denominator - result.numerator))
            for part, number in parts:
                f = LedgerFilter(case_set=drill_value(scope, result.key, part))
                page = ledger_page(user, f, size=200)
                _, cases = case_set_resolve(user, f.case_set)
                if result.indicator.sums and part == "num":
                    total = cases.aggregate(n=Sum(result.indicator.sums))["n"] or 0
                    assert total == number, (result.key, part)
                else:
                    assert page.total == number, (result.key, part)
                    assert len(page.rows) == number
        # The ranking's grouped query (by responsible unit and mask) adds up to the same.
        computed = {r.key: r for r in indicators_compute(scope)}
        children = indicators_by_child(scope, list(computed))
        for key, result in computed.items():
            mine = [r for rs in children.values() for r in rs if r.key == key]
            assert sum(r.numerator for r in mine) == result.numerator, key
            if result.indicator.is_rate:
                assert sum(r.denominator for r in mine) == result.denominator, key
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_it_shows_the_number_behind_a_link_on_the_ledger_page(client, org, dc_leader):
    make_case(org.dongcheng, date(2026, 11, 3), conclude_by=date(2026, 11, 20))
    make_case(
        org.dongcheng,
        date(2026, 11, 4),
        conclude_by=date(2026, 11, 21),
        concluded_on=date(2026, 11, 25),
    )
    make_case(
        org.dongcheng,
        date(2026, 11, 5),
        conclude_by=date(2026, 11, 22),
        concluded_on=date(2026, 11, 10),
    )
    scope = Scope(
        dc_leader, org.dongcheng, date(2026, 11, 1), date(2026, 11, 30), None, date(2026, 12, 4)
    )
    client.force_login(dc_leader)
    due = client.get(drill_url(scope, "on_time_conclusion_rate", "den"))
    assert due.status_code == 200
    assert "共 3 件" in due.content.decode()
    assert "按期办结率分母" in due.content.decode()
    on_time = client.get(drill_url(scope, "on_time_conclusion_rate", "num"))
    assert "共 1 件" in on_time.content.decode()
    # Scenario 11: from an office's on-time rate to its late cases.
    late = client.get(drill_url(scope, "on_time_conclusion_rate", "miss")).content.decode()
    assert "共 2 件" in late and "按期办结率未达标" in late


@pytest.mark.django_db
def test_it_shows_nothing_for_a_set_naming_a_unit_out_of_sight(client, org, xc_handler):
    make_case(org.dongcheng, date(2026, 11, 3))
    scope = Scope(
        xc_handler, org.dongcheng, date(2026, 11, 1), date(2026, 11, 30), None, date(2026, 12, 4)
    )
    client.force_login(xc_handler)
    page = client.get(drill_url(scope, "cases")).content.decode()
    assert "共 0 件" in page


@pytest.mark.django_db
def test_it_reads_no_malformed_set(org, dc_leader):
    for value in (
        "ind:cases",
        "ind:nope:num:1:2026-11-01:2026-11-30::2026-12-04",
        "ind:cases:den:1:2026-11-01:2026-11-30::2026-12-04",
        "ind:cases:num:x:2026-11-01:2026-11-30::2026-12-04",
        "ind:cases:num:²:2026-11-01:2026-11-30::2026-12-04",
        "ind:cases:num:99999999999999999999999:2026-11-01:2026-11-30::2026-12-04",
        "ind:cases:num:1:2026-11-01:2026-11-31::2026-12-04",
        "ind:cases:num:1:0001-01-01:0001-01-31::2026-12-04",
        "zzz:1",
    ):
        assert case_set_resolve(dc_leader, value) is None
        assert ledger_page(dc_leader, LedgerFilter(case_set=value)).total == 0


def test_every_indicator_has_a_label():
    assert all(i.label and i.numerator_label for i in INDICATORS)


@pytest.mark.django_db
def test_it_counts_a_case_set_past_the_ledger_cap(org, dc_leader, settings):
    settings.LIST_COUNT_CAP = 2
    for day in (3, 4, 5, 6):
        make_case(org.dongcheng, date(2026, 11, day))
    scope = Scope(
        dc_leader, org.dongcheng, date(2026, 11, 1), date(2026, 11, 30), None, date(2026, 12, 4)
    )
    page = ledger_page(dc_leader, LedgerFilter(case_set=drill_value(scope, "cases")), size=1)
    assert (page.total, page.capped) == (4, False)
    plain = ledger_page(dc_leader, LedgerFilter(), size=1)
    assert (plain.total, plain.capped) == (2, True)
