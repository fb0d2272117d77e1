"""Print layout and the case page's notices in Chromium (issue 15): in print media the case
page and the ledger lose the navigation and the forms, use a Chinese serif font and print on
A4; a notice is generated from the case page in one click and recorded."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, login
from tests.petitions.factories import register
from xinfang.petitions.models import EventKind
from xinfang.workflow import services as wf

A4_POINTS = re.compile(rb"/MediaBox \[0 0 59[45]\.\d+ 84[12]\.\d+\]")


def _print_checks(page, url: str, name: str) -> bytes:
    page.goto(url)
    nav = page.locator("nav.xf-topbar")
    expect(nav).to_be_visible()
    page.emulate_media(media="print")
    expect(nav).to_be_hidden()
    expect(page.locator("main h1").first).to_be_visible()
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "SimSun" in font and "Noto" in font
    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}.pdf").write_bytes(pdf)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert pdf.startswith(b"%PDF") and A4_POINTS.search(pdf)
    page.emulate_media(media="screen")
    return pdf


def test_the_case_page_and_the_ledger_print_on_a4_without_navigation(
    page, org, dc_registrar, dc_leader
):
    p = register(dc_registrar, org.dongcheng, subject="东湖路下水道堵塞")
    p = wf.petition_accept(petition=p, actor=dc_leader)
    login(page, "dc_leader")
    _print_checks(page, f"{page.base}/petitions/{p.pk}/", "print-case")
    # The action panel and the notice forms are screen-only.
    page.emulate_media(media="print")
    expect(page.locator("#actions")).to_be_hidden()
    expect(page.locator("#notices")).to_be_hidden()
    page.emulate_media(media="screen")
    _print_checks(page, f"{page.base}/petitions/", "print-ledger")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="筛选")).to_be_hidden()
    expect(page.get_by_text("东湖路下水道堵塞")).to_be_visible()


def test_a_notice_is_generated_and_recorded_in_one_click(page, org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng)
    p = wf.petition_accept(petition=p, actor=dc_leader)
    login(page, "dc_leader")
    page.goto(f"{page.base}/petitions/{p.pk}/")
    form = page.locator('form[data-notice="accept"]')
    expect(page.locator('form[data-notice="reply"]')).to_have_count(0)
    form.get_by_label("送达方式").select_option(label="邮寄送达")
    with page.expect_download() as download:
        form.get_by_role("button", name="生成并记录").click()
    assert download.value.suggested_filename.endswith("受理告知书.docx")
    e = p.events.get(kind=EventKind.NOTICE_ISSUED)
    assert e.data["delivery"] == "post" and e.data["notice"] == "accept"
