"""Workflow gaps a review found, each closed and held shut by a test."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.petitions.factories import REPLY, register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.errors import ValidationFailed
from xinfang.notifications.models import Notification
from xinfang.workflow import services as wf
from xinfang.workflow.models import CalendarDay, CalendarYear, DeadlineRule

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def dh_handler(org):
    staff = StaffFactory(username="dh_handler")
    MembershipFactory(staff=staff, unit=org.donghu, role="handler")
    return staff


def test_a_return_takes_the_named_handler_off_the_case(
    org, dc_registrar, dc_leader, dh_handler, dc_handler
):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 9, 22))
    p = wf.petition_assign(
        petition=p, actor=dc_leader, to_unit=org.donghu, handler=dh_handler, now=at(2025, 9, 23)
    )
    p = wf.petition_return(
        petition=p, actor=dh_handler, reason="不属于本社区职责", now=at(2025, 9, 24)
    )
    assert p.handler is None
    p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 9, 25))
    assert (
        wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 9, 25)).handler == dc_handler
    )


def test_a_re_reviewed_matter_is_terminated_by_the_nightly_job(
    org, dc_registrar, dc_leader, dc_handler
):
    cn_leader = StaffFactory(username="cn_leader")
    MembershipFactory(staff=cn_leader, unit=org.district, role="leader")
    city_leader = StaffFactory(username="city_leader")
    MembershipFactory(staff=city_leader, unit=org.city, role="leader")
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 3, 3))
    wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 3, 4))
    wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY, now=at(2025, 3, 10))
    wf.petition_request_review(petition=p, actor=None, via="portal", now=at(2025, 3, 12))
    wf.petition_conclude_review(
        petition=p, actor=cn_leader, outcome="upheld", reply=REPLY, now=at(2025, 3, 20)
    )
    wf.petition_request_re_review(petition=p, actor=None, via="portal", now=at(2025, 3, 25))
    wf.petition_conclude_re_review(
        petition=p, actor=city_leader, outcome="upheld", reply=REPLY, now=at(2025, 4, 1)
    )
    assert wf.petitions_terminate_lapsed(now=at(2025, 4, 2)) == [p.pk]
    p.refresh_from_db()
    assert p.state == "terminated"
    assert p.events.order_by("-seq").first().data["reason"] == "复核意见已经作出，信访事项终结"


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


def test_the_units_a_case_lands_on_are_told(
    org, dc_registrar, dc_leader, dh_handler, django_capture_on_commit_callbacks
):
    p = register(dc_registrar, org.dongcheng)
    with django_capture_on_commit_callbacks(execute=True):
        wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.donghu)
    assert Notification.objects.filter(recipient=dh_handler, kind="assignment").exists()
    with django_capture_on_commit_callbacks(execute=True):
        wf.petition_return(petition=p, actor=dh_handler, reason="不属于本社区职责")
    assert Notification.objects.filter(recipient=dc_registrar, title__startswith="信访件被退回")


def test_an_urgent_matter_goes_up_the_line_at_once(
    org, dc_registrar, dc_leader, district_supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(dc_registrar, org.dongcheng, is_urgent=True, subject="群体性聚集苗头")
    for who in (dc_leader, district_supervisor):
        assert Notification.objects.filter(recipient=who, kind="incident").exists()


def test_a_handlers_draft_asks_the_leader_to_approve(
    org, dc_registrar, dc_leader, dc_handler, django_capture_on_commit_callbacks
):
    from xinfang.petitions.services import reply_draft_save

    p = register(dc_registrar, org.dongcheng)
    wf.petition_accept(petition=p, actor=dc_leader)
    p = wf.petition_start(petition=p, actor=dc_handler)
    with django_capture_on_commit_callbacks(execute=True):
        reply_draft_save(actor=dc_handler, petition=p, **REPLY)
    assert Notification.objects.filter(recipient=dc_leader, kind="approval").exists()


def test_a_malformed_ledger_cursor_shows_the_first_page(client, org, dc_registrar):
    register(dc_registrar, org.dongcheng)
    client.force_login(dc_registrar)
    for cursor in ["WzEsMl0", "not-base64!", "W251bGwsIngiXQ"]:
        assert client.get(f"/petitions/?after={cursor}").status_code == 200


def test_a_notification_never_redirects_off_the_site(client, dc_handler):
    from xinfang.notifications.services import notify

    note = notify(recipients=[dc_handler], kind="general", title="x", dedupe_key="x")[0]
    client.force_login(dc_handler)
    response = client.post(f"/notifications/{note.pk}/read/", {"next": "//evil.example/"})
    assert response["Location"] == "/notifications/"


def test_refusals_are_explained_in_chinese(client, dc_leader, xc_handler, org, dc_registrar):
    client.force_login(dc_leader)
    page = client.get("/settings/")
    assert page.status_code == 403 and "只有管理员可以进入系统设置" in page.content.decode()
    p = register(dc_registrar, org.dongcheng)
    client.force_login(xc_handler)
    missing = client.get(f"/petitions/{p.pk}/")
    assert missing.status_code == 404 and "未找到该信访件" in missing.content.decode()
