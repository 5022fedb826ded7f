"""Checks for procurement offices and banks, and the query log a firm reads."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session, lookups
from credit.db import json_text
from credit.services import checks, query_log
from schemas.checks import (
    LendingCheckIn,
    LendingCheckOut,
    ProcurementCheckIn,
    ProcurementCheckOut,
    QueryArgs,
    QueryPage,
)
from schemas.enterprises import UsccPath

blp = Blueprint("checks", __name__, description="Procurement and lending checks")
AUTH = {"security": [{"bearer": []}]}


def checked(answer: dict) -> Response:
    """A check's answer as the service built it, in wire form already: a thousand results are
    sent without a schema dump each (the schema documents them; a test holds the two equal)."""
    body = {"as_of": answer["as_of"].isoformat(), "results": answer["results"]}
    return Response(json_text(body), mimetype="application/json")


@blp.route("/checks/procurement")
class ProcurementCheck(MethodView):
    @blp.arguments(ProcurementCheckIn)
    @blp.response(200, ProcurementCheckOut)
    @blp.doc(**AUTH)
    def post(self, body):
        """Is each supplier eligible for a government contract on a day, and why not
        (procurement offices, banks, regulators)."""
        answer = checks.procurement_check(
            db_session(write=False),
            current_caller(),
            body["uscc"],
            body.get("as_of"),
            body.get("project"),
            statements=lookups(),
        )
        return checked(answer)


@blp.route("/checks/lending")
class LendingCheck(MethodView):
    @blp.arguments(LendingCheckIn)
    @blp.response(200, LendingCheckOut)
    @blp.doc(**AUTH)
    def post(self, body):
        """Grade, risk signals and honours for lenders (banks); the firm sees the query."""
        answer = checks.lending_check(
            db_session(write=False),
            current_caller(),
            body["uscc"],
            body["purpose"],
            body.get("as_of"),
            statements=lookups(),
        )
        return checked(answer)


@blp.route("/enterprises/<uscc>/queries")
class EnterpriseQueries(MethodView):
    @blp.arguments(UsccPath, location="path")
    @blp.arguments(QueryArgs, location="query")
    @blp.response(200, QueryPage)
    @blp.doc(**AUTH)
    def get(self, path, args, uscc):
        """Who looked at the file, when and why (the firm itself, the regulator of its region)."""
        return query_log.queries_of(db_session(), current_caller(), path["uscc"], **args)
