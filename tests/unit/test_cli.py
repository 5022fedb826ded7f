"""The `credit` command's account, key and schema commands, against a fresh migrated database."""

from __future__ import annotations

import jwt
import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from credit import create_app, dbschema
from credit.cli import main
from credit.config import Settings
from credit.db import make_engine
from tests.conftest import fresh_database_url

PASSWORD = "a long enough secret"
TOKEN = "/api/v1/auth/token"


@pytest.fixture
def registry(tmp_path):
    """Settings of an empty registry of its own: a migrated database and an instance directory."""
    with fresh_database_url(tmp_path) as url:
        settings = Settings(
            instance_dir=tmp_path / "instance", database_url=url, log_level="WARNING"
        )
        engine = make_engine(settings)
        dbschema.upgrade(engine)
        engine.dispose()
        yield settings


@pytest.fixture
def credit(registry):
    """Runs `credit ARGS...` with the environment pointing at the fresh registry."""
    env = {
        "CREDIT_DATABASE_URL": registry.database_url,
        "CREDIT_INSTANCE_DIR": str(registry.instance_dir),
        "CREDIT_KEY_DIR": None,
        "CREDIT_LOG_LEVEL": "WARNING",
    }

    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), input=input, env=env)

    return run


@pytest.fixture
def client(registry):
    """The web service on the same registry, to see what the commands did."""
    app = create_app(registry)
    yield app.test_client()
    app.extensions["credit.database"].dispose()


def sign_in(client, username, password=PASSWORD):
    return client.post(TOKEN, json={"username": username, "password": password})


def listed(credit) -> list[list[str]]:
    result = credit("users", "list")
    assert result.exit_code == 0, result.output
    return [line.split("\t") for line in result.stdout.splitlines()]


