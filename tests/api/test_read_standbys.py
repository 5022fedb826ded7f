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

    def __init__(self, url: str):
        target = make_url(url)
        self.target = (target.host, target.port)
        self.listener = socket.create_server(("127.0.0.1", 0))
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

    relay.stop()
    # The lookup already under way on the lost connection fails; the ones after it are the
    # primary's.
    statuses = [client.get(profile).status_code for _ in range(3)]
    assert statuses[1:] == [200, 200] and statuses[0] in {200, 500}
    assert client.get(search).status_code == 200
    (standby,) = client.get("/healthz").get_json()["standbys"]
    assert (standby["state"], standby["detail"]) == ("down", "does not answer")
    assert any("skipped: down" in r.getMessage() for r in standby_log.records)
