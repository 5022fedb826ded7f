"""Reads on a hot standby: lookups, searches and checks are answered there, a caller reads its own
write at once, and a standby that is down or behind is skipped, as /healthz says.

They need a PostgreSQL primary with a hot standby streaming from it: ./scripts/test starts one
beside its throwaway server and names it in CREDIT_TEST_REPLICA_URL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import threading
import time

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from credit import create_app, dbschema
from credit.auth.caller import Caller
from credit.auth.tokens import issue_token
from credit.config import Settings
from credit.models import QueryLogEntry, User
from credit.standbys import primary_position, wal_position
from tests.conftest import fresh_database_url
from tests.factories import CERT, code, post

PRIMARY = os.environ.get("CREDIT_TEST_DATABASE_URL")
STANDBY = os.environ.get("CREDIT_TEST_REPLICA_URL")
# A second standby that the tests below may restart and promote, its data folder, and the server's
# programs (pg_ctl).
SPARE = os.environ.get("CREDIT_TEST_SPARE_STANDBY_URL")
SPARE_DIR = os.environ.get("CREDIT_TEST_SPARE_STANDBY_DIR")
POSTGRES_BIN = os.environ.get("CREDIT_TEST_POSTGRES_BIN")
needs_spare = pytest.mark.skipif(
    not (SPARE and SPARE_DIR and POSTGRES_BIN),
    reason="needs a second hot standby this test may restart and promote "
    "(CREDIT_TEST_SPARE_STANDBY_URL, _DIR and CREDIT_TEST_POSTGRES_BIN): ./scripts/test starts one",
)

if not (PRIMARY and STANDBY):
    pytest.skip(
        "needs a PostgreSQL primary and a hot standby of it (CREDIT_TEST_DATABASE_URL and "
        "CREDIT_TEST_REPLICA_URL): ./scripts/test starts both when PostgreSQL is installed",
        allow_module_level=True,
    )

REPLAY_TIMEOUT = 30  # seconds for the standby to replay what the primary has written
OFFICER = Caller("officer", "regulator", region="3211")
LENDER = Caller("lender", "bank")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A migrated database with an officer's and a bank's accounts, as (URL on the primary, URL
    on the standby), once the standby has replayed it."""
    with fresh_database_url(tmp_path_factory.mktemp("standby")) as primary_url:
        engine = create_engine(primary_url)
        dbschema.upgrade(engine)
        with engine.begin() as connection:
            for caller in (OFFICER, LENDER):
                connection.execute(
                    User.__table__.insert().values(
                        username=caller.username,
                        role=caller.role,
                        region=caller.region,
                        password_hash="not used: the tests issue tokens",
                    )
                )
        engine.dispose()
        database = make_url(primary_url).database
        standby_url = make_url(STANDBY).set(database=database).render_as_string(False)
        replayed(primary_url, standby_url)
        yield primary_url, standby_url


def replayed(primary_url: str, standby_url: str) -> None:
    """Waits until the standby has replayed everything the primary has written so far."""
    engine = create_engine(primary_url)
    target = primary_position(engine)
    engine.dispose()
    standby = create_engine(standby_url)
    deadline = time.monotonic() + REPLAY_TIMEOUT
    try:
        while True:
            try:
                with standby.connect() as connection:
                    lsn = connection.scalar(text("SELECT pg_last_wal_replay_lsn()::text"))
                if wal_position(lsn) >= target:
                    return
            except Exception:  # the database itself may not be replayed yet
                pass
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.05)
    finally:
        standby.dispose()


class PausedReplay:
    """The standby stops applying the primary's WAL (it keeps receiving it) until the block ends."""

    def __init__(self, standby_url: str):
        self.engine = create_engine(standby_url, isolation_level="AUTOCOMMIT")

    def __enter__(self):
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_pause()"))
        return self

    def __exit__(self, *_exc):
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_resume()"))
        self.engine.dispose()


