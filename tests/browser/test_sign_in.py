"""Signing in through the browser: a wrong password, too many of them, and a form posted without
its CSRF token."""

from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.conftest import TEST_PASSWORD

WRONG = "wrong horse battery"
ACCOUNT_LIMIT = 10  # the default CREDIT_SIGNIN_LIMIT_ACCOUNT, 10/minute


def fill_in(page, username: str, password: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_wrong_password_is_refused_next_to_the_field(page, live_make):
    account = live_make.account("bank")
    page.goto("/login")
    fill_in(page, account.username, WRONG)
    problem = page.locator("#password-problem")
    problem.wait_for()
    assert "用户名或密码不正确" in problem.inner_text()
    assert page.get_by_label("用户名").input_value() == account.username
    assert page.get_by_label("密码").get_attribute("aria-invalid") == "true"
    screenshot(page, "login-refused-1280")
    # The right password then signs in, and the header names the account.
    fill_in(page, account.username, TEST_PASSWORD)
    page.wait_for_url("**/desk")
    assert page.get_by_role("banner").get_by_text(account.username).is_visible()


def test_too_many_wrong_passwords_get_a_page_saying_when_to_retry(page, live_make):
    account = live_make.account("bank")
    page.goto("/login")
    for _ in range(ACCOUNT_LIMIT):
        fill_in(page, account.username, WRONG)
        page.locator("#password-problem").wait_for()
    fill_in(page, account.username, TEST_PASSWORD)
    heading = page.get_by_role("heading", level=1, name="尝试次数过多")
    heading.wait_for()
    assert "秒后再试" in page.locator("main").inner_text()
    screenshot(page, "login-limited-375")


def test_a_form_posted_without_its_csrf_token_is_refused(page, live_make):
    account = live_make.account("bank")
    page.goto("/login")
    page.locator('input[name="csrf_token"]').evaluate("field => field.remove()")
    fill_in(page, account.username, TEST_PASSWORD)
    heading = page.get_by_role("heading", level=1, name="请求无效")
    heading.wait_for()
    assert "安全校验码" in page.locator("main").inner_text()
    page.goto("/")
    assert page.get_by_role("link", name="登录").is_visible()  # not signed in
