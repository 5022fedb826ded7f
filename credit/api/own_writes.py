"""A caller's reads after its own write, with standbys: the primary's WAL position after the write
travels in a short-lived signed cookie, and only a standby that has replayed that far serves."""

from __future__ import annotations

import datetime
import math

import jwt
from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from credit.clock import utcnow

COOKIE = "credit_wrote"
ALGORITHM = "EdDSA"
AUDIENCE = "read-own-writes"


def install(app: Flask) -> None:
    """Only where standbys serve reads; without them every read is the primary's already."""
    if app.extensions["credit.database"].standbys is not None:
        app.after_request(_remember_write)


def position() -> int | None:
    """The WAL position of this caller's own recent write, from its cookie: None when it has
    none, or when the cookie is not one the registry signed in the last few seconds."""
    if "own_write" not in g:
        g.own_write = _read(request.cookies.get(COOKIE))
    return g.own_write


def _read(cookie: str | None) -> int | None:
    if not cookie:
        return None
    keys = current_app.extensions["credit.token_keys"]
    try:
        key = keys.find(jwt.get_unverified_header(cookie).get("kid"))
        if key is None:
            return None
        claims = jwt.decode(cookie, key.public, algorithms=[ALGORITHM], audience=AUDIENCE)
    except jwt.InvalidTokenError:
        return None
    lsn = claims.get("lsn")
    return lsn if isinstance(lsn, int) and not isinstance(lsn, bool) else None


def _remember_write(response: Response) -> Response:
    """After a request that wrote, the primary's WAL position, for the caller's next reads."""
    # A check's query-log entry is not a write its caller reads back.
    if g.get("db_session_mode") != "write" or response.status_code >= 400:
        return response
    try:
        position = current_app.extensions["credit.database"].primary_position()
    except SQLAlchemyError:
        # The write is committed; without the cookie the caller's next reads may lag, no more.
        return response
    settings = current_app.extensions["credit.settings"]
    lifetime = datetime.timedelta(milliseconds=settings.replica_max_lag_ms)
    key = current_app.extensions["credit.token_keys"].current()
    claims = {"lsn": position, "aud": AUDIENCE, "exp": utcnow() + lifetime}
    cookie = jwt.encode(claims, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})
    response.set_cookie(
        COOKIE,
        cookie,
        # A standby further behind than the longest lag is skipped anyway: past it, every
        # standby in use has the write.
        max_age=math.ceil(lifetime.total_seconds()),
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response