class Relay:
    """A TCP relay in front of the standby, which `stop()` cuts as a stopped server would: it
    stops listening and every open connection is reset."""

    def __init__(self, url: str, port: int = 0):
        target = make_url(url)
        self.target = (target.host, target.port)
        self.listener = socket.create_server(("127.0.0.1", port))
        self.url = target.set(port=self.listener.getsockname()[1]).render_as_string(False)
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # stopped
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass

    def stop(self) -> None:
        self.listener.close()
        for connection in self.sockets:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


@pytest.fixture
def standby_app(pair, tmp_path):
    """`standby_app(**settings)`: the app on the primary with the standby (or the standbys named
    in `replicas`), each read checking the standbys afresh."""
    made = []

    def make(replicas: list[str] | None = None, **settings):
        primary_url, standby_url = pair
        settings = {"replica_check_ms": 0, "log_level": "WARNING", **settings}
        app = create_app(
            Settings(
                instance_dir=tmp_path,
                database_url=primary_url,
                database_replica_urls=",".join(replicas or [standby_url]),
                **settings,
            )
        )
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["credit.database"].dispose()


def bearer(app, caller: Caller) -> dict[str, str]:
    token = issue_token(caller, app.extensions["credit.token_keys"], 600)
    return {"Authorization": f"Bearer {token}"}


def register(app, n: int) -> str:
    firm = {"uscc": code(n), "name": f"镇江备库{n}有限公司"}
    created = app.test_client().post("/api/v1/enterprises", json=firm, headers=bearer(app, OFFICER))
    assert created.status_code == 201, created.get_json()
    return firm["uscc"]


def unused_port_url(pair) -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return make_url(pair[1]).set(port=port).render_as_string(False)


def on_spare(pair) -> str:
    """The URL of the test database on the spare standby."""
    return make_url(SPARE).set(database=make_url(pair[0]).database).render_as_string(False)


def pg_ctl(*args: str) -> None:
    """pg_ctl on the spare standby, as the user that owns its files (PostgreSQL refuses root)."""
    command = [f"{POSTGRES_BIN}/pg_ctl", "-D", SPARE_DIR, "-l", f"{SPARE_DIR}.log", *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    # Not captured: the server it starts would hold the pipes open.
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=60)


def until(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    return found


class Load:
    """`threads` clients, each looking the firm up, searching for it and asking a lending check
    in turn, until the block has ended and each has made `at_least` requests; `statuses` holds
    every answer's status code."""

    def __init__(self, app, firm: str, threads: int = 4, at_least: int = 15):
        self.app, self.firm, self.at_least = app, firm, at_least
        self.lender = bearer(app, LENDER)
        self.statuses: list[int] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._client) for _ in range(threads)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        until(lambda: len(self.statuses) >= len(self.threads), "the clients did not start")
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(120)

    def _client(self) -> None:
        client, made = self.app.test_client(), 0
        while made < self.at_least or not self.stop.is_set():
            kind = made % 3
            if kind == 0:
                answer = client.get(f"/api/v1/enterprises/{self.firm}")
            elif kind == 1:
                answer = client.get("/api/v1/enterprises", query_string={"q": "镇江备库"})
            else:
                answer = client.post(
                    "/api/v1/checks/lending",
                    json={"uscc": [self.firm], "purpose": "授信审批"},
                    headers=self.lender,
                )
            self.statuses.append(answer.status_code)
            if answer.status_code != 200:
                self.failures.append(f"{answer.request.path}: {answer.get_data(as_text=True)}")
            made += 1


def test_sessions_and_lookups_read_the_standby_and_write_the_primary(standby_app):
    database = standby_app().extensions["credit.database"]
    recovering = text("SELECT pg_is_in_recovery()")
    with database.reading() as session:
        assert session.scalar(recovering) is True
    assert database.lookup().execute(recovering).scalar() is True
    with database.writing() as session:
        assert session.scalar(recovering) is False


