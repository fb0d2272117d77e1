"""Accusations in Chromium: a district leader marks a case as an accusation and writes to the
accused unit, which answers from its inbox; a citizen reports an official on a 360 px phone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import _member
from tests.e2e.conftest import login, screenshot
from tests.e2e.test_portal import NO_LIMITS
from tests.petitions.factories import register
from tests.portal.helpers import make_online, new_id_number, new_phone
from xinfang.petitions.models import Petition
from xinfang.workflow.models import VerificationRequest

LETTER = "请核实东城街道城管中队2025年2月对沿街商户的检查记录及收费依据，并书面说明。"


def test_a_leader_marks_an_accusation_and_the_accused_unit_answers_a_letter(
    page, org, dc_registrar, dc_leader
):
    _member("cn_leader", org.district, "leader")
    p = register(dc_registrar, org.dongcheng, subject="城管中队长向商户索要好处费")
    login(page, "cn_leader")
    page.goto(f"{page.base}/petitions/{p.pk}/")
    section = page.locator("#accusation")
    section.get_by_text("本件是检举控告？").click()
    form = section.locator("#accusation-mark form")
    form.get_by_label("被反映的单位").select_option(str(org.dongcheng.pk))
    form.locator("#id_accused_person").fill("李某")
    form.locator("#id_accused_post").fill("城管中队长")
    form.get_by_label("标记理由").fill("来信反映街道城管中队长索要好处费，属检举控告")
    screenshot(page, "accusation_mark_form")
    with page.expect_navigation():
        form.get_by_role("button", name="标记为检举控告").click()
    expect(page.get_by_role("alert").first).to_contain_text("已标记为检举控告")
    expect(section).to_contain_text("被反映单位：东城街道")
    p.refresh_from_db()
    assert p.is_accusation and p.responsible_unit == org.district

    section.get_by_text("向东城街道发核查函").click()
    expect(section.locator("#redaction-note")).to_contain_text("请勿写入信访人")
    section.locator("#verification-text").fill(LETTER)
    with page.expect_navigation():
        section.get_by_role("button", name="发送核查函").click()
    expect(section.locator("#verification-requests")).to_contain_text("待回复")
    screenshot(page, "accusation_marked_case")

    page.context.clear_cookies()
    login(page, "dc_leader")
    page.get_by_role("link", name=re.compile("核查函")).first.click()
    page.locator("#verification-inbox a").first.click()
    expect(page.locator("#verification-text")).to_contain_text(LETTER)
    page.get_by_role("textbox", name="核查情况").fill(
        "经核查，该中队长2月未参与沿街检查，无收费记录。"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="回复核查函").click()
    expect(page.get_by_role("alert").first).to_contain_text("已回复核查函")
    screenshot(page, "verification_answered")
    assert VerificationRequest.objects.get().is_answered
    assert f"/petitions/{p.pk}/" not in page.content()  # the letter never leads to the case


def test_a_citizen_reports_an_official_on_a_phone(phone_page, org, settings):
    settings.PORTAL_RATE_LIMITS = NO_LIMITS
    make_online(org)
    page = phone_page
    page.goto(f"{page.base}/portal/submit/")
    page.get_by_label("姓名").fill("周丽华")
    page.get_by_label("身份证号码").fill(new_id_number())
    page.locator("#id_phone").fill(new_phone())
    page.get_by_label("住址").fill("临江市城南区东湖路12号3栋201室")
    page.get_by_label("受理单位").select_option("LJ-CN-DC")
    page.get_by_label("问题分类").select_option("urban.municipal")
    page.get_by_label("标题").fill("城管中队长向商户索要好处费")
    page.get_by_label("主要诉求和事实理由").fill(
        "东城街道城管中队长李某多次向东湖路沿街商户索要好处费，不给就以占道经营为由罚款。"
    )
    page.get_by_text("反映公职人员或单位的问题？点此填写").click()
    page.get_by_label("这是对公职人员或单位的检举控告").check()
    page.get_by_label("被反映的单位").select_option("LJ-CN-DC")
    page.locator("#id_accused_person").fill("李某")
    page.get_by_label("被反映人职务").fill("城管中队长")
    page.locator("#id_consent").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "phone_portal_accusation_form")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url(re.compile(r".*/portal/submitted/$"))
    expect(page.locator("#accusation-note")).to_contain_text("由城南区办理")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "phone_portal_accusation_submitted")
    p = Petition.objects.get()
    assert p.is_accusation and p.accused_unit == org.dongcheng
    assert p.responsible_unit == org.district
