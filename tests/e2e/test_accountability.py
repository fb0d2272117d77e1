"""Accountability in Chromium: the street office's leader answers last month's item on a
360 px phone, and the district supervisor filters the list, opens it from the counts and
confirms it with a measure (issue 17)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.accountability.conftest import propose
from tests.clock import at
from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import register
from xinfang.accountability.models import Status


def test_the_unit_explains_and_the_supervisor_confirms_with_a_measure(
    page, phone_page, org, dc_registrar, dc_leader, district_supervisor
):
    case = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2), subject="东湖路路灯长期不亮")
    (item,) = propose()

    # The street office's leader, on a phone: the list, the item, the explanation.
    login(phone_page, "dc_leader")
    phone_page.goto(f"{phone_page.base}/accountability/?month=2026-11")
    expect(phone_page.locator("#by-unit")).to_contain_text("东城街道")
    entry = phone_page.locator(f"#item-{item.pk}")
    expect(entry).to_contain_text("未按期作出受理决定并告知")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "accountability_list_phone")
    with phone_page.expect_navigation():
        entry.click()
    expect(phone_page.locator("#proof-case")).to_contain_text("东湖路路灯长期不亮")
    expect(phone_page.locator("#decision")).to_have_count(0)
    phone_page.get_by_label("在上级决定前说明情况").fill(
        "受理岗人员调整，交接遗漏，已建立交接台账。"
    )
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "accountability_explain_phone")
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="提交说明").click()
    expect(phone_page.get_by_role("alert").first).to_contain_text("情况说明已提交")
    expect(phone_page.locator("#status")).to_have_text("已说明")

    # The district supervisor: filter by status, open from the count, confirm with 约谈.
    login(page, "district_supervisor")
    page.goto(f"{page.base}/accountability/")
    page.get_by_label("月份").fill("2026-11")
    page.get_by_label("状态").select_option(label="已说明")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    row = page.locator("#by-unit tr", has_text="东城街道")
    expect(row).to_contain_text("1")
    with page.expect_navigation():
        row.locator("td").nth(1).get_by_role("link").click()
    with page.expect_navigation():
        page.locator(f"#item-{item.pk}").click()
    expect(page.locator("#explanation")).to_contain_text("受理岗人员调整")
    form = page.locator("#decision form")
    form.get_by_role("radio", name="确认").check()
    form.get_by_label("追究措施（确认时可选）").select_option(label="约谈")
    form.get_by_label("决定意见（不予追究须写明理由）").fill("说明不能免责，约谈分管负责人。")
    screenshot(page, "accountability_decide")
    with page.expect_navigation():
        form.get_by_role("button", name="保存决定").click()
    expect(page.get_by_role("alert").first).to_contain_text("已确认")
    expect(page.locator("#status")).to_have_text("已确认")
    expect(page.locator("#measure")).to_contain_text("约谈")
    expect(page.locator("#history")).to_contain_text("单位说明")
    item.refresh_from_db()
    assert (item.status, item.measure, item.petition_id) == (Status.CONFIRMED, "talk", case.pk)
    assert not page.js_errors
