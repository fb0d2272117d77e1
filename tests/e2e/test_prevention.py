"""Prevention in the browser: an informant's zero report on a 360 px phone, items added with
htmx, the supervisor's board with one unit missing and its reminder, a dispute turned into a
petition."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from playwright.sync_api import expect

from tests.clock import at
from tests.conftest import _member
from tests.e2e.conftest import login, screenshot
from xinfang.notifications.models import Notification
from xinfang.petitions.models import Category
from xinfang.prevention.models import Dispute, ScreeningPeriod, ScreeningReport
from xinfang.prevention.services import (
    DisputeInput,
    cadence_rules_seed,
    screening_periods_ensure,
    screening_report_submit,
    special_period_create,
)
from xinfang.units.models import Unit

# A fixed moment in 两会 (ticking, so pages and the server see time pass normally).
MORNING = at(2027, 3, 9, 10, 30)


@pytest.fixture(autouse=True)
def _cadence_rules(transactional_db):
    cadence_rules_seed()


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=True):
        yield


@pytest.fixture
def lianghui(org, district_supervisor):
    return special_period_create(
        actor=district_supervisor,
        name="全国两会",
        starts_on=date(2027, 3, 3),
        ends_on=date(2027, 3, 15),
        units=[org.district],
        now=at(2027, 2, 20, 9),
    )


def test_an_informant_files_a_zero_report_on_a_phone(phone_page, org, informant, clock):
    page = phone_page
    login(page, "informant_1")
    page.goto(f"{page.base}/prevention/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    button = page.get_by_role("button", name=re.compile("报送零报告"))
    assert button.is_visible()
    box = button.bounding_box()
    assert box["width"] >= 280 and box["height"] >= 56  # a big target for a thumb
    screenshot(page, "prevention_home_phone")
    button.tap()
    expect(page.get_by_text(re.compile("已报送东湖社区第一居民小组.*零报告"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"已报送零报告（第1版"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "prevention_zero_filed_phone")
    report = ScreeningReport.objects.get()
    assert report.is_zero and report.unit == org.group and not report.is_late


def test_an_informant_lands_on_the_reporting_task_after_signing_in(
    phone_page, org, informant, clock
):
    page = phone_page
    login(page, "informant_1")
    # No empty case counters: the first page is this period's report and the one-tap zero.
    expect(page).to_have_url(re.compile(r"/prevention/$"))
    expect(page.get_by_role("button", name=re.compile("报送零报告"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "informant_landing_phone")


def test_an_informant_adds_two_items_with_htmx_on_a_phone(phone_page, org, informant, clock):
    page = phone_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, "informant_1")
    page.goto(f"{page.base}/prevention/screening/report/")
    page.locator("#id_item-0-subject").fill("宅基地边界纠纷")
    page.locator("#id_item-0-parties").fill("刘德明、刘德华")
    page.locator("#id_item-0-category").select_option(label="土地权属")
    page.locator("#id_item-0-risk_level").select_option("medium")
    page.get_by_role("button", name="再添加一条纠纷").click()
    page.locator("#id_item-1-subject").wait_for()
    assert page.url.endswith("/prevention/screening/report/")  # htmx, not a reload
    page.locator("#id_item-1-subject").fill("楼上漏水")
    page.locator("#id_item-1-parties").fill("张桂兰、李建军")
    page.locator("#id_item-1-category").select_option(label="房屋质量")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "prevention_report_items_phone")
    page.get_by_role("button", name="提交排查报告").click()
    expect(page.get_by_text("排查发现的矛盾纠纷（2）")).to_be_visible()
    screenshot(page, "prevention_report_detail_phone")
    assert errors == []
    assert sorted(Dispute.objects.values_list("subject", flat=True)) == [
        "宅基地边界纠纷",
        "楼上漏水",
    ]


def test_the_supervisor_sees_one_unit_missing_and_reminds_it(
    page, org, groups_e2e, district_supervisor, dh_handler_e2e, lianghui, clock
):
    yesterday = date(2027, 3, 8)
    screening_periods_ensure(first=yesterday, now=at(2027, 3, 8, 8))
    late_one = groups_e2e["LJ-CN-DC-DH-02"]
    for unit in Unit.objects.filter(path__startswith=org.district.path):
        if (
            unit == groups_e2e["LJ-CN-DC-DH-03"]
            or not ScreeningPeriod.objects.filter(unit=unit, starts_on=yesterday).exists()
        ):
            continue
        when = at(2027, 3, 9, 10, 12) if unit == late_one else at(2027, 3, 8, 18)
        screening_report_submit(
            actor=None, unit=unit, period_start=yesterday, is_zero=True, now=when
        )
    login(page, "district_supervisor")
    page.goto(f"{page.base}/prevention/screening/board/")
    missing = page.locator("#board-rows tr[data-status=missing]")
    assert missing.count() == 1
    assert missing.first.get_attribute("data-unit") == "LJ-CN-DC-DH-03"
    assert page.locator("#board-rows tr[data-status=late]").count() == 1
    assert page.locator(".xf-stat-missing .xf-num").inner_text() == "1"
    screenshot(page, "prevention_board_one_missing")
    page.get_by_role("button", name="提醒未报单位").click()
    expect(page.get_by_text("已向 1 个未报单位发送催报提醒。")).to_be_visible()
    note = Notification.objects.get(kind="screening")
    assert note.recipient == dh_handler_e2e
    assert note.dedupe_key == f"screening:{groups_e2e['LJ-CN-DC-DH-03'].pk}:2027-03-08"
    # The number links to the unit behind it.
    page.locator(".xf-stat-missing").click()
    expect(page.locator("#board-rows tbody tr")).to_have_count(1)
    assert "status=missing" in page.url
    screenshot(page, "prevention_board_missing_filtered")
    page.get_by_role("button", name="提醒未报单位").click()
    expect(page.get_by_text("这些单位已经提醒过，没有重复发送。")).to_be_visible()
    assert Notification.objects.filter(kind="screening").count() == 1
    assert page.js_errors == []


def test_a_dispute_becomes_a_petition(page, org, informant, dc_registrar, clock):
    report = screening_report_submit(
        actor=informant,
        unit=org.group,
        period_start=date(2027, 3, 8),
        is_zero=False,
        disputes=[
            DisputeInput(
                subject="小区加装电梯费用分摊纠纷",
                parties="孙建国、周玉梅、钱海",
                category=Category.objects.get(code="urban.property"),
                place="东湖路8号2单元",
                risk_level="medium",
                people_count=3,
                description="一楼住户不同意出资并阻止施工。",
            )
        ],
        now=at(2027, 3, 9, 9),
    )
    dispute = report.disputes.get()
    login(page, "dc_registrar")
    page.goto(f"{page.base}/prevention/disputes/")
    page.get_by_role("link", name="小区加装电梯费用分摊纠纷").click()
    page.get_by_role("link", name="转为信访件").click()
    assert page.locator("#id_subject").input_value() == "小区加装电梯费用分摊纠纷"
    assert "一楼住户不同意出资并阻止施工" in page.locator("#id_content").input_value()
    assert page.locator("#id_name").input_value() == "孙建国"
    assert page.locator("#id_more_names").input_value() == "周玉梅、钱海"
    screenshot(page, "prevention_dispute_convert")
    page.locator("#id_phone").fill("13907161234")
    page.get_by_role("button", name="登记为信访件").click()
    expect(page.get_by_text(re.compile("已转为信访件，查询码"))).to_be_visible()
    assert page.url.endswith(f"/prevention/disputes/{dispute.pk}/")
    screenshot(page, "prevention_dispute_converted")
    dispute.refresh_from_db()
    petition = dispute.petition
    assert petition.dispute == dispute and dispute.status == "converted"
    assert (petition.subject, petition.channel, petition.receiving_unit) == (
        "小区加装电梯费用分摊纠纷",
        "outreach",
        org.dongcheng,
    )
    assert petition.place == "东湖路8号2单元" and petition.headcount == 3
    assert page.js_errors == []


@pytest.fixture
def groups_e2e(org) -> dict[str, Unit]:
    made = {"LJ-CN-DC-DH-01": org.group}
    for n in (2, 3):
        code = f"LJ-CN-DC-DH-0{n}"
        made[code] = Unit.objects.add_child(
            Unit.objects.get(pk=org.donghu.pk),
            {"code": code, "name": f"东湖社区第{'二三'[n - 2]}居民小组", "kind": "group"},
        )
    return made


@pytest.fixture
def dh_handler_e2e(org):
    return _member("dh_handler", org.donghu, "handler")
