"""The prevention pages: each works for the people it is for, gives another unit's user 404
and a role that may not act 403, and calls the services with what the forms collect."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from tests.clock import at
from xinfang.notifications.models import Notification
from xinfang.petitions.models import Category, Petition
from xinfang.prevention.models import (
    Dispute,
    DutyLogEntry,
    DutyShift,
    EmergencyPlan,
    Incident,
    OutreachVisit,
    ReceptionSession,
    ScreeningPeriod,
    ScreeningReport,
    SpecialPeriod,
)
from xinfang.prevention.services import (
    DisputeInput,
    duty_shift_create,
    emergency_plan_publish,
    incident_open,
    outreach_visit_plan,
    reception_session_create,
    screening_report_submit,
)

NOW = at(2026, 3, 18, 9)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def as_(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def objects(org, informant, dc_registrar, dc_handler, dc_leader, category):
    """One of each thing in 东城街道, for the 404 and 403 checks."""
    report = screening_report_submit(
        actor=informant,
        unit=org.group,
        period_start=date(2026, 3, 16),
        is_zero=False,
        disputes=[DisputeInput(subject="邻里纠纷", parties="甲、乙", category=category)],
    )
    shift = duty_shift_create(
        actor=dc_registrar, unit=org.dongcheng, on_date=date(2026, 3, 18),
        officer=dc_handler, leader=dc_leader,
    )  # fmt: skip
    session = reception_session_create(
        actor=dc_registrar, unit=org.dongcheng, leader=dc_leader, date=date(2026, 3, 18),
        start_time=at(2026, 1, 1, 8).time(), end_time=at(2026, 1, 1, 12).time(),
        place="群众工作站",
    )  # fmt: skip
    visit = outreach_visit_plan(
        actor=dc_handler, unit=org.dongcheng, leader=dc_leader, planned_on=date(2026, 3, 18),
        place="龙泉村", visitees="村民代表",
    )  # fmt: skip
    plan = emergency_plan_publish(
        actor=dc_leader, unit=org.dongcheng, title="预案", principles="原则",
        categories="分级", responsibilities="职责", contacts="组长 赵明 139",
        effective_on=date(2026, 1, 1),
    )  # fmt: skip
    incident = incident_open(
        actor=dc_handler, unit=org.dongcheng, title="聚集", kind="mass",
        occurred_at=at(2026, 3, 18, 8), place="街道", description="情况",
    )  # fmt: skip
    return {
        "report": report,
        "dispute": report.disputes.get(),
        "shift": shift,
        "session": session,
        "visit": visit,
        "plan": plan,
        "incident": incident,
    }


def object_pages(o) -> list[str]:
    return [
        reverse("prevention:report_detail", args=[o["report"].pk]),
        reverse("prevention:unit_history", args=[o["report"].unit_id]),
        reverse("prevention:dispute_detail", args=[o["dispute"].pk]),
        reverse("prevention:duty_shift", args=[o["shift"].pk]),
        reverse("prevention:reception_detail", args=[o["session"].pk]),
        reverse("prevention:outreach_detail", args=[o["visit"].pk]),
        reverse("prevention:plan_detail", args=[o["plan"].pk]),
        reverse("prevention:incident_detail", args=[o["incident"].pk]),
    ]


def test_every_page_opens_for_dongchengs_leader(client, objects, dc_leader):
    as_(client, dc_leader)
    lists = [
        reverse("prevention:home"),
        reverse("prevention:board"),
        reverse("prevention:disputes"),
        reverse("prevention:duty"),
        reverse("prevention:reception"),
        reverse("prevention:outreach"),
        reverse("prevention:plans"),
        reverse("prevention:incidents"),
        reverse("prevention:incident_new"),
        reverse("prevention:special_periods"),
        reverse("prevention:report_form") + f"?unit={objects['report'].unit_id}",
        reverse("prevention:duty_new") + f"?unit={objects['shift'].unit_id}",
        reverse("prevention:plan_new") + f"?unit={objects['plan'].unit_id}",
        reverse("prevention:dispute_convert", args=[objects["dispute"].pk]),
        reverse("prevention:reception_register", args=[objects["session"].pk]),
    ]
    for url in lists + object_pages(objects):
        response = client.get(url)
        assert response.status_code == 200, url


def test_another_units_user_gets_404_for_every_object(client, objects, xc_handler):
    as_(client, xc_handler)
    for url in object_pages(objects):
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("prevention:dispute_resolve", args=[objects["dispute"].pk]),
        reverse("prevention:duty_log", args=[objects["shift"].pk]),
        reverse("prevention:reception_action", args=[objects["session"].pk, "publish"]),
        reverse("prevention:outreach_action", args=[objects["visit"].pk, "record"]),
        reverse("prevention:incident_action", args=[objects["incident"].pk, "entry"]),
    ]
    for url in posts:
        assert client.post(url, {"resolution": "x", "summary": "x", "text": "x"}).status_code == 404
    assert (
        client.post(reverse("prevention:zero"), {"unit": objects["report"].unit_id}).status_code
        == 404
    )


def test_a_read_only_role_gets_403_on_writes(client, objects, district_supervisor, org):
    as_(client, district_supervisor)
    forbidden = [
        (reverse("prevention:zero"), {"unit": org.group.pk}),
        (reverse("prevention:dispute_resolve", args=[objects["dispute"].pk]), {"resolution": "x"}),
        (reverse("prevention:dispute_convert", args=[objects["dispute"].pk]), {}),
        (reverse("prevention:duty_new") + f"?unit={org.dongcheng.pk}", {}),
        (reverse("prevention:duty_log", args=[objects["shift"].pk]),
         {"kind": "call", "summary": "x"}),
        (reverse("prevention:duty_swap", args=[objects["shift"].pk]),
         {"position": "officer", "to_staff": district_supervisor.pk, "reason": "x"}),
        (reverse("prevention:reception_register", args=[objects["session"].pk]), {}),
        (reverse("prevention:reception_action", args=[objects["session"].pk, "cancel"]),
         {"reason": "x"}),
        (reverse("prevention:plan_new") + f"?unit={org.dongcheng.pk}", {}),
        (reverse("prevention:incident_action", args=[objects["incident"].pk, "entry"]),
         {"text": "x"}),
        (reverse("prevention:outreach_action", args=[objects["visit"].pk, "record"]),
         {"visited_on": "2026-03-18", "matters_raised": "x"}),
    ]  # fmt: skip
    for url, data in forbidden:
        assert client.post(url, data).status_code == 403, url
    assert not Dispute.objects.filter(status="resolved").exists()
    assert not DutyLogEntry.objects.exists()


def test_the_board_is_for_overseers(client, objects, informant, dc_handler, xc_handler, org):
    assert as_(client, informant).get(reverse("prevention:board")).status_code == 403
    assert as_(client, dc_handler).get(reverse("prevention:board")).status_code == 403
    url = reverse("prevention:board") + f"?unit={org.dongcheng.pk}"
    assert as_(client, xc_handler).get(url).status_code == 404
    remind = reverse("prevention:board_remind")
    assert as_(client, informant).post(remind, {"unit": org.group.pk}).status_code == 403


def test_the_informant_files_a_zero_report_in_one_tap(client, org, informant):
    as_(client, informant)
    home = client.get(reverse("prevention:home"))
    assert "零报告" in home.content.decode()
    response = client.post(
        reverse("prevention:zero"), {"unit": org.group.pk, "period": "2026-03-16"}, follow=True
    )
    assert "已报送东湖社区第一居民小组2026年3月16日至22日零报告" in response.content.decode()
    report = ScreeningReport.objects.get()
    assert report.is_zero and report.submitted_by == informant
    again = client.post(reverse("prevention:zero"), {"unit": org.group.pk}, follow=True)
    assert "已经报送（第1版）" in again.content.decode()


def test_an_informant_lands_on_the_reporting_task_with_the_disputes_they_filed(
    client, org, informant, dc_leader, category
):
    screening_report_submit(
        actor=informant,
        unit=org.group,
        period_start=date(2026, 3, 9),
        is_zero=False,
        disputes=[
            DisputeInput(subject="宅基地边界纠纷", parties="刘德明、刘德华", category=category)
        ],
        now=NOW,
    )
    screening_report_submit(
        actor=dc_leader,
        unit=org.group,
        period_start=date(2026, 3, 2),
        is_zero=False,
        disputes=[DisputeInput(subject="楼上漏水纠纷", parties="甲、乙", category=category)],
        now=NOW,
    )
    as_(client, informant)
    with time_machine.travel(NOW, tick=False):
        landing = client.get("/", follow=True)
    assert landing.redirect_chain == [(reverse("prevention:home"), 302)]
    page = landing.content.decode()
    assert "报送零报告" in page  # this period's task, one tap
    filed = page.split('id="filed-disputes"')[1].split("</section>")[0]
    assert "宅基地边界纠纷" in filed and "楼上漏水纠纷" not in filed

    # Whoever handles cases still lands on the workbench.
    as_(client, dc_leader)
    assert client.get("/").status_code == 200


def test_the_form_files_items_and_adds_more_without_javascript(client, org, informant, category):
    as_(client, informant)
    url = reverse("prevention:report_form") + f"?unit={org.group.pk}&period=2026-03-16"
    item = {
        "item-0-subject": "宅基地边界纠纷",
        "item-0-parties": "刘德明、刘德华",
        "item-0-category": str(category.pk),
        "item-0-risk_level": "medium",
        "item-0-people_count": "2",
        "is_zero": "0",
    }
    more = client.post(url, {**item, "add": "1"})
    assert more.status_code == 200 and 'name="item-1-subject"' in more.content.decode()
    assert not ScreeningReport.objects.exists()
    partial = client.get(reverse("prevention:report_item_form") + "?i=3", HTTP_HX_REQUEST="true")
    assert 'name="item-3-subject"' in partial.content.decode()
    assert 'hx-swap-oob="true"' in partial.content.decode() and "?i=4" in partial.content.decode()
    done = client.post(url, {**item, "item-1-subject": "", "item-1-risk_level": "low",
                             "item-1-people_count": "1", "submit": "1"})  # fmt: skip
    report = ScreeningReport.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/reports/{report.pk}/")
    assert [d.subject for d in report.disputes.all()] == ["宅基地边界纠纷"]


def test_the_form_shows_what_is_missing(client, org, informant):
    as_(client, informant)
    url = reverse("prevention:report_form") + f"?unit={org.group.pk}&period=2026-03-16"
    response = client.post(url, {"item-0-subject": "纠纷", "item-0-parties": "甲",
                                 "item-0-risk_level": "low", "item-0-people_count": "1",
                                 "is_zero": "0"})  # fmt: skip
    assert "第1条纠纷：请选择纠纷类型" in response.content.decode()
    assert not ScreeningReport.objects.exists()


def test_a_correction_keeps_or_drops_earlier_items(client, objects, org, informant, category):
    as_(client, informant)
    dispute = objects["dispute"]
    url = reverse("prevention:report_form") + f"?unit={org.group.pk}&period=2026-03-16"
    page = client.get(url).content.decode()
    assert "现在提交的是<strong>更正</strong>" in page and f'value="{dispute.pk}"' in page
    client.post(url, {"item-0-keep": str(dispute.pk), "item-0-drop": "1",
                      "item-0-risk_level": "low", "item-0-people_count": "1",
                      "item-1-subject": "新纠纷", "item-1-parties": "丙",
                      "item-1-category": str(category.pk), "item-1-risk_level": "low",
                      "item-1-people_count": "1", "is_zero": "0",
                      "correction_reason": "补充"})  # fmt: skip
    current = ScreeningReport.objects.get(is_current=True)
    assert current.version == 2 and current.correction_reason == "补充"
    dispute.refresh_from_db()
    assert dispute.withdrawn_in == current


def test_the_supervisor_reminds_missing_units_once(
    client, org, groups, district_supervisor, dh_handler
):
    with time_machine.travel(at(2026, 3, 24, 10, 30), tick=False):
        as_(client, district_supervisor)
        page = client.get(reverse("prevention:board") + f"?unit={org.district.pk}")
        assert page.status_code == 200
        missing = [r.pk for r in page.context["rows"] if r.status_now == "missing"]
        assert len(missing) == len(page.context["missing_ids"]) > 0
        data = {"unit": org.district.pk, "period": missing, "next": "/prevention/screening/board/"}
        first = client.post(reverse("prevention:board_remind"), data, follow=True)
        assert "个未报单位发送催报提醒" in first.content.decode()
        second = client.post(reverse("prevention:board_remind"), data, follow=True)
        assert "没有重复发送" in second.content.decode()
    # 东湖社区 and its three groups (none has an informant here) reach its handler, once each.
    assert Notification.objects.filter(recipient=dh_handler, kind="screening").count() == 4


def test_a_dispute_becomes_a_petition_from_its_page(client, objects, dc_registrar, org):
    as_(client, dc_registrar)
    dispute = objects["dispute"]
    form = client.get(reverse("prevention:dispute_convert", args=[dispute.pk]))
    assert form.context["form"].initial["subject"] == "邻里纠纷"
    response = client.post(
        reverse("prevention:dispute_convert", args=[dispute.pk]),
        {"receiving_unit": org.dongcheng.pk, "subject": "邻里纠纷", "content": "情况",
         "category": dispute.category_id, "name": "甲", "headcount": "2"},
    )  # fmt: skip
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.petition.channel == "outreach" and dispute.status == "converted"


def test_the_duty_pages_fill_a_roster_log_a_call_and_register_it(
    client, objects, dc_registrar, dc_handler, dc_leader, org
):
    as_(client, dc_registrar)
    url = reverse("prevention:duty_new") + f"?unit={org.dongcheng.pk}"
    client.post(url, {"form": "fill", "first": "2026-03-19", "last": "2026-03-25",
                      "officers": [dc_registrar.pk, dc_handler.pk],
                      "leaders": [dc_leader.pk]})  # fmt: skip
    assert DutyShift.objects.filter(unit=org.dongcheng).count() == 8
    month = client.get(reverse("prevention:duty") + f"?unit={org.dongcheng.pk}&month=2026-03")
    assert month.status_code == 200 and len(month.context["days"]) == 8
    shift = objects["shift"]
    client.post(reverse("prevention:duty_log", args=[shift.pk]),
                {"kind": "call", "caller": "吴秀珍", "phone": "13807162288",
                 "summary": "来电反映养老金问题", "at": "2026-03-18T08:45"})  # fmt: skip
    entry = DutyLogEntry.objects.get()
    register = reverse("prevention:duty_log_register", args=[entry.pk])
    assert client.get(register).context["form"].initial["name"] == "吴秀珍"
    client.post(register, {"subject": "养老金问题", "content": "来电反映养老金问题",
                           "category": Category.objects.get(code="labour.pension").pk,
                           "name": "吴秀珍", "phone": "13807162288", "headcount": "1"})  # fmt: skip
    entry.refresh_from_db()
    assert entry.petition.channel == "phone"


def test_reception_outreach_and_incident_pages_do_their_work(
    client, objects, dc_registrar, dc_leader, dc_handler, org
):
    as_(client, dc_registrar)
    client.post(reverse("prevention:reception"),
                {"unit": org.dongcheng.pk, "leader": dc_leader.pk, "date": "2026-04-15",
                 "start_time": "09:00", "end_time": "12:00", "place": "群众工作站",
                 "publish": "on"})  # fmt: skip
    assert ReceptionSession.objects.filter(date=date(2026, 4, 15), is_published=True).exists()
    session = objects["session"]
    client.post(reverse("prevention:reception_register", args=[session.pk]),
                {"subject": "安置房未交付", "content": "情况", "headcount": "1", "name": "陈志刚",
                 "category": Category.objects.get(code="land.housing").pk})  # fmt: skip
    petition = Petition.objects.get(channel="reception")
    assert petition.channel_details["reception_leader"] == dc_leader.pk
    assert (
        client.post(reverse("prevention:reception_action", args=[session.pk, "dance"])).status_code
        == 404
    )

    as_(client, dc_handler)
    visit = objects["visit"]
    client.post(reverse("prevention:outreach_action", args=[visit.pk, "record"]),
                {"visited_on": "2026-03-18", "matters_raised": "村民反映道路破损"})  # fmt: skip
    assert OutreachVisit.objects.get(pk=visit.pk).status == "done"
    incident = objects["incident"]
    client.post(reverse("prevention:incident_action", args=[incident.pk, "report"]),
                {"to_unit": org.district.pk, "method": "phone", "content": "已报告",
                 "reported_at": "2026-03-18T08:20"})  # fmt: skip
    assert incident.reports.get().reported_at == at(2026, 3, 18, 8, 20)
    client.post(reverse("prevention:incident_action", args=[incident.pk, "link"]),
                {"tracking_code": petition.tracking_code.lower()})  # fmt: skip
    assert list(Incident.objects.get(pk=incident.pk).petitions.all()) == [petition]

    as_(client, dc_leader)
    client.post(reverse("prevention:plan_new") + f"?unit={org.dongcheng.pk}",
                {"supersedes": objects["plan"].pk, "title": "预案", "effective_on": "2026-03-18",
                 "principles": "原则", "categories": "分级", "responsibilities": "职责",
                 "contacts": "组长 赵明 13907165501", "change_note": "修订"})  # fmt: skip
    assert EmergencyPlan.objects.filter(unit=org.dongcheng).count() == 2


def test_special_periods_are_declared_by_overseers(client, org, district_supervisor, informant):
    as_(client, informant)
    data = {"name": "全国两会", "starts_on": "2026-03-20", "ends_on": "2026-03-25",
            "cadence": "daily", "units": [org.district.pk]}  # fmt: skip
    assert client.post(reverse("prevention:special_periods"), data).status_code == 403
    as_(client, district_supervisor)
    client.post(reverse("prevention:special_periods"), data)
    assert SpecialPeriod.objects.get().units.get() == org.district
    assert ScreeningPeriod.objects.count() == 0  # it starts later: nothing to re-cut


def test_the_month_shows_days_of_a_sensitive_period_left_without_duty(
    client, objects, org, dc_leader, district_supervisor
):
    special = SpecialPeriod.objects.create(
        name="全国两会", starts_on=date(2026, 3, 17), ends_on=date(2026, 3, 19)
    )
    special.units.add(org.district)
    as_(client, dc_leader)
    page = client.get(reverse("prevention:duty") + f"?unit={org.dongcheng.pk}&month=2026-03")
    text = page.content.decode()
    # The shift of 18 March exists; 17 and 19 March do not.
    assert "以下日期尚未排班：3月17日、3月19日" in text


def _page_key(client, url) -> str:
    """The submission key the page hands out, as the browser posts it back."""
    html = client.get(url).content.decode()
    return html.split('name="submission_key" value="', 1)[1].split('"', 1)[0]


def test_a_double_submit_of_the_reception_page_registers_one_case(
    client, objects, dc_registrar, org
):
    as_(client, dc_registrar)
    session = objects["session"]
    url = reverse("prevention:reception_register", args=[session.pk])
    data = {"subject": "安置房未交付", "content": "情况", "headcount": "1", "name": "陈志刚",
            "category": Category.objects.get(code="land.housing").pk,
            "submission_key": _page_key(client, url)}  # fmt: skip
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302
    assert Petition.objects.filter(channel="reception").count() == 1
    assert "未重复登记" in second.content.decode()
    assert session.petitions.count() == 1
    # A new page is a new registration (the "next person" button comes back to a fresh form).
    data["submission_key"] = _page_key(client, url)
    client.post(url, data)
    assert Petition.objects.filter(channel="reception").count() == 2


def test_a_double_submit_of_the_outreach_page_registers_one_case(
    client, objects, dc_registrar, dc_handler, org
):
    visit = objects["visit"]
    as_(client, dc_handler)
    client.post(reverse("prevention:outreach_action", args=[visit.pk, "record"]),
                {"visited_on": "2026-03-18", "matters_raised": "村民反映道路破损"})  # fmt: skip
    as_(client, dc_registrar)
    url = reverse("prevention:outreach_register", args=[visit.pk])
    data = {"subject": "道路破损", "content": "村民反映道路破损", "headcount": "1",
            "name": "石大勇", "category": Category.objects.get(code="urban.municipal").pk,
            "submission_key": _page_key(client, url)}  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Petition.objects.filter(channel="outreach").count() == 1
    assert visit.petitions.count() == 1


def test_a_double_submit_of_dispute_and_duty_log_registration_makes_one_case(
    client, objects, dc_registrar, org
):
    as_(client, dc_registrar)
    dispute = objects["dispute"]
    url = reverse("prevention:dispute_convert", args=[dispute.pk])
    data = {"receiving_unit": org.dongcheng.pk, "subject": "邻里纠纷", "content": "情况",
            "category": dispute.category_id, "name": "甲", "headcount": "2",
            "submission_key": _page_key(client, url)}  # fmt: skip
    client.post(url, data)
    client.post(url, data)
    assert Petition.objects.filter(channel="outreach").count() == 1
    shift = objects["shift"]
    client.post(reverse("prevention:duty_log", args=[shift.pk]),
                {"kind": "call", "caller": "吴秀珍", "phone": "13807162288",
                 "summary": "来电反映养老金问题", "at": "2026-03-18T08:45"})  # fmt: skip
    entry = DutyLogEntry.objects.get()
    url = reverse("prevention:duty_log_register", args=[entry.pk])
    data = {"subject": "养老金问题", "content": "来电反映养老金问题", "name": "吴秀珍",
            "category": Category.objects.get(code="labour.pension").pk, "headcount": "1",
            "submission_key": _page_key(client, url)}  # fmt: skip
    client.post(url, data)
    client.post(url, data)
    assert Petition.objects.filter(channel="phone").count() == 1


def test_a_reminder_with_garbled_period_ids_is_not_a_server_error(
    client, org, groups, district_supervisor
):
    # '²' passes str.isdigit but not int(); a 25-digit id passes int() but not the database.
    as_(client, district_supervisor)
    data = {"unit": org.district.pk, "period": ["²", "9" * 25, "-3"]}
    r = client.post(reverse("prevention:board_remind"), data)
    assert r.status_code in (200, 302)
