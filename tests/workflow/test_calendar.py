"""Deadline arithmetic (RULES.md §5) against China's official schedule.

Every date below was checked against the chinese_calendar 1.11.0 data; the schedule facts the
examples depend on are asserted in `test_it_relies_on_these_official_schedule_facts`, so a
package upgrade that changes them fails there first, with a clear message.
"""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinfang.workflow.calendar import Due, Overrides, WorkCalendar, statutory_holidays

CAL = WorkCalendar()
FIRST_PACKAGE_YEAR = min(d.year for d in chinese_calendar.holidays)
LAST_PACKAGE_YEAR = max(d.year for d in chinese_calendar.holidays)


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        (date(2025, 1, 30), False),  # 春节 2025: Jan 28 – Feb 4
        (date(2025, 2, 5), True),
        (date(2026, 2, 18), False),  # 春节 2026: Feb 15 – Feb 23
        (date(2026, 2, 24), True),
        (date(2026, 2, 14), True),  # Saturday, 调休 for 春节 2026
        (date(2025, 5, 2), False),  # 劳动节 2025: May 1 – May 5
        (date(2025, 6, 1), False),  # 端午 2025: May 31 – Jun 2
        (date(2025, 9, 28), True),  # Sunday, 调休 for 国庆 2025
        (date(2025, 10, 1), False),  # 国庆/中秋 2025: Oct 1 – Oct 8
        (date(2025, 10, 5), False),
        (date(2025, 10, 8), False),
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday, 调休 for 国庆 2025
    ],
)
def test_it_relies_on_these_official_schedule_facts(day: date, is_workday: bool) -> None:
    assert chinese_calendar.is_workday(day) is is_workday
    assert CAL.is_working_day(day) is is_workday


def test_it_rolls_a_limit_ending_in_the_national_day_holiday_to_the_first_working_day() -> None:
    # 2025-09-20 + 15 = 2025-10-05 (Sunday, 国庆); Oct 1–8 are off, Oct 9 (Thursday) works.
    assert CAL.add(date(2025, 9, 20), 15, "calendar") == Due(date(2025, 10, 9), False)
    # 2025-09-16 + 15 = 2025-10-01, the first day of the holiday.
    assert CAL.add(date(2025, 9, 16), 15, "calendar") == Due(date(2025, 10, 9), False)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # 2025-01-30 (Thursday) is inside 春节 Jan 28 – Feb 4; Feb 5 (Wednesday) works.
        (date(2025, 1, 15), date(2025, 2, 5)),
        # 2026-02-18 (Wednesday) is inside 春节 Feb 15 – Feb 23; Feb 24 (Tuesday) works.
        (date(2026, 2, 3), date(2026, 2, 24)),
    ],
)
def test_it_rolls_a_limit_ending_in_the_spring_festival_past_it(start: date, due: date) -> None:
    assert CAL.add(start, 15, "calendar") == Due(due, False)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2025, 9, 13), date(2025, 9, 28)),  # Sunday, 调休 before 国庆 2025
        (date(2025, 9, 26), date(2025, 10, 11)),  # Saturday, 调休 after 国庆 2025
        (date(2026, 1, 30), date(2026, 2, 14)),  # Saturday, 调休 before 春节 2026
    ],
)
def test_it_keeps_a_limit_ending_on_a_make_up_working_day(start: date, due: date) -> None:
    assert due.weekday() >= 5
    assert CAL.add(start, 15, "calendar") == Due(due, False)


def test_it_counts_working_days_past_a_holiday_and_on_make_up_days() -> None:
    # From Fri 2025-09-26: Sun 9-28 (调休), Mon 9-29, Tue 9-30, [10-1 … 10-8 off], 10-9, 10-10.
    assert CAL.add(date(2025, 9, 26), 5, "working") == Due(date(2025, 10, 10), False)
    # From Monday 2025-09-29: 9-30, 10-9, 10-10, Sat 10-11 (调休), Mon 10-13.
    assert CAL.add(date(2025, 9, 29), 5, "working") == Due(date(2025, 10, 13), False)


