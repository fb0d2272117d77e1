"""Search and hot topics in Chromium: a search in the ledger puts the best match first with
its words marked; the topics page shows the clusters, each count leading to exactly its
cases, on a desktop and a 360 px phone."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.analytics.test_topics import MIXER, OTHERS, PARKING, make_case
from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import register
from xinfang.analytics.topics import topics_refresh_all


def test_a_search_ranks_and_marks_the_words(page, phone_page, org, dc_registrar, dc_handler):
    register(
        dc_registrar,
        org.dongcheng,
        subject="小区环境问题",
        content="楼道堆放杂物，另外下水道偶尔有异味。",
    )
    best = register(
        dc_registrar,
        org.dongcheng,
        subject="下水道堵塞",
        content="下水道堵塞多日，污水漫到路面，请尽快疏通下水道。",
    )
    register(dc_registrar, org.dongcheng, subject="噪音扰民", content="工地夜间施工噪音扰民。")
    login(page, "dc_handler")
    page.goto(f"{page.base}/petitions/")
    page.get_by_label("查询码、信访人或关键词").fill("下水道")
    with page.expect_navigation():
        page.get_by_label("查询码、信访人或关键词").press("Enter")
    rows = page.locator("#ledger-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.first.locator("td.xf-subject a").first).to_have_attribute(
        "href", f"/petitions/{best.pk}/"
    )
    expect(rows.first.locator("td.xf-subject mark").first).to_have_text("下水道")
    expect(rows.nth(1).locator(".xf-snippet mark")).to_have_text("下水道")
    assert not page.js_errors
    screenshot(page, "search_marked_1280")

    login(phone_page, "dc_handler")
    phone_page.goto(f"{phone_page.base}/petitions/?q=下水道")
    expect(phone_page.locator("#ledger-rows mark").first).to_be_visible()
    screenshot(phone_page, "search_marked_360")


def test_the_topics_page_shows_clusters_leading_to_their_cases(
    page, phone_page, org, district_supervisor
):
    today = timezone.localdate()
    for i, text in enumerate(PARKING):
        make_case(org.dongcheng, today - timedelta(days=i), subject=text, content=text)
    for i, text in enumerate(MIXER):
        make_case(org.xicheng, today - timedelta(days=i), subject=text, content=text)
    for text in OTHERS:
        make_case(org.dongcheng, today, subject=text, content=text)
    topics_refresh_all()

    login(page, "district_supervisor")
    page.goto(f"{page.base}/analytics/")
    with page.expect_navigation():
        page.locator("#topics-link").click()
    page.get_by_role("link", name="近7天").click()
    topics = page.locator("#topics article.xf-topic")
    expect(topics).to_have_count(2)
    expect(topics.first).to_contain_text("车位")
    expect(topics.first.locator(".xf-trend")).to_have_text("新出现")
    assert not page.js_errors
    screenshot(page, "topics_1280")
    with page.expect_navigation():
        topics.first.locator("a.xf-topic-count").click()
    expect(page.locator("#ledger-rows tr")).to_have_count(4)
    expect(page.locator("#ledger-case-set")).to_contain_text("热点")

    page.goto(f"{page.base}/analytics/topics/?window=30")
    with page.expect_navigation():
        page.get_by_role("button", name="立即重新计算").click()
    expect(page.locator("body")).to_contain_text("已开始重新计算近 30 天的热点")

    login(phone_page, "district_supervisor")
    phone_page.goto(f"{phone_page.base}/analytics/topics/?window=7")
    expect(phone_page.locator("#topics article.xf-topic")).to_have_count(2)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"
    screenshot(phone_page, "topics_360")
