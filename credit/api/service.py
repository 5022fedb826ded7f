"""Service endpoints outside the versioned API: health."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from credit.api.context import db_session
from credit.errors import problem

blp = Blueprint("service", __name__)


@blp.get("/healthz")
def healthz():
    """200 when the database answers."""
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return problem(503, "Service unavailable", "The database does not answer.")
    return {"status": "ok"}