def test_it_rolls_a_limit_ending_on_an_ordinary_weekend_to_monday() -> None:
    # 2025-03-07 + 15 = Saturday 2025-03-22, no holiday nearby.
    assert CAL.add(date(2025, 3, 7), 15, "calendar") == Due(date(2025, 3, 24), False)


def test_it_counts_from_the_day_after_so_a_limit_ending_on_a_working_day_stands() -> None:
    assert CAL.add(date(2025, 3, 3), 15, "calendar") == Due(date(2025, 3, 18), False)
    assert CAL.add(date(2025, 3, 3), 0, "calendar") == Due(date(2025, 3, 3), False)
    assert CAL.add(date(2025, 3, 3), 1, "working") == Due(date(2025, 3, 4), False)


def test_it_adds_an_extension_to_the_limit_before_rolling_forward() -> None:
    accepted = date(2025, 3, 3)
    # 60 days: Friday 2025-05-02 is inside 劳动节 May 1–5, so Tuesday May 6.
    assert CAL.add(accepted, 60, "calendar") == Due(date(2025, 5, 6), False)
    # 60 + 30 days: Sunday 2025-06-01 is inside 端午 May 31 – Jun 2, so Tuesday June 3; not
    # May 6 + 30 = June 5, which is what extending the already rolled date would give.
    assert CAL.extend(accepted, 60, 30, "calendar") == Due(date(2025, 6, 3), False)


def test_it_knows_the_years_the_package_covers_and_the_years_an_admin_entered() -> None:
    assert LAST_PACKAGE_YEAR >= 2026
    assert CAL.is_known_year(FIRST_PACKAGE_YEAR)
    assert CAL.is_known_year(LAST_PACKAGE_YEAR)
    assert not CAL.is_known_year(FIRST_PACKAGE_YEAR - 1)
    assert not CAL.is_known_year(LAST_PACKAGE_YEAR + 1)
    overridden = WorkCalendar(Overrides(years=frozenset({LAST_PACKAGE_YEAR + 1})))
    assert overridden.is_known_year(LAST_PACKAGE_YEAR + 1)


def test_it_marks_a_limit_ending_in_a_year_without_a_schedule_as_provisional() -> None:
    assert not CAL.is_known_year(2027), "the package now covers 2027; move this test to 2028"
    # 2026-12-19 + 15 = Sunday 2027-01-03; with weekends only that is Monday 2027-01-04.
    assert CAL.add(date(2026, 12, 19), 15, "calendar") == Due(date(2027, 1, 4), True)
    # Within 2026 the same limit is final.
    assert CAL.add(date(2026, 12, 1), 15, "calendar") == Due(date(2026, 12, 16), False)


def test_it_honours_admin_overrides_for_a_year_without_a_package_schedule() -> None:
    cal = WorkCalendar(Overrides(holidays=frozenset({date(2027, 1, 4)}), years=frozenset({2027})))
    assert cal.add(date(2026, 12, 19), 15, "calendar") == Due(date(2027, 1, 5), False)


def test_it_counts_working_days_into_an_unknown_year_provisionally() -> None:
    # From Tuesday 2026-12-29: 12-30, 12-31, [Fri 2027-01-01 元旦, fixed by law], Mon 1-4,
    # Tue 1-5, Wed 1-6; provisional, since the year's 调休 is not known yet.
    assert CAL.add(date(2026, 12, 29), 5, "working") == Due(date(2027, 1, 6), True)
    cal = WorkCalendar(Overrides(holidays=frozenset({date(2027, 1, 1)}), years=frozenset({2027})))
    assert cal.add(date(2026, 12, 29), 5, "working") == Due(date(2027, 1, 6), False)


