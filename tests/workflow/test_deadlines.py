"""Deadlines set by the services over China's real calendar (RULES.md §5)."""

from datetime import date

import pytest

from tests.clock import at
from tests.petitions.factories import REPLY, register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.petitions.history import chain_verify
from xinfang.workflow import services as wf
from xinfang.workflow.models import DeadlineRule


@pytest.fixture
def admin_user(org):
    staff = StaffFactory(username="sysadmin")
    MembershipFactory(staff=staff, unit=org.city, role="admin")
    return staff


def test_it_rolls_a_decision_limit_out_of_national_day(org, dc_registrar):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 9, 20))
    assert p.decide_by == date(2025, 10, 9)  # raw end 10-05 lies in the 10-01..10-08 holiday
    assert p.due_on == p.decide_by and not p.deadlines_provisional


def test_it_rolls_a_decision_limit_out_of_the_spring_festival(org, dc_registrar):
    assert register(dc_registrar, org.dongcheng, at=at(2025, 1, 15)).decide_by == date(2025, 2, 5)
    assert register(dc_registrar, org.dongcheng, at=at(2026, 2, 3)).decide_by == date(2026, 2, 24)


def test_a_limit_ending_on_a_make_up_working_day_stands(org, dc_registrar):
    # 2025-09-28 is a Sunday worked in exchange for the National Day holiday.
    assert register(dc_registrar, org.dongcheng, at=at(2025, 9, 13)).decide_by == date(2025, 9, 28)


def test_the_return_limit_counts_five_working_days_across_a_holiday(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 9, 25))
    p = wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.donghu, now=at(2025, 9, 26))
    # 09-28 (make-up Sunday), 09-29, 09-30, then the holiday, then 10-09, 10-10.
    assert p.return_by == date(2025, 10, 10)
    assert p.acknowledge_by == date(2025, 10, 11)  # 15 days: a make-up Saturday


def test_an_extension_adds_its_days_before_the_roll_forward(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 3, 3))
    assert p.conclude_by == date(2025, 5, 6)  # 05-02 is in the Labour Day holiday
    p = wf.petition_extend(
        petition=p, actor=dc_leader, days=30, reason="需要补充鉴定", now=at(2025, 4, 1)
    )
    assert p.conclude_by == date(2025, 6, 3)  # 06-01 is in the Dragon Boat holiday
    assert p.events.order_by("-seq").first().data["from"] == "2025-05-06"


@pytest.mark.parametrize(
    "difficulty, target",
    [("minor", date(2025, 3, 4)), ("major", date(2025, 3, 10)), ("hard", date(2025, 4, 2))],
)
def test_the_local_service_target_follows_the_difficulty(org, dc_registrar, difficulty, target):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3), difficulty=difficulty)
    assert p.target_on == target  # 03-03 + 7 = 03-10; + 30 = 04-02


def test_a_rule_change_applies_to_new_cases(org, dc_registrar):
    DeadlineRule.objects.filter(key="decide_by").update(days=10)
    assert register(dc_registrar, org.dongcheng, at=at(2025, 3, 3)).decide_by == date(2025, 3, 13)


def test_a_deadline_in_a_year_without_a_schedule_is_provisional_until_it_arrives(
    org, dc_registrar, dc_leader, admin_user, api, django_capture_on_commit_callbacks
):
    p = register(dc_registrar, org.dongcheng, at=at(2026, 12, 19))
    assert p.decide_by == date(2027, 1, 4) and p.deadlines_provisional
    body = api.as_(dc_leader).get(f"/api/v1/petitions/{p.pk}/").json()
    assert body["deadlines"]["provisional"] == ["decide_by"]
    settled = register(dc_registrar, org.dongcheng, at=at(2026, 12, 1))
    assert not settled.deadlines_provisional

    # The State Council publishes 2027: an admin enters 2027-01-01..01-04 as holidays.
    with django_capture_on_commit_callbacks(execute=True):
        wf.calendar_year_save(
            actor=admin_user,
            year=2027,
            source="国办发明电〔2026〕X号",
            holidays=[(date(2027, 1, d), "元旦") for d in range(1, 5)],
        )
    p.refresh_from_db()
    assert p.decide_by == date(2027, 1, 5) and p.due_on == date(2027, 1, 5)
    assert not p.deadlines_provisional
    last = p.events.order_by("-seq").first()
    assert last.kind == "deadlines_recomputed" and last.data["moved"]["decide_by"] == "2027-01-05"
    assert chain_verify(p, list(p.events.order_by("seq"))) == []
    settled.refresh_from_db()
    assert settled.events.count() == 1


def test_only_an_admin_enters_a_calendar_and_bad_dates_are_refused(org, dc_leader, admin_user):
    with pytest.raises(NotPermitted):
        wf.calendar_year_save(actor=dc_leader, year=2027, holidays=[(date(2027, 1, 1), "元旦")])
    with pytest.raises(ValidationFailed, match="不在 2027 年内"):
        wf.calendar_year_save(actor=admin_user, year=2027, holidays=[(date(2026, 1, 1), "元旦")])
    with pytest.raises(ValidationFailed, match="既是放假日又是调休上班日"):
        wf.calendar_year_save(
            actor=admin_user,
            year=2027,
            holidays=[(date(2027, 2, 6), "春节")],
            workdays=[(date(2027, 2, 6), "春节调休")],
        )


def test_concluding_late_is_recorded_not_refused(org, dc_registrar, dc_leader, dc_handler):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 3, 3))
    wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 3, 4))
    p = wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY, now=at(2025, 5, 20))
    assert p.events.order_by("-seq").first().data["on_time"] is False


def test_an_assignment_due_before_fifteen_days_binds_at_once(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    p = wf.petition_assign(
        petition=p,
        actor=dc_leader,
        to_unit=org.donghu,
        due_on=date(2025, 3, 10),
        now=at(2025, 3, 4),
    )
    assert p.conclude_by == date(2025, 3, 10) and p.acknowledge_by == date(2025, 3, 10)
    assert p.due_on == date(2025, 3, 10)


def test_a_fixed_assignment_date_stands_when_the_rule_counts_working_days(
    org, dc_registrar, dc_leader
):
    DeadlineRule.objects.filter(key="conclude_by").update(days=40, unit="working")
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    p = wf.petition_assign(
        petition=p,
        actor=dc_leader,
        to_unit=org.donghu,
        due_on=date(2025, 3, 28),
        now=at(2025, 3, 4),
    )
    assert p.conclude_by == date(2025, 3, 28)


def test_the_extension_limit_cannot_exceed_the_legal_thirty_days(org):
    admin = StaffFactory(username="sysadmin")
    MembershipFactory(staff=admin, unit=org.city, role="admin")
    with pytest.raises(ValidationFailed, match="30日"):
        wf.deadline_rule_update(actor=admin, key="extension_max", days=45, unit="calendar")
