"""Fixtures: a pinned clock, one migrated database per run (SQLite, or PostgreSQL from
CREDIT_TEST_DATABASE_URL), each test inside a transaction that is rolled back, and builders for
firms, accounts and tokens."""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from credit import clock, create_app, dbschema
from credit.auth.caller import Caller
from credit.auth.passwords import hash_password
from credit.auth.tokens import issue_token
from credit.clock import utcnow
from credit.config import Settings
from credit.db import Database, make_engine
from credit.models import User
from credit.services.blacklist import list_enterprise
from credit.services.enterprises import NewEnterprise, register_many
from credit.services.lookup import get_enterprise
from credit.services.records import add_record, rescind_record
from credit.services.users import record_account
from credit.uscc import with_check_character
from tests import factories
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
    # The suite signs in (and fails to) far more often than a person; the sign-in limits' own
    # tests build an app with the default limits.
    return Settings(
        instance_dir=instance_dir,
        database_url=database_url,
        log_level="WARNING",
        signin_limit_account="100000/minute",
        signin_limit_address="100000/minute",
        # The request limits have tests of their own (tests/api/test_request_limits.py).
        limit_checks="off",
        limit_lookups="off",
    )


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
    app.extensions["credit.signin_limits"].reset()  # no test's failures count in the next
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
            register_many(
                session,
                [
                    NewEnterprise(
                        uscc=code,
                        name=name or f"镇江测试{self._serial}有限公司",
                        region_code=region,
                        **fields,
                    )
                ],
            )
        return code

    def record(self, uscc: str, kind: str = "certification", **fields) -> int:
        """Adds a record through the records service, as the firm's regulator; by default an ISO
        9001 certificate in force for years, which grades a firm with nothing else B."""
        if kind == "certification":
            fields = {
                "scheme": "iso_9001",
                "certificate_no": f"CERT-{self._serial}-{len(fields)}",
                "issuer": "中国质量认证中心",
                "valid_from": datetime.date(2000, 1, 1),
                "valid_to": datetime.date(2199, 12, 31),
                **fields,
            }
        self._serial += 1
        with self.database.writing() as session:
            officer = Caller(
                "builder", "regulator", region=get_enterprise(session, uscc).region_code
            )
            record, _ = add_record(session, officer, uscc, kind, fields)
            return record.id

    def listing(self, uscc: str, listed_on: datetime.date | None = None, **fields) -> int:
        """Lists the firm on the blacklist through the blacklist service, as its regulator."""
        self._serial += 1
        values = {
            "reason": "严重违法失信",
            "legal_basis": "《市场监督管理严重违法失信名单管理办法》",
            "decision_no": f"黑名单决定{self._serial}号",
            **fields,
        }
        with self.database.writing() as session:
            officer = Caller(
                "builder", "regulator", region=get_enterprise(session, uscc).region_code
            )
            listing = list_enterprise(
                session, officer, uscc=uscc, listed_on=listed_on or clock.today(), **values
            )
            return listing.id

    def graded_enterprise(self, region: str = "321102", **fields) -> str:
        """A firm with one certificate in its file: graded B."""
        code = self.enterprise(region, **fields)
        self.record(code)
        return code

    def account(
        self,
        role: str,
        *,
        username: str | None = None,
        uscc: str | None = None,
        region: str | None = None,
        disabled: bool = False,
    ) -> Caller:
        self._serial += 1
        username = username or f"{role}-{self._serial}"
        with self.database.writing() as session:
            user = User(
                username=username,
                role=role,
                uscc=uscc,
                region=region,
                password_hash=self.password_hash,
                disabled_at=utcnow() if disabled else None,
            )
            session.add(user)
            record_account(session, user, "account_created", "test")
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


@contextmanager
def committed_database(tmp_path, **settings) -> Iterator[Database]:
    """A fresh database whose writes are committed, as in production, with these settings."""
    with fresh_database_url(tmp_path) as url:
        database = Database(
            Settings(instance_dir=tmp_path, database_url=url, log_level="WARNING", **settings)
        )
        dbschema.upgrade(database.engine)
        try:
            yield database
        finally:
            database.dispose()


@pytest.fixture
def live(tmp_path) -> Iterator[Database]:
    """A database whose writes are committed, as in production."""
    with committed_database(tmp_path) as database:
        yield database


@pytest.fixture
def live_app(live):
    """The app on a database whose writes are committed, as in production."""
    app = create_app(live.settings)
    app.extensions["credit.database"].dispose()
    app.extensions["credit.database"] = live
    return app


class StatementCount:
    """The SQL statements the database driver runs while it is open, transaction control aside:
    counted on the driver's connections themselves, so statements sent past SQLAlchemy count too."""

    def __init__(self, database: Database):
        self.database = database
        self.statements: list[str] = []
        self._attached: list = []

    def _note(self, sql: str) -> None:
        if sql.split(None, 1)[0].upper() not in {
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "SAVEPOINT",
            "RELEASE",
            "PRAGMA",
        }:
            self.statements.append(sql)

    def _attach(self, driver) -> None:
        if self.database.engine.dialect.name == "sqlite":
            driver.set_trace_callback(self._note)
            self._attached.append((driver, None))
            return
        import psycopg

        note = self._note

        class Counting(psycopg.Cursor):
            def execute(self, query, params=None, **kwargs):
                note(query if isinstance(query, str) else str(query))
                return super().execute(query, params, **kwargs)

        self._attached.append((driver, driver.cursor_factory))
        driver.cursor_factory = Counting

    def _on_checkout(self, dbapi_connection, _record, _proxy) -> None:
        self._attach(dbapi_connection)

    def __enter__(self) -> StatementCount:
        self._attach(self.database.lookup().connection.driver_connection)
        event.listen(self.database.engine, "checkout", self._on_checkout)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.database.engine, "checkout", self._on_checkout)
        for driver, factory in self._attached:
            if factory is None:
                driver.set_trace_callback(None)
            else:
                driver.cursor_factory = factory

    def __len__(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements():
    """`with count_statements(database) as counted:` then `len(counted)`."""
    return StatementCount


@pytest.fixture
def history(live):
    """A committed database with two firms, a fine rescinded and a fine standing."""
    factories.register(live, 1)
    factories.register(live, 2)
    record = factories.fine(live, 1, "罚1")
    with live.writing() as session:
        rescind_record(session, factories.REGULATOR, record, "录入错误")
    factories.fine(live, 2, "罚2")
    return live


@pytest.fixture
def regulator(make) -> dict[str, str]:
    """Headers of an officer of Zhenjiang (3211), where firms are made by default."""
    return make.headers("regulator", region="3211")


@pytest.fixture
def buyer(make) -> dict[str, str]:
    """Headers of a procurement office's account."""
    return make.headers("procurement")


@pytest.fixture
def bank(make) -> dict[str, str]:
    """Headers of a bank's account."""
    return make.headers("bank")


@pytest.fixture
def firm(make) -> str:
    """A firm of Zhenjiang's 京口区 with nothing in its file."""
    return make.enterprise(region="321102")
