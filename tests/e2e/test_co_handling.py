"""Co-handling units (协办单位) chosen at registration and on the case page; the co-handling
unit finds the case on its own workbench (issue 20 item 4, SCENARIOS.md 2)."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from xinfang.petitions.models import Petition, PetitionEvent, PetitionUnit


def test_it_sets_co_handling_at_registration_and_the_unit_sees_it(
    page, org, dc_registrar, dc_leader, xc_handler
):
    login(page, "dc_registrar")
    page.goto(f"{page.base}/petitions/new/")
    page.get_by_label("信访人姓名", exact=True).fill("冯德胜")
    page.locator("#id_subject").fill("相邻街道施工导致房屋开裂")
    page.locator("#id_content").fill("西城街道修路施工后，我家房屋墙体开裂，请求核查赔偿。")
    page.locator("#id_category").select_option(label="市政设施")
    page.locator("#id_co_handling_units").select_option(label="西城街道")
    screenshot(page, "co_handling_register")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(r"/petitions/\d+/$"))
    expect(page.locator("#co-handling")).to_contain_text("西城街道")
    petition = Petition.objects.get(subject="相邻街道施工导致房屋开裂")
    assert PetitionUnit.objects.filter(
        petition=petition, unit=org.xicheng, relation=PetitionUnit.Relation.CO_HANDLING
    ).exists()
    url = page.url

    # The co-handling unit finds it on its own workbench, not only by its address.
    page.context.clear_cookies()
    login(page, "xc_handler")
    expect(page.locator("#q-co_handling")).to_contain_text("相邻街道施工导致房屋开裂")
    screenshot(page, "co_handling_workbench")
    page.locator("#q-co_handling").get_by_text("相邻街道施工导致房屋开裂").click()
    expect(page).to_have_url(url)

    # The answering unit's leader ends it with a reason; the history says so.
    page.context.clear_cookies()
    login(page, "dc_leader")
    page.goto(url)
    section = page.locator("#co-handling")
    section.locator("summary", has_text="撤销").click()
    section.get_by_label("撤销理由").fill("经核实施工单位不属西城街道管理")
    with page.expect_navigation():
        section.get_by_role("button", name="撤销协办").click()
    expect(page.locator("#co-handling")).to_contain_text("暂无协办单位")
    assert PetitionEvent.objects.filter(petition=petition, kind="co_handling_remove").exists()
    screenshot(page, "co_handling_removed")

    page.context.clear_cookies()
    login(page, "xc_handler")
    expect(page.locator("#q-co_handling")).to_have_count(0)
    assert page.goto(url).status == 404
