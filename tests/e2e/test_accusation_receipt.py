"""On a phone: the accused unit's handler finds nothing; the registrar who took the accusation
in sees the receipt (issue 11, RULES.md §6)."""

from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import person, register


def test_the_accused_handler_gets_404_and_the_registrar_a_receipt_on_a_phone(
    org, dc_registrar, dc_handler, phone_page
):
    p = register(
        dc_registrar,
        org.dongcheng,
        category="discipline.embezzlement",
        subject="反映东城街道干部收取好处费",
        content="举报内容：干部收取好处费。",
        people=[person(name="举报人丁", phone="13800001234")],
        is_accusation=True,
        accused_unit=org.dongcheng,
    )
    page = phone_page
    login(page, "dc_handler")
    response = page.goto(f"{page.base}/petitions/{p.pk}/")
    assert response.status == 404
    page.goto(f"{page.base}/petitions/")
    expect(page.locator("body")).not_to_contain_text("好处费")
    page.context.clear_cookies()

    login(page, "dc_registrar")
    page.goto(f"{page.base}/petitions/{p.pk}/")
    expect(page).to_have_url(f"{page.base}/petitions/{p.pk}/receipt/")
    receipt = page.locator("#receipt")
    expect(receipt.locator("#receipt-status")).to_have_text("移送上级处理")
    expect(receipt).not_to_contain_text("好处费")
    expect(receipt).not_to_contain_text("举报人丁")
    # It fits the phone: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    screenshot(page, "accusation_receipt_phone")
