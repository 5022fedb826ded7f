"""Supervisory sampling results, published (监督抽查结果公开)."""

from __future__ import annotations

from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import db_session
from credit.services import inspections
from schemas.inspections import InspectionListArgs, InspectionResultPage

blp = Blueprint(
    "inspections",
    __name__,
    description="Supervisory sampling results (监督抽查结果), public for 3 years from sampling",
)


@blp.route("/inspections")
class Inspections(MethodView):
    @blp.arguments(InspectionListArgs, location="query")
    @blp.response(200, InspectionResultPage)
    def get(self, args):
        """The results inside their display period, newest sampling first; anyone may read
        them (产品质量监督抽查管理暂行办法 第四十六条)."""
        return inspections.public_results(db_session(), **args)
