"""The petitioner's side in a real browser: petition online with a photo, get the code, look
the case up, read the reply made through the services, rate it, ask for review; a second
rating and a late review request are refused with clear messages."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import time_machine
from django.utils import timezone

from tests.e2e.conftest import screenshot
from tests.portal.helpers import (
    PNG,
    answered,
    make_online,
    new_id_number,
    new_phone,
    portal_case,
)
from xinfang.petitions.models import Petition
from xinfang.portal.models import Rating

# Every request of a browser test comes from 127.0.0.1, and the counters live in the cache
# that outlasts a test run: the limits (tested in tests/portal) are lifted here.
NO_LIMITS = {
    bucket: (10_000, 60)
    for bucket in ("submit_ip", "submit_attempt_ip", "lookup_fail_ip", "action_ip")
}

DRAIN_REPLY = {
    "request": "请求疏通桂园小区南门外堵塞的下水道。",
    "facts": "经东城街道会同市政养护单位现场核实，该处管道被建筑垃圾堵塞约15米，情况属实。",
    "decision": "市政养护单位已完成疏通并清运淤泥；街道已责成物业加强巡查。",
    "legal_basis": "《城镇排水与污水处理条例》第三十一条。",
    "outcome": "upheld",
}


def fill_petition(page) -> None:
    page.get_by_label("姓名").fill("周丽华")
    page.get_by_label("身份证号码").fill(new_id_number())
    page.locator("#id_phone").fill(new_phone())
    page.get_by_label("住址").fill("临江市城南区东湖路12号3栋201室")
    page.get_by_label("受理单位").select_option("LJ-CN-DC")
    page.get_by_label("问题分类").select_option("urban.municipal")
    page.get_by_label("标题").fill("桂园小区门口下水道堵塞")
    page.get_by_label("主要诉求和事实理由").fill(
        "桂园小区南门外的下水道从前天开始堵塞，污水漫到人行道上，请尽快安排疏通。"
    )
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}],
    )


def look_up(page, code: str, secret: str) -> None:
    page.goto(f"{page.base}/portal/track/")
    page.get_by_label("查询码").fill(code)
    page.get_by_label("查询密码").fill(secret)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r".*/portal/track/case/$"))


def test_a_petitioner_submits_tracks_rates_and_asks_for_review(page, org, dc_leader, dc_handler):
    make_online(org)
    page.goto(f"{page.base}/portal/")
    assert page.title() == "临江市网上信访"
    screenshot(page, "portal_home")
    page.get_by_role("link", name="我要信访").first.click()
    fill_petition(page)
    # Without consent nothing is registered, and the message sits by the checkbox.
    page.get_by_role("button", name="提交").click()
    assert page.get_by_text("请阅读并同意《个人信息保护说明》后再提交。").first.is_visible()
    assert Petition.objects.count() == 0
    screenshot(page, "portal_submit_error")
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}],
    )
    page.get_by_label("我已阅读并同意").check()
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r".*/portal/submitted/$"))
    code = page.locator("#tracking-code").inner_text()
    secret = page.locator("#query-secret").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}", code) and len(secret) == 8
    assert page.get_by_text("查询密码只显示这一次").is_visible()
    screenshot(page, "portal_submitted")
    petition = Petition.objects.get()
    assert petition.channel == "online" and petition.attachments.count() == 1

    page.get_by_role("link", name="去查询办理进度").click()
    page.get_by_label("查询码").fill(code.lower())
    page.get_by_label("查询密码").fill(secret)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r".*/portal/track/case/$"))
    assert page.locator("#case-state").inner_text() == "已收到，待决定是否受理"
    screenshot(page, "portal_case_registered")

    # The street office answers, through the services.
    answered(petition, dc_leader, dc_handler, reply=DRAIN_REPLY)
    page.reload()
    assert page.locator("#case-state").inner_text() == "已办结"
    assert page.get_by_text("市政养护单位已完成疏通并清运淤泥").is_visible()
    assert dc_leader.display_name not in page.content()
    # A second tab, opened before the rating is made.
    other = page.context.new_page()
    other.goto(f"{page.base}/portal/track/case/")

    # The reply and the petition office are rated separately (RULES.md §9).
    page.locator("fieldset", has_text="您对答复的评价").get_by_label("不满意").check()
    page.locator("fieldset", has_text="信访部门接待").get_by_label("满意", exact=True).check()
    page.get_by_label("意见和建议").fill("只疏通了一半，南门还有积水。")
    page.get_by_role("button", name="提交评价").click()
    assert page.get_by_text("感谢您的评价，我们已经收到。").is_visible()
    done = page.locator("#rating-done").inner_text()
    assert "不满意" in done and "对信访部门：满意" in done
    screenshot(page, "portal_case_rated")

    other.get_by_role("group", name="您对答复的评价").get_by_label("满意", exact=True).check()
    other.get_by_role("button", name="提交评价").click()
    refusal = other.get_by_role("alert").filter(has_text="每件只能评价一次")
    assert refusal.is_visible()
    screenshot(other, "portal_second_rating_refused")
    assert Rating.objects.get().level == "dissatisfied"

    page.get_by_label("申请理由").fill("疏通后第二天又堵了，问题没有解决。")
    page.get_by_role("button", name="申请复查").click()
    assert page.get_by_text("您的复查申请已提交，由城南区办理。").is_visible()
    assert page.locator("#case-state").inner_text() == "复查中"
    assert page.get_by_text("收到复查申请，由城南区复查").is_visible()
    screenshot(page, "portal_review_requested")
    petition.refresh_from_db()
    assert petition.state == "review_requested"
    assert page.js_errors == []


def test_a_late_review_request_is_refused_and_the_window_shows_closed(
    page, org, dc_leader, dc_handler, settings
):
    settings.PORTAL_RATE_LIMITS = NO_LIMITS
    make_online(org)
    petition, secret = portal_case(org)
    petition = answered(petition, dc_leader, dc_handler, reply=DRAIN_REPLY)
    last_day = petition.review_request_by
    evening = timezone.make_aware(datetime.combine(last_day, time(23, 50)))
    with time_machine.travel(evening, tick=True) as traveller:
        look_up(page, petition.tracking_code, secret)
        assert page.get_by_role("button", name="申请复查").is_visible()
        page.get_by_label("申请理由").fill("我对答复不服，要求复查。")
        # Twenty minutes later, past midnight, the petitioner presses the button.
        traveller.move_to(evening + timedelta(minutes=20))
        page.get_by_role("button", name="申请复查").click()
        message = page.get_by_role("alert").filter(has_text="申请复查的期限")
        assert message.is_visible() and "已过，不能再申请复查" in message.inner_text()
        assert page.locator("#review-closed").inner_text().startswith("申请复查期限已过")
        assert page.get_by_role("button", name="申请复查").count() == 0
        screenshot(page, "portal_review_window_closed")
    petition.refresh_from_db()
    assert petition.state == "concluded"


def test_the_public_pages_fit_a_phone(phone_page, org, dc_leader, dc_handler, settings):
    settings.PORTAL_RATE_LIMITS = NO_LIMITS
    make_online(org)
    petition, secret = portal_case(org)
    answered(petition, dc_leader, dc_handler, reply=DRAIN_REPLY)
    for path, name in [
        ("/portal/", "phone_portal_home"),
        ("/portal/submit/", "phone_portal_submit"),
        ("/portal/units/", "phone_portal_units"),
        ("/portal/answers/", "phone_portal_answers"),
        ("/portal/reception-days/", "phone_portal_reception_days"),
    ]:
        phone_page.goto(f"{phone_page.base}{path}")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, path
        screenshot(phone_page, name)
    look_up(phone_page, petition.tracking_code, secret)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "phone_portal_case")
