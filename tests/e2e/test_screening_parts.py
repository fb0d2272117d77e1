"""Two heads of department of a school each file their part of the week's screening report on
a 360 px phone, and the report lists the parts with who filed each (issue 20 item 8)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import _member
from tests.e2e.conftest import login, screenshot
from xinfang.units.models import Unit

FITS = "document.scrollingElement.scrollWidth <= window.innerWidth"


def _this_weeks_part_form(page, school) -> str:
    # The form's own choice is the earliest unreported period still on time: on the first
    # days of a week that is last week's, so the week is named (CI failed on a Monday).
    return f"{page.base}/prevention/screening/part/?unit={school.pk}&period={timezone.localdate()}"


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
        page.goto(_this_weeks_part_form(page, school))
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


def test_the_board_shows_a_school_with_one_part_of_three_as_partly_reported(
    phone_page, school, dc_leader
):
    from xinfang.prevention.services import cadence_rule_set

    cadence_rule_set(actor=None, unit=school, cadence="weekly", parts="教务处\n安保处\n后勤处")
    page = phone_page
    login(page, "head_teaching")
    page.goto(_this_weeks_part_form(page, school))
    expect(page.locator("#xf-expected-parts")).to_contain_text("教务处、安保处、后勤处")
    page.get_by_label("分项（部门）").fill("教务处")
    with page.expect_navigation():
        page.get_by_role("button", name="本部门未发现").click()
    page.context.clear_cookies()
    login(page, "dc_leader")
    page.goto(f"{page.base}/prevention/screening/board/?unit={school.pk}&mode=current")
    row = page.locator(f'#board-rows tr[data-unit="{school.code}"]')
    expect(row).to_have_attribute("data-status", "partial")
    expect(row).to_contain_text("部分上报")
    expect(row).to_contain_text("分项 1/3")
    expect(page.locator("#board-chart")).to_contain_text("部分上报 1")
    assert page.evaluate(FITS)
    screenshot(page, "phone360_screening_board_partial")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "desktop_screening_board_partial")


def test_a_head_corrects_their_own_part_on_a_phone(phone_page, school):
    from django.utils import timezone

    from xinfang.petitions.models import Category
    from xinfang.prevention.services import (
        DisputeInput,
        screening_part_submit,
        screening_period_to_file,
    )
    from xinfang.units.models import Staff

    teaching = Staff.objects.get(username="head_teaching")
    period = screening_period_to_file(unit=school, now=timezone.now())
    report = screening_part_submit(
        actor=teaching,
        unit=school,
        period_start=period.starts_on,
        part="教务处",
        is_zero=False,
        disputes=[
            DisputeInput(
                subject="家长对分班有意见",
                parties="家长代表",
                category=Category.objects.get(code="land.demolition"),
            )
        ],
    )
    page = phone_page
    login(page, "head_teaching")
    page.goto(f"{page.base}/prevention/screening/reports/{report.pk}/")
    page.locator('[data-part-correct="教务处"]').click()
    subject = page.locator("#id_item-0-subject")
    expect(subject).to_have_value("家长对分班有意见")
    assert page.evaluate(FITS)
    screenshot(page, "phone360_screening_part_correct")
    subject.fill("家长对分班结果有意见（已约谈）")
    page.get_by_label("更正原因").fill("补充约谈情况")
    with page.expect_navigation():
        page.get_by_role("button", name="保存更正").click()
    expect(page.locator(".alert-success")).to_contain_text("已更正")
    expect(page.locator("#xf-parts")).to_contain_text("已更正")
    expect(page.locator("body")).to_contain_text("家长对分班结果有意见（已约谈）")
    assert page.evaluate(FITS)
