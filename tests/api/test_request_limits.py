"""Checks are limited per account and lookups of firms per client address, as settings say."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from credit import create_app
from credit.config import Settings
from tests.api.problems import assert_problem

PROCUREMENT = "/api/v1/checks/procurement"
LENDING = "/api/v1/checks/lending"
SEARCH = "/api/v1/enterprises"
ADDRESS = "192.0.2.1"


@pytest.fixture
def clock():
    with time_machine.travel(
        datetime.datetime(2026, 6, 15, 9, 0, tzinfo=datetime.UTC), tick=False
    ) as traveller:
        yield traveller


@pytest.fixture
def limited(instance_dir, database_url, database, clock):
    """Makes an app of its own (so its counters are its own) with the limits given."""

    def build(**limits):
        settings = Settings(
            instance_dir=instance_dir, database_url=database_url, log_level="WARNING", **limits
        )
        app = create_app(settings)
        app.extensions["credit.database"].dispose()
        app.extensions["credit.database"] = database
        return app.test_client()

    return build


def get(client, path, address=ADDRESS, **kw):
    return client.get(path, environ_base={"REMOTE_ADDR": address}, **kw)


def assert_limited(response) -> int:
    body = assert_problem(response, 429)
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 60
    assert f"{wait} seconds" in body["detail"]
    return wait


def test_the_defaults_are_documented_rates():
    settings = Settings()
    assert (settings.limit_checks, settings.limit_lookups) == ("120/minute", "off")


def test_lookups_past_the_limit_are_429_with_retry_after(limited, make, clock):
    client = limited(limit_lookups="3/minute")
    firm = make.enterprise()
    assert get(client, SEARCH).status_code == 200
    assert get(client, f"{SEARCH}/{firm}").status_code == 200
    assert get(client, SEARCH, query_string={"q": "镇江"}).status_code == 200
    assert_limited(get(client, f"{SEARCH}/{firm}"))
    assert_limited(get(client, SEARCH))
    # Another address has its own count; other reads are not limited.
    assert get(client, SEARCH, address="192.0.2.2").status_code == 200
    assert get(client, "/api/v1/blacklist").status_code == 200
    assert get(client, "/healthz").status_code == 200
    # The window moves on.
    clock.shift(datetime.timedelta(seconds=61))
    assert get(client, SEARCH).status_code == 200


def test_the_site_s_lookups_count_with_the_api_s_and_get_a_chinese_page(limited, make):
    client = limited(limit_lookups="2/minute")
    firm = make.enterprise()
    assert get(client, SEARCH).status_code == 200
    page = get(client, f"/enterprises/{firm}")
    assert page.status_code == 200
    refused = get(client, "/search", query_string={"q": "镇江"})
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    wait = int(refused.headers["Retry-After"])
    text = refused.get_data(as_text=True)
    assert "查询过于频繁" in text
    assert f"请在 <strong>{wait} 秒</strong>后再试" in text
    assert "登录失败" not in text


def test_checks_are_counted_per_account_whatever_the_address(limited, make):
    client = limited(limit_checks="2/minute")
    firm = make.enterprise()
    buyer = make.headers("procurement")
    body = {"uscc": [firm]}
    for address in ("192.0.2.1", "192.0.2.2"):
        response = client.post(
            PROCUREMENT, json=body, headers=buyer, environ_base={"REMOTE_ADDR": address}
        )
        assert response.status_code == 200
    body_of_refusal = assert_limited(
        client.post(
            PROCUREMENT, json=body, headers=buyer, environ_base={"REMOTE_ADDR": "192.0.2.3"}
        )
    )
    assert body_of_refusal  # the wait is in the detail
    # Another account from the same address still checks; lending checks count the same way.
    bank = make.headers("bank")
    lend = {"uscc": [firm], "purpose": "授信审批"}
    assert client.post(LENDING, json=lend, headers=bank).status_code == 200
    assert client.post(LENDING, json=lend, headers=bank).status_code == 200
    assert_limited(client.post(LENDING, json=lend, headers=bank))
    # Lookups are not checks.
    assert get(client, SEARCH).status_code == 200


def test_limits_that_are_off_let_everything_through(limited, make):
    client = limited(limit_checks="off", limit_lookups="")
    firm = make.enterprise()
    buyer = make.headers("procurement")
    for _ in range(30):
        assert get(client, SEARCH).status_code == 200
    for _ in range(5):
        assert client.post(PROCUREMENT, json={"uscc": [firm]}, headers=buyer).status_code == 200


def test_a_limit_off_leaves_the_other_on(limited):
    client = limited(limit_checks="1/minute", limit_lookups="OFF")
    for _ in range(5):
        assert get(client, SEARCH).status_code == 200


def test_behind_trusted_proxies_the_forwarded_address_counts(limited):
    client = limited(limit_lookups="1/minute", trusted_proxies=1)

    def via(address):
        return get(client, SEARCH, headers={"X-Forwarded-For": address})

    assert via("198.51.100.1").status_code == 200
    assert via("198.51.100.2").status_code == 200
    assert_limited(via("198.51.100.1"))


def test_without_trusted_proxies_a_forwarded_address_is_not_believed(limited):
    client = limited(limit_lookups="1/minute")

    def via(address):
        return get(client, SEARCH, headers={"X-Forwarded-For": address})

    assert via("198.51.100.1").status_code == 200
    assert_limited(via("198.51.100.2"))


@pytest.mark.parametrize("setting", ["limit_checks", "limit_lookups"])
def test_a_limit_that_is_not_a_rate_stops_the_start_naming_the_setting(limited, setting):
    with pytest.raises(SystemExit, match=f"CREDIT_{setting.upper()}"):
        limited(**{setting: "lots"})


def test_the_limits_are_read_from_the_environment():
    settings = Settings.from_env({"CREDIT_LIMIT_CHECKS": "5/second", "CREDIT_LIMIT_LOOKUPS": "off"})
    assert (settings.limit_checks, settings.limit_lookups) == ("5/second", "off")


def test_when_redis_cannot_be_reached_lookups_are_still_answered(limited):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = limited(limit_lookups="2/minute", ratelimit_storage_url=f"redis://127.0.0.1:{port}/0")
    # Each worker counts alone meanwhile: the limit still holds within this one.
    assert get(client, SEARCH).status_code == 200
    assert get(client, SEARCH).status_code == 200
    assert_limited(get(client, SEARCH))


def test_the_desks_batch_checks_count_against_the_accounts_check_limit(limited, make):
    from tests.web.test_sign_in import csrf_token, sign_in

    client = limited(limit_checks="1/minute")
    account = make.account("procurement")
    assert sign_in(client, account.username).status_code == 303
    codes = make.enterprise()
    posts = [
        client.post(
            "/desk/checks", data={"codes": codes, "csrf_token": csrf_token(client, "/desk")}
        )
        for _ in range(2)
    ]
    assert [p.status_code for p in posts] == [303, 429]
    api = client.post(
        "/api/v1/checks/procurement",
        json={"uscc": [codes]},
        headers={"Authorization": f"Bearer {make.token(account)}"},
    )
    assert api.status_code == 429
