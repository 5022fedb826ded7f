"""Signing in and out of the pages: the form, its CSRF token, the session cookie, the limits on
failed sign-ins, where each role lands, and pages kept to some roles."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from credit import create_app
from credit.config import Settings
from credit.services.users import disable_user
from credit.web.session import page_for
from tests.conftest import TEST_PASSWORD

WRONG = "wrong horse battery"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def csrf_token(client, path: str = "/login") -> str:
    page = text_of(client.get(path))
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username, password=TEST_PASSWORD, *, token=None, address="192.0.2.1", **form):
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": token or csrf_token(client),
            **form,
        },
        environ_base={"REMOTE_ADDR": address},
    )


def session_cookie(response) -> str:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    return header


def test_the_form_has_labelled_fields_and_a_csrf_token(client):
    response = client.get("/login")
    page = text_of(response)
    assert response.status_code == 200
    for field in ("username", "password", "csrf_token"):
        assert f'name="{field}"' in page
    assert '<label for="username">用户名</label>' in page
    assert '<label for="password">密码</label>' in page


def test_a_post_without_its_csrf_token_is_refused_with_a_page(client, make):
    account = make.account("bank")
    response = client.post("/login", data={"username": account.username, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "安全校验码" in text_of(response)
    assert "Set-Cookie" not in response.headers or "account_id" not in text_of(client.get("/"))
    assert account.username not in text_of(client.get("/"))


def test_a_post_with_a_forged_token_is_refused(client, make):
    account = make.account("bank")
    csrf_token(client)
    assert sign_in(client, account.username, token="forged").status_code == 400


def test_the_api_needs_no_csrf_token(client, make):
    account = make.account("bank")
    response = client.post(
        "/api/v1/auth/token", json={"username": account.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200


def test_a_wrong_password_shows_the_form_again_with_the_error_at_the_field(client, make):
    account = make.account("bank")
    response = sign_in(client, account.username, WRONG)
    page = text_of(response)
    assert response.status_code == 401
    assert 'id="password-problem"' in page and "用户名或密码不正确" in page
    assert 'aria-describedby="password-problem"' in page
    assert f'value="{account.username}"' in page  # the name is kept, the password is not
    assert WRONG not in page


def test_empty_fields_are_named(client):
    response = sign_in(client, "", "")
    assert response.status_code == 422
    assert "请输入用户名。" in text_of(response) and "请输入密码。" in text_of(response)


@pytest.mark.parametrize(
    "role, home",
    [
        ("bank", "/desk"),
        ("procurement", "/desk"),
        ("regulator", "/console"),
        ("enterprise", "/me"),
        ("admin", "/"),
    ],
)
def test_each_role_lands_on_its_home(client, make, role, home):
    binding = {"region": "3211"} if role == "regulator" else {}
    if role == "enterprise":
        binding["uscc"] = make.enterprise()
    account = make.account(role, **binding)
    response = sign_in(client, account.username)
    assert response.status_code == 303
    assert response.headers["Location"] == home
    assert account.username in text_of(client.get("/"))


def test_next_is_followed_when_it_is_a_path_here(client, make):
    account = make.account("bank")
    response = sign_in(client, account.username, next="/search?q=%E9%95%87%E6%B1%9F")
    assert response.headers["Location"] == "/search?q=%E9%95%87%E6%B1%9F"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_next_leading_elsewhere_is_ignored(client, make, target):
    account = make.account("bank")
    response = sign_in(client, account.username, next=target)
    assert response.headers["Location"] == "/desk"  # the bank's own home, not the target


def test_the_session_cookie_is_httponly_lax_and_not_secure_over_http(client, make):
    account = make.account("bank")
    cookie = session_cookie(sign_in(client, account.username))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(app, database, make):
    secure = app.test_client()
    secure.application.extensions["credit.signin_limits"].reset()
    account = make.account("bank")
    page = text_of(secure.get("/login", base_url="https://registry.example"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = secure.post(
        "/login",
        base_url="https://registry.example",
        # Browsers send no Referer: every answer says Referrer-Policy: no-referrer.
        data={"username": account.username, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303
    assert "Secure" in session_cookie(response)


def test_the_session_holds_the_account_id_and_nothing_secret(app, client, make):
    account = make.account("bank")
    cookie = session_cookie(sign_in(client, account.username))
    value = cookie.split(";")[0].removeprefix("session=")
    content = app.session_interface.get_signing_serializer(app).loads(value)
    assert set(content) <= {"account_id", "csrf_token"}
    assert isinstance(content["account_id"], int)
    assert TEST_PASSWORD not in str(content)


def test_a_disabled_account_is_signed_out_on_its_next_request(client, make):
    account = make.account("bank")
    sign_in(client, account.username)
    assert account.username in text_of(client.get("/"))
    with make.database.writing() as session:
        disable_user(session, account.username)
    response = client.get("/")
    assert account.username not in text_of(response)
    assert '<a href="/login">登录</a>' in text_of(response)
    assert account.username not in text_of(client.get("/blacklist"))


def test_a_disabled_account_cannot_sign_in(client, make):
    account = make.account("bank", disabled=True)
    assert sign_in(client, account.username).status_code == 401


def test_signing_out_ends_the_session(client, make):
    account = make.account("bank")
    sign_in(client, account.username)
    token = csrf_token(client, "/logout")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert account.username not in text_of(client.get("/"))


def test_signed_in_pages_are_not_kept_by_caches(client, make):
    account = make.account("bank")
    sign_in(client, account.username)
    assert client.get("/").headers["Cache-Control"] == "no-store"


# The limits on failed sign-ins, with the default settings (10 a minute per account).


@pytest.fixture
def limited_app(instance_dir, database_url, database):
    """An app of its own, with the default limits and a page only regulators may use."""
    settings = Settings(instance_dir=instance_dir, database_url=database_url, log_level="WARNING")
    app = create_app(settings)
    app.extensions["credit.database"].dispose()
    app.extensions["credit.database"] = database
    officers = Blueprint("officers_only", __name__)

    @officers.get("/officers-only")
    @page_for("regulator")
    def officers_only():
        return "<p>监管人员页面</p>"

    app.register_blueprint(officers)
    return app


def test_too_many_failures_for_an_account_get_a_429_page_saying_when_to_retry(limited_app, make):
    client = limited_app.test_client()
    account = make.account("bank")
    for _ in range(10):
        assert sign_in(client, account.username, WRONG).status_code == 401
    refused = sign_in(client, account.username)  # the right password, too late
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 60
    assert f"请在 <strong>{wait} 秒</strong>后再试" in text_of(refused)
    # Another account from another address is not affected.
    other = make.account("bank")
    assert sign_in(client, other.username, address="192.0.2.2").status_code == 303


def test_the_token_endpoint_and_the_form_count_the_same_failures(limited_app, make):
    client = limited_app.test_client()
    account = make.account("bank")
    for _ in range(5):
        client.post(
            "/api/v1/auth/token",
            json={"username": account.username, "password": WRONG},
            environ_base={"REMOTE_ADDR": "192.0.2.1"},
        )
    for _ in range(5):
        sign_in(client, account.username, WRONG)
    assert sign_in(client, account.username).status_code == 429


def test_a_visitor_is_sent_to_sign_in_and_back(limited_app, make):
    client = limited_app.test_client()
    response = client.get("/officers-only?tab=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/officers-only?tab%3D1"
    officer = make.account("regulator", region="3211")
    back = sign_in(client, officer.username, next="/officers-only?tab=1")
    assert back.headers["Location"] == "/officers-only?tab=1"
    assert "监管人员页面" in text_of(client.get("/officers-only"))


def test_another_role_gets_the_403_page(limited_app, make):
    client = limited_app.test_client()
    sign_in(client, make.account("bank").username)
    response = client.get("/officers-only")
    assert response.status_code == 403
    assert "无权访问" in text_of(response)


def test_behind_a_trusted_proxy_the_cookie_is_secure_when_the_proxy_says_https(
    instance_dir, database_url, database, make
):
    settings = Settings(
        instance_dir=instance_dir, database_url=database_url, log_level="WARNING", trusted_proxies=1
    )
    app = create_app(settings)
    app.extensions["credit.database"].dispose()
    app.extensions["credit.database"] = database
    client = app.test_client()
    account = make.account("bank")
    for proto, secure in (("https", True), ("http", False)):
        headers = {"X-Forwarded-Proto": proto}
        page = text_of(client.get("/login", headers=headers))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post(
            "/login",
            headers=headers,
            data={"username": account.username, "password": TEST_PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 303
        assert ("Secure" in session_cookie(response)) is secure
