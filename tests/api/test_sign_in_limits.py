"""Failed sign-ins are limited per account and per client address, with the default settings."""

from __future__ import annotations

import datetime
import logging

import pytest
import time_machine
from argon2 import PasswordHasher

from credit import create_app
from credit.config import Settings
from tests.api.problems import assert_problem
from tests.conftest import TEST_PASSWORD

TOKEN = "/api/v1/auth/token"
ACCOUNT_LIMIT = 10  # the default CREDIT_SIGNIN_LIMIT_ACCOUNT, 10/minute
ADDRESS_LIMIT = 30  # the default CREDIT_SIGNIN_LIMIT_ADDRESS, 30/minute
WRONG = "wrong horse battery"


@pytest.fixture(scope="module")
def password_hash() -> str:
    """The accounts' password hashed cheaply: these tests sign in hundreds of times."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(TEST_PASSWORD)


@pytest.fixture
def clock():
    with time_machine.travel(
        datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False
    ) as traveller:
        yield traveller


@pytest.fixture
def limited_app(instance_dir, database_url, database, clock):
    """An app of its own (so its counters are its own) with the default limits."""
    settings = Settings(instance_dir=instance_dir, database_url=database_url, log_level="WARNING")
    assert (settings.signin_limit_account, settings.signin_limit_address) == (
        "10/minute",
        "30/minute",
    )
    app = create_app(settings)
    app.extensions["credit.database"].dispose()
    app.extensions["credit.database"] = database
    return app


@pytest.fixture
def client(limited_app):
    return limited_app.test_client()


def sign_in(client, username, password=TEST_PASSWORD, address="192.0.2.1"):
    return client.post(
        TOKEN,
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, username, times, address="192.0.2.1"):
    for _ in range(times):
        assert sign_in(client, username, WRONG, address).status_code == 401


def assert_limited(response):
    body = assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    return body


def test_the_account_is_refused_after_ten_failures_even_with_the_right_password(client, make):
    officer = make.account("regulator", region="3211")
    fail(client, officer.username, ACCOUNT_LIMIT)
    assert_limited(sign_in(client, officer.username, WRONG))
    assert_limited(sign_in(client, officer.username))


def test_the_account_limit_holds_from_another_address(client, make):
    officer = make.account("regulator", region="3211")
    fail(client, officer.username, ACCOUNT_LIMIT, address="192.0.2.1")
    assert_limited(sign_in(client, officer.username, address="198.51.100.7"))


def test_another_account_is_not_held_by_the_account_limit(client, make):
    officer = make.account("regulator", region="3211")
    colleague = make.account("regulator", region="3211")
    fail(client, officer.username, ACCOUNT_LIMIT)
    assert sign_in(client, colleague.username).status_code == 200


def test_nine_failures_still_let_the_right_password_in(client, make):
    officer = make.account("regulator", region="3211")
    fail(client, officer.username, ACCOUNT_LIMIT - 1)
    assert sign_in(client, officer.username).status_code == 200


def test_successful_sign_ins_do_not_count(client, make):
    officer = make.account("regulator", region="3211")
    for _ in range(ADDRESS_LIMIT + 5):
        assert sign_in(client, officer.username).status_code == 200
    fail(client, officer.username, ACCOUNT_LIMIT - 1)
    assert sign_in(client, officer.username).status_code == 200


def test_the_window_reopens_after_a_minute(client, make, clock):
    officer = make.account("regulator", region="3211")
    fail(client, officer.username, ACCOUNT_LIMIT)
    limited = sign_in(client, officer.username)
    assert_limited(limited)
    clock.shift(int(limited.headers["Retry-After"]) + 1)
    assert sign_in(client, officer.username).status_code == 200


def test_an_address_is_refused_after_thirty_failures_over_many_accounts(client, make):
    accounts = [make.account("regulator", region="3211") for _ in range(4)]
    for n in range(ADDRESS_LIMIT):
        assert sign_in(client, accounts[n % 4].username, WRONG).status_code == 401
    fresh = make.account("regulator", region="3211")
    assert_limited(sign_in(client, fresh.username))
    # The same account from another address is not held by that address's failures.
    assert sign_in(client, fresh.username, address="198.51.100.7").status_code == 200


def behind_a_proxy(database, **settings):
    app = create_app(Settings(log_level="WARNING", **settings))
    app.extensions["credit.database"].dispose()
    app.extensions["credit.database"] = database
    return app.test_client()


def from_behind_a_proxy(client, username, client_address, password=WRONG):
    return client.post(
        TOKEN,
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": client_address},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(
    make, instance_dir, database_url, database
):
    client = behind_a_proxy(
        database, instance_dir=instance_dir, database_url=database_url, trusted_proxies=1
    )
    accounts = [make.account("regulator", region="3211") for _ in range(4)]
    for n in range(ADDRESS_LIMIT):
        assert from_behind_a_proxy(client, accounts[n % 4].username, "192.0.2.1").status_code == 401
    fresh = make.account("regulator", region="3211")
    assert_limited(from_behind_a_proxy(client, fresh.username, "192.0.2.1", TEST_PASSWORD))
    assert (
        from_behind_a_proxy(client, fresh.username, "198.51.100.7", TEST_PASSWORD).status_code
        == 200
    )


def test_without_a_trusted_proxy_a_forwarded_address_is_not_believed(
    make, instance_dir, database_url, database
):
    client = behind_a_proxy(database, instance_dir=instance_dir, database_url=database_url)
    accounts = [make.account("regulator", region="3211") for _ in range(4)]
    for n in range(ADDRESS_LIMIT):
        response = from_behind_a_proxy(client, accounts[n % 4].username, f"192.0.2.{n}")
        assert response.status_code == 401
    fresh = make.account("regulator", region="3211")
    assert_limited(from_behind_a_proxy(client, fresh.username, "198.51.100.7", TEST_PASSWORD))


def test_unknown_accounts_are_limited_like_known_ones(client):
    fail(client, "nobody-here", ACCOUNT_LIMIT)
    assert_limited(sign_in(client, "nobody-here"))


def test_a_failed_sign_in_is_logged_with_account_and_address_but_not_the_password(
    client, make, caplog
):
    officer = make.account("regulator", region="3211")
    # The registry's loggers write JSON lines of their own and do not propagate to the root.
    auth_log = logging.getLogger("credit.auth")
    auth_log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING, logger="credit.auth"):
            sign_in(client, officer.username, "hunter2-secret-guess", address="203.0.113.9")
    finally:
        auth_log.removeHandler(caplog.handler)
    (record,) = [r for r in caplog.records if r.name == "credit.auth"]
    assert record.fields == {"username": officer.username, "address": "203.0.113.9"}
    assert "hunter2-secret-guess" not in caplog.text


def test_each_app_keeps_its_own_counters(
    client, make, limited_app, instance_dir, database_url, database
):
    officer = make.account("regulator", region="3211")
    fail(client, officer.username, ACCOUNT_LIMIT)
    other = create_app(
        Settings(instance_dir=instance_dir, database_url=database_url, log_level="WARNING")
    )
    other.extensions["credit.database"].dispose()
    other.extensions["credit.database"] = database
    assert sign_in(other.test_client(), officer.username).status_code == 200


def test_a_rate_that_cannot_be_read_stops_the_start(instance_dir, database_url):
    with pytest.raises(SystemExit, match="CREDIT_SIGNIN_LIMIT_ACCOUNT"):
        create_app(
            Settings(
                instance_dir=instance_dir,
                database_url=database_url,
                signin_limit_account="ten a minute",
            )
        )


def test_the_storage_url_setting_chooses_the_counters_storage(instance_dir, database_url):
    # memory:// names the in-process storage explicitly; a redis:// URL names a shared one.
    app = create_app(
        Settings(
            instance_dir=instance_dir, database_url=database_url, ratelimit_storage_url="memory://"
        )
    )
    assert type(app.extensions["credit.signin_limits"].storage).__name__ == "MemoryStorage"
    app.extensions["credit.database"].dispose()


def test_with_its_redis_unreachable_sign_in_still_answers_and_stays_limited(
    instance_dir, database_url, database, clock, make
):
    settings = Settings(
        instance_dir=instance_dir,
        database_url=database_url,
        log_level="WARNING",
        ratelimit_storage_url="redis://127.0.0.1:1/0",  # nothing listens there
    )
    app = create_app(settings)
    app.extensions["credit.database"].dispose()
    app.extensions["credit.database"] = database
    client = app.test_client()
    officer = make.account("regulator", region="3211")
    fail(client, officer.username, ACCOUNT_LIMIT)
    assert_limited(sign_in(client, officer.username))
