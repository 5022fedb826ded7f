"""Accounts are audited: every change through the command is an event, and an account changed or
added in the database directly is named by `credit audit verify`."""

# The fixtures of the command tests, shared by name: pytest finds them imported here.
# ruff: noqa: F811
from __future__ import annotations

import json

from sqlalchemy import select, text

from credit import dbschema
from credit.db import make_engine
from credit.models import AuditEvent
from tests.unit.test_cli import PASSWORD, client, credit, registry, sign_in  # noqa: F401

NEW_PASSWORD = "another long enough secret"


def sql(registry, statement: str, **params) -> None:
    engine = make_engine(registry)
    with engine.begin() as connection:
        connection.execute(text(statement), params)
    engine.dispose()


def events(registry) -> list[tuple[str, dict]]:
    engine = make_engine(registry)
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditEvent.kind, AuditEvent.payload)
            .where(AuditEvent.kind.like("account_%"))
            .order_by(AuditEvent.seq)
        ).all()
    engine.dispose()
    return [(kind, json.loads(payload)) for kind, payload in rows]


def verified(credit):
    result = credit("audit", "verify")
    assert result.exit_code == 0, result.output
    return result


def test_every_account_change_through_the_command_is_an_event_and_verifies(
    credit, registry, client
):
    assert (
        credit(
            "users", "create", "zj-1", "--role", "bank", "--password-stdin", input=PASSWORD
        ).exit_code
        == 0
    )
    result = credit("users", "change", "zj-1", "--role", "regulator", "--region", "3211")
    assert result.exit_code == 0, result.output
    assert result.stdout == "changed zj-1\tregulator\t3211\tactive\n"
    assert credit("users", "disable", "zj-1").exit_code == 0
    assert credit("users", "enable", "zj-1").exit_code == 0
    result = credit("users", "password", "zj-1", "--password-stdin", input=NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    assert sign_in(client, "zj-1", NEW_PASSWORD).status_code == 200
    logged = events(registry)
    assert [kind for kind, _ in logged] == ["account_created"] + ["account_changed"] * 4
    assert [payload.get("changed") for _, payload in logged[1:]] == [
        ["region", "role"],
        ["disabled_at"],
        ["disabled_at"],
        [],
    ]
    assert logged[-1][1]["password_changed"] is True
    assert logged[-1][1]["account"]["role"] == "regulator"
    # the password's hash is nowhere in the audit log
    assert not any("password_hash" in json.dumps(payload) for _, payload in logged)
    assert not any("argon2" in json.dumps(payload) for _, payload in logged)
    verified(credit)


def test_a_role_changed_in_the_database_is_named(credit, registry):
    credit("users", "create", "zj-2", "--role", "bank", "--password-stdin", input=PASSWORD)
    sql(registry, "UPDATE user_account SET role = 'admin' WHERE username = 'zj-2'")
    result = credit("audit", "verify")
    assert result.exit_code == 1
    assert "account 1 (zj-2) differs from audit event 1 in: role" in result.output


def test_an_enabled_account_in_the_database_is_named(credit, registry):
    credit("users", "create", "zj-3", "--role", "bank", "--password-stdin", input=PASSWORD)
    credit("users", "disable", "zj-3")
    sql(registry, "UPDATE user_account SET disabled_at = NULL WHERE username = 'zj-3'")
    result = credit("audit", "verify")
    assert result.exit_code == 1
    assert "account 1 (zj-3) differs from audit event 2 in: disabled_at" in result.output


def test_an_account_added_in_the_database_is_named(credit, registry):
    sql(
        registry,
        "INSERT INTO user_account (username, role, password_hash, created_at) "
        "VALUES ('intruder', 'admin', 'x', '2026-06-15 12:00:00')",
    )
    result = credit("audit", "verify")
    assert result.exit_code == 1
    assert "account 1 (intruder) has no event in the audit log" in result.output


def test_a_change_the_new_role_cannot_take_fails_naming_the_field(credit):
    credit("users", "create", "zj-4", "--role", "bank", "--password-stdin", input=PASSWORD)
    result = credit("users", "change", "zj-4", "--role", "regulator")
    assert result.exit_code == 1
    assert "region" in result.stderr
    assert credit("users", "change", "nobody", "--role", "bank").exit_code != 0
    result = credit("users", "password", "zj-4", "--password-stdin", input="short")
    assert result.exit_code == 1 and "password" in result.stderr
    verified(credit)


def test_accounts_made_before_the_upgrade_get_a_baseline_and_verify(credit, registry):
    engine = make_engine(registry)
    dbschema.downgrade(engine, "0020")
    engine.dispose()
    sql(
        registry,
        "INSERT INTO user_account (username, role, region, password_hash, created_at, "
        "disabled_at) VALUES ('old-officer', 'regulator', '3211', 'x', '2026-06-15 12:00:00', "
        "'2026-06-15 12:30:00')",
    )
    assert credit("db", "upgrade").exit_code == 0
    assert [kind for kind, _ in events(registry)] == ["account_baseline"]
    verified(credit)
    sql(registry, "UPDATE user_account SET region = '32' WHERE username = 'old-officer'")
    result = credit("audit", "verify")
    assert result.exit_code == 1
    assert "account 1 (old-officer) differs from audit event 1 in: region" in result.output
