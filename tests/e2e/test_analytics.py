"""The leader's dashboard in Chromium: it renders its charts on a desktop and a 360 px phone,
and a number clicked leads to a ledger of exactly that many cases."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.analytics.conftest import make_case
from tests.e2e.conftest import login, screenshot


def _cases(org) -> None:
    today = timezone.localdate()
    first = today.replace(day=1)
    for i, (unit, channel, headcount) in enumerate(
        [
            (org.dongcheng, "visit", 1),
            (org.dongcheng, "letter", 1),
            (org.donghu, "online", 7),
            (org.xicheng, "visit", 2),
            (org.xicheng, "phone", 1),
        ]
    ):
        make_case(
            unit,
            first + timedelta(days=min(i, today.day - 1)),
            channel=channel,
            headcount=headcount,
            skips_level=i == 3,
        )
    for months_ago in range(1, 12):
        day = (first - timedelta(days=30 * months_ago)).replace(day=10)
        make_case(org.dongcheng if months_ago % 2 else org.xicheng, day, channel="visit")


def test_the_dashboard_renders_and_its_numbers_lead_to_their_cases(
    page, phone_page, org, district_supervisor
):
    _cases(org)
    login(page, "district_supervisor")
    page.goto(f"{page.base}/analytics/")
    expect(page.get_by_role("heading", name="统计分析")).to_be_visible()
    for chart in ("chart-trend", "chart-heat", "chart-category", "chart-channel"):
        expect(page.locator(f"#{chart}[data-ready='1'] svg")).to_have_count(1)
    assert not page.js_errors
    screenshot(page, "analytics_dashboard_1280")

    number = page.locator("#indicators tr[data-key='cases'] a.xf-num")
    expected = int(number.inner_text())
    assert expected == 5
    with page.expect_navigation():
        number.click()
    expect(page.locator("#ledger-total")).to_contain_text(f"共 {expected} 件")
    expect(page.locator("#ledger-case-set")).to_contain_text("信访总量（件次）")
    expect(page.locator("#ledger-rows tr")).to_have_count(expected)

    page.goto(f"{page.base}/analytics/")
    skip = page.locator("#indicators tr[data-key='level_skip_rate'] a.xf-den")
    total = int(skip.inner_text())
    with page.expect_navigation():
        skip.click()
    expect(page.locator("#ledger-total")).to_contain_text(f"共 {total} 件")

    # A chart element: the pie's first slice (the default palette's first colour) opens the
    # ledger of that channel's cases.
    page.goto(f"{page.base}/analytics/")
    expect(page.locator("#chart-channel[data-ready='1'] svg")).to_have_count(1)
    data = page.evaluate("JSON.parse(document.getElementById('chart-data').textContent)")
    first = data["channels"][0]
    with page.expect_navigation():
        page.locator("#chart-channel svg path[fill='#5470c6']").first.click()
    assert "channel=" in page.url
    expect(page.locator("#ledger-total")).to_contain_text(f"共 {first['value']} 件")

    login(phone_page, "district_supervisor")
    phone_page.goto(f"{phone_page.base}/analytics/")
    expect(phone_page.locator("#chart-heat[data-ready='1'] svg")).to_have_count(1)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    screenshot(phone_page, "analytics_dashboard_360")
    assert re.search(r"\d", phone_page.locator("#compare").inner_text())
