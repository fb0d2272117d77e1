"""The pages a clerk opens on a 360 px phone (issue 20, item 7): the ledger as cards with its
filters behind one button, the registration page with the earlier cases above the submit
button and one file picker, and the case page, home and screening board without sideways
scrolling. Screenshots go to test-results/screenshots/phone360_*.png."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import person, register
from xinfang.prevention.services import cadence_rules_seed, screening_periods_ensure
from xinfang.workflow import services as wf

ID_NUMBER = "11010519491231002X"
FITS = "document.scrollingElement.scrollWidth <= window.innerWidth"


def fits(page) -> bool:
    """Nothing wider than the screen: no sideways scrolling of the whole page."""
    return page.evaluate(FITS)


@pytest.fixture
def cases(org, dc_registrar, dc_leader):
    someone = person(name="陈秀英", id_number=ID_NUMBER, phone="13811112222")
    first = register(
        dc_registrar,
        org.dongcheng,
        people=[someone],
        subject="房屋拆迁补偿偏低，要求按照市场评估价重新核定补偿标准并支付差额部分",
        category="land.demolition",
    )
    wf.petition_accept(petition=first, actor=dc_leader)
    second = register(
        dc_registrar, org.dongcheng, people=[someone], subject="安置房交付延期", channel="letter"
    )
    return first, second


def test_the_ledger_is_a_list_of_cards_with_the_filters_behind_one_button(
    phone_page, page, cases, dc_registrar
):
    first, _ = cases
    login(phone_page, "dc_registrar")
    phone_page.goto(f"{phone_page.base}/petitions/")
    assert fits(phone_page)
    expect(phone_page.locator(".xf-ledger thead")).to_be_hidden()
    card = phone_page.locator("#ledger-rows tr", has_text="房屋拆迁补偿偏低")
    # The card: subject, code, state, unit, days left; the rest is on the case page.
    expect(card.locator("td.xf-subject")).to_be_visible()
    expect(card.locator('td[data-col="code"]')).to_have_text(first.tracking_code_display)
    expect(card.locator('td[data-col="state"]')).to_have_text("已受理")
    expect(card.locator('td[data-col="unit"]')).to_have_text("东城街道")
    expect(card.locator('td[data-col="due"] .xf-due')).to_contain_text("剩")
    expect(card.locator('td[data-col="received"]')).to_be_hidden()
    expect(card.locator('td[data-col="category"]')).to_be_hidden()
    # The card is one block no wider than the screen, its subject wrapped.
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    # The filters are folded; the search box is not.
    expect(phone_page.get_by_label("查询码、信访人或关键词")).to_be_visible()
    channel = phone_page.get_by_label("信访方式")
    expect(channel).to_be_hidden()
    screenshot(phone_page, "phone360_ledger")
    phone_page.get_by_role("button", name="更多条件").click()
    # Bootstrap has finished sliding it open (not "collapsing").
    expect(phone_page.locator("#ledger-filters")).to_have_class(
        re.compile(r"\bcollapse\b.*\bshow\b")
    )
    expect(channel).to_be_visible()
    assert fits(phone_page)
    screenshot(phone_page, "phone360_ledger_filters_open")
    channel.select_option(label="来信")
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="筛选", exact=True).click()
    expect(phone_page.locator("#ledger-rows tr")).to_have_count(1)
    expect(phone_page.locator("#ledger-rows")).to_contain_text("安置房交付延期")
    # The one button says how many folded filters are set, and they stay folded.
    expect(phone_page.get_by_role("button", name="更多条件（1）")).to_be_visible()
    expect(channel).to_be_hidden()

    # A value that is not valid is named, with the filters opened to fix it.
    phone_page.goto(f"{phone_page.base}/petitions/?unit=999999")
    expect(phone_page.locator("#ledger-filter-errors")).to_contain_text("责任单位（含下级）")
    expect(phone_page.get_by_label("责任单位（含下级）")).to_be_visible()
    assert fits(phone_page)
    screenshot(phone_page, "phone360_ledger_invalid_filter")

    # On a desktop it stays a table with every filter in view and no extra button.
    login(page, "dc_registrar")
    page.goto(f"{page.base}/petitions/")
    expect(page.locator(".xf-ledger thead")).to_be_visible()
    expect(page.get_by_label("信访方式")).to_be_visible()
    expect(page.locator("#ledger-filters-toggle")).to_be_hidden()
    expect(page.locator('#ledger-rows td[data-col="received"]').first).to_be_visible()


def test_registration_on_a_phone_shows_earlier_cases_above_the_submit_button(
    phone_page, cases, dc_registrar, tmp_path
):
    login(phone_page, "dc_registrar")
    phone_page.goto(f"{phone_page.base}/petitions/new/")
    assert fits(phone_page)
    phone_page.get_by_label("身份证号码", exact=True).fill(ID_NUMBER)
    earlier = phone_page.locator("#earlier")
    expect(earlier).to_contain_text("安置房交付延期")
    # Found: a note by the person's fields leads down to them.
    found = phone_page.locator("#earlier-found")
    expect(found).to_be_visible()
    screenshot(phone_page, "phone360_registration_found")
    submit = phone_page.locator("#register-submit")
    assert earlier.bounding_box()["y"] < submit.bounding_box()["y"]
    # Inside the form, just above its buttons: seen on the way to 登记.
    expect(phone_page.locator("#register-form #register-panels-slot #earlier")).to_have_count(1)
    # One file picker: the button; the browser's own input is out of sight.
    pickers = phone_page.get_by_text("选择文件", exact=True)
    expect(pickers).to_have_count(1)
    expect(pickers).to_be_visible()
    file_input = phone_page.locator("input[type=file]")
    expect(file_input).to_have_count(1)
    expect(file_input).to_have_class("visually-hidden")
    scan = tmp_path / "来信扫描.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    file_input.set_input_files(str(scan))
    expect(phone_page.locator("#file-list")).to_contain_text("来信扫描.pdf")
    assert fits(phone_page)
    screenshot(phone_page, "phone360_registration")
    found.get_by_role("link").click()
    expect(earlier).to_be_in_viewport()
    # A number that finds no one hides the note again.
    phone_page.get_by_label("身份证号码", exact=True).fill("")
    phone_page.get_by_label("联系电话", exact=True).fill("13900009999")
    expect(earlier).to_contain_text("未查到")
    expect(found).to_be_hidden()


def test_the_case_page_home_and_screening_board_fit_a_phone(
    phone_page, org, cases, dc_registrar, district_supervisor
):
    first, _ = cases
    login(phone_page, "dc_registrar")
    for path, name in [("/", "home"), (f"/petitions/{first.pk}/", "case")]:
        phone_page.goto(f"{phone_page.base}{path}")
        assert fits(phone_page), path
        screenshot(phone_page, f"phone360_{name}")
    expect(phone_page.locator("#case-state")).to_have_text("已受理")

    cadence_rules_seed()
    screening_periods_ensure(first=timezone.localdate())
    phone_page.context.clear_cookies()
    login(phone_page, "district_supervisor")
    phone_page.goto(f"{phone_page.base}/prevention/screening/board/")
    expect(phone_page.locator("#board-rows tr").first).to_be_visible()
    assert fits(phone_page)
    screenshot(phone_page, "phone360_screening_board")
