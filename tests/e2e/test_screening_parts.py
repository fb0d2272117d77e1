"""Two heads of department of a school each file their part of the week's screening report on
a 360 px phone, and the report lists the parts with who filed each (issue 20 item 8)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import _member
from tests.e2e.conftest import login, screenshot
from xinfang.units.models import Unit

FITS = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def school(org):
    school = Unit.objects.add_child(
        Unit.objects.get(pk=org.dongcheng.pk),
        {"code": "LJ-CN-DC-SCH", "name": "东城第一小学", "kind": "school"},
    )
    for username, name in (("head_teaching", "钱教务"), ("head_security", "郑安保")):
        head = _member(username, school, "handler")
        head.full_name = name
        head.save(update_fields=["full_name"])
    return school


def test_two_heads_each_file_their_part_on_a_phone(phone_page, school):
    page = phone_page
    for username, part in (("head_teaching", "教务处"), ("head_security", "安保处")):
        page.context.clear_cookies()  # the next head signs in on the same phone
        login(page, username)
        page.goto(f"{page.base}/prevention/screening/part/?unit={school.pk}")
        assert page.evaluate(FITS)
        page.get_by_label("分项（部门）").fill(part)
        with page.expect_navigation():
            page.get_by_role("button", name="本部门未发现").click()
        expect(page.locator(".alert-success")).to_contain_text(f"“{part}”分项")
    parts = page.locator("#xf-parts")
    expect(parts).to_contain_text("教务处")
    expect(parts).to_contain_text("钱教务")
    expect(parts).to_contain_text("安保处")
    expect(parts).to_contain_text("郑安保")
    expect(page.get_by_text("零报告：本期排查未发现矛盾纠纷。")).to_be_visible()
    assert page.evaluate(FITS)
    screenshot(page, "phone360_screening_parts")
