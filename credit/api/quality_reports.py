"""The quality-status analysis report (质量状况分析报告) as JSON, a page or a PDF."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session
from credit.services.quality_status import quality_status
from credit.web.reports import quality_status as rendering
from schemas.quality_status import QualityStatusArgs, QualityStatusOut

blp = Blueprint("quality_reports", __name__, description="The quality-status analysis report")
DESCRIPTION = (
    "The report's figures; the report itself as a page with `Accept: text/html`, as a PDF in "
    "Chinese with charts with `Accept: application/pdf`"
)
OFFERED = ["application/json", "text/html", rendering.PDF_MIMETYPE]


@blp.route("/reports/quality-status")
class QualityStatusReport(MethodView):
    @blp.arguments(QualityStatusArgs, location="query")
    @blp.response(200, QualityStatusOut, description=DESCRIPTION)
    @blp.alt_response(
        200,
        schema={"type": "string"},
        content_type="text/html",
        success=True,
        description=DESCRIPTION,
    )
    @blp.alt_response(
        200,
        schema={"type": "string", "format": "binary"},
        content_type=rendering.PDF_MIMETYPE,
        success=True,
        description=DESCRIPTION,
    )
    @blp.alt_response(
        503,
        description="A PDF was asked for and the server lacks a Chinese font or WeasyPrint's "
        "libraries; `detail` names the Debian packages to install",
    )
    @blp.doc(security=[{"bearer": []}])
    def get(self, args):
        """The quality-status analysis report of a region for a quarter or a year, with the period
        before for comparison (the region's regulators)."""
        report = quality_status(db_session(), current_caller(), args["region"], args["period"])
        wanted = request.accept_mimetypes.best_match(OFFERED, default=OFFERED[0])
        if wanted == rendering.PDF_MIMETYPE:
            return Response(
                rendering.render_pdf(report),
                mimetype=rendering.PDF_MIMETYPE,
                headers={
                    "Content-Disposition": (
                        f'attachment; filename="{rendering.filename(report, "pdf")}"'
                    )
                },
            )
        if wanted == "text/html":
            response = Response(rendering.render_html(report), mimetype="text/html")
            # A page with its own styles and inline charts, nothing loaded from elsewhere.
            response.headers["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "frame-ancestors 'none'"
            )
            return response
        return report
