"""Scenario 12 in the browser: a 462-row ledger with three bad rows is refused whole, the
fixed file imports, and the same file again adds nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from tests.ledger.conftest import BAD, ledger_file  # noqa: F401  (the fixture)
from xinfang.petitions.models import Petition


def _upload(page, path) -> None:
    page.goto(f"{page.base}/ledger/import/")
    page.get_by_label("台帐文件（.xlsx 或 .csv）").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并对应列").click()
    expect(page.locator("#mapping")).to_be_visible()


def _import(page) -> None:
    # Writing 462 cases takes a while on a busy machine: wait for the navigation, not the click.
    with page.expect_navigation(timeout=180_000):
        page.get_by_role("button", name="检查并导入").click(no_wait_after=True)


@pytest.mark.slow
def test_scenario_12_moving_off_excel(page, org, dc_leader, ledger_file):  # noqa: F811
    login(page, "dc_leader")
    bad = ledger_file(462, BAD, "东城街道台帐.xlsx")
    _upload(page, bad)
    # The mapping was guessed from the Chinese headers.
    expect(page.get_by_label("来信来访日期")).to_have_value("received_on")
    expect(page.get_by_label("身份证号")).to_have_value("id_number")
    expect(page.get_by_label("问题类别")).to_have_value("category")
    screenshot(page, "ledger-import-mapping-1280")
    _import(page)
    expect(page.locator("#import-result")).to_contain_text("一行也没有导入")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(page.locator("#import-errors")).to_contain_text("第 19 行")
    expect(page.locator("#import-errors")).to_contain_text("第 242 行")
    expect(page.locator("#import-errors")).to_contain_text("校验位错误")
    screenshot(page, "ledger-import-errors-1280")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载标出错误的表格").click()
    assert download.value.suggested_filename.endswith("导入错误.xlsx")
    assert Petition.objects.count() == 0

    fixed = ledger_file(462, None, "东城街道台帐（改正）.xlsx")
    _upload(page, fixed)
    page.get_by_label("保存为方案（可选）").fill("东城台帐")
    _import(page)
    expect(page.locator("#import-result")).to_contain_text("已导入 462 件")
    screenshot(page, "ledger-import-done-1280")
    assert Petition.objects.count() == 462

    _upload(page, fixed)
    _import(page)
    expect(page.locator("#import-result")).to_contain_text("已导入 0 件")
    expect(page.locator("#import-result")).to_contain_text("462 行此前已导入过")
    assert Petition.objects.count() == 462
    assert not page.js_errors


def test_the_import_page_fits_a_phone(phone_page, org, dc_leader, ledger_file):  # noqa: F811
    page = phone_page
    login(page, "dc_leader")
    page.goto(f"{page.base}/ledger/import/")
    screenshot(page, "ledger-import-upload-360")
    _upload(page, ledger_file(5, {1: "unit"}))
    _import(page)
    expect(page.locator("#import-errors")).to_contain_text("是否是：东城街道")
    screenshot(page, "ledger-import-errors-360")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360 + 1