def test_reads_land_on_the_standby_and_the_writer_reads_its_own_write(standby_app, pair):
    app = standby_app(replica_max_lag_ms=60_000)  # the paused standby stays in use
    firm = register(app, 701)
    replayed(*pair)
    writer, reader = app.test_client(), app.test_client()
    officer = bearer(app, OFFICER)
    assert reader.get(f"/api/v1/enterprises/{firm}").get_json()["grade"] is None

    with PausedReplay(pair[1]):
        # The certificate grades the firm B on the primary; the standby has not applied it.
        added = post(writer, firm, "certifications", CERT, officer)
        assert added.status_code == 201
        cookie = added.headers["Set-Cookie"]
        assert cookie.startswith("credit_wrote=") and "HttpOnly" in cookie
        assert "Max-Age=60" in cookie
        assert writer.get(f"/api/v1/enterprises/{firm}").get_json()["grade"] == "B"
        assert reader.get(f"/api/v1/enterprises/{firm}").get_json()["grade"] is None
        # A cookie the registry did not sign changes nothing.
        forger = app.test_client()
        forger.set_cookie("credit_wrote", "eyJhbGciOiJub25lIn0.eyJsc24iOjF9.")
        assert forger.get(f"/api/v1/enterprises/{firm}").get_json()["grade"] is None
        found = reader.get("/api/v1/enterprises", query_string={"q": "镇江备库701"}).get_json()
        assert [item["uscc"] for item in found["items"]] == [firm]

        # A check reads the standby and logs the query on the primary.
        check = reader.post(
            "/api/v1/checks/lending",
            json={"uscc": [firm], "purpose": "授信审批"},
            headers=bearer(app, LENDER),
        )
        assert check.status_code == 200, check.get_json()
        assert check.get_json()["results"][0]["graded"] is False
        with app.extensions["credit.database"].writing() as session:  # on the primary
            logged = session.scalars(
                select(QueryLogEntry.kind).where(QueryLogEntry.uscc == firm)
            ).all()
        assert logged == ["lending_check"]

    replayed(*pair)
    assert reader.get(f"/api/v1/enterprises/{firm}").get_json()["grade"] == "B"


def test_a_standby_too_far_behind_is_skipped_and_healthz_says_so(standby_app, pair):
    app = standby_app(replica_max_lag_ms=300)
    firm = register(app, 702)
    replayed(*pair)
    client = app.test_client()
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok"
    assert [(s["standby"], s["state"]) for s in health["standbys"]] == [(1, "in use")]
    assert 0 <= health["standbys"][0]["lag_seconds"] < 0.3
    with PausedReplay(pair[1]):
        other = app.test_client()  # a writer: its cookie must not decide what `client` reads
        certificate = {**CERT, "certificate_no": "00124Q30702R1M"}
        assert (
            post(other, firm, "certifications", certificate, bearer(app, OFFICER)).status_code
            == 201
        )
        client.get("/healthz")  # sees the primary's WAL move past the standby's
        time.sleep(0.6)
        health = client.get("/healthz")
        assert health.status_code == 200
        (standby,) = health.get_json()["standbys"]
        assert standby["state"] == "behind"
        assert standby["lag_seconds"] > 0.3
        assert standby["detail"] == "more than 0.3 s behind the primary"
        # Served by the primary, so up to date.
        assert client.get(f"/api/v1/enterprises/{firm}").get_json()["grade"] == "B"

    replayed(*pair)
    (standby,) = client.get("/healthz").get_json()["standbys"]
    assert standby["state"] == "in use"


@pytest.fixture
def standby_log(caplog):
    # The registry's loggers write JSON lines of their own and do not propagate to the root.
    logger = logging.getLogger("credit.standbys")
    logger.addHandler(caplog.handler)
    with caplog.at_level(logging.WARNING, logger="credit.standbys"):
        yield caplog
    logger.removeHandler(caplog.handler)


