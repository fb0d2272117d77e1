"""Supervision in Chromium: a supervisor issues a flagged order that the unit answers, and a
leader approves the handler's extension request (issue: supervision)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import register
from xinfang.petitions.models import Petition
from xinfang.workflow import services as wf
from xinfang.workflow.models import ExtensionRequest, SupervisionOrder


def in_progress(org, dc_registrar, dc_leader, dc_handler, subject: str, days_ago: int) -> Petition:
    p = register(
        dc_registrar,
        org.dongcheng,
        at=timezone.now() - timedelta(days=days_ago),
        subject=subject,
        difficulty="hard",
    )
    p = wf.petition_accept(
        petition=p, actor=dc_leader, now=timezone.now() - timedelta(days=days_ago)
    )
    return wf.petition_start(petition=p, actor=dc_handler)


def logout(page) -> None:
    page.context.clear_cookies()


def test_a_supervisor_issues_a_flagged_order_and_the_unit_answers_it(
    page, phone_page, org, dc_registrar, dc_leader, dc_handler, district_supervisor
):
    p = in_progress(org, dc_registrar, dc_leader, dc_handler, "青山路积水严重影响出行", 20)
    login(page, "district_supervisor")
    page.goto(f"{page.base}/petitions/{p.pk}/")
    page.get_by_role("button", name="督办本件").click()
    form = page.locator("#form-order form")
    form.get_by_label("督办方式").select_option(label="挂牌督办")
    form.get_by_label("督办要求").fill("限五日内排除积水隐患，并书面报告办理结果。")
    form.get_by_label("反馈期限").fill((timezone.localdate() + timedelta(days=5)).isoformat())
    screenshot(page, "supervision_issue_form")
    with page.expect_navigation():
        form.get_by_role("button", name="确认督办").click()
    expect(page.get_by_role("alert").first).to_contain_text("已督办")
    header = page.locator("header.card")
    expect(header.locator(".xf-flagged")).to_have_text("挂牌督办")
    expect(page.locator("#supervision")).to_contain_text("限五日内排除积水隐患")
    screenshot(page, "supervision_flagged_case")
    order = SupervisionOrder.objects.get(petition=p)
    assert order.level == "flagged" and order.unit == org.dongcheng

    # The flag follows the case into the ledger.
    page.goto(f"{page.base}/petitions/")
    row = page.locator("tr", has_text="青山路积水严重影响出行")
    expect(row.locator(".xf-flagged")).to_be_visible()
    logout(page)

    # The handler sees it on the workbench, answers from the supervision list on a phone.
    login(phone_page, "dc_handler")
    expect(phone_page.locator("#q-supervised")).to_contain_text("青山路积水严重影响出行")
    expect(phone_page.locator("#q-supervised .xf-flagged")).to_be_visible()
    phone_page.goto(f"{phone_page.base}/supervision/")
    item = phone_page.locator(f"#order-{order.pk}")
    item.get_by_label("办理情况").fill("已组织抽排积水，疏通雨水管网，并书面答复信访人。")
    screenshot(phone_page, "supervision_respond_phone")
    with phone_page.expect_navigation():
        item.get_by_role("button", name="反馈办理情况").click()
    expect(phone_page.get_by_role("alert").first).to_contain_text("已反馈")
    order.refresh_from_db()
    assert order.status == "responded"
    assert not page.js_errors


def test_a_leader_approves_the_handlers_extension_request(
    page, org, dc_registrar, dc_leader, dc_handler
):
    p = in_progress(org, dc_registrar, dc_leader, dc_handler, "征地补偿标准争议", 50)
    before = p.conclude_by
    login(page, "dc_handler")
    page.goto(f"{page.base}/petitions/{p.pk}/")
    page.get_by_role("button", name="申请延期").click()
    form = page.locator("#form-extension form")
    form.get_by_label("申请延期天数").fill("30")
    form.get_by_label("延期理由").fill("需等待国土部门出具测绘结果")
    with page.expect_navigation():
        form.get_by_role("button", name="提交延期申请").click()
    expect(page.get_by_role("alert").first).to_contain_text("等待领导审批")
    logout(page)

    login(page, "dc_leader")
    expect(page.locator("#q-extension_pending")).to_contain_text("征地补偿标准争议")
    screenshot(page, "supervision_workbench_leader")
    page.locator("#q-extension_pending").get_by_role("link", name="查看全部").or_(
        page.locator("#q-extension_pending").get_by_role("link", name="打开待审批延期")
    ).first.click()
    request = ExtensionRequest.objects.get(petition=p)
    item = page.locator(f"#extension-{request.pk}")
    expect(item).to_contain_text("需等待国土部门出具测绘结果")
    screenshot(page, "supervision_extension_approve")
    with page.expect_navigation():
        item.get_by_role("button", name="批准延期").click()
    expect(page.get_by_role("alert").first).to_contain_text("已批准延期")
    page.goto(f"{page.base}/petitions/{p.pk}/")
    p.refresh_from_db()
    assert p.extension_days == 30 and p.conclude_by > before
    expect(page.locator("#h-deadlines").locator("..")).to_contain_text(
        p.conclude_by.strftime("%Y-%m-%d")
    )
    expect(page.locator(".xf-timeline")).to_contain_text("需等待国土部门出具测绘结果")
    screenshot(page, "supervision_extension_approved")
    assert not page.js_errors
