"""Signed credit reports and the change feed."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session
from credit.services import changes, reports
from credit.web import credit_report
from schemas.changes import ChangesArgs, ChangesOut, ReportArgs
from schemas.enterprises import UsccPath

blp = Blueprint("reports", __name__, description="Signed credit reports and the change feed")
AUTH = {"security": [{"bearer": []}]}


@blp.route("/enterprises/<uscc>/report")
class EnterpriseReport(MethodView):
    @blp.arguments(UsccPath, location="path")
    @blp.arguments(ReportArgs, location="query")
    @blp.response(
        200,
        {"type": "string"},
        content_type=reports.CONTENT_TYPE,
        description=(
            "JWS compact serialisation (alg EdDSA, kid) of the report; verify it against "
            "/.well-known/jwks.json"
        ),
    )
    @blp.doc(**AUTH)
    def get(self, path, args, uscc):
        """A signed credit report with the procurement verdict as of a day (procurement, bank and
        regulator accounts, and the firm itself)."""
        session = db_session(logged_read=True)
        report = reports.build(session, current_caller(), path["uscc"], args.get("as_of"))
        token = reports.sign(report, current_app.extensions["credit.report_keys"])
        session.commit()
        name = f"credit-report-{report['enterprise']['uscc']}-{report['as_of']}.jws"
        return Response(
            token,
            mimetype=reports.CONTENT_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


@blp.route("/enterprises/<uscc>/report.pdf")
class EnterpriseReportPdf(MethodView):
    @blp.arguments(UsccPath, location="path")
    @blp.arguments(ReportArgs, location="query")
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type=credit_report.MIMETYPE,
        description=(
            "The report as a PDF in Chinese (A4) with a QR code and short code for the "
            "verification page, the JWS attached as credit-report.jws, and a PAdES signature"
        ),
    )
    @blp.alt_response(503, description="This machine cannot render PDFs (what to install)")
    @blp.doc(**AUTH)
    def get(self, path, args, uscc):
        """The signed credit report as a PDF (procurement, bank and regulator accounts, and the
        firm itself)."""
        session = db_session(write=True)
        settings = current_app.extensions["credit.settings"]
        issued = credit_report.issue_pdf(
            session,
            current_caller(),
            path["uscc"],
            args.get("as_of"),
            report_keys=current_app.extensions["credit.report_keys"],
            certificate=current_app.extensions["credit.report_certificate"],
            base_url=settings.public_url or request.host_url,
        )
        session.commit()
        return Response(
            issued.content,
            mimetype=credit_report.MIMETYPE,
            headers={"Content-Disposition": f'attachment; filename="{issued.filename}"'},
        )


@blp.route("/changes")
class Changes(MethodView):
    @blp.arguments(ChangesArgs, location="query")
    @blp.response(200, ChangesOut)
    @blp.alt_response(
        403, description="A role the feed is not for, or another firm's code from a firm's account"
    )
    @blp.alt_response(404, description="No watchlist of the caller's has this id")
    @blp.doc(**AUTH)
    def get(self, args):
        """Changes to watched firms after a cursor, oldest first (banks, procurement: `uscc` or
        `watchlist` required; regulators: their region; an enterprise: its own firm, `uscc`
        optional, another firm's code is a 403)."""
        return changes.changes(
            db_session(),
            current_caller(),
            since=args["since"],
            usccs=args["uscc"],
            watchlist=args.get("watchlist"),
            limit=args["limit"],
        )