def test_a_standby_that_is_down_is_skipped_logged_and_reported(standby_app, pair, standby_log):
    down = unused_port_url(pair)
    app = standby_app(replicas=[down, pair[1]])
    firm = register(app, 703)
    replayed(*pair)
    client = app.test_client()

    assert client.get(f"/api/v1/enterprises/{firm}").status_code == 200
    assert (
        app.extensions["credit.database"]
        .lookup()
        .execute(text("SELECT pg_is_in_recovery()"))
        .scalar()
        is True
    )  # the standby that answers
    health = client.get("/healthz")
    assert health.status_code == 200
    down_one, in_use = health.get_json()["standbys"]
    assert health.get_json()["status"] == "ok"
    assert down_one == {
        "standby": 1,
        "state": "down",
        "lag_seconds": None,
        "detail": "does not answer",
    }
    assert (in_use["standby"], in_use["state"]) == (2, "in use")
    port = make_url(down).port
    assert any(
        "standby 1" in r.getMessage() and f":{port}/" in r.getMessage() and "down" in r.getMessage()
        for r in standby_log.records
    )
    assert str(port) not in health.get_data(as_text=True)  # addresses stay in the log


def test_with_every_standby_down_the_primary_answers(standby_app, pair):
    app = standby_app(replicas=[unused_port_url(pair)])
    firm = register(app, 704)
    client = app.test_client()
    assert client.get(f"/api/v1/enterprises/{firm}").status_code == 200
    assert client.get("/api/v1/enterprises", query_string={"q": "镇江备库704"}).status_code == 200
    assert client.get("/healthz").get_json()["standbys"][0]["state"] == "down"


def test_a_standby_that_stops_is_skipped_and_reported(standby_app, pair, standby_log):
    relay = Relay(pair[1])
    # No check of the standbys after the first: the stop is found by the reads themselves.
    app = standby_app(replicas=[relay.url], replica_check_ms=600_000)
    firm = register(app, 705)
    replayed(*pair)
    client = app.test_client()
    profile, search = f"/api/v1/enterprises/{firm}", "/api/v1/enterprises?q=镇江备库705"
    assert client.get(profile).status_code == 200
    assert client.get(search).status_code == 200
    recovering = text("SELECT pg_is_in_recovery()")
    assert app.extensions["credit.database"].lookup().execute(recovering).scalar() is True
    lending = {"json": {"uscc": [firm], "purpose": "授信审批"}, "headers": bearer(app, LENDER)}
    assert client.post("/api/v1/checks/lending", **lending).status_code == 200

    relay.stop()
    # A check's own statements, read on the session's pooled standby connection, run once more
    # on the primary when that connection is found gone.
    check = client.post("/api/v1/checks/lending", **lending)
    assert check.status_code == 200, check.get_json()
    # The lookup already under way on the lost connection fails; the ones after it are the
    # primary's.
    statuses = [client.get(profile).status_code for _ in range(3)]
    assert statuses[1:] == [200, 200] and statuses[0] in {200, 500}
    assert client.get(search).status_code == 200
    (standby,) = client.get("/healthz").get_json()["standbys"]
    assert (standby["state"], standby["detail"]) == ("down", "does not answer")
    assert any("skipped: down" in r.getMessage() for r in standby_log.records)


