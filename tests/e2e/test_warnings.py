"""The warnings page in Chromium: a leader sees a warning, acknowledges it with a note, and it
leaves the open list (and shows as acknowledged with the note)."""

from __future__ import annotations

from django.utils import timezone
from playwright.sync_api import expect

from tests.analytics.conftest import make_case
from tests.e2e.conftest import login, screenshot
from xinfang.analytics.models import EarlyWarning, WarningRule
from xinfang.analytics.warnings import warning_rules, warnings_raise


def test_a_leader_acknowledges_a_warning_and_it_leaves_the_open_list(page, org, dc_leader):
    today = timezone.localdate()
    # Three people of one place on one day: a collective visit forming (the surge rule off,
    # so the one warning is the gathering's).
    WarningRule.objects.filter(pk=warning_rules()["surge"].pk).update(enabled=False)
    for _ in range(3):
        make_case(org.dongcheng, today, place="东湖路12号", headcount=2)
    warnings_raise(today=today)
    w = EarlyWarning.objects.get()

    login(page, "dc_leader")
    page.goto(f"{page.base}/analytics/warnings/?status=open")
    row = page.locator("#warnings tbody tr", has_text=w.title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("未签收")
    screenshot(page, "warnings_open")

    with page.expect_navigation():
        row.get_by_role("link", name=w.title).click()
    page.get_by_label("签收意见").fill("已安排包案领导接谈，街道到现场了解情况")
    with page.expect_navigation():
        page.get_by_role("button", name="签收").click()

    page.goto(f"{page.base}/analytics/warnings/?status=open")
    expect(page.locator("#warnings tbody tr", has_text=w.title)).to_have_count(0)
    expect(page.locator("#warnings")).to_contain_text("暂无预警")
    page.goto(f"{page.base}/analytics/warnings/{w.pk}/")
    expect(page.get_by_text("已安排包案领导接谈，街道到现场了解情况")).to_be_visible()
    w.refresh_from_db()
    assert w.acknowledged_by == dc_leader and w.acknowledged_at is not None
    assert not page.js_errors
