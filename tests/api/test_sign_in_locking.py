"""Signing in beside writes, on a database whose writes are committed: checking a password (slow
on purpose) holds no transaction, so other requests' writes do not wait for it."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import replace

import pytest

from credit import create_app
from credit.db import Database
from credit.services import users
from tests.conftest import TEST_PASSWORD, Builder

TOKEN = "/api/v1/auth/token"
SIGNING_THREADS = 2
WRITES = 15
# Writes beside sign-ins may be slower on a busy machine (the CPU is shared with Argon2), but
# not by queueing behind a whole password check each time.
SLOWDOWN_ALLOWED = 20
SLOWEST_WRITE_ALLOWED = 5.0  # seconds: a write kept waiting for the lock waits far longer


@pytest.fixture
def live_app(live):  # noqa: F811
    app = create_app(live.settings)
    app.extensions["credit.database"].dispose()
    app.extensions["credit.database"] = live
    return app


@pytest.mark.parametrize("with_token", [False, True])
def test_another_write_goes_through_while_a_password_is_checked(
    live_app, password_hash, monkeypatch, with_token
):
    database = live_app.extensions["credit.database"]
    builder = Builder(database, live_app, password_hash)
    officer = builder.account("regulator", region="3211")
    # Another process's writer that gives up at once when the write lock is taken.
    impatient = Database(replace(database.settings, sqlite_busy_timeout_ms=50))
    other = Builder(impatient, live_app, password_hash)
    other._serial = 1000
    written = []
    verify = users.verify_password

    def verify_while_another_writes(stored_hash, password):
        written.append(other.enterprise())
        return verify(stored_hash, password)

    monkeypatch.setattr(users, "verify_password", verify_while_another_writes)
    headers = {"Authorization": f"Bearer {builder.token(officer)}"} if with_token else {}
    try:
        response = live_app.test_client().post(
            TOKEN, headers=headers, json={"username": officer.username, "password": TEST_PASSWORD}
        )
    finally:
        impatient.dispose()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(written) == 1


def test_writes_beside_a_loop_of_sign_ins_are_not_held_up(live_app, password_hash):
    database = live_app.extensions["credit.database"]
    builder = Builder(database, live_app, password_hash)
    officer = builder.account("regulator", region="3211")

    def timed_write() -> float:
        time.sleep(0.01)  # writes now and then, as other clients make them
        started = time.perf_counter()
        builder.enterprise()
        return time.perf_counter() - started

    alone = [timed_write() for _ in range(WRITES)]

    stop = threading.Event()
    statuses: list[int] = []

    def sign_in_until_stopped() -> None:
        client = live_app.test_client()
        while not stop.is_set():
            statuses.append(
                client.post(
                    TOKEN, json={"username": officer.username, "password": TEST_PASSWORD}
                ).status_code
            )

    signers = [threading.Thread(target=sign_in_until_stopped) for _ in range(SIGNING_THREADS)]
    for thread in signers:
        thread.start()
    try:
        while not statuses:  # the sign-ins are under way
            time.sleep(0.01)
        beside = [timed_write() for _ in range(WRITES)]
    finally:
        stop.set()
        for thread in signers:
            thread.join()

    assert set(statuses) == {200}
    assert statistics.median(beside) < SLOWDOWN_ALLOWED * max(statistics.median(alone), 0.01)
    assert max(beside) < SLOWEST_WRITE_ALLOWED
