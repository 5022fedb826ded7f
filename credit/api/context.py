"""What a request carries through the web layer: its database session and its caller."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from credit.auth.caller import PUBLIC, Caller
from credit.auth.tokens import read_token
from credit.errors import Unauthorized
from credit.services.users import active_caller

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db_session() -> Session:
    """The request's one session; a writing request's transaction takes the write lock at once."""
    if "db_session" not in g:
        database = current_app.extensions["credit.database"]
        g.db_session = database.session(write=request.method not in READ_METHODS)
    return g.db_session


def close_session(_error=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def current_caller() -> Caller:
    if "caller" not in g:
        g.caller = _caller_from_header(request.headers.get("Authorization"))
    return g.caller


def _caller_from_header(header: str | None) -> Caller:
    if header is None:
        return PUBLIC
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be `Bearer <token>`.")
    claimed = read_token(token.strip(), current_app.extensions["credit.token_keys"])
    caller = active_caller(db_session(), claimed.username)
    if (caller.role, caller.uscc, caller.region) != (claimed.role, claimed.uscc, claimed.region):
        raise Unauthorized("The account's role or binding has changed; request a new token.")
    return caller
