"""The indicators' summary (analytics.tally) gives exactly the numbers counted from the cases:
after it is built, after random writes it has not yet read (the triggers' marks), and after
it has read them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analytics.conftest import add_event, make_case
from tests.analytics.test_drill import _build, _day, case_spec, days
from xinfang.analytics import periods, selectors
from xinfang.analytics.indicators import (
    INDICATORS,
    Scope,
    indicators_compute,
    indicators_count_by_child,
    indicators_count_periods,
)
from xinfang.analytics.tally import (
    _pieces,
    summary_by_child,
    summary_compute_periods,
    tally_catch_up,
    tally_groups,
    tally_rebuild,
    tally_refresh,
)
from xinfang.analytics.tally_models import CaseFacts, DayTally, DirtyCase, MonthTally
from xinfang.analytics.tasks import tally_refresh_task
from xinfang.analytics.views import _headline
from xinfang.petitions.models import Category, Petition, State
from xinfang.portal.models import Rating

UNITS = ["dongcheng", "donghu", "xicheng", "ximen", "north"]

write = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 30), st.sampled_from(UNITS)),
    st.tuples(st.just("receive"), st.integers(0, 30), days),
    st.tuples(st.just("conclude"), st.integers(0, 30), st.none() | days),
    st.tuples(st.just("decide"), st.integers(0, 30), st.none() | days),
    st.tuples(st.just("deadline"), st.integers(0, 30), st.none() | days),
    st.tuples(st.just("returned"), st.integers(0, 30), st.booleans()),
    st.tuples(
        st.just("rate"),
        st.integers(0, 30),
        st.sampled_from([None, "satisfied", "basically_satisfied", "dissatisfied"]),
    ),
    st.tuples(st.just("review"), st.integers(0, 30), st.none()),
    st.tuples(st.just("repeat"), st.integers(0, 30), st.none() | st.integers(0, 30)),
    st.tuples(st.just("litigation"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("collective"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("channel"), st.integers(0, 30), st.sampled_from(["visit", "letter"])),
    st.tuples(st.just("accuse"), st.integers(0, 30), st.sampled_from([*UNITS, "district"])),
    st.tuples(st.just("new"), st.sampled_from(UNITS), days),
)


def _apply(org, op: tuple) -> None:
    """One write straight to the tables (queryset updates: no model code runs, only the
    database's triggers see it)."""
    kind, i, value = op
    cases = list(Petition.objects.order_by("pk").values_list("pk", flat=True))
    if kind == "new":
        make_case(getattr(org, i), _day(value))
        return
    if not cases:
        return
    pk = cases[i % len(cases)]
    one = Petition.objects.filter(pk=pk)
    if kind == "move":
        one.update(responsible_unit=getattr(org, value))
    elif kind == "receive":
        one.update(received_on=_day(value))
    elif kind == "conclude":
        one.update(concluded_on=_day(value), reply_delivered_on=_day(value))
    elif kind == "decide":
        one.update(decided_on=_day(value))
    elif kind == "deadline":
        one.update(decide_by=_day(value), conclude_by=_day(value))
    elif kind == "returned":
        one.update(state=State.RETURNED if value else State.CONCLUDED)
    elif kind == "rate":
        Rating.objects.filter(petition_id=pk).delete()
        if value:
            at = timezone.make_aware(datetime.combine(date(2026, 10, 1), time(9)))
            Rating.objects.create(petition_id=pk, level=value, rated_at=at)
    elif kind == "review":
        add_event(one.get(), "request_review", date(2026, 10, 2))
    elif kind == "repeat":
        target = None if value is None else cases[value % len(cases)]
        one.update(repeat_of_id=None if target == pk else target)
    elif kind == "litigation":
        one.update(is_litigation=value)
    elif kind == "collective":
        one.update(is_collective=value, headcount=6 if value else 1)
    elif kind == "channel":
        one.update(channel=value)
    elif kind == "accuse":
        one.update(is_accusation=True, accused_unit=getattr(org, value))


def _numbers(results) -> list[tuple]:
    return [(r.key, r.numerator, r.denominator, r.value) for r in results]


def _children(found: dict) -> dict:
    return {
        child: {r.key: (r.numerator, r.denominator) for r in rs}
        for child, rs in found.items()
        if any(r.numerator or r.denominator for r in rs)
    }


def _assert_same(scopes: list[Scope]) -> None:
    """Every indicator, the ranking's per-child numbers and the dashboard's trend: from the
    summary, and counted from the cases."""
    keys = [i.key for i in INDICATORS]
    for scope in scopes:
        asked = [
            (scope, None),
            (Scope(scope.user, scope.unit, scope.start, scope.end, None, scope.end), keys[:5]),
        ]
        summary = summary_compute_periods(asked)
        assert summary is not None, "the summary did not answer"
        direct = indicators_count_periods(asked)
        for mine, theirs in zip(summary, direct, strict=True):
            assert _numbers(mine) == _numbers(theirs)
        by_child = summary_by_child(scope, keys)
        assert by_child is not None
        assert _children(by_child) == _children(indicators_count_by_child(scope, keys))
        # The trend and heat map: cases and person-times per child unit and month.
        found = selectors.unit_month_counts(scope)
        groups = tally_groups(scope, [("received", scope.start, scope.end)])
        assert groups is not None
        direct_rows = selectors._unit_month_rows(scope)
        assert sum(c.cases for c in found[0]) == sum(r["n"] for r in direct_rows)
        assert sum(c.persons for c in found[0]) == sum(r["persons"] or 0 for r in direct_rows)
        per_month: dict[str, int] = {}
        for r in direct_rows:
            per_month[f"{r['m']:%Y-%m}"] = per_month.get(f"{r['m']:%Y-%m}", 0) + r["n"]
        assert {c.key: c.cases for c in found[0] if c.cases} == per_month


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(case_spec, max_size=14),
    writes=st.lists(write, max_size=12),
    who=st.sampled_from(["dc_leader", "district_supervisor"]),
    start=days,
    length=st.integers(min_value=0, max_value=120),
    as_of=st.integers(min_value=0, max_value=200),
)
def test_the_summary_gives_the_numbers_counted_from_the_cases_after_random_writes(
    org, dc_leader, district_supervisor, specs, writes, who, start, length, as_of
):
    user = {"dc_leader": dc_leader, "district_supervisor": district_supervisor}[who]
    unit = org.dongcheng if who == "dc_leader" else org.district
    with transaction.atomic():
        _build(org, specs)
        # A case hidden from 东城's leader (an accusation against 东城), repeated by another.
        hidden = make_case(
            org.dongcheng, _day(start), is_accusation=True, accused_unit=org.dongcheng
        )
        make_case(org.dongcheng, _day(start), repeat_of=hidden, channel="letter")
        tally_rebuild()
        assert not DirtyCase.objects.exists()

        def scopes() -> list[Scope]:
            return [
                Scope(user, unit, _day(start), _day(start + length), None, _day(as_of)),
                Scope(user, unit, _day(0), _day(150), None, _day(as_of)),
            ]

        _assert_same(scopes())
        for op in writes:
            _apply(org, op)
        # Not yet read again: the marks are counted directly.
        _assert_same(scopes())
        tally_refresh()
        assert not DirtyCase.objects.exists()
        _assert_same(scopes())

        # Refreshed sums are the sums a rebuild makes.
        def sums() -> tuple[list, list]:
            fields = ("unit_id", "kind", "bits", "n", "headcount")
            return (
                sorted(DayTally.objects.values_list("day", *fields)),
                sorted(MonthTally.objects.values_list("month", *fields)),
            )

        refreshed = sums()
        tally_rebuild()
        assert refreshed == sums()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_write_marks_the_case_and_a_refresh_moves_the_sums(org, dc_leader):
    a = make_case(org.dongcheng, date(2026, 11, 3))
    b = make_case(org.dongcheng, date(2026, 11, 4))
    assert tally_refresh_task.call_local() == 2  # the job builds it first
    assert tally_catch_up() == 0
    november = Scope(
        dc_leader, org.dongcheng, date(2026, 11, 1), date(2026, 11, 30), None, date(2026, 12, 5)
    )

    def cases() -> int:
        return next(r.numerator for r in indicators_compute(november) if r.key == "cases")

    assert cases() == 2
    assert summary_compute_periods([(november, ["cases"])]) is not None
    assert sum(DayTally.objects.filter(kind=1).values_list("n", flat=True)) == 2
    # Moved to October: the trigger marks it, the reader counts it anew at once.
    Petition.objects.filter(pk=a.pk).update(received_on=date(2026, 10, 30))
    assert list(DirtyCase.objects.values_list("petition_id", flat=True)) == [a.pk]
    assert cases() == 1
    assert tally_refresh() == 1
    assert not DirtyCase.objects.exists()
    assert CaseFacts.objects.get(petition_id=a.pk).received_on == date(2026, 10, 30)
    assert cases() == 1
    # A rating and a review request mark their case too; a deletion takes it out.
    Rating.objects.create(petition=b, level="satisfied", rated_at=timezone.now())
    add_event(b, "request_review", date(2026, 11, 20))
    assert set(DirtyCase.objects.values_list("petition_id", flat=True)) == {b.pk}
    Petition.objects.filter(pk=b.pk).update(is_litigation=True)
    assert cases() == 0
    tally_refresh()
    assert not CaseFacts.objects.filter(petition_id=b.pk).exists()
    assert cases() == 0
    # A write that changes nothing the indicators read leaves no mark.
    Petition.objects.filter(pk=a.pk).update(subject="改了标题")
    assert not DirtyCase.objects.exists()


