"""Service endpoints outside the versioned API: health and the report verification keys."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from credit.api.context import db_session
from credit.errors import problem

blp = Blueprint("service", __name__)


@blp.get("/healthz")
def healthz():
    """200 when the database answers (with standbys, the primary), with each standby's state."""
    database = current_app.extensions["credit.database"]
    try:
        if database.standbys is None:
            db_session().execute(text("SELECT 1"))
        else:
            database.ping_primary()
    except SQLAlchemyError:
        return problem(503, "Service unavailable", "The database does not answer.")
    if database.standbys is None:
        return {"status": "ok"}
    # A standby down or behind costs the primary more reads, not the service its health.
    return {"status": "ok", "standbys": database.standbys.report()}


@blp.get("/.well-known/jwks.json")
def jwks():
    """The keys that verify signed credit reports, old ones kept after a rotation."""
    response = current_app.json.response(current_app.extensions["credit.report_keys"].jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
