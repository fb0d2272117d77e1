"""In the browser: a leader's first sign-in enrols an authenticator from the QR code page,
the next one asks for its code; the lockout message; 我的令牌."""

from __future__ import annotations

import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.conftest import otp_code
from tests.e2e.conftest import screenshot


def password_step(page, username: str, password: str = "pw") -> None:
    page.goto(f"{page.base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def test_a_leader_enrols_at_the_first_sign_in_then_signs_in_with_a_code(page, dc_leader):
    password_step(page, "dc_leader")
    expect(page).to_have_url(re.compile(r"/accounts/otp/enrol/"))
    expect(page.locator("#otp-qr svg")).to_be_visible()
    secret = page.locator("#otp-secret").inner_text()
    device = TOTPDevice.objects.get(user=dc_leader, confirmed=False)
    screenshot(page, "otp_enrol")
    page.get_by_label("验证器显示的 6 位数字").fill(otp_code(device))
    page.get_by_role("button", name="确认绑定").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    screenshot(page, "otp_recovery_codes")
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page.get_by_text("东城街道").first).to_be_visible()
    assert len(secret) >= 16

    # Signed out, the next sign-in asks for the code of the same authenticator.
    page.context.clear_cookies()
    password_step(page, "dc_leader")
    expect(page).to_have_url(re.compile(r"/accounts/otp/verify/"))
    screenshot(page, "otp_verify")
    page.get_by_label("动态验证码").fill(otp_code(device))
    with page.expect_navigation():
        page.get_by_role("button", name="验证").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
    page.goto(f"{page.base}/accounts/security/")
    expect(page.get_by_text("剩余恢复码：10 个")).to_be_visible()
    assert page.js_errors == []


def test_the_enrolment_page_fits_a_phone(phone_page, dc_leader):
    password_step(phone_page, "dc_leader")
    expect(phone_page).to_have_url(re.compile(r"/accounts/otp/enrol/"))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "otp_enrol_phone")


def test_the_lockout_says_how_long_and_how_many_attempts_are_left(page, dc_registrar):
    password_step(page, "dc_registrar", "wrong")
    expect(page.get_by_role("alert")).to_contain_text("再输错 4 次，该账号将被锁定 30 分钟")
    for _ in range(4):
        password_step(page, "dc_registrar", "wrong")
    expect(page.locator("#lockout-message")).to_contain_text("已被锁定 30 分钟")
    screenshot(page, "lockout")


def test_my_tokens_page_issues_and_revokes_a_token(page, dc_handler):
    from tests.e2e.conftest import login

    login(page, "dc_handler")
    page.goto(f"{page.base}/accounts/tokens/")
    page.get_by_label("客户端名称").fill("台账同步")
    page.get_by_role("button", name="签发新令牌").click()
    expect(page.locator("#new-token code")).to_be_visible()
    expect(page.locator("#tokens")).to_contain_text("台账同步")
    screenshot(page, "my_tokens")
    page.get_by_role("button", name="吊销").click()
    expect(page.locator("#tokens")).to_contain_text("没有有效的令牌")
