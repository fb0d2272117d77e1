"""The case's life through the staff pages, clicked through in Chromium (issue: workbench)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from tests.petitions.factories import REPLY, person, register
from xinfang.petitions.models import Petition
from xinfang.workflow import services as wf

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def earlier_cases(org, dc_registrar, dc_leader, dc_handler):
    """Two earlier cases of one woman, one answered."""
    someone = person(name="陈秀英", id_number=ID_NUMBER, phone="13811112222")
    first = register(
        dc_registrar,
        org.dongcheng,
        people=[someone],
        subject="房屋拆迁补偿偏低",
        category="land.demolition",
    )
    wf.petition_accept(petition=first, actor=dc_leader)
    wf.petition_start(petition=first, actor=dc_handler)
    wf.petition_conclude(
        petition=first,
        actor=dc_leader,
        reply={**REPLY, "decision": "按评估价补偿，另给予搬迁奖励。"},
    )
    register(
        dc_registrar,
        org.dongcheng,
        people=[someone],
        subject="安置房交付延期",
        category="land.housing",
    )


def act(page, name: str, label: str, fill: dict | None = None) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    open_panel(page, name)
    form = page.locator(f"#act-{name} form")
    for selector, value in (fill or {}).items():
        element = form.locator(selector)
        if element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(label=value)
        else:
            element.fill(value)
    with page.expect_navigation():
        form.get_by_role("button", name=f"确认{label}").click()


def open_panel(page, name: str) -> None:
    """Wait until Bootstrap has finished opening the action's panel: a click on its confirm
    button while the panel is still sliding open is not a click Playwright can rely on."""
    expect(page.locator(f"#act-{name}")).to_have_class(re.compile(r"\bcollapse\b.*\bshow\b"))


def logout(page) -> None:
    page.context.clear_cookies()


def test_a_case_from_registration_to_conclusion(
    page, org, dc_registrar, dc_leader, dc_handler, xc_handler, earlier_cases
):
    login(page, "dc_registrar")
    page.get_by_role("link", name="登记信访事项").click()
    screenshot(page, "workbench_register_empty")
    page.get_by_label("信访人姓名", exact=True).fill("陈秀英")
    page.get_by_label("身份证号码", exact=True).fill(ID_NUMBER)
    expect(page.locator("#earlier")).to_contain_text("房屋拆迁补偿偏低")
    expect(page.locator("#earlier")).to_contain_text("按评估价补偿")
    expect(page.locator("#earlier")).to_contain_text("安置房交付延期")
    page.get_by_label("联系电话", exact=True).fill("13811112222")
    page.locator("#id_subject").fill("再次反映拆迁补偿问题")
    page.locator("#id_content").fill("补偿款仍未足额到位，请求按照协议支付剩余补偿款。")
    page.locator("#id_category").select_option(label="房屋拆迁")
    # The same matter (拆迁 and 安置房 are both 征地拆迁) is still open: the registrar is warned.
    expect(page.locator("#earlier")).to_contain_text("同一事项正在办理中")
    page.locator(".xf-mark-repeat").first.click()
    expect(page.locator("#repeat-chosen")).to_contain_text("重复访")
    screenshot(page, "workbench_register_filled")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(r"/petitions/\d+/$"))
    expect(page.locator("#case-state")).to_have_text("已登记")
    petition = Petition.objects.get(subject="再次反映拆迁补偿问题")
    assert petition.repeat_of is not None and not petition.is_first
    url = page.url
    screenshot(page, "workbench_case_registered")

    logout(page)
    login(page, "dc_leader")
    screenshot(page, "workbench_home_leader")
    page.goto(url)
    act(
        page,
        "assign",
        "交办",
        {
            "select[name=assign-to_unit]": "东城街道",
            "select[name=assign-handler]": f"{dc_handler.display_name}（东城街道）",
        },
    )
    expect(page.locator("#case-state")).to_have_text("已交办")

    logout(page)
    login(page, "dc_handler")
    page.goto(url)
    act(page, "acknowledge", "签收")
    expect(page.locator("#case-state")).to_have_text("已签收")
    act(page, "start", "开始办理")
    expect(page.locator("#case-state")).to_have_text("办理中")
    for key, value in REPLY.items():
        if key == "outcome":
            page.locator("select[name=draft-outcome]").select_option(value)
        else:
            page.locator(f"[name=draft-{key}]").fill(value)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("答复意见草稿已保存")).to_be_visible()
    screenshot(page, "workbench_case_drafted")

    logout(page)
    login(page, "dc_leader")
    page.goto(url)
    page.get_by_role("button", name="办结", exact=True).click()
    open_panel(page, "conclude")
    expect(page.locator("[name=conclude-facts]")).to_have_value(REPLY["facts"])
    with page.expect_navigation():
        page.locator("#act-conclude form").get_by_role("button", name="确认办结").click()
    expect(page.locator("#case-state")).to_have_text("已办结")
    expect(page.get_by_text(REPLY["decision"])).to_be_visible()
    screenshot(page, "workbench_case_concluded")
    assert page.js_errors == []

    logout(page)
    login(page, "xc_handler")
    response = page.goto(url)
    assert response.status == 404


def test_the_ledger_and_case_pages_fit_a_phone(phone_page, org, dc_registrar, earlier_cases):
    login(phone_page, "dc_registrar")
    for path in [
        "/",
        "/petitions/",
        "/petitions/new/",
        f"/petitions/{Petition.objects.first().pk}/",
    ]:
        phone_page.goto(phone_page.base + path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
        screenshot(phone_page, "phone" + path.replace("/", "_"))