def test_standbys_that_do_not_answer_at_start_are_logged_once_and_used_once_up(
    standby_app, pair, standby_log
):
    refused = make_url(unused_port_url(pair)).set(password="not-shown")
    unknown = make_url(pair[1]).set(host="standby-2.invalid", password="not-shown")
    app = standby_app(
        replicas=[refused.render_as_string(False), unknown.render_as_string(False)],
        replica_check_ms=100,
    )
    at_start = [r.getMessage() for r in standby_log.records]
    assert len(at_start) == 2, at_start
    assert f"standby 1 (127.0.0.1:{refused.port}/" in at_start[0] and "down" in at_start[0]
    assert "standby 2 (standby-2.invalid:" in at_start[1] and "down" in at_start[1]
    assert not any("not-shown" in message for message in at_start)

    firm = register(app, 706)
    client = app.test_client()
    for _ in range(3):  # the primary serves every read
        assert client.get(f"/api/v1/enterprises/{firm}").status_code == 200
        assert (
            client.get("/api/v1/enterprises", query_string={"q": "镇江备库706"}).status_code == 200
        )
    health = client.get("/healthz").get_json()
    assert [(s["standby"], s["state"]) for s in health["standbys"]] == [(1, "down"), (2, "down")]
    assert len(standby_log.records) == 2  # said once, not on every read

    # The first standby comes up: it is read again from the next check on.
    relay = Relay(pair[1], port=refused.port)
    try:
        replayed(*pair)
        until(
            lambda: client.get("/healthz").get_json()["standbys"][0]["state"] == "in use",
            "the standby that came up was not used again",
        )
        recovering = text("SELECT pg_is_in_recovery()")
        assert app.extensions["credit.database"].lookup().execute(recovering).scalar() is True
        assert client.get(f"/api/v1/enterprises/{firm}").status_code == 200
        assert any(
            "standby 1" in r.getMessage() and "in use again" in r.getMessage()
            for r in standby_log.records
        )
    finally:
        relay.stop()


@needs_spare
def test_a_standby_restarted_under_load_fails_no_request(standby_app, pair, standby_log):
    app = standby_app(replicas=[on_spare(pair)], replica_check_ms=200, limit_checks="off")
    firm = register(app, 707)
    replayed(pair[0], on_spare(pair))
    database = app.extensions["credit.database"]
    port = text("SELECT inet_server_port()")
    assert database.lookup().execute(port).scalar() == make_url(SPARE).port

    with Load(app, firm) as load:
        time.sleep(0.3)
        pg_ctl("restart", "-m", "fast", "-w", "-t", "60")
        time.sleep(0.3)
    assert load.failures == []
    assert set(load.statuses) == {200} and len(load.statuses) >= 4 * 15
    assert any(
        "standby 1" in r.getMessage() and "down" in r.getMessage() for r in standby_log.records
    )
    # Back in recovery after the restart: read again.
    client = app.test_client()
    until(
        lambda: client.get("/healthz").get_json()["standbys"][0]["state"] == "in use",
        "the restarted standby was not used again",
    )


@needs_spare
def test_a_standby_promoted_under_load_is_no_longer_read(standby_app, pair, standby_log):
    app = standby_app(replicas=[on_spare(pair), pair[1]], replica_check_ms=200, limit_checks="off")
    firm = register(app, 708)
    replayed(pair[0], on_spare(pair))
    replayed(*pair)
    client = app.test_client()
    assert [s["state"] for s in client.get("/healthz").get_json()["standbys"]] == ["in use"] * 2

    with Load(app, firm) as load:
        time.sleep(0.3)
        pg_ctl("promote", "-w", "-t", "60")
        until(
            lambda: client.get("/healthz").get_json()["standbys"][0]["state"] == "not a standby",
            "the promoted standby was not reported",
        )
    assert load.failures == []
    assert set(load.statuses) == {200}
    (first, second) = client.get("/healthz").get_json()["standbys"]
    assert first == {
        "standby": 1,
        "state": "not a standby",
        "lag_seconds": None,
        "detail": "it is not in recovery: no longer a standby",
    }
    assert second["state"] == "in use"
    promoted = [r.getMessage() for r in standby_log.records if "not a standby" in r.getMessage()]
    assert len(promoted) == 1 and promoted[0].startswith("standby 1 (")
    # Only the standby still in recovery is read.
    database = app.extensions["credit.database"]
    port = text("SELECT inet_server_port()")
    for _ in range(5):
        assert database.lookup().execute(port).scalar() == make_url(pair[1]).port
        with database.reading() as session:
            assert session.scalar(port) == make_url(pair[1]).port
