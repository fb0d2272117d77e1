"""The admins' screen of who read what in Chromium: a handler opens a petitioner's case; the
admin finds, by the petitioner's identity number, that the handler looked, follows the link
to what that handler read, and the case link; the screen reads on a phone too."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import _member
from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import person, register

ID_NUMBER = "320102196105076061"


def test_an_admin_sees_who_read_a_persons_case(page, phone_page, org, dc_registrar, dc_handler):
    case = register(dc_registrar, org.dongcheng, people=[person("李秀英", ID_NUMBER)])
    _member("sysadmin", org.city, "admin")

    login(page, "dc_handler")
    page.goto(f"{page.base}/petitions/{case.pk}/")
    expect(page.locator("h1")).to_contain_text(case.subject)
    page.context.clear_cookies()

    login(page, "sysadmin")
    page.goto(f"{page.base}/settings/")
    with page.expect_navigation():
        page.get_by_role("link", name="查阅记录").click()
    page.get_by_label("身份证号").fill(ID_NUMBER)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("信访人：李秀英")).to_be_visible()
    table = page.get_by_role("table", name="查阅记录")
    row = table.locator("tbody tr", has_text="查看信访件")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(str(dc_handler))
    screenshot(page, "reads_by_person")

    with page.expect_navigation():
        row.get_by_role("link", name=str(dc_handler)).click()
    expect(page.get_by_text("dc_handler）看过的信访件")).to_be_visible()
    expect(page.get_by_role("table", name="查阅记录").locator("tbody tr")).to_have_count(1)
    with page.expect_navigation():
        page.get_by_role("table", name="查阅记录").locator("tbody a[href^='/petitions/']").click()
    expect(page.locator("h1")).to_contain_text(case.subject)

    login(phone_page, "sysadmin")
    phone_page.goto(f"{phone_page.base}/settings/reads/?id_number={ID_NUMBER}")
    expect(phone_page.get_by_role("table", name="查阅记录")).to_be_visible()
    screenshot(phone_page, "reads_by_person_phone")
