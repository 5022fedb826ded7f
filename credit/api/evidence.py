"""Evidence for credit repair on the wire: files in from a multipart upload, a stored file out."""

from __future__ import annotations

import base64
from urllib.parse import quote

from flask import Response, current_app
from werkzeug.datastructures import FileStorage

from credit.api.context import current_caller, db_session
from credit.config import Settings
from credit.services import requests

UPLOAD_DESCRIPTION = (
    "multipart/form-data with one or more `file` parts: PDF, PNG or JPEG, recognised by their "
    "content (not their name); at most CREDIT_REPAIR_ATTACHMENT_MAX_COUNT files per application "
    "(default 5) and CREDIT_REPAIR_ATTACHMENT_MAX_BYTES per file (default 5 MiB). A refused file "
    "is a 422 naming it: `file.0`, `file.1`…; a body over every file's limit together is a 413."
)


# The download's answer as the OpenAPI document describes it, for records and listings alike.
DOWNLOAD_RESPONSE = {
    "schema": {"type": "string", "format": "binary"},
    "content_type": "application/octet-stream",
    "description": "the file as sent (application/pdf, image/png or image/jpeg), with its "
    "SHA-256 in `Repr-Digest`",
}


def upload_limit(settings: Settings) -> int:
    """The body limit of an upload endpoint (read by the request hooks before the body is)."""
    return settings.repair_upload_bytes


def limits() -> requests.EvidenceLimits:
    settings: Settings = current_app.extensions["credit.settings"]
    return requests.EvidenceLimits(
        folder=settings.evidence,
        max_count=settings.repair_attachment_max_count,
        max_bytes=settings.repair_attachment_max_bytes,
    )


def uploads(files: list[FileStorage]) -> list[requests.Upload]:
    return [requests.Upload(storage.filename or "", storage.read()) for storage in files]


def attach(kind: str, entry_id: int, files: list[FileStorage]):
    """Adds the files to the pending application and returns it."""
    session = db_session()
    application = requests.attach_evidence(
        session, current_caller(), kind, entry_id, uploads(files), limits()
    )
    session.commit()
    return application


def download(kind: str, entry_id: int, attachment_id: int, caller=None) -> Response:
    """The file as it was sent, with its SHA-256 (RFC 9530 `Repr-Digest`) to check it by; to the
    token's caller, or to `caller` (a page's signed-in account)."""
    attachment, content = requests.evidence_file(
        db_session(), caller or current_caller(), kind, entry_id, attachment_id, limits().folder
    )
    digest = base64.b64encode(bytes.fromhex(attachment.sha256)).decode("ascii")
    return Response(
        content,
        mimetype=attachment.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "Repr-Digest": f"sha-256=:{digest}:",
            "ETag": f'"{attachment.sha256}"',
            "Cache-Control": "private, no-store",
        },
    )
