"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Without /usr/bin/chromium these tests skip (a user's laptop); under CI=true they fail instead,
so CI cannot pass without having run them. Screenshots go to test-results/screenshots/.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("XINFANG_TEST_OUTPUT", "test-results")) / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls that tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# A shared CI machine can take several seconds to answer a POST that writes, chains and
# recomputes; the 5 s default of expect() made such a test fail at random (seen in CI).
expect.set_options(timeout=15_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # A failed browser test reports where its page was and what it showed, so that a
    # failure seen only in CI can be understood from the CI output alone.
    report = yield
    if report.when == "call" and report.failed:
        for name in ("page", "phone_page"):
            if name in item.funcargs:
                report.sections.append((f"e2e {name}", _describe(item, item.funcargs[name])))
    return report


def _describe(item, page) -> str:
    try:
        text = " ".join(page.locator("body").inner_text(timeout=2_000).split())
        path = screenshot(page, f"failed-{item.name}")
    except Exception as exc:  # the page may be gone; the test's own error says the rest
        return f"page unavailable after the failure: {exc}"
    errors = getattr(page, "js_errors", None)
    return f"url {page.url}\nscreenshot {path}\nJavaScript errors {errors}\ntext {text[:1500]}"


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.base = live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under the test output directory."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, username: str, password: str = "pw") -> None:
    """Sign in through the login page; a user who must give a second factor is given an
    authenticator first (unless they have one) and its code is typed on the next page."""
    from tests.conftest import otp_code, otp_device_for
    from xinfang.units.models import Staff
    from xinfang.units.signin import otp_must_verify

    user = Staff.objects.get(username=username)
    device = otp_device_for(user) if otp_must_verify(user) else None
    page.goto(f"{page.base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    # Wait for the login POST itself: the login page's own URL ends in "/" too, so waiting
    # for such a URL returned at once and the next goto raced the login (a random CI failure).
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    if device is not None:
        expect(page).to_have_url(re.compile(r"/accounts/otp/verify/"))
        for _ in range(3):
            page.get_by_label("动态验证码").fill(otp_code(device))
            with page.expect_navigation():
                page.get_by_role("button", name="验证").click()
            if "/accounts/otp/" not in page.url:
                break
            # A time-based code: one refused (a step boundary crossed on a loaded machine, a
            # step's code spent by an earlier sign-in) is retried with the next step's, twice
            # (a PostgreSQL CI run under load saw one retry refused too).
            time.sleep(device.step - (time.time() - device.t0) % device.step + 1)
        expect(page).not_to_have_url(re.compile(r"/accounts/otp/"))
