"""The supervision pages: the case page's panels and forms, /supervision/, /my/owned/,
/extensions/, /follow-ups/, and the 挂牌督办 badge wherever the case appears."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.conftest import _member
from xinfang.notifications.models import Notification
from xinfang.petitions.models import Petition
from xinfang.workflow import services as wf
from xinfang.workflow.models import ExtensionRequest, FollowUp, Ownership, SupervisionOrder

TODAY = timezone.localdate()


@pytest.fixture
def case(handling):
    """A 东城 case in dc_handler's hands, received a week ago."""
    return handling(timezone.now() - timedelta(days=7), subject="东湖路下水道堵塞")


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def post(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


def issue_flagged(p, supervisor):
    return wf.supervision_order_issue(
        petition=p,
        actor=supervisor,
        level="flagged",
        requirements="限期三日内疏通并报告",
        due_on=TODAY + timedelta(days=3),
    )


def test_a_supervisor_issues_an_order_from_the_case_page(client, case, district_supervisor):
    response = page(client, district_supervisor, f"/petitions/{case.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "督办本件" in html
    response = post(
        client,
        district_supervisor,
        f"/petitions/{case.pk}/supervise/",
        {
            "order-level": "flagged",
            "order-requirements": "限期三日内疏通并报告",
            "order-due_on": (TODAY + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{case.pk}/#supervision"
    order = SupervisionOrder.objects.get()
    assert order.level == "flagged" and order.issued_by == district_supervisor
    html = client.get(f"/petitions/{case.pk}/").content.decode()
    assert "xf-flagged" in html and "已督办" in html


def test_the_flagged_badge_shows_on_the_case_page_ledger_and_workbench(
    client, case, district_supervisor, dc_handler
):
    issue_flagged(case, district_supervisor)
    for url in (f"/petitions/{case.pk}/", "/petitions/", "/"):
        html = page(client, dc_handler, url).content.decode()
        assert "挂牌督办" in html and "xf-flagged" in html, url
    # The workbench lists it among the orders to answer.
    html = page(client, dc_handler, "/").content.decode()
    assert 'id="q-supervised"' in html


def test_the_unit_responds_and_the_supervisor_closes_from_the_list(
    client, case, district_supervisor, dc_handler
):
    order = issue_flagged(case, district_supervisor)
    html = page(client, dc_handler, "/supervision/").content.decode()
    assert case.subject in html and "反馈办理情况" in html
    response = post(
        client,
        dc_handler,
        f"/supervision/{order.pk}/respond/",
        {"response": "已疏通完毕，书面答复信访人。", "next": "/supervision/"},
    )
    assert response["Location"] == "/supervision/"
    order.refresh_from_db()
    assert order.status == "responded"
    html = page(client, district_supervisor, "/supervision/?status=responded").content.decode()
    assert "已疏通完毕" in html and "销号" in html
    post(client, district_supervisor, f"/supervision/{order.pk}/close/", {"note": "同意"})
    order.refresh_from_db()
    assert order.status == "closed"


def test_a_refusal_shows_the_services_message_and_changes_nothing(
    client, case, dc_handler, district_supervisor
):
    order = issue_flagged(case, district_supervisor)
    response = post(client, dc_handler, f"/supervision/{order.pk}/close/", {"note": "自己销号"})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "只有督办人或督查人员可以销号" in html
    assert SupervisionOrder.objects.get().status == "open"
    # A read-only role in the unit gets the same refusal for issuing.
    informant = _member("dc_informant", case.responsible_unit, "informant")
    response = post(
        client,
        informant,
        f"/petitions/{case.pk}/supervise/",
        {"order-level": "normal", "order-requirements": "要求办理", "order-due_on": "2099-01-01"},
    )
    assert "督查人员" in client.get(response["Location"]).content.decode()
    assert SupervisionOrder.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/petitions/{pk}/owner/",
        "/petitions/{pk}/supervise/",
        "/petitions/{pk}/extension-request/",
        "/petitions/{pk}/hearings/",
    ],
)
def test_another_office_gets_404_on_every_case_form(client, case, xc_handler, url):
    response = post(client, xc_handler, url.format(pk=case.pk), {})
    assert response.status_code == 404


def test_another_office_gets_404_on_records_of_the_case(
    client, case, xc_handler, district_supervisor, dc_handler
):
    order = issue_flagged(case, district_supervisor)
    r = wf.extension_request(petition=case, actor=dc_handler, days=10, reason="需要补充调查")
    for url in (
        f"/supervision/{order.pk}/respond/",
        f"/supervision/{order.pk}/close/",
        f"/extensions/{r.pk}/approve/",
        f"/extensions/{r.pk}/refuse/",
    ):
        assert post(client, xc_handler, url, {}).status_code == 404, url
    assert "东湖路下水道堵塞" not in page(client, xc_handler, "/supervision/").content.decode()


def test_the_handler_requests_and_the_leader_approves_an_extension_in_the_pages(
    client, case, dc_handler, dc_leader
):
    html = page(client, dc_handler, f"/petitions/{case.pk}/").content.decode()
    assert "申请延期" in html
    post(
        client,
        dc_handler,
        f"/petitions/{case.pk}/extension-request/",
        {"ext-days": "30", "ext-reason": "需等待测绘结果"},
    )
    r = ExtensionRequest.objects.get()
    # The leader's direct 延期 button steps aside for the request waiting for approval.
    html = page(client, dc_leader, f"/petitions/{case.pk}/").content.decode()
    assert "批准延期" in html and 'id="act-extend"' not in html
    assert "需等待测绘结果" in page(client, dc_leader, "/extensions/").content.decode()
    post(client, dc_leader, f"/extensions/{r.pk}/approve/", {"days": "30"})
    r.refresh_from_db()
    assert r.status == "approved"
    p = Petition.objects.get(pk=case.pk)
    assert p.extension_days == 30
    html = page(client, dc_leader, f"/petitions/{case.pk}/").content.decode()
    assert "延期 30 日" in html


def test_an_owner_is_named_on_the_case_page_and_sees_it_on_their_dashboard(
    client, case, dc_leader, dc_deputy
):
    post(
        client,
        dc_leader,
        f"/petitions/{case.pk}/owner/",
        {
            "owner-owner": str(dc_deputy.pk),
            "owner-matter": "协调市政部门疏通",
            "owner-target_on": (TODAY + timedelta(days=10)).isoformat(),
        },
    )
    assert Ownership.objects.get().owner == dc_deputy
    html = page(client, dc_deputy, "/my/owned/").content.decode()
    assert case.subject in html and "协调市政部门疏通" in html
    html = client.get("/").content.decode()
    assert 'id="q-owned"' in html
    assert Notification.objects.filter(recipient=dc_deputy, kind="ownership").exists()


def test_a_hearing_is_recorded_from_the_case_page(client, case, dc_handler):
    response = post(
        client,
        dc_handler,
        f"/petitions/{case.pk}/hearings/",
        {
            "hearing-held_on": TODAY.isoformat(),
            "hearing-days": "5",
            "hearing-participants": "信访人、街道、市政",
            "hearing-summary": "各方陈述意见。",
            "hearing-outcome": "三日内疏通。",
        },
    )
    assert response.status_code == 302
    html = client.get(f"/petitions/{case.pk}/").content.decode()
    assert "办理听证" in html and "不计入期限 5 日" in html


def test_follow_ups_due_are_listed_and_recorded(client, concluded, dc_handler, dc_registrar):
    from tests.clock import at

    p = concluded(at(2025, 6, 2), at(2025, 6, 20))
    wf.follow_ups_schedule(now=at(2025, 6, 21))
    f = FollowUp.objects.get(petition=p)
    FollowUp.objects.filter(pk=f.pk).update(due_on=TODAY)
    html = page(client, dc_handler, "/follow-ups/").content.decode()
    assert p.subject in html and "记录回访" in html
    assert 'id="q-follow_up_due"' in client.get("/").content.decode()
    post(
        client,
        dc_handler,
        f"/follow-ups/{f.pk}/record/",
        {
            "method": "visit",
            "finding": "recurred",
            "petitioner_view": "又堵了",
            "reopen": "on",
            "next": "/follow-ups/",
        },
    )
    f.refresh_from_db()
    assert f.finding == "recurred" and f.new_petition is None  # a handler does not register
    html = page(client, dc_registrar, f"/petitions/{p.pk}/").content.decode()
    assert "登记为新的信访件" in html
    response = post(client, dc_registrar, f"/follow-ups/{f.pk}/reopen/", {})
    f.refresh_from_db()
    assert f.new_petition is not None
    assert response["Location"] == f"/petitions/{f.new_petition.pk}/"


def test_the_pages_answer_everyone_signed_in(client, dc_handler, informant):
    for user in (dc_handler, informant):
        for url in ("/supervision/", "/my/owned/", "/extensions/", "/follow-ups/"):
            assert page(client, user, url).status_code == 200, url
    client.logout()
    assert client.get("/supervision/").status_code == 302


def test_the_timeline_reads_each_supervision_event(
    client, case, dc_leader, dc_deputy, district_supervisor
):
    wf.ownership_assign(
        petition=case, actor=dc_leader, owner=dc_deputy, matter="疏通", target_on=date(2099, 1, 1)
    )
    issue_flagged(case, district_supervisor)
    html = page(client, dc_leader, f"/petitions/{case.pk}/").content.decode()
    assert f"包案：{dc_deputy.display_name}" in html
    assert "挂牌督办（东城街道）" in html