# 《全国年节及纪念日放假办法》 as revised in 2024 (in force from 2025), Art.2: 13 days. The lunar
# dates and 清明 checked against published almanacs: 春节 2027-02-06 and 2028-01-26, 清明
# 2027-04-05 and 2028-04-04, 端午 2027-06-09 and 2028-05-28, 中秋 2027-09-15 and 2028-10-03.
STATUTORY_2027 = {
    date(2027, 1, 1): "元旦",
    date(2027, 2, 5): "春节",  # 除夕
    date(2027, 2, 6): "春节",
    date(2027, 2, 7): "春节",
    date(2027, 2, 8): "春节",
    date(2027, 4, 5): "清明节",
    date(2027, 5, 1): "劳动节",
    date(2027, 5, 2): "劳动节",
    date(2027, 6, 9): "端午节",
    date(2027, 9, 15): "中秋节",
    date(2027, 10, 1): "国庆节",
    date(2027, 10, 2): "国庆节",
    date(2027, 10, 3): "国庆节",
}


def test_it_knows_the_statutory_holidays_of_a_year_the_package_does_not_cover() -> None:
    assert statutory_holidays(2027) == STATUTORY_2027
    h2028 = statutory_holidays(2028)
    assert [d for d, n in h2028.items() if n == "春节"] == [
        date(2028, 1, 25),  # 除夕 (the twelfth month has 30 days)
        date(2028, 1, 26),
        date(2028, 1, 27),
        date(2028, 1, 28),
    ]
    assert h2028[date(2028, 4, 4)] == "清明节" and h2028[date(2028, 5, 28)] == "端午节"
    # 中秋 falls on 10-03 in 2028, inside 国庆: twelve distinct days that year.
    assert date(2028, 10, 3) in h2028 and len(h2028) == 12
    # The package's own years agree with the law's days (2026: 春节 02-16..19, 清明 04-05).
    for day in statutory_holidays(2026):
        assert not chinese_calendar.is_workday(day), day


def test_it_keeps_the_statutory_holidays_off_in_a_provisional_year() -> None:
    assert not CAL.is_known_year(2027)
    for day in STATUTORY_2027:
        assert not CAL.is_working_day(day), day
    # 2027-01-01 is a Friday: a limit ending on it moves past the weekend, provisionally.
    assert CAL.add(date(2026, 12, 2), 30, "calendar") == Due(date(2027, 1, 4), True)
    # 除夕 2027 (Friday 02-05) to 初三 (Monday 02-08): Tuesday 02-09 is the first working day.
    assert CAL.add(date(2027, 1, 6), 30, "calendar") == Due(date(2027, 2, 9), True)
    # Ordinary weekdays stay working days: only 调休 is unknown.
    assert CAL.is_working_day(date(2027, 2, 10))


def test_it_replaces_the_package_data_for_a_year_the_admin_entered() -> None:
    cal = WorkCalendar(Overrides(holidays=frozenset({date(2025, 10, 13)}), years=frozenset({2025})))
    # The package's 国庆 holiday and 调休 days are gone for 2025 ...
    assert cal.is_working_day(date(2025, 10, 1))
    assert not cal.is_working_day(date(2025, 9, 28))
    assert not cal.is_working_day(date(2025, 10, 13))
    assert cal.add(date(2025, 9, 16), 15, "calendar") == Due(date(2025, 10, 1), False)
    assert cal.add(date(2025, 9, 13), 15, "calendar") == Due(date(2025, 9, 29), False)
    # ... while other years still follow the package.
    assert not cal.is_working_day(date(2026, 2, 18))


def test_it_applies_admin_make_up_working_days() -> None:
    cal = WorkCalendar(
        Overrides(
            holidays=frozenset({date(2027, 1, 1)}),
            workdays=frozenset({date(2027, 1, 2)}),
            years=frozenset({2027}),
        )
    )
    assert cal.is_working_day(date(2027, 1, 2))
    assert cal.next_working_day(date(2027, 1, 1)) == date(2027, 1, 2)


def test_it_ignores_override_dates_outside_the_overridden_years() -> None:
    cal = WorkCalendar(Overrides(holidays=frozenset({date(2027, 1, 4)})))
    assert cal.is_working_day(date(2027, 1, 4))
    assert cal.add(date(2026, 12, 19), 15, "calendar") == Due(date(2027, 1, 4), True)


