"""What a request carries through the web layer: its database session and its caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, request
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from credit import uscc as uscc_codes
from credit.api import own_writes
from credit.auth.caller import PUBLIC, Caller
from credit.auth.tokens import read_token
from credit.db import Database, Statements
from credit.errors import InvalidInput, Unauthorized
from credit.services.users import token_caller
from schemas.common import uscc_error

T = TypeVar("T")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db_session(*, write: bool | None = None, logged_read: bool = False) -> Session:
    """The request's one session; a writing request's transaction takes the write lock at once.

    A read that must also write asks for `write=True`: the reading session opened so far only
    read the caller's account, so it is replaced. A read whose only write is its query-log entry
    (a bank's read of a file, a grade or a report) asks for `logged_read=True`: where standbys
    serve reads it reads a standby and appends the entry on the primary; on SQLite it reads
    without the write lock and takes it for the entry alone (`Database.session`).
    """
    database = current_app.extensions["credit.database"]
    if logged_read:
        mode = "logged"
    else:
        writes = request.method not in READ_METHODS if write is None else write
        mode = "write" if writes else "read"
    current = g.get("db_session")
    if current is not None and g.get("db_session_mode") != mode and mode != "read":
        current.close()
        current = None
    if current is None:
        at_least = None if mode == "write" else _own_write(database)
        current = g.db_session = database.session(
            write=mode == "write", at_least=at_least, logged=mode == "logged"
        )
        g.db_session_mode = mode
    return current


def read_lookup(read: Callable[[Connection], T]) -> T:
    """`read(connection)` on the worker's lookup connection, run once more on a new connection
    if that one was lost before it answered (see `Database.read_lookup`)."""
    database = current_app.extensions["credit.database"]
    return database.read_lookup(read, at_least=_own_write(database))


def lookups() -> Statements:
    """The request's single statements, each run on its own outside the session: reads where
    `read_lookup` reads, writes on the primary, committed at once (see `Database.lookups`)."""
    database = current_app.extensions["credit.database"]
    return database.lookups(_own_write(database))


def _own_write(database: Database) -> int | None:
    """Where the caller's own recent write is in the WAL, which a standby read must have
    replayed; without standbys nobody asks (and its cookie is not read)."""
    return None if database.standbys is None else own_writes.position()


def _token_account(username: str) -> Caller:
    """A token's account, read where the request's reads go, and for a request that writes on
    the primary, so that an account disabled there cannot write once more."""
    if request.method in READ_METHODS:
        return read_lookup(lambda lookup: token_caller(lookup, username))
    database = current_app.extensions["credit.database"]
    return database.read_lookup(lambda lookup: token_caller(lookup, username), primary=True)


def close_session(_error=None) -> None:
    """Ends the request's session. One whose connection was lost after its last statement (a
    standby or the primary restarted meanwhile) has nothing left to roll back: the answer
    already made stands rather than turning into an error."""
    session = g.pop("db_session", None)
    g.pop("db_session_mode", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise


def path_uscc(text: str) -> str:
    """A USCC from the path, checked as a body's would be: a wrong one is a 422 naming `uscc`."""
    try:
        return uscc_codes.validate(text)
    except uscc_codes.InvalidUscc as problem:
        raise InvalidInput.field("uscc", uscc_error(problem)) from None


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
    caller = _token_account(claimed.username)
    if (caller.role, caller.uscc, caller.region) != (claimed.role, claimed.uscc, claimed.region):
        raise Unauthorized("The account's role or binding has changed; request a new token.")
    return caller
