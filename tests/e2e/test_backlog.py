"""The backlog in Chromium: the board's numbers open their entries (on a 360 px phone too),
and a joint meeting's task for a case becomes a supervision order in one step."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import _member
from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import person, register
from xinfang.backlog import services as bs
from xinfang.backlog.meetings import TaskInput, meeting_record
from xinfang.workflow.models import SupervisionOrder


def _matter(org, dc_registrar, dc_leader):
    today = timezone.localdate()
    who = [person(name="陈安置")]
    first = register(
        dc_registrar, org.dongcheng, at=timezone.now() - timedelta(days=800),
        subject="移民后期扶持漏登", people=who, category="resettlement.post_support",
    )  # fmt: skip
    again = register(
        dc_registrar, org.dongcheng, at=timezone.now() - timedelta(days=30),
        subject="再次反映后期扶持漏登", people=who, category="resettlement.post_support",
        repeat_of=first,
    )  # fmt: skip
    entry = bs.backlog_entry_create(actor=dc_leader, cases=[first, again], subject="陈家后期扶持")
    entry = bs.backlog_entry_confirm(
        entry=entry, actor=dc_leader, owner=dc_leader, target_on=today + timedelta(days=60)
    )
    bs.plan_step_add(
        entry=entry, actor=dc_leader, text="移民办核对搬迁档案", unit=org.bureau,
        due_on=today - timedelta(days=2),
    )  # fmt: skip
    return entry, again


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_board_links_every_number_to_its_entries(
    page, phone_page, org, dc_registrar, dc_leader
):
    entry, _ = _matter(org, dc_registrar, dc_leader)
    login(page, "dc_leader")
    page.goto(f"{page.base}/")
    page.get_by_role("link", name="积案化解").first.click()
    expect(page.locator("h1")).to_have_text("积案化解")
    expect(page.locator("#by-status [data-status='in_progress']")).to_have_text("1")
    screenshot(page, "backlog_board")
    with page.expect_navigation():
        page.locator("[data-figure='overdue']").click()
    expect(page.locator("#entries")).to_contain_text("陈家后期扶持")
    with page.expect_navigation():
        page.locator("#entries a", has_text="陈家后期扶持").click()
    expect(page.locator("#steps")).to_contain_text("移民办核对搬迁档案")
    # Resolve it from the page: the status and the date change.
    form = page.locator("form[data-form='resolve']")
    form.get_by_label("化解协议或结果").fill("补录名册，补发扶持资金，信访人签字同意")
    with page.expect_navigation():
        form.get_by_role("button", name="登记已化解（信访人同意）").click()
    expect(page.locator("#entry-status")).to_have_text("已化解")
    expect(page.locator("#milestones")).to_contain_text("已化解")

    login(phone_page, "dc_leader")
    phone_page.goto(f"{phone_page.base}/backlog/")
    expect(phone_page.locator("[data-figure='resolved']")).to_contain_text("1")
    assert _fits(phone_page)
    screenshot(phone_page, "backlog_board_phone")
    phone_page.goto(f"{phone_page.base}/backlog/{entry.pk}/")
    expect(phone_page.locator("#entry-status")).to_have_text("已化解")
    assert _fits(phone_page)


def test_a_meeting_task_becomes_a_supervision_order(page, org, dc_registrar, dc_leader):
    entry, case = _matter(org, dc_registrar, dc_leader)
    supervisor = _member("cn_supervisor", org.district, "supervisor")
    meeting = meeting_record(
        actor=supervisor, held_on=timezone.localdate(), title="城南区信访联席会议",
        convening_unit=org.district, units_present=[org.dongcheng, org.bureau],
        decisions="移民办牵头核实", entries=[entry],
        tasks=[TaskInput(unit=org.bureau, text="十日内补发扶持资金",
                         due_on=timezone.localdate() + timedelta(days=10), petition=case)],
    )  # fmt: skip
    login(page, "cn_supervisor")
    page.goto(f"{page.base}/backlog/meetings/")
    with page.expect_navigation():
        page.get_by_role("link", name="城南区信访联席会议").click()
    task = page.locator("#tasks .list-group-item", has_text="十日内补发扶持资金")
    task.get_by_label("督办方式").select_option(label="挂牌督办")
    screenshot(page, "backlog_meeting_task")
    with page.expect_navigation():
        task.get_by_role("button", name="转为督办").click()
    expect(page.get_by_role("alert").first).to_contain_text("已转为督办")
    expect(task).to_contain_text("已转挂牌督办")
    expect(task.get_by_role("button", name="转为督办")).to_have_count(0)
    order = SupervisionOrder.objects.get(petition=case)
    assert order.level == "flagged" and "十日内补发扶持资金" in order.requirements
    assert meeting.tasks.get().supervision_order == order
    # The order is on the supervision page like any other.
    page.goto(f"{page.base}/supervision/?status=open")
    expect(page.locator("#orders")).to_contain_text("十日内补发扶持资金")
