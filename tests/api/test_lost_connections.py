"""Connections lost to a database restart: a request whose connection is lost after its last
statement keeps the answer it made (closing the session has nothing left to roll back), and a
worker's kept connection lost since its last request is replaced for the next one's reads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from credit.auth.caller import Caller
from credit.auth.tokens import issue_token
from credit.models import QueryLogEntry, User
from tests.factories import code, register


def _closing_fails(monkeypatch, *, lost: bool) -> None:
    def close(self):
        raise DBAPIError(
            "ROLLBACK",
            None,
            Exception("terminating connection due to administrator command"),
            connection_invalidated=lost,
        )

    monkeypatch.setattr(Session, "close", close)


def test_a_session_lost_after_its_last_read_keeps_the_answer(client, firm, monkeypatch):
    with monkeypatch.context() as patch:
        _closing_fails(patch, lost=True)
        answer = client.get("/api/v1/enterprises", query_string={"q": firm[:6]})
    assert answer.status_code == 200
    assert [item["uscc"] for item in answer.get_json()["items"]] == [firm]


def test_any_other_failure_to_close_a_session_is_not_hidden(client, firm, monkeypatch):
    with monkeypatch.context() as patch, pytest.raises(DBAPIError):
        _closing_fails(patch, lost=False)
        client.get("/api/v1/enterprises", query_string={"q": firm[:6]})


def _lose(connection) -> None:
    """What a database restart leaves a kept connection with: its driver connection closed."""
    connection.connection.dbapi_connection.close()


def test_a_lookup_whose_kept_connection_was_lost_is_answered_on_a_new_one(live, live_app):
    register(live, 1)
    client = live_app.test_client()
    assert client.get(f"/api/v1/enterprises/{code(1)}").status_code == 200
    _lose(live.lookup())
    answer = client.get(f"/api/v1/enterprises/{code(1)}")
    assert answer.status_code == 200 and answer.get_json()["uscc"] == code(1)


def test_a_check_whose_kept_connection_was_lost_is_answered_and_logged(live, live_app):
    register(live, 1)
    with live.writing() as session:
        session.add(User(username="bank-7", role="bank", password_hash="-"))
    keys = live_app.extensions["credit.token_keys"]
    bank = {"Authorization": f"Bearer {issue_token(Caller('bank-7', 'bank'), keys, 600)}"}
    client = live_app.test_client()
    body = {"uscc": [code(1)], "purpose": "授信审批"}
    assert client.post("/api/v1/checks/lending", json=body, headers=bank).status_code == 200
    _lose(live.lookup())
    answer = client.post("/api/v1/checks/lending", json=body, headers=bank)
    assert answer.status_code == 200 and answer.get_json()["results"][0]["found"] is True
    with live.reading() as session:
        assert session.scalar(select(func.count()).select_from(QueryLogEntry)) == 2
