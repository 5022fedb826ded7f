"""Open-data downloads: the public datasets, and a region's whole credit files for its regulator."""

from __future__ import annotations

from email.utils import format_datetime

from flask import Response, current_app
from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import close_session, current_caller
from credit.services.exchange import exports, writers
from schemas.exports import DUMPS, ExportArgs

blp = Blueprint(
    "exports",
    __name__,
    description="Open data: the register, the blacklist, inspection results and violations",
)

HEADERS_DESCRIPTION = (
    "Streamed. `Last-Modified`: the later of the last change and the start of today; "
    "`Audit-Cursor`: the change-feed cursor the rows were read at (pass it to "
    "GET /api/v1/changes?since= to follow what changed after)."
)
PATH_PARAMETERS = [
    {
        "in": "path",
        "name": "dataset",
        "required": True,
        "schema": {"type": "string", "enum": list(exports.DATASETS)},
        "description": "`files` (whole credit files, jsonl) is for the regulator of the region",
    },
    {
        "in": "path",
        "name": "fmt",
        "required": True,
        "schema": {"type": "string", "enum": list(exports.FORMATS)},
    },
]
FILE = {"type": "string", "format": "binary"}


@blp.route("/exports/<dataset>.<fmt>", parameters=PATH_PARAMETERS)
class ExportDownload(MethodView):
    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, FILE, content_type="text/csv", description=HEADERS_DESCRIPTION)
    @blp.alt_response(200, schema=FILE, content_type="application/jsonl", success=True)
    @blp.alt_response(200, schema=FILE, content_type=writers.CONTENT_TYPES["xlsx"], success=True)
    @blp.alt_response(404, description="No such dataset or format")
    def get(self, args, dataset, fmt):
        """A dataset as CSV (UTF-8 with a BOM, for Excel), JSON Lines or XLSX, streamed; anyone
        may download the public ones."""
        caller = current_caller()
        # The rows are read while the response is sent, after the request is torn down: the
        # export reads in a session of its own, and the request's (which read the caller's
        # account) is closed now rather than held open for the whole download.
        close_session()
        session = current_app.extensions["credit.database"].session(write=False)
        try:
            export = exports.open_export(session, caller, dataset, fmt, region=args.get("region"))
            pieces = writers.pieces(
                fmt, export.columns, export.rows(), title=dataset, dump=DUMPS.get(dataset)
            )
        except BaseException:
            session.close()
            raise

        def body():
            try:
                yield from pieces
            finally:
                session.close()

        return Response(
            body(),
            content_type=writers.CONTENT_TYPES[fmt],
            headers={
                "Last-Modified": format_datetime(export.last_modified, usegmt=True),
                "Audit-Cursor": str(export.cursor),
                "Content-Disposition": f'attachment; filename="{export.filename}"',
            },
        )
