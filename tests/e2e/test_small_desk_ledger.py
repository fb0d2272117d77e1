"""A school's desk sees the 责任领导 column of its ledger on a desktop, and the phone card
leaves it out (issue 20 item 8)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import login


def test_the_school_desk_ledger_names_the_leader_except_on_a_phone(page, phone_page, school_case):
    login(page, "school_desk")
    page.goto(f"{page.base}/petitions/")
    expect(page.get_by_role("columnheader", name="责任领导")).to_be_visible()
    row = page.locator("#ledger-rows tr", has_text="食堂饭菜价格上涨")
    expect(row.locator('td[data-col="leader"]')).to_have_text("周建国")

    login(phone_page, "school_desk")
    phone_page.goto(f"{phone_page.base}/petitions/")
    card = phone_page.locator("#ledger-rows tr", has_text="食堂饭菜价格上涨")
    expect(card.locator("td.xf-subject")).to_be_visible()
    expect(card.locator('td[data-col="leader"]')).to_be_hidden()
