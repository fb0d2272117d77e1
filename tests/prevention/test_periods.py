"""Period arithmetic: natural periods, month ends, special periods that split a period, and
(with hypothesis) that the periods tile the calendar with no gaps and no overlaps."""

from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.prevention import periods
from xinfang.prevention.periods import Period, Special, period_containing, periods_between

D = date


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (D(2026, 3, 1), D(2026, 3, 1), D(2026, 3, 15)),
        (D(2026, 3, 15), D(2026, 3, 1), D(2026, 3, 15)),
        (D(2026, 3, 16), D(2026, 3, 16), D(2026, 3, 31)),
        (D(2026, 2, 16), D(2026, 2, 16), D(2026, 2, 28)),
        (D(2024, 2, 29), D(2024, 2, 16), D(2024, 2, 29)),
        (D(2026, 4, 30), D(2026, 4, 16), D(2026, 4, 30)),
    ],
)
def test_it_cuts_half_months_at_the_15th_and_the_month_end(day, start, end):
    assert period_containing(day, "semimonthly") == Period(start, end, "semimonthly")


def test_it_runs_weeks_monday_to_sunday_across_a_year_end():
    assert period_containing(D(2026, 12, 31), "weekly") == Period(
        D(2026, 12, 28), D(2027, 1, 3), "weekly"
    )


def test_it_ends_months_on_their_last_day():
    assert period_containing(D(2023, 2, 10), "monthly").ends_on == D(2023, 2, 28)
    assert period_containing(D(2024, 2, 10), "monthly").ends_on == D(2024, 2, 29)
    assert period_containing(D(2026, 12, 31), "monthly") == Period(
        D(2026, 12, 1), D(2026, 12, 31), "monthly"
    )


def test_it_refuses_an_unknown_cadence():
    with pytest.raises(ValueError):
        period_containing(D(2026, 3, 1), "hourly")


def test_a_special_period_starting_mid_week_splits_the_week():
    # 两会 from Thursday 5 March to Sunday 15 March 2026; the unit reports weekly.
    lianghui = Special(D(2026, 3, 5), D(2026, 3, 15), "daily", id=1)
    cut = list(periods_between(D(2026, 3, 2), D(2026, 3, 22), "weekly", [lianghui]))
    assert cut[0] == Period(D(2026, 3, 2), D(2026, 3, 4), "weekly")
    assert cut[1] == Period(D(2026, 3, 5), D(2026, 3, 5), "daily", special_id=1)
    assert [p.starts_on.day for p in cut[1:12]] == list(range(5, 16))
    assert cut[12] == Period(D(2026, 3, 16), D(2026, 3, 22), "weekly")
    assert len(cut) == 13


def test_a_special_period_ending_mid_half_month_leaves_the_rest_of_it():
    special = Special(D(2026, 3, 3), D(2026, 3, 9), "daily", id=7)
    assert period_containing(D(2026, 3, 2), "semimonthly", [special]) == Period(
        D(2026, 3, 1), D(2026, 3, 2), "semimonthly"
    )
    assert period_containing(D(2026, 3, 12), "semimonthly", [special]) == Period(
        D(2026, 3, 10), D(2026, 3, 15), "semimonthly"
    )


def test_the_finest_cadence_wins_where_special_periods_overlap():
    weekly = Special(D(2026, 3, 1), D(2026, 3, 31), "weekly", id=1)
    daily = Special(D(2026, 3, 10), D(2026, 3, 12), "daily", id=2)
    assert period_containing(D(2026, 3, 11), "monthly", [weekly, daily]) == Period(
        D(2026, 3, 11), D(2026, 3, 11), "daily", special_id=2
    )
    assert period_containing(D(2026, 3, 13), "monthly", [daily, weekly]) == Period(
        D(2026, 3, 13), D(2026, 3, 15), "weekly", special_id=1
    )


def test_a_daily_report_is_due_at_ten_the_next_morning_and_others_a_day_later():
    day = Period(D(2026, 3, 5), D(2026, 3, 5), "daily")
    week = Period(D(2026, 3, 16), D(2026, 3, 22), "weekly")
    assert periods.due_at(day) == datetime(2026, 3, 6, 10, tzinfo=periods.ZONE)
    assert periods.due_at(week) == datetime(2026, 3, 24, 0, tzinfo=periods.ZONE)
    assert periods.due_at(week, grace_hours=0) == datetime(2026, 3, 23, 0, tzinfo=periods.ZONE)


def test_the_reminder_waits_for_the_configured_hour_after_the_due_time():
    due = datetime(2026, 3, 24, 0, tzinfo=periods.ZONE)
    assert periods.remind_after(due, 10) == datetime(2026, 3, 24, 10, tzinfo=periods.ZONE)
    late_due = datetime(2026, 3, 6, 10, 30, tzinfo=periods.ZONE)
    assert periods.remind_after(late_due, 10) == datetime(2026, 3, 7, 10, tzinfo=periods.ZONE)


days = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))


@st.composite
def specials(draw):
    n = draw(st.integers(0, 3))
    found = []
    for i in range(n):
        start = draw(st.dates(min_value=D(2025, 10, 1), max_value=D(2026, 6, 30)))
        length = draw(st.integers(0, 40))
        cadence = draw(st.sampled_from(periods.CADENCES))
        found.append(Special(start, start + timedelta(days=length), cadence, id=i + 1))
    return found


@settings(max_examples=150, deadline=None)
@given(
    cadence=st.sampled_from(periods.CADENCES),
    special=specials(),
    first=st.dates(min_value=D(2025, 9, 1), max_value=D(2026, 7, 31)),
    span=st.integers(0, 120),
)
def test_periods_tile_the_calendar_with_no_gaps_or_overlaps(cadence, special, first, span):
    last = first + timedelta(days=span)
    cut = list(periods_between(first, last, cadence, special))
    assert cut[0].starts_on <= first and cut[-1].ends_on >= last
    for a, b in pairwise(cut):
        assert b.starts_on == a.ends_on + timedelta(days=1)
    for p in cut:
        assert p.starts_on <= p.ends_on
        # Every day of a period finds that same period.
        for i in range(p.days):
            assert period_containing(p.starts_on + timedelta(days=i), cadence, special) == p
        # A period never crosses the boundary of its cadence's natural period.
        lo, hi = periods.natural_period(p.cadence, p.starts_on)
        assert lo <= p.starts_on and p.ends_on <= hi


@given(day=days, cadence=st.sampled_from(periods.CADENCES))
def test_a_day_lies_in_its_period_and_the_due_time_follows_its_end(day, cadence):
    period = period_containing(day, cadence)
    assert day in period
    assert periods.due_at(period).date() > period.ends_on
