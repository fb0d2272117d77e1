"""Looking a case up: the same answer for every wrong pair, limits on failures, and a public
timeline with no staff names, internal notes or other people's data."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from tests.petitions.factories import person, register
from tests.portal.helpers import answered, new_ip, new_phone, portal_case, unlock, without_csrf
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.crypto import mask_phone
from xinfang.core.tracking import format_tracking_code, new_tracking_code
from xinfang.portal.selectors import case_for_credentials
from xinfang.workflow import services as wf


def test_it_opens_a_case_with_code_and_password(client, online):
    petition, secret = portal_case(online)
    response = unlock(client, petition, secret)
    assert response.status_code == 302 and response.url == "/portal/track/case/"
    page = client.get("/portal/track/case/")
    html = page.content.decode()
    assert page["Cache-Control"].startswith("no-store")
    assert format_tracking_code(petition.tracking_code) in html
    assert "小区门口下水道堵塞" in html and "已收到，待决定是否受理" in html
    assert "东城街道收到您的信访事项（网上）" in html
    assert "依法应于" in html and "前决定是否受理并告知您" in html


def test_it_accepts_the_code_as_people_type_it(client, online):
    petition, secret = portal_case(online)
    typed = format_tracking_code(petition.tracking_code).lower().replace("-", " - ")
    response = client.post("/portal/track/", {"tracking_code": typed, "secret": f" {secret} "})
    assert response.status_code == 302


def test_a_wrong_lookup_answers_the_same_whether_the_code_exists(online):
    petition, _ = portal_case(online)
    missing = new_tracking_code()
    answers = []
    for code, secret in [
        (petition.tracking_code, "00000000"),
        (missing, "00000000"),
        ("NOT-A-CODE", "00000000"),
    ]:
        response = Client(REMOTE_ADDR=new_ip()).post(
            "/portal/track/", {"tracking_code": code, "secret": secret}
        )
        body = without_csrf(response.content.decode()).replace(code, "CODE")
        answers.append((response.status_code, body))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 400 and "查询码或查询密码不正确" in answers[0][1]
    assert "小区门口下水道堵塞" not in answers[0][1]


def test_it_limits_failed_lookups_per_address(client, online, settings):
    settings.PORTAL_RATE_LIMITS = {"lookup_fail_ip": (3, 900)}
    petition, secret = portal_case(online)
    for _ in range(3):
        assert unlock(client, petition, "11111111").status_code == 400
    response = unlock(client, petition, secret)  # even the right password now waits
    assert response.status_code == 429 and "分钟后再试" in response.content.decode()
    assert (
        Client(REMOTE_ADDR=new_ip())
        .post("/portal/track/", {"tracking_code": petition.tracking_code, "secret": secret})
        .status_code
        == 302
    )


def test_it_limits_failed_lookups_per_code_from_any_address(online, settings):
    settings.PORTAL_RATE_LIMITS = {"lookup_fail_code": (2, 3600)}
    petition, secret = portal_case(online)
    missing = new_tracking_code()
    for code in (petition.tracking_code, missing):
        for _ in range(2):
            Client(REMOTE_ADDR=new_ip()).post(
                "/portal/track/", {"tracking_code": code, "secret": "11111111"}
            )
    for code, right in ((petition.tracking_code, secret), (missing, "11111111")):
        response = Client(REMOTE_ADDR=new_ip()).post(
            "/portal/track/", {"tracking_code": code, "secret": right}
        )
        assert response.status_code == 429  # alike for an existing and a missing code


def test_a_case_registered_by_staff_opens_with_the_full_phone_only(online, dc_registrar):
    phone = new_phone()
    petition = register(dc_registrar, online.dongcheng, people=[person(phone=phone)])
    # What a staff page shows (138****5678) gives nobody the case.
    for wrong in (phone[-4:], mask_phone(phone), phone[:3] + "0000" + phone[-4:], "0000"):
        assert unlock(Client(REMOTE_ADDR=new_ip()), petition, wrong).status_code == 400, wrong
    assert unlock(Client(REMOTE_ADDR=new_ip()), petition, phone).status_code == 302


def test_it_takes_the_phone_as_people_type_it(online, dc_registrar):
    phone = new_phone()
    petition = register(dc_registrar, online.dongcheng, people=[person(phone=phone)])
    typed = f"+86 {phone[:3]} {phone[3:7]}-{phone[7:]}"
    assert case_for_credentials(petition.tracking_code, typed) == petition
    full_width = phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert case_for_credentials(petition.tracking_code, full_width) == petition


def test_a_landline_opens_a_case_in_full(online, dc_registrar):
    petition = register(dc_registrar, online.dongcheng, people=[person(phone="0716-6121234")])
    assert case_for_credentials(petition.tracking_code, "07166121234") == petition
    assert case_for_credentials(petition.tracking_code, "1234") is None


def test_it_uses_the_first_petitioners_phone(online, dc_registrar):
    first, second = new_phone(), new_phone()
    petition = register(
        dc_registrar, online.dongcheng, people=[person(phone=first), person(phone=second)]
    )
    assert case_for_credentials(petition.tracking_code, first) == petition
    assert case_for_credentials(petition.tracking_code, second) is None


def test_a_case_without_a_phone_opens_with_nothing(online, dc_registrar):
    petition = register(dc_registrar, online.dongcheng, people=[person(phone="")])
    for secret in ("", "-", "0000", "13900000000"):
        assert case_for_credentials(petition.tracking_code, secret) is None


def test_a_case_with_a_password_does_not_open_with_the_phone(online):
    phone = new_phone()
    petition, secret = portal_case(online, phone=phone)
    assert case_for_credentials(petition.tracking_code, phone) is None
    assert case_for_credentials(petition.tracking_code, secret) == petition


def test_the_case_page_needs_a_lookup_and_expires(client, online, settings):
    assert client.get("/portal/track/case/").url == "/portal/track/"
    petition, secret = portal_case(online)
    settings.PORTAL_LOOKUP_MINUTES = 0
    unlock(client, petition, secret)
    assert client.get("/portal/track/case/").status_code == 302


def test_ending_the_lookup_closes_the_case(client, online):
    petition, secret = portal_case(online)
    unlock(client, petition, secret)
    client.post("/portal/track/end/")
    assert client.get("/portal/track/case/").status_code == 302


def test_the_timeline_names_bodies_but_never_staff_notes_or_people(client, online, dc_leader):
    handler = StaffFactory(username="dh_handler", full_name="郑红梅")
    MembershipFactory(staff=handler, unit=online.donghu, role="handler")
    petition, secret = portal_case(online, name="周丽华", address="东湖路12号3栋201室")
    at = timezone.now() - timedelta(days=20)
    p = wf.petition_assign(
        petition=petition,
        actor=dc_leader,
        to_unit=online.donghu,
        handler=handler,
        instructions="内部交办意见：先找物业谈",
        now=at,
    )
    p = wf.petition_acknowledge(petition=p, actor=handler, note="签收备注：内部", now=at)
    p = wf.petition_start(petition=p, actor=handler, now=at)
    leader = StaffFactory(username="dh_leader", full_name="罗建设")
    MembershipFactory(staff=leader, unit=online.donghu, role="leader")
    p = wf.petition_extend(petition=p, actor=leader, days=10, reason="需要等待管网检测报告", now=at)
    answered_reply = {
        "request": "请求疏通下水道。",
        "facts": "经现场核实，下水道被建筑垃圾堵塞。",
        "decision": "已安排市政养护单位疏通。",
        "legal_basis": "《城镇排水与污水处理条例》第三十一条。",
        "outcome": "upheld",
    }
    wf.petition_conclude(petition=p, actor=leader, reply=answered_reply, now=at)
    unlock(client, petition, secret)
    html = client.get("/portal/track/case/").content.decode()
    for shown in (
        "已交办至 东湖社区 办理",
        "延期理由：需要等待管网检测报告",
        "经现场核实，下水道被建筑垃圾堵塞。",
        "已安排市政养护单位疏通。",
        "《城镇排水与污水处理条例》第三十一条。",
        "东湖社区作出答复意见（支持）",
    ):
        assert shown in html, shown
    for hidden in (
        "郑红梅",
        "罗建设",
        dc_leader.display_name,
        "内部交办意见",
        "签收备注",
        "周丽华",
        "东湖路12号3栋201室",
    ):
        assert hidden not in html, hidden


def test_the_timeline_shows_forwarding_and_a_decline_with_its_channel(client, online, dc_leader):
    forwarded, secret = portal_case(online)
    wf.petition_forward(petition=forwarded, actor=dc_leader, to_unit=online.bureau)
    unlock(client, forwarded, secret)
    html = client.get("/portal/track/case/").content.decode()
    assert "已转送至 临江市移民办" in html and "临江市移民办" in html

    declined, secret = portal_case(online, category="litigation.civil")
    wf.petition_decline(petition=declined, actor=dc_leader, reason="litigation", note="内部：缠访")
    other = Client(REMOTE_ADDR=new_ip())
    unlock(other, declined, secret)
    html = other.get("/portal/track/case/").content.decode()
    assert "决定不予受理" in html and "诉讼、仲裁、行政复议" in html
    assert "缠访" not in html


def test_an_accusation_shows_nothing_about_the_accused(client, online, dc_registrar, dc_leader):
    phone = new_phone()
    handler = StaffFactory(username="dc_handler2")
    MembershipFactory(staff=handler, unit=online.dongcheng, role="handler")
    petition = register(
        dc_registrar,
        online.dongcheng,
        people=[person(phone=phone)],
        category="rural.village_affairs",
        subject="举报村会计李四侵占补偿款",
        is_accusation=True,
        accused_unit=online.donghu,
        accused_person="李四",
    )
    reply = {
        "request": "举报李四侵占补偿款。",
        "facts": "经查，李四确有挪用补偿款行为。",
        "decision": "已移送纪检监察机关处理。",
        "legal_basis": "《中华人民共和国监察法》。",
        "outcome": "upheld",
    }
    answered(petition, dc_leader, handler, reply=reply)
    unlock(client, petition, phone)
    html = client.get("/portal/track/case/").content.decode()
    assert "检举控告事项（内容保密）" in html
    assert "李四" not in html and "李某" in html
    assert "举报村会计" not in html
