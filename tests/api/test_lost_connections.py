"""A request whose database connection is lost after its last statement (a standby or the
primary restarted meanwhile) keeps the answer it made: closing the session has nothing left to
roll back."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


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
