"""Bulk imports from other departments: uploads, their reports, and blank templates."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session
from credit.errors import InvalidInput
from credit.services.exchange import imports, templates
from credit.services.exchange.columns import IMPORT_KINDS
from schemas.imports import (
    ImportArgs,
    ImportOut,
    ImportPath,
    TemplatePath,
    row_format,
)

blp = Blueprint("imports", __name__, description="Bulk imports from other departments")
AUTH = {"security": [{"bearer": []}]}
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "CSV (UTF-8 with or without BOM, or GB18030), XLSX, or "
                        "JSON Lines (.jsonl); the name's extension says which",
                    }
                },
            }
        }
    },
}


@blp.route("/imports")
class Imports(MethodView):
    # The body limit of every other request is far smaller; hooks apply this one to uploads.
    upload_limit = staticmethod(lambda settings: settings.import_max_bytes)

    @blp.arguments(ImportArgs, location="query")
    @blp.response(201, ImportOut)
    @blp.alt_response(413, description="Over 20 MiB or 100,000 rows: use `credit import`")
    # The file is documented, not parsed by the decorators: the caller's rights are decided
    # before the upload is read at all.
    @blp.doc(**AUTH, requestBody=UPLOAD_BODY)
    def post(self, args):
        """Import a file of firms or records (a regulator for its region; an agency for the
        kinds it supplies): validated in full, then written all or nothing."""
        caller = current_caller()
        session = db_session()
        region = imports.authorize(caller, args["kind"], args.get("region"))
        # Nothing is written while the file is read and validated: no lock is held meanwhile.
        session.commit()
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput.field("file", "attach the file as the multipart field `file`")
        settings = current_app.extensions["credit.settings"]
        batch = imports.import_upload(
            session,
            caller,
            args["kind"],
            upload.filename or "",
            upload.read(),
            row_format(args["kind"]),
            region=region,
            dry_run=args["dry_run"],
            max_rows=settings.import_max_rows,
        )
        session.commit()
        return imports.describe(batch)


@blp.route("/imports/<int:import_id>")
class ImportById(MethodView):
    @blp.arguments(ImportPath, location="path")
    @blp.response(200, ImportOut)
    @blp.doc(**AUTH)
    def get(self, path_args, import_id):
        """An import's report (its sender, and the regulators of its region)."""
        batch = imports.get_batch(db_session(), current_caller(), path_args["import_id"])
        return imports.describe(batch)


TEMPLATE_DESCRIPTION = "A blank template: the header row in Chinese (the XLSX explains each column)"
TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@blp.route("/imports/templates/<name>")
class ImportTemplate(MethodView):
    @blp.alt_response(
        200,
        schema={"type": "string", "format": "binary"},
        content_type=TEMPLATE_TYPES["xlsx"],
        success=True,
        description=TEMPLATE_DESCRIPTION,
    )
    @blp.alt_response(
        200,
        schema={"type": "string"},
        content_type="text/csv",
        success=True,
        description=TEMPLATE_DESCRIPTION,
    )
    @blp.arguments(TemplatePath, location="path")
    def get(self, path_args, name):
        """A blank import template, `{kind}.xlsx` or `{kind}.csv` (anyone)."""
        kind, _, extension = path_args["name"].rpartition(".")
        written = IMPORT_KINDS[kind]
        if extension == "csv":
            content = templates.template_csv(written)
        else:
            content = templates.template_xlsx(written, row_format(kind).required)
        return Response(
            content,
            mimetype=TEMPLATE_TYPES[extension],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