def test_it_returns_the_day_itself_or_the_next_working_day() -> None:
    assert CAL.next_working_day(date(2025, 10, 9)) == date(2025, 10, 9)
    assert CAL.next_working_day(date(2025, 10, 1)) == date(2025, 10, 9)
    assert CAL.next_working_day(date(2025, 9, 27)) == date(2025, 9, 28)


@pytest.mark.parametrize(
    ("days", "unit"),
    [(-1, "calendar"), (-1, "working"), (0, "working"), (5, "natural"), (5, "")],
)
def test_it_rejects_a_negative_or_empty_limit_or_an_unknown_unit(days: int, unit: str) -> None:
    with pytest.raises(ValueError):
        CAL.add(date(2025, 3, 3), days, unit)


def test_it_rejects_a_negative_extension() -> None:
    with pytest.raises(ValueError):
        CAL.extend(date(2025, 3, 3), 60, -1, "calendar")


def test_it_rejects_a_datetime_which_would_miss_every_holiday() -> None:
    with pytest.raises(TypeError):
        CAL.add(datetime(2025, 9, 20, 10, 0), 15, "calendar")
    with pytest.raises(TypeError):
        CAL.is_working_day(datetime(2025, 10, 1))


# Properties. 2020–2028 covers package years and, past 2026, years with weekends only.
starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2028, 12, 31))
calendar_days = st.integers(min_value=0, max_value=120)
working_days = st.integers(min_value=1, max_value=30)
any_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


@given(any_dates)
def test_it_agrees_with_the_package_or_falls_back_to_weekdays(d: date) -> None:
    if FIRST_PACKAGE_YEAR <= d.year <= LAST_PACKAGE_YEAR:
        assert CAL.is_working_day(d) is chinese_calendar.is_workday(d)
    elif d.year > LAST_PACKAGE_YEAR:
        assert CAL.is_working_day(d) is (d.weekday() < 5 and d not in statutory_holidays(d.year))
    else:
        assert CAL.is_working_day(d) is (d.weekday() < 5)


@given(starts, calendar_days)
def test_it_ends_a_calendar_limit_on_the_first_working_day_from_start_plus_days(
    start: date, days: int
) -> None:
    due = CAL.add(start, days, "calendar")
    raw = start + timedelta(days=days)
    assert due.date >= raw
    assert CAL.is_working_day(due.date)
    assert not any(CAL.is_working_day(raw + timedelta(i)) for i in range((due.date - raw).days))
    unknown = any(not CAL.is_known_year(y) for y in range(raw.year, due.date.year + 1))
    assert due.provisional is unknown


@given(starts, working_days)
def test_it_ends_a_working_limit_on_the_nth_working_day_after_start(start: date, days: int) -> None:
    due = CAL.add(start, days, "working")
    between = [start + timedelta(i) for i in range(1, (due.date - start).days + 1)]
    assert sum(CAL.is_working_day(d) for d in between) == days
    assert CAL.is_working_day(due.date)


@given(starts, starts, calendar_days, st.sampled_from(["calendar", "working"]))
def test_it_never_moves_a_deadline_earlier_for_a_later_start(
    a: date, b: date, days: int, unit: str
) -> None:
    days = max(days, 1)
    early, late = sorted((a, b))
    assert CAL.add(early, days, unit).date <= CAL.add(late, days, unit).date


@given(starts, calendar_days, calendar_days, st.sampled_from(["calendar", "working"]))
def test_it_never_moves_a_deadline_earlier_for_more_days(
    start: date, m: int, n: int, unit: str
) -> None:
    fewer, more = sorted((max(m, 1), max(n, 1)))
    assert CAL.add(start, fewer, unit).date <= CAL.add(start, more, unit).date


@given(starts, calendar_days, st.integers(min_value=0, max_value=60))
def test_it_extends_exactly_as_adding_the_extra_days(start: date, days: int, extra: int) -> None:
    assert CAL.extend(start, days, extra, "calendar") == CAL.add(start, days + extra, "calendar")
    if days:
        assert CAL.extend(start, days, extra, "working") == CAL.add(start, days + extra, "working")
