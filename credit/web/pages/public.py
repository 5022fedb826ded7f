"""The public pages: search, an enterprise's public profile, the blacklist, inspection results and
warnings; what anyone may read through the API, and nothing more."""

from __future__ import annotations

import json

from flask import Blueprint, render_template, request
from marshmallow import ValidationError

from credit.api.context import db_session, read_lookup
from credit.errors import InvalidInput, NotFound
from credit.services import blacklist, enterprises, inspections, profiles, state
from credit.services.statistics import warnings
from credit.web.templating import field_problems, read_uscc
from schemas.blacklist import BlacklistArgs
from schemas.enterprises import EnterpriseSearchArgs
from schemas.inspections import InspectionListArgs
from schemas.statistics import WarningArgs

blp = Blueprint("public", __name__)
PER_PAGE = 20
LIVE_RESULTS = 8
FRONT_PAGE_ITEMS = 5


def _args(schema, per_page: int = PER_PAGE) -> tuple[dict, dict[str, str]]:
    """The query as the API's schema reads it (empty form fields left out), and the problems
    with it in Chinese by field; on a problem, the filters are dropped and the page shows it."""
    given = {key: value for key, value in request.args.items() if value.strip()}
    given["per_page"] = str(per_page)
    try:
        return schema.load(given), {}
    except ValidationError as refused:
        return {"page": 1, "per_page": per_page}, field_problems(refused.messages)


@blp.get("/")
def home():
    session = db_session()
    return render_template(
        "public/home.html",
        listings=blacklist.public_list(session, page=1, per_page=FRONT_PAGE_ITEMS),
        warnings=warnings.published(session, page=1, per_page=FRONT_PAGE_ITEMS),
    )


@blp.get("/search")
def search():
    live = request.headers.get("HX-Request") == "true"
    args, problems = _args(EnterpriseSearchArgs(), LIVE_RESULTS if live else PER_PAGE)
    found = None
    if not problems and any(args.get(name) for name in ("q", "region", "grade")):
        try:
            found = enterprises.search_enterprises(db_session(), **args)
        except InvalidInput as refused:
            problems = field_problems(refused.errors)
    template = "public/live_results.html" if live else "public/search.html"
    page = render_template(
        template, found=found, grades=_grades(found), args=args, problems=problems
    )
    return page, 422 if problems and not live else 200


def _grades(found) -> dict[int, str | None]:
    """Each listed firm's grade today, by its id."""
    if not found:
        return {}
    return {key: now.grade for key, now in state.current_states(db_session(), found.items).items()}


@blp.get("/enterprises/<code>")
def enterprise(code):
    uscc, problem = read_uscc(code)
    if problem:
        return render_template("public/no_enterprise.html", code=code, problem=problem), 404
    try:
        text = read_lookup(lambda lookup: profiles.public_profile(lookup, db_session, uscc))
    except NotFound:
        return render_template("public/no_enterprise.html", code=code, problem=None), 404
    return render_template("public/enterprise.html", firm=json.loads(text))


@blp.get("/blacklist")
def blacklist_page():
    args, problems = _args(BlacklistArgs())
    found = blacklist.public_list(db_session(), **args)
    return render_template("public/blacklist.html", found=found, args=args, problems=problems), (
        422 if problems else 200
    )


@blp.get("/inspections")
def inspections_page():
    args, problems = _args(InspectionListArgs())
    found = inspections.public_results(db_session(), **args)
    return render_template("public/inspections.html", found=found, args=args, problems=problems), (
        422 if problems else 200
    )


@blp.get("/warnings")
def warnings_page():
    args, problems = _args(WarningArgs())
    found = warnings.published(db_session(), **args)
    return render_template("public/warnings.html", found=found, args=args, problems=problems), (
        422 if problems else 200
    )