@pytest.mark.django_db
def test_it_counts_directly_until_the_summary_is_built_and_for_a_category(org, dc_leader):
    make_case(org.dongcheng, date(2026, 11, 3))
    november = Scope(dc_leader, org.dongcheng, date(2026, 11, 1), date(2026, 11, 30))
    assert summary_compute_periods([(november, None)]) is None
    tally_rebuild()
    assert summary_compute_periods([(november, None)]) is not None
    by_category = Scope(dc_leader, org.dongcheng, november.start, november.end, a_category(), None)
    assert summary_compute_periods([(by_category, None)]) is None
    assert next(r for r in indicators_compute(by_category) if r.key == "cases").numerator == 1


def a_category() -> Category:
    return Category.objects.get(code="urban")


@pytest.mark.django_db
def test_the_dashboard_reads_the_summary_and_links_the_same_numbers(client, org, dc_leader):
    for day in (date(2026, 11, 3), date(2026, 10, 5), date(2025, 11, 7)):
        make_case(org.dongcheng, day, decide_by=day, decided_on=day)
    tally_rebuild()
    month = periods.month(2026, 11)
    scope = Scope(dc_leader, org.dongcheng, month.start, month.end, None, date(2026, 12, 5))
    _, comparison = _headline(scope, date(2026, 11, 30))
    cells = {
        row["indicator"].key: [c.numerator for c in row["cells"]] for row in comparison["rows"]
    }
    assert cells["cases"] == [1, 1, 1]
    assert cells["timely_acceptance_rate"] == [1, 1, 1]


@given(first=st.dates(date(2024, 1, 1), date(2027, 12, 31)), length=st.integers(0, 800))
def test_whole_months_and_the_days_at_either_end_cover_a_range_exactly_once(first, length):
    last = first + timedelta(days=length)
    covered: list[date] = []
    for model, _, low, high in _pieces(first, last):
        if model is MonthTally:
            # The month sums of the months whose first day is in low..high: whole months.
            assert low.day == 1 and high == _month_end(high)
            day = low
            while day <= high:
                covered.append(day)
                day += timedelta(days=1)
        else:
            covered.extend(low + timedelta(days=i) for i in range((high - low).days + 1))
    assert sorted(covered) == [first + timedelta(days=i) for i in range(length + 1)]
    assert _pieces(date(2026, 1, 15), date(2026, 3, 1)) == [
        (MonthTally, "month", date(2026, 2, 1), date(2026, 2, 28)),
        (DayTally, "day", date(2026, 1, 15), date(2026, 1, 31)),
        (DayTally, "day", date(2026, 3, 1), date(2026, 3, 1)),
    ]


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
