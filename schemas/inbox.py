"""The regulator's inbox on the wire: what waits for a decision, oldest first."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from credit.services.inbox import KINDS
from schemas.common import PageArgs, page_of


class InboxArgs(PageArgs):
    kind = fields.String(
        load_default=None,
        validate=validate.OneOf(KINDS, error="must be one of: {choices}"),
        metadata={"description": "only the items of this kind"},
    )


class InboxAttachment(ma.Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    media_type = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "bytes"})


class InboxItem(ma.Schema):
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    id = fields.Integer(
        required=True,
        metadata={"description": "the objection's, the repair application's or the listing's id"},
    )
    uscc = fields.String(
        required=True, allow_none=True, metadata={"description": "null for an import"}
    )
    name = fields.String(
        required=True, metadata={"description": "the firm's name; for an import, its supplier"}
    )
    since = fields.Date(
        required=True,
        metadata={"description": "filed on; for a listing due, the first day of its notice"},
    )
    record_id = fields.Integer(metadata={"description": "the record objected to or repaired"})
    record_kind = fields.String(metadata={"description": "award, certification, …"})
    listing_id = fields.Integer(metadata={"description": "the listing concerned"})
    due = fields.String(
        metadata={
            "description": "listing_due: which date is near",
            "enum": ["repair_eligible_on", "expires_on"],
        }
    )
    due_on = fields.Date(metadata={"description": "listing_due: the date itself"})
    import_id = fields.Integer(metadata={"description": "import_rejected: GET /imports/{id}"})
    import_kind = fields.String(metadata={"description": "import_rejected: what the file held"})
    errors = fields.List(
        fields.Dict(),
        metadata={"description": "import_rejected: its first errors ({row, column, message})"},
    )
    attachments = fields.List(
        fields.Nested(InboxAttachment),
        metadata={
            "description": "repairs: the evidence files, each at "
            "GET /records/{record_id}/repair/attachments/{id} or "
            "/blacklist/{listing_id}/repair/attachments/{id}"
        },
    )
    evidence = fields.String(
        allow_none=True, metadata={"description": "listing_repair: the evidence the firm gave"}
    )
    summary = fields.String(
        required=True,
        metadata={
            "description": "the objection's reason, the application's statement, or the "
            "listing's reason (at most 200 characters)"
        },
    )


class InboxCounts(ma.Schema):
    record_objection = fields.Integer(required=True)
    listing_objection = fields.Integer(required=True)
    record_repair = fields.Integer(required=True)
    listing_repair = fields.Integer(required=True)
    listing_due = fields.Integer(required=True)
    import_rejected = fields.Integer(required=True)


class InboxPage(page_of(InboxItem, "InboxItemPage")):
    counts = fields.Nested(
        InboxCounts, required=True, metadata={"description": "items of each kind"}
    )
