"""Checks every error response shares: an RFC 9457 problem document."""

from __future__ import annotations

PROBLEM_MIMETYPE = "application/problem+json"


def assert_problem(response, status: int, *fields: str) -> dict:
    """The problem body of a response with this status; for 422, `errors` holds exactly `fields`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_MIMETYPE
    body = response.get_json(force=True)
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if status == 422:
        errors = body["errors"]
        assert set(errors) == set(fields), errors
        for messages in errors.values():
            assert messages and all(isinstance(m, str) and m for m in messages)
    else:
        assert not fields
    return body