def test_a_created_account_can_sign_in(credit, client):
    result = credit(
        "users",
        "create",
        "officer-zj",
        "--role",
        "regulator",
        "--region",
        "3211",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "officer-zj" in result.stdout
    response = sign_in(client, "officer-zj")
    assert response.status_code == 200, response.get_json()
    claims = jwt.decode(response.get_json()["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["role"], claims["region"]) == ("officer-zj", "regulator", "3211")
    assert sign_in(client, "officer-zj", PASSWORD + "\n").status_code == 401


def test_an_enterprise_account_is_bound_to_its_normalised_uscc(credit, client):
    result = credit(
        "users",
        "create",
        "firm-1",
        "--role",
        "enterprise",
        "--uscc",
        "91321100-70000411-7a",
        "--password-stdin",
        input=PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert listed(credit) == [["firm-1", "enterprise", "91321100700004117A", "active"]]
    token = sign_in(client, "firm-1").get_json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["uscc"] == "91321100700004117A"


def test_a_duplicate_account_fails_and_keeps_the_first_password(credit, client):
    assert (
        credit(
            "users", "create", "bank-1", "--role", "bank", "--password-stdin", input=PASSWORD
        ).exit_code
        == 0
    )
    again = credit(
        "users",
        "create",
        "bank-1",
        "--role",
        "bank",
        "--password-stdin",
        input="another good password",
    )
    assert again.exit_code != 0
    assert "bank-1" in again.stderr
    assert sign_in(client, "bank-1").status_code == 200
    assert sign_in(client, "bank-1", "another good password").status_code == 401
    assert len(listed(credit)) == 1


def test_an_unknown_role_fails_naming_the_option(credit):
    result = credit(
        "users", "create", "someone", "--role", "wizard", "--password-stdin", input=PASSWORD
    )
    assert result.exit_code != 0
    assert "--role" in result.output and "wizard" in result.output
    assert listed(credit) == []


@pytest.mark.parametrize(
    "args, field",
    [
        (["--role", "enterprise", "--uscc", "91321100700004117B"], "uscc"),
        (["--role", "enterprise"], "uscc"),
        (["--role", "bank", "--uscc", "91321100700004117A"], "uscc"),
        (["--role", "regulator"], "region"),
        (["--role", "regulator", "--region", "321"], "region"),
        (["--role", "bank", "--region", "3211"], "region"),
    ],
)
def test_a_bad_binding_fails_naming_the_field(credit, args, field):
    result = credit("users", "create", "someone", *args, "--password-stdin", input=PASSWORD)
    assert result.exit_code != 0
    assert f"{field}:" in result.stderr
    assert listed(credit) == []


def test_the_uscc_message_says_what_is_wrong(credit):
    result = credit(
        "users",
        "create",
        "firm-x",
        "--role",
        "enterprise",
        "--uscc",
        "91321100700004117B",
        "--password-stdin",
        input=PASSWORD,
    )
    assert "'A'" in result.stderr


@pytest.mark.parametrize("password", ["short", "", "\n"])
def test_a_short_password_fails(credit, password):
    result = credit(
        "users", "create", "bank-2", "--role", "bank", "--password-stdin", input=password
    )
    assert result.exit_code != 0
    assert "password:" in result.stderr
    assert listed(credit) == []


def test_the_password_must_come_from_stdin(credit):
    result = credit("users", "create", "bank-3", "--role", "bank")
    assert result.exit_code != 0
    assert "--password-stdin" in result.output
    assert listed(credit) == []


def test_users_list_shows_every_account_by_name(credit):
    for args in (
        ["zz-bank", "--role", "bank"],
        ["aa-officer", "--role", "regulator", "--region", "321102"],
        ["mm-admin", "--role", "admin"],
    ):
        assert credit("users", "create", *args, "--password-stdin", input=PASSWORD).exit_code == 0
    assert listed(credit) == [
        ["aa-officer", "regulator", "321102", "active"],
        ["mm-admin", "admin", "-", "active"],
        ["zz-bank", "bank", "-", "active"],
    ]


def test_a_disabled_account_can_neither_sign_in_nor_use_its_token(credit, client):
    credit("users", "create", "bank-4", "--role", "bank", "--password-stdin", input=PASSWORD)
    token = sign_in(client, "bank-4").get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 200
    result = credit("users", "disable", "bank-4")
    assert result.exit_code == 0, result.output
    assert listed(credit) == [["bank-4", "bank", "-", "disabled"]]
    assert sign_in(client, "bank-4").status_code == 401
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 401


def test_disabling_an_unknown_account_fails(credit):
    result = credit("users", "disable", "nobody")
    assert result.exit_code != 0
    assert "nobody" in result.stderr


def test_keys_rotate_keeps_old_tokens_and_signs_new_ones_with_the_new_key(credit, client):
    credit("users", "create", "bank-5", "--role", "bank", "--password-stdin", input=PASSWORD)
    old = sign_in(client, "bank-5").get_json()["access_token"]
    result = credit("keys", "rotate")
    assert result.exit_code == 0, result.output
    new_kid = result.stdout.split()[-1]
    assert new_kid != jwt.get_unverified_header(old)["kid"]
    new = sign_in(client, "bank-5").get_json()["access_token"]
    assert jwt.get_unverified_header(new)["kid"] == new_kid
    for token in (old, new):
        response = client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200


@pytest.fixture
def revisions(registry) -> list[str]:
    """The revisions in migrations/, oldest first."""
    engine = make_engine(registry)
    script = ScriptDirectory.from_config(dbschema.alembic_config(engine))
    engine.dispose()
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def demo_firms_found(client) -> list[str]:
    response = client.get("/api/v1/enterprises", query_string={"q": "演示"})
    assert response.status_code == 200, response.get_json()
    return [item["uscc"] for item in response.get_json()["items"]]


def test_db_current_says_a_migrated_database_is_at_head(credit, revisions):
    result = credit("db", "current")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"database at {revisions[-1]} (head)\n"


def test_db_downgrade_without_a_revision_refuses_and_changes_nothing(credit, revisions):
    result = credit("db", "downgrade")
    assert result.exit_code == 2
    assert "-1" in result.stderr and "base" in result.stderr
    assert credit("db", "current").stdout == f"database at {revisions[-1]} (head)\n"


def test_one_step_down_and_up_again_keeps_the_firms_and_accounts(credit, client, revisions):
    assert credit("seed", "--enterprises", "12", "--quiet").exit_code == 0
    credit("users", "create", "bank-6", "--role", "bank", "--password-stdin", input=PASSWORD)
    firms = demo_firms_found(client)
    assert len(firms) == 12

    down = credit("db", "downgrade", "-1")
    assert down.exit_code == 0, down.output
    assert revisions[-2] in down.stdout and revisions[-1] in down.stdout
    current = credit("db", "current")
    assert current.stdout == f"database at {revisions[-2]}, not at head {revisions[-1]}\n"

    up = credit("db", "upgrade")
    assert up.exit_code == 0, up.output
    assert credit("db", "current").stdout == f"database at {revisions[-1]} (head)\n"
    assert demo_firms_found(client) == firms
    assert sign_in(client, "bank-6").status_code == 200


def test_downgrade_to_base_drops_everything_and_upgrade_builds_an_empty_registry(
    credit, client, revisions
):
    assert credit("seed", "--enterprises", "12", "--quiet").exit_code == 0
    credit("users", "create", "bank-7", "--role", "bank", "--password-stdin", input=PASSWORD)

    down = credit("db", "downgrade", "base")
    assert down.exit_code == 0, down.output
    assert credit("db", "current").stdout == (
        f"database at base, no tables (head is {revisions[-1]})\n"
    )
    assert credit("db", "downgrade", "-1").exit_code == 1

    assert credit("db", "upgrade").exit_code == 0
    assert credit("db", "current").stdout == f"database at {revisions[-1]} (head)\n"
    assert demo_firms_found(client) == []
    assert listed(credit) == []


def test_a_downgrade_the_database_cannot_make_fails_naming_it_and_changes_nothing(
    credit, client, revisions
):
    credit("users", "create", "bank-8", "--role", "bank", "--password-stdin", input=PASSWORD)
    for target in ("nonesuch", "+1", "-99"):
        result = credit("db", "downgrade", target)
        assert result.exit_code == 1, target
        assert target in result.stderr
        assert credit("db", "current").stdout == f"database at {revisions[-1]} (head)\n"
    assert sign_in(client, "bank-8").status_code == 200


def test_a_revision_in_between_can_be_named(credit, revisions):
    middle = revisions[len(revisions) // 2]
    assert credit("db", "downgrade", middle).exit_code == 0
    assert credit("db", "current").stdout == f"database at {middle}, not at head {revisions[-1]}\n"
    assert credit("db", "upgrade").exit_code == 0
