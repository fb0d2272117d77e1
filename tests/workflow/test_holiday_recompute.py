"""Entering a year's official holidays moves every date that still lies ahead (RULES.md §5),
and a matter is never terminated on a window that ends on a provisional date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clock import at
from tests.conftest import _member
from tests.petitions.factories import register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.errors import InvalidTransition
from xinfang.petitions.models import Petition, State
from xinfang.workflow import services as wf
from xinfang.workflow.calendar import statutory_holidays
from xinfang.workflow.deadlines import calendar_load
from xinfang.workflow.models import CalendarDay, CalendarYear, FollowUp, SupervisionOrder

# 2027 as the State Council might publish it: 元旦 01-01..03, 春节 02-05 (除夕) to 02-11 with
# Sunday 01-31 and Saturday 02-20 worked in exchange.
HOLIDAYS_2027 = [(date(2027, 1, d), "元旦") for d in (1, 2, 3)] + [
    (date(2027, 2, 5) + timedelta(days=i), "春节") for i in range(7)
]
WORKDAYS_2027 = [(date(2027, 1, 31), "春节调休"), (date(2027, 2, 20), "春节调休")]


@pytest.fixture
def admin(org):
    return _member("sysadmin", org.city, "admin")


def enter_2027(admin, capture, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027):
    with capture(execute=True):
        wf.calendar_year_save(
            actor=admin, year=2027, holidays=holidays, workdays=workdays, source="国办发明电"
        )


def test_a_concluded_cases_review_window_follows_the_years_holidays(
    concluded, admin, django_capture_on_commit_callbacks
):
    # The reply was delivered on 2026-12-02: 30 days end on Friday 2027-01-01, New Year's Day.
    p = concluded(at(2026, 11, 20), at(2026, 12, 2))
    assert p.state == State.CONCLUDED
    # Provisionally 元旦 is already off (the law fixes it): Monday 01-04, marked provisional.
    assert p.review_request_by == date(2027, 1, 4)
    assert p.deadline_basis["review_request_by"]["provisional"]
    enter_2027(admin, django_capture_on_commit_callbacks, holidays=[(date(2027, 1, 1), "元旦")])
    p.refresh_from_db()
    assert p.review_request_by == date(2027, 1, 4)
    assert not p.deadline_basis["review_request_by"]["provisional"]
    # The nightly job on 01-02 leaves the matter open; a request on 01-04 is in time.
    with time_machine.travel(at(2027, 1, 2, 0, 10), tick=False):
        assert wf.petitions_terminate_lapsed() == []
    p = wf.petition_request_review(
        petition=p, actor=None, via="portal", received_on=date(2027, 1, 4), now=at(2027, 1, 4)
    )
    assert p.state == State.REVIEW_REQUESTED


def test_every_date_ahead_moves_with_one_event_on_the_case(
    concluded, admin, district_supervisor, django_capture_on_commit_callbacks
):
    # Delivered 2027-01-12: the window ends 02-11, a working day until 春节 is published.
    with time_machine.travel(at(2027, 1, 12, 9), tick=False):
        p = concluded(at(2027, 1, 4), at(2027, 1, 12))
        wf.follow_ups_schedule()
        order = wf.supervision_order_issue(
            petition=p,
            actor=district_supervisor,
            level="normal",
            requirements="做好答复后的解释疏导工作",
            due_on=date(2027, 2, 10),
        )
    assert p.review_request_by == date(2027, 2, 11) and p.deadlines_provisional
    follow_up = FollowUp.objects.get(petition=p)
    assert follow_up.due_on == date(2027, 2, 11) and follow_up.due_basis["provisional"]
    assert order.due_on == date(2027, 2, 10) and order.due_basis["provisional"]
    version = Petition.objects.get(pk=p.pk).version
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        enter_2027(admin, django_capture_on_commit_callbacks)
    p.refresh_from_db()
    follow_up.refresh_from_db()
    order.refresh_from_db()
    # 02-05..02-11 are off: each date moves to Friday 02-12, and is final now.
    assert p.review_request_by == date(2027, 2, 12) and not p.deadlines_provisional
    assert follow_up.due_on == date(2027, 2, 12) and not follow_up.due_basis["provisional"]
    assert order.due_on == date(2027, 2, 12) and not order.due_basis["provisional"]
    event = p.events.order_by("-seq").first()
    assert event.kind == "deadlines_recomputed"
    assert event.data["moved"] == {
        "review_request_by": "2027-02-12",
        f"follow_up:{follow_up.pk}": "2027-02-12",
        f"order:{order.pk}": "2027-02-12",
    }
    assert p.version == version + 1
    # Entering the same schedule again moves nothing and logs nothing.
    with time_machine.travel(at(2027, 1, 21, 9), tick=False):
        enter_2027(admin, django_capture_on_commit_callbacks)
    assert Petition.objects.get(pk=p.pk).events.count() == p.events.count()


def test_dates_already_past_are_history_and_stay(
    concluded, admin, django_capture_on_commit_callbacks
):
    p = concluded(at(2026, 11, 2), at(2026, 11, 5))  # window 12-07 (2026, final)
    conclude_by = p.conclude_by
    with time_machine.travel(at(2026, 12, 20, 9), tick=False):
        enter_2027(admin, django_capture_on_commit_callbacks)
    p.refresh_from_db()
    assert (p.conclude_by, p.review_request_by) == (conclude_by, date(2026, 12, 7))
    assert not p.events.filter(kind="deadlines_recomputed").exists()


def test_a_matter_is_not_terminated_on_a_provisional_window(
    concluded, dc_leader, admin, django_capture_on_commit_callbacks
):
    # Delivered 2026-12-10: +30 = Saturday 2027-01-09, so Monday 01-11, provisionally.
    p = concluded(at(2026, 12, 1), at(2026, 12, 10))
    assert p.review_request_by == date(2027, 1, 11) and p.deadlines_provisional
    with time_machine.travel(at(2027, 1, 12, 0, 10), tick=False):
        assert wf.petitions_terminate_lapsed() == []
        with pytest.raises(InvalidTransition, match="暂定"):
            wf.petition_terminate(petition=p, actor=dc_leader)
    assert Petition.objects.get(pk=p.pk).state == State.CONCLUDED
    # Once 2027 is known the date is final, and the lapse goes ahead.
    with time_machine.travel(at(2027, 1, 12, 9), tick=False):
        enter_2027(admin, django_capture_on_commit_callbacks)
    with time_machine.travel(at(2027, 1, 13, 0, 10), tick=False):
        assert wf.petitions_terminate_lapsed() == [p.pk]
    assert Petition.objects.get(pk=p.pk).state == State.TERMINATED


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    delivered=st.dates(min_value=date(2026, 11, 15), max_value=date(2027, 3, 1)),
    extra_off=st.sets(
        st.dates(min_value=date(2027, 1, 1), max_value=date(2027, 4, 30)), max_size=6
    ),
)
def test_after_any_schedule_every_window_is_what_the_new_calendar_gives(
    concluded, admin, django_capture_on_commit_callbacks, delivered, extra_off
):
    p = concluded(at(2026, 11, 2), at(2026, 11, 5))
    Petition.objects.filter(pk=p.pk).update(
        review_request_by=None, deadline_basis={}, deadlines_provisional=False
    )
    from xinfang.workflow.deadlines import Clock

    clock = Clock()
    p.refresh_from_db()
    clock.set(p, "review_request_by", delivered)
    p.save()
    holidays = sorted({(d, "假日") for d in extra_off} | set(statutory_holidays(2027).items()))
    with time_machine.travel(at(delivered.year, delivered.month, delivered.day, 9), tick=False):
        enter_2027(admin, django_capture_on_commit_callbacks, holidays=holidays, workdays=[])
    p.refresh_from_db()
    expected = calendar_load().add(delivered, 30, "calendar")
    assert p.review_request_by == expected.date
    assert p.deadline_basis["review_request_by"]["provisional"] is expected.provisional


def test_admins_see_the_missing_year_on_every_page_from_november(client, org, admin, dc_registrar):
    pages = ["/", "/petitions/", "/supervision/"]
    with time_machine.travel(at(2026, 10, 31, 9), tick=False):
        client.force_login(admin)
        assert all("holiday-banner" not in client.get(u).content.decode() for u in pages)
    with time_machine.travel(at(2026, 11, 1, 9), tick=False):
        client.force_login(admin)
        for url in pages:
            body = client.get(url).content.decode()
            assert "holiday-banner" in body and "2027年法定节假日安排尚未录入" in body, url
        client.force_login(dc_registrar)
        assert "holiday-banner" not in client.get("/").content.decode()
    # Still missing in January: the banner stays, now for the current year.
    with time_machine.travel(at(2027, 1, 5, 9), tick=False):
        client.force_login(admin)
        assert "2027年法定节假日安排尚未录入" in client.get("/").content.decode()
        wf.calendar_year_save(actor=admin, year=2027, holidays=HOLIDAYS_2027)
        assert "holiday-banner" not in client.get("/").content.decode()


def test_an_order_due_on_a_weekend_moves_to_the_next_working_day(concluded, district_supervisor):
    p = concluded(at(2025, 6, 2), at(2025, 6, 20))
    # A Saturday typed as the due date moves to the Monday, as any calendar-day limit does.
    order = wf.supervision_order_issue(
        petition=p,
        actor=district_supervisor,
        level="normal",
        requirements="做好解释疏导",
        due_on=date(2025, 6, 28),
        now=at(2025, 6, 21),
    )
    assert order.due_on == date(2025, 6, 30)
    assert SupervisionOrder.objects.get(pk=order.pk).due_basis["start"] == "2025-06-21"


def test_new_holidays_leave_finished_cases_alone_and_bump_open_ones(
    org, dc_registrar, dc_leader, django_capture_on_commit_callbacks
):
    admin = StaffFactory(username="sysadmin")
    MembershipFactory(staff=admin, unit=org.city, role="admin")
    open_case = register(dc_registrar, org.dongcheng, at=at(2026, 12, 19))
    declined = register(dc_registrar, org.dongcheng, at=at(2026, 12, 19))
    wf.petition_decline(
        petition=declined, actor=dc_leader, reason="litigation", now=at(2026, 12, 20)
    )
    declined.refresh_from_db()
    before = (declined.decide_by, declined.events.count())
    version = open_case.version
    with django_capture_on_commit_callbacks(execute=True):
        wf.calendar_year_save(
            actor=admin, year=2027, holidays=[(date(2027, 1, d), "元旦") for d in range(1, 5)]
        )
    declined.refresh_from_db()
    open_case.refresh_from_db()
    assert (declined.decide_by, declined.events.count()) == before
    assert open_case.decide_by == date(2027, 1, 5) and open_case.version == version + 1
    assert CalendarYear.objects.count() == 1 and CalendarDay.objects.count() == 4
