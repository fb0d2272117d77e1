"""Each indicator of RULES.md §9 against cases whose numbers are worked out by hand.

The period is November 2026 and "today" 4 December 2026, for 东城街道 as its leader sees it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.analytics.conftest import add_event
from xinfang.analytics import periods
from xinfang.analytics.indicators import (
    Scope,
    indicator_cases,
    indicators_compute,
    indicators_compute_periods,
)
from xinfang.analytics.selectors import by_month, unit_month_counts
from xinfang.petitions.models import Category, State
from xinfang.portal.models import Rating

NOV = periods.month(2026, 11)
AS_OF = date(2026, 12, 4)
D = date


def compute(user, unit, period=NOV, category=None, as_of=AS_OF):
    scope = Scope(user, unit, period.start, period.end, category, as_of)
    return scope, {r.key: r for r in indicators_compute(scope)}


def nums(result):
    return result.numerator, result.denominator


@pytest.mark.django_db
def test_it_counts_cases_and_person_times_received_in_the_period(org, dc_leader, case):
    case(org.dongcheng, D(2026, 11, 3))
    case(org.donghu, D(2026, 11, 30), headcount=2)  # a unit below counts
    case(org.dongcheng, D(2026, 11, 15), headcount=7)  # collective
    case(org.dongcheng, D(2026, 10, 31))  # before
    case(org.dongcheng, D(2026, 12, 1))  # after
    case(org.dongcheng, D(2026, 11, 10), is_litigation=True, headcount=6)  # litigation
    case(org.xicheng, D(2026, 11, 10))  # a sibling office
    _, r = compute(dc_leader, org.dongcheng)
    assert r["cases"].numerator == 3
    assert r["person_times"].numerator == 1 + 2 + 7
    assert r["collective_batches"].numerator == 1
    assert r["collective_person_times"].numerator == 7
    assert r["cases"].denominator is None


@pytest.mark.django_db
def test_it_counts_the_whole_subtree_for_a_supervisor(org, district_supervisor, case):
    case(org.dongcheng, D(2026, 11, 3))
    case(org.xicheng, D(2026, 11, 10), headcount=5)
    case(org.north, D(2026, 11, 10))  # another district
    _, r = compute(district_supervisor, org.district)
    assert r["cases"].numerator == 2
    assert r["collective_person_times"].numerator == 5


@pytest.mark.django_db
def test_it_counts_an_accusation_only_for_those_it_is_not_hidden_from(
    org, dc_leader, district_supervisor, case
):
    # Responsible in 东城 but accusing 东城: hidden from its leader, seen from the district
    # above (RULES.md §6), though the indicators read no unit links of a subtree one sees.
    accusation = case(org.dongcheng, D(2026, 11, 3), is_accusation=True, accused_unit=org.dongcheng)
    case(org.dongcheng, D(2026, 11, 4))
    scope, r = compute(dc_leader, org.dongcheng)
    assert r["cases"].numerator == 1
    assert accusation not in indicator_cases(scope, "cases")
    scope, r = compute(district_supervisor, org.district)
    assert r["cases"].numerator == 2
    assert accusation in indicator_cases(scope, "cases")


@pytest.mark.django_db
def test_it_leaves_out_litigation_flagged_cases_of_any_category(org, dc_leader, case):
    case(org.dongcheng, D(2026, 11, 3), is_litigation=True, decide_by=D(2026, 11, 18))
    case(org.dongcheng, D(2026, 11, 3), decide_by=D(2026, 11, 18), decided_on=D(2026, 11, 4))
    _, r = compute(dc_leader, org.dongcheng)
    assert nums(r["timely_acceptance_rate"]) == (1, 1)
    assert r["cases"].numerator == 1


@pytest.mark.django_db
def test_it_rates_timely_acceptance_over_decisions_due_in_the_period(org, dc_leader, case):
    nov = D(2026, 11, 1)
    case(org.dongcheng, nov, decide_by=D(2026, 11, 16), decided_on=D(2026, 11, 16))  # in time
    case(org.dongcheng, nov, decide_by=D(2026, 11, 16), decided_on=D(2026, 11, 17))  # late
    case(org.dongcheng, nov, decide_by=D(2026, 11, 20))  # never decided
    case(org.dongcheng, D(2026, 10, 20), decide_by=D(2026, 11, 4), decided_on=D(2026, 10, 21))
    # Returned by the assigned unit: waits for a new decision, the old one does not count.
    case(
        org.dongcheng,
        nov,
        decide_by=D(2026, 11, 25),
        decided_on=D(2026, 11, 2),
        state=State.RETURNED,
    )
    case(org.dongcheng, D(2026, 11, 20), decide_by=D(2026, 12, 5))  # due next month
    _, r = compute(dc_leader, org.dongcheng)
    assert nums(r["timely_acceptance_rate"]) == (2, 5)
    assert r["timely_acceptance_rate"].value == Decimal("0.4000")
    assert r["timely_acceptance_rate"].percent == "40.0%"


@pytest.mark.django_db
def test_it_counts_only_deadlines_already_past_in_a_running_month(org, dc_leader, case):
    dec = periods.month(2026, 12)
    case(org.dongcheng, D(2026, 11, 18), decide_by=D(2026, 12, 3))  # passed yesterday
    case(org.dongcheng, D(2026, 11, 19), decide_by=D(2026, 12, 4))  # due today: not yet
    case(org.dongcheng, D(2026, 11, 19), decide_by=D(2026, 12, 4), decided_on=D(2026, 12, 1))
    _, r = compute(dc_leader, org.dongcheng, period=dec)
    assert nums(r["timely_acceptance_rate"]) == (0, 1)


@pytest.mark.django_db
def test_it_rates_on_time_conclusion_with_extended_deadlines(org, dc_leader, case):
    sept = D(2026, 9, 1)
    # Due 30 October, extended by 29 days to 28 November, concluded on 20 November: on time.
    case(
        org.dongcheng,
        sept,
        conclude_by=D(2026, 11, 28),
        extension_days=29,
        concluded_on=D(2026, 11, 20),
    )
    case(org.dongcheng, sept, conclude_by=D(2026, 11, 10), concluded_on=D(2026, 11, 5))  # on time
    # Concluded after the period, after its deadline: late.
    case(org.dongcheng, sept, conclude_by=D(2026, 11, 30), concluded_on=D(2026, 12, 2))
    case(org.dongcheng, sept, conclude_by=D(2026, 11, 15))  # still open
    # Concluded in November but due in December: not in November's denominator.
    case(org.dongcheng, sept, conclude_by=D(2026, 12, 15), concluded_on=D(2026, 11, 3))
    _, r = compute(dc_leader, org.dongcheng)
    assert nums(r["on_time_conclusion_rate"]) == (2, 4)


@pytest.mark.django_db
def test_it_rates_ratings_over_windows_closed_in_the_period(org, dc_leader, case):
    def replied(delivered: date, level: str | None = None, via: str = "portal"):
        p = case(
            org.dongcheng,
            D(2026, 8, 1),
            concluded_on=delivered,
            reply_delivered_on=delivered,
            state=State.CONCLUDED,
        )
        if level:
            at = timezone.make_aware(datetime.combine(delivered, time(9)))
            Rating.objects.create(petition=p, level=level, rated_at=at, via=via)
        return p

    replied(D(2026, 10, 10), "satisfied")  # window closes 9 November
    # Window's 30th day is Saturday 31 October: it closes Monday 2 November.
    replied(D(2026, 10, 1), "dissatisfied", via="staff")
    replied(D(2026, 10, 31))  # closes 30 November, not rated
    replied(D(2026, 9, 30), "satisfied")  # closed 30 October
    replied(D(2026, 11, 1), "basically_satisfied")  # closes 1 December
    _, r = compute(dc_leader, org.dongcheng)
    assert nums(r["rating_rate"]) == (2, 3)
    assert nums(r["satisfaction_rate"]) == (1, 2)
    assert r["satisfaction_rate"].percent == "50.0%"


@pytest.mark.django_db
def test_it_rates_repeats_and_level_skips_over_cases_received(org, dc_leader, case):
    earlier = case(org.dongcheng, D(2026, 6, 1))
    accusation = case(org.xicheng, D(2026, 6, 1), is_accusation=True, accused_unit=org.dongcheng)
    case(org.dongcheng, D(2026, 11, 2), repeat_of=earlier, is_first=False)
    # A repeat of an accusation against 东城 is no repeat in 东城's eyes (RULES.md §6).
    case(org.dongcheng, D(2026, 11, 3), repeat_of=accusation, is_first=False)
    case(org.dongcheng, D(2026, 11, 4), skips_level=True)
    case(org.dongcheng, D(2026, 11, 5))
    _, r = compute(dc_leader, org.dongcheng)
    assert nums(r["repeat_rate"]) == (1, 4)
    assert nums(r["level_skip_rate"]) == (1, 4)
    assert r["repeat_rate"].percent == "25.0%"


@pytest.mark.django_db
def test_it_rates_first_petitions_resolved_at_first_handling(org, dc_leader, case):
    aug = D(2026, 8, 1)
    resolved = case(org.dongcheng, aug, concluded_on=D(2026, 11, 5))
    reviewed = case(org.dongcheng, aug, concluded_on=D(2026, 11, 6))
    add_event(reviewed, "request_review", D(2026, 11, 20))
    repeated = case(org.dongcheng, aug, concluded_on=D(2026, 11, 7))
    case(org.dongcheng, D(2026, 12, 1), repeat_of=repeated, is_first=False)
    case(org.dongcheng, aug, concluded_on=D(2026, 11, 8), is_first=False)  # not a first
    case(org.dongcheng, aug, concluded_on=D(2026, 10, 30))  # concluded before
    _, r = compute(dc_leader, org.dongcheng)
    assert nums(r["first_resolved_rate"]) == (1, 3)
    scope, _ = compute(dc_leader, org.dongcheng)
    assert list(indicator_cases(scope, "first_resolved_rate")) == [resolved]


@pytest.mark.django_db
def test_it_rates_letters_turned_visits_and_individuals_turned_collective(org, dc_leader, case):
    letter = case(org.dongcheng, D(2026, 11, 2), channel="letter")
    online = case(org.dongcheng, D(2026, 11, 3), channel="online")
    visit = case(org.dongcheng, D(2026, 11, 4), channel="visit")
    dec = D(2026, 12, 2)
    case(org.dongcheng, dec, channel="visit", repeat_of=letter, is_first=False)
    case(org.dongcheng, dec, channel="letter", repeat_of=online, is_first=False)
    case(org.dongcheng, dec, channel="visit", repeat_of=visit, is_first=False, headcount=9)
    _, r = compute(dc_leader, org.dongcheng)
    assert nums(r["letter_to_visit_rate"]) == (1, 2)
    assert nums(r["individual_to_collective_rate"]) == (1, 3)


@pytest.mark.django_db
def test_it_narrows_to_a_category_subtree(org, dc_leader, case):
    case(org.dongcheng, D(2026, 11, 2), category="urban.municipal")
    case(org.dongcheng, D(2026, 11, 3), category="urban.property")
    case(org.dongcheng, D(2026, 11, 4), category="labour.wages")
    urban = Category.objects.get(code="urban")
    municipal = Category.objects.get(code="urban.municipal")
    assert compute(dc_leader, org.dongcheng, category=urban)[1]["cases"].numerator == 2
    assert compute(dc_leader, org.dongcheng, category=municipal)[1]["cases"].numerator == 1


@pytest.mark.django_db
def test_it_shows_a_sibling_office_nothing(org, xc_handler, case):
    case(org.dongcheng, D(2026, 11, 2))
    _, r = compute(xc_handler, org.dongcheng)
    assert r["cases"].numerator == 0


@pytest.mark.django_db
def test_it_reports_no_rate_when_nothing_fell_due(org, dc_leader):
    _, r = compute(dc_leader, org.dongcheng)
    assert r["on_time_conclusion_rate"].value is None
    assert r["on_time_conclusion_rate"].percent == "—"


@pytest.mark.django_db
def test_it_counts_in_queries_that_do_not_grow_with_units(org, district_supervisor, case):
    for unit in (org.dongcheng, org.xicheng, org.donghu, org.ximen):
        case(unit, D(2026, 11, 2), decide_by=D(2026, 11, 17))

    def queries(unit):
        with CaptureQueriesContext(connection) as ctx:
            compute(district_supervisor, unit)
        return len(ctx.captured_queries)

    assert queries(org.district) == queries(org.dongcheng)


def _numbers(results):
    return [(r.key, r.numerator, r.denominator) for r in results]


@pytest.mark.django_db
def test_it_reads_several_periods_in_one_query_with_the_same_numbers(org, dc_leader, case):
    earlier = case(org.dongcheng, D(2026, 6, 1))
    case(org.dongcheng, D(2026, 10, 20), channel="letter", headcount=3)
    case(org.dongcheng, D(2026, 11, 2), repeat_of=earlier, is_first=False, skips_level=True)
    case(org.donghu, D(2026, 11, 3), decide_by=D(2026, 11, 10), headcount=6)
    case(org.dongcheng, D(2025, 11, 4), concluded_on=D(2025, 11, 20))
    oct_, nov_2025 = periods.month(2026, 10), periods.month(2025, 11)
    scopes = [
        Scope(dc_leader, org.dongcheng, p.start, p.end, None, AS_OF) for p in (NOV, oct_, nov_2025)
    ]
    keys = [None, ["cases", "person_times", "repeat_rate"], None]
    with CaptureQueriesContext(connection) as ctx:
        together = indicators_compute_periods(list(zip(scopes, keys, strict=True)))
    aggregates = [q for q in ctx.captured_queries if "petitions_petition" in q["sql"]]
    assert len([q for q in aggregates if "COUNT" in q["sql"]]) == 1
    for scope, chosen, results in zip(scopes, keys, together, strict=True):
        assert _numbers(results) == _numbers(indicators_compute(scope, chosen))
    assert [r.numerator for r in together[1]] == [1, 3, 0]
    assert nums({r.key: r for r in together[0]}["repeat_rate"]) == (1, 2)


@pytest.mark.django_db
def test_it_refuses_periods_of_different_units(org, dc_leader):
    scopes = [
        (Scope(dc_leader, unit, NOV.start, NOV.end, None, AS_OF), None)
        for unit in (org.dongcheng, org.donghu)
    ]
    with pytest.raises(ValueError):
        indicators_compute_periods(scopes)


@pytest.mark.django_db
def test_it_reads_the_trend_and_the_heat_map_from_one_grouping(org, district_supervisor, case):
    case(org.dongcheng, D(2026, 10, 3), headcount=4)
    case(org.donghu, D(2026, 11, 3))  # under 东城: its row
    case(org.xicheng, D(2026, 11, 4), headcount=2)
    case(org.district, D(2026, 11, 5))  # the district itself: its own path
    case(org.north, D(2026, 11, 6))  # another district
    scope = Scope(district_supervisor, org.district, D(2026, 10, 1), NOV.end, None, AS_OF)
    months, counts = unit_month_counts(scope)
    assert [(c.key, c.cases, c.persons) for c in months] == [
        (c.key, c.cases, c.persons) for c in by_month(scope)
    ]
    assert [(c.key, c.cases, c.persons) for c in months] == [("2026-10", 1, 4), ("2026-11", 3, 4)]
    assert counts == {
        (org.dongcheng.path, "2026-10"): 1,
        (org.dongcheng.path, "2026-11"): 1,
        (org.xicheng.path, "2026-11"): 1,
        (org.district.path, "2026-11"): 1,
    }
