"""The registration receipt (issue 20 item 12): right after registering, the registrar opens
the receipt from the case page and prints it on A5 (or A4) for the person at the window:
tracking code, what opens the case online, what happens next, the unit's hotline, whether
they agreed to text messages."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, login, screenshot
from tests.petitions.factories import accuse, person, register
from xinfang.petitions.models import Petition

# A5 is 420 × 595 points, A4 595 × 842 (Chromium rounds some of them).
A5_POINTS = re.compile(rb"/MediaBox \[0 0 (41[89]|42[01])(\.\d+)? 59[45](\.\d+)?\]")
A4_POINTS = re.compile(rb"/MediaBox \[0 0 59[45](\.\d+)? 84[12](\.\d+)?\]")


def test_it_prints_the_receipt_after_registration_on_a5_and_a4(page, org, dc_registrar):
    org.dongcheng.hotline = "0571-86001234"
    org.dongcheng.reception_place = "东城街道便民服务中心二楼"
    org.dongcheng.save(update_fields=["hotline", "reception_place"])
    login(page, "dc_registrar")
    page.goto(f"{page.base}/petitions/new/")
    page.get_by_label("信访人姓名", exact=True).fill("冯德胜")
    page.locator("#id_phone").fill("13912345678")
    page.locator("#id_sms_consent").check()
    page.locator("#id_subject").fill("小区门口下水道堵塞")
    page.locator("#id_content").fill("东湖路12号小区门口下水道堵塞一个多月，污水漫到路面。")
    page.locator("#id_category").select_option(label="市政设施")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(r"/petitions/\d+/$"))
    petition = Petition.objects.get(subject="小区门口下水道堵塞")
    assert petition.sms_consent is True

    page.locator("#print-receipt").click()
    page.wait_for_url(re.compile(r"/registration-receipt/"))
    receipt = page.locator("#registration-receipt")
    code = petition.tracking_code
    expect(page.locator("#receipt-code")).to_have_text(f"{code[:4]}-{code[4:8]}-{code[8:]}")
    expect(page.locator("#receipt-secret")).to_contain_text("139****5678")
    expect(page.locator("#receipt-steps")).to_contain_text("15日内")
    expect(page.locator("#receipt-contact")).to_contain_text("0571-86001234")
    expect(page.locator("#receipt-contact")).to_contain_text("东城街道便民服务中心二楼")
    expect(page.locator("#receipt-sms")).to_contain_text("您已同意")
    expect(receipt).to_contain_text("小区门口下水道堵塞")
    assert page.js_errors == []

    page.emulate_media(media="print")
    expect(page.locator("nav.xf-topbar")).to_be_hidden()
    expect(page.locator("#receipt-tools")).to_be_hidden()
    expect(receipt).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "registration_receipt_a5.png"), full_page=True)
    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    (SCREENSHOTS / "registration_receipt_a5.pdf").write_bytes(pdf)
    assert A5_POINTS.search(pdf) and not A4_POINTS.search(pdf)
    # One sheet: the receipt fits on a single A5 page.
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1

    page.emulate_media(media="screen")
    page.locator("#paper-a4").click()
    page.wait_for_url(re.compile(r"paper=a4"))
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    assert A4_POINTS.search(pdf)


def test_the_accused_unit_gets_no_receipt_of_an_accusation(page, org, dc_registrar, cn_leader):
    p = accuse(
        cn_leader, org.district, org.dongcheng, subject="举报街道干部", content="街道干部吃拿卡要。"
    )
    login(page, "dc_registrar")
    assert page.goto(f"{page.base}/petitions/{p.pk}/registration-receipt/").status == 404


def test_it_prints_a_query_password_once_for_a_person_without_a_phone(
    phone_page, org, dc_registrar
):
    """Someone at the window with no phone: the registrar makes a password, prints it on the
    receipt, and it opens the case on the public site; a reload shows it no more."""
    page = phone_page
    petition = register(dc_registrar, org.dongcheng, people=[person("冯德胜", phone="")])
    login(page, "dc_registrar")
    page.goto(f"{page.base}/petitions/{petition.pk}/registration-receipt/")
    expect(page.locator("#receipt-secret")).to_contain_text("本件未登记手机号码")
    page.locator("#issue-password").click()
    expect(page.locator("#password-once")).to_be_visible()
    password = page.locator("#receipt-password").inner_text().strip()
    assert re.fullmatch(r"\d{8}", password)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "registration_receipt_password_360")
    page.emulate_media(media="print")
    expect(page.locator("#receipt-password")).to_be_visible()
    expect(page.locator("#password-form")).to_be_hidden()
    expect(page.locator("#password-once")).to_be_hidden()
    page.emulate_media(media="screen")

    page.goto(f"{page.base}/petitions/{petition.pk}/registration-receipt/")
    expect(page.locator("#password-issued")).to_contain_text("密码不再显示")
    expect(page.locator("#receipt-password")).to_have_count(0)
    expect(page.locator("#issue-password")).to_have_text(re.compile("重新生成查询密码"))

    page.goto(f"{page.base}/portal/track/")
    page.locator("#id_tracking_code").fill(petition.tracking_code)
    page.locator("#id_secret").fill(password)
    page.locator("#id_secret").press("Enter")
    page.wait_for_url(re.compile(r"/portal/track/case/"))
    expect(page.locator("body")).to_contain_text("小区门口下水道堵塞")
