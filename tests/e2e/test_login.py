from tests.e2e.conftest import login, screenshot


def test_dc_registrar_logs_in_through_the_chinese_login_page(page, dc_registrar):
    page.goto(f"{page.base}/accounts/login/")
    assert page.title() == "登录 · 信访事项办理平台"
    screenshot(page, "login")
    login(page, "dc_registrar")
    assert page.get_by_text("东城街道").is_visible()
    screenshot(page, "home_after_login")
    assert page.js_errors == []


def test_the_login_page_fits_a_phone(phone_page, db):
    phone_page.goto(f"{phone_page.base}/accounts/login/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    screenshot(phone_page, "login_phone")
