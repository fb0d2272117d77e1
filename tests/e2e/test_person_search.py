"""Issue 20 item 1 in Chromium: "张三的件呢？" — the ledger's search box finds a person's cases
by name, phone (as people type them) or a few characters of the tracking code, on a desktop
and a 360 px phone; the accused unit finds nothing of an accusation by its reporter's name."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import person, register
from xinfang.core.tracking import format_tracking_code

NAME = "冯德胜"
PHONE = "13855556666"


def _search(page, q: str) -> None:
    box = page.get_by_label("查询码、信访人或关键词")
    box.fill(q)
    with page.expect_navigation():
        box.press("Enter")


def test_the_ledger_finds_a_person_by_name_phone_and_part_of_a_code(
    page, phone_page, org, dc_registrar
):
    first = register(
        dc_registrar,
        org.dongcheng,
        subject="小区门口下水道堵塞",
        people=[person(name=NAME, phone=PHONE)],
    )
    second = register(
        dc_registrar, org.dongcheng, subject="路灯不亮", people=[person(name=NAME, phone=PHONE)]
    )
    other = register(dc_registrar, org.dongcheng, subject="噪音扰民", people=[person(name="张三")])
    rows = page.locator("#ledger-rows tr")
    login(page, "dc_registrar")
    page.goto(f"{page.base}/petitions/")
    expect(rows).to_have_count(3)

    _search(page, "冯 德胜")  # a space typed between the characters
    expect(rows).to_have_count(2)
    for case in (first, second):
        expect(page.locator(f'#ledger-rows a[href="/petitions/{case.pk}/"]').first).to_be_visible()
    screenshot(page, "person_search_name_1280")

    _search(page, "138-5555-6666")
    expect(rows).to_have_count(2)

    shown = format_tracking_code(other.tracking_code)  # "ABCD-EFGH-JKM"
    _search(page, shown[2:7].lower())  # a piece across the dash, in lower case
    expect(rows).to_have_count(1)
    expect(page.locator(f'#ledger-rows a[href="/petitions/{other.pk}/"]').first).to_be_visible()
    assert not page.js_errors

    login(phone_page, "dc_registrar")
    phone_page.goto(f"{phone_page.base}/petitions/?q={PHONE}")
    expect(
        phone_page.locator(f'#ledger-rows a[href="/petitions/{first.pk}/"]').first
    ).to_be_visible()
    screenshot(phone_page, "person_search_phone_360")


def test_the_accused_unit_does_not_find_the_reporter(page, org, dc_registrar, dc_handler):
    accusation = register(
        dc_registrar,
        org.dongcheng,
        category="discipline.embezzlement",
        subject="反映街道干部截留补助",
        people=[person(name="欧阳秀兰", phone="13977778888")],
        is_accusation=True,
        accused_unit=org.dongcheng,
    )
    login(page, "dc_handler")
    page.goto(f"{page.base}/petitions/")
    for q in ("欧阳秀兰", "13977778888", accusation.tracking_code[:5]):
        _search(page, q)
        expect(page.locator(f'a[href="/petitions/{accusation.pk}/"]')).to_have_count(0)
        expect(page.get_by_text("截留")).to_have_count(0)
