"""Statistics of a region against its policy targets, the targets themselves, quality warnings."""

from __future__ import annotations

from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session
from credit.services import statistics
from credit.services.statistics import targets, warnings
from schemas.statistics import (
    StatisticsArgs,
    StatisticsOut,
    TargetListOut,
    TargetPath,
    TargetsArgs,
    TargetsIn,
    WarningArgs,
    WarningIn,
    WarningOut,
    WarningPage,
)

blp = Blueprint(
    "statistics", __name__, description="Statistics, policy targets and quality warnings"
)


@blp.route("/statistics")
class Statistics(MethodView):
    @blp.arguments(StatisticsArgs, location="query")
    @blp.response(200, StatisticsOut)
    def get(self, args):
        """Firms, grades, blacklist, inspections, violations and honours of a region by region,
        industry, product, quarter or month, against the targets; every field but `violations`
        for anyone, everything for the regulator of the region."""
        return statistics.figures(db_session(), current_caller(), **args)


@blp.route("/targets")
class Targets(MethodView):
    @blp.arguments(TargetsArgs, location="query")
    @blp.response(200, TargetListOut)
    def get(self, args):
        """The policy targets in force of every region under `region` (or of all), by region and
        year."""
        rows = targets.in_force(db_session(), args.get("region"))
        return {"items": [targets.view(row) for row in rows]}


@blp.route("/targets/<region>/<year>")
class TargetsOfRegionYear(MethodView):
    @blp.arguments(TargetPath, location="path")
    @blp.arguments(TargetsIn)
    @blp.response(200, TargetListOut)
    @blp.doc(security=[{"bearer": []}])
    def put(self, path, body, region, year):
        """Replace the region's targets for a year (the regulator of the region)."""
        session = db_session()
        rows = targets.set_targets(
            session, current_caller(), path["region"], path["year"], body["targets"]
        )
        session.commit()
        return {"items": [targets.view(row) for row in rows]}


@blp.route("/warnings")
class Warnings(MethodView):
    @blp.arguments(WarningArgs, location="query")
    @blp.response(200, WarningPage)
    def get(self, args):
        """Published quality warnings (质量安全预警), newest first."""
        return warnings.published(db_session(), **args)

    @blp.arguments(WarningIn)
    @blp.response(201, WarningOut)
    @blp.doc(security=[{"bearer": []}])
    def post(self, body):
        """Publish a quality warning about a product (the regulator of the region)."""
        session = db_session()
        row = warnings.publish(session, current_caller(), **body)
        session.commit()
        return warnings.view(row)
