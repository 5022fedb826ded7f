"""Fixtures: a pinned clock, one migrated database per run (SQLite, or PostgreSQL from
CREDIT_TEST_DATABASE_URL), each test inside a transaction that is rolled back, and builders for
firms, accounts and tokens."""

from __future__ import annotations

import datetime
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from credit import clock, create_app, dbschema
from credit.auth.caller import Caller
from credit.auth.passwords import hash_password
from credit.auth.tokens import issue_token
from credit.clock import utcnow
from credit.config import Settings
from credit.db import Database, make_engine
from credit.models import User
from credit.services.enterprises import NewEnterprise, register_many
from credit.uscc import with_check_character
from tests.days import DEFAULT_TODAY

TEST_PASSWORD = "correct horse battery"


def _noon(day: datetime.date) -> datetime.datetime:
    """Midday in the registry's zone: the business date is `day` whatever the test's length."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=clock.DEFAULT_ZONE)


@pytest.fixture(scope="session", autouse=True)
def pinned_clock() -> Iterator[None]:
    """The whole run, session fixtures included (signing keys are named by the time they are
    made), on DEFAULT_TODAY: no test depends on the day the suite is run. The clock ticks on from
    noon. A server started in a subprocess (tests/e2e) keeps the machine's clock."""
    with time_machine.travel(_noon(DEFAULT_TODAY)):
        yield


@pytest.fixture(autouse=True)
def today(request, pinned_clock) -> Iterator[datetime.date]:
    """The business date the test runs on: DEFAULT_TODAY, or the day a test picks with
    `@pytest.mark.today(datetime.date(...))` or by parametrizing `today` indirectly."""
    marker = request.node.get_closest_marker("today")
    day = getattr(request, "param", None) or (marker.args[0] if marker else DEFAULT_TODAY)
    # The time of day runs on from test to test, so instants (a signing key's name) still follow
    # one another.
    since_noon = clock.utcnow() - _noon(DEFAULT_TODAY)
    with time_machine.travel(_noon(day) + since_noon):
        yield day


def pytest_report_header(config):
    return f"database: {_server_url() or 'SQLite (temporary file)'}"


def _server_url() -> str | None:
    return os.environ.get("CREDIT_TEST_DATABASE_URL") or None


@contextmanager
def fresh_database_url(directory: Path) -> Iterator[str]:
    """An empty database of the engine under test, dropped afterwards."""
    server = _server_url()
    if not server:
        yield f"sqlite:///{directory / f'registry-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    url = make_url(server)
    name = f"credit_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def database_url(instance_dir) -> Iterator[str]:
    with fresh_database_url(instance_dir) as url:
        yield url


@pytest.fixture(scope="session")
def settings(instance_dir, database_url) -> Settings:
    return Settings(instance_dir=instance_dir, database_url=database_url, log_level="WARNING")


@pytest.fixture(scope="session")
def engine(settings):
    engine = make_engine(settings)
    dbschema.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(settings, engine):
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["credit.database"].dispose()


@pytest.fixture
def database(app, settings, engine) -> Iterator[Database]:
    """The app's database for one test: everything it writes is rolled back afterwards."""
    with engine.connect() as connection:
        outer = connection.begin()
        bound = Database(settings, engine=engine, connection=connection)
        previous = app.extensions["credit.database"]
        app.extensions["credit.database"] = bound
        try:
            yield bound
        finally:
            app.extensions["credit.database"] = previous
            outer.rollback()


@pytest.fixture
def session(database):
    with database.session(write=True) as session:
        yield session


@pytest.fixture
def client(app, database):
    return app.test_client()


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(TEST_PASSWORD)


class Builder:
    """Makes the firms and accounts a test needs in one line each."""

    def __init__(self, database: Database, app, password_hash: str):
        self.database = database
        self.app = app
        self.password_hash = password_hash
        self._serial = 0

    def uscc(self, region: str = "321102", kind: str = "91") -> str:
        self._serial += 1
        return with_check_character(f"{kind}{region}{self._serial:08d}0")

    def enterprise(self, region: str = "321102", name: str | None = None, **fields) -> str:
        code = fields.pop("uscc", None) or self.uscc(region)
        with self.database.writing() as session:
            register_many(session, [NewEnterprise(uscc=code, name=name or f"镇江测试{self._serial}有限公司",
                                                  region_code=region, **fields)])
        return code

    def account(self, role: str, *, username: str | None = None, uscc: str | None = None,
                region: str | None = None, disabled: bool = False) -> Caller:
        self._serial += 1
        username = username or f"{role}-{self._serial}"
        with self.database.writing() as session:
            user = User(username=username, role=role, uscc=uscc, region=region,
                        password_hash=self.password_hash,
                        disabled_at=utcnow() if disabled else None)
            session.add(user)
        return Caller(username=username, role=role, uscc=uscc, region=region)

    def token(self, caller: Caller, lifetime: int = 600) -> str:
        return issue_token(caller, self.app.extensions["credit.token_keys"], lifetime)

    def headers(self, role: str, **binding) -> dict[str, str]:
        """Authorization headers of a new account with this role."""
        if role == "regulator":
            binding.setdefault("region", "3211")
        if role == "enterprise" and "uscc" not in binding:
            binding["uscc"] = self.enterprise()
        return {"Authorization": f"Bearer {self.token(self.account(role, **binding))}"}


@pytest.fixture
def make(database, app, password_hash) -> Builder:
    return Builder(database, app, password_hash)
