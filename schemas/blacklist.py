"""The quality blacklist on the wire: listings, objections, repair applications and decisions."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate, validates_schema

from schemas.common import (
    REGION_PREFIX,
    InputSchema,
    PageArgs,
    PastDate,
    Uscc,
    page_of,
    trimmed_text,
)

STATES = ["listed", "objection_pending", "rescinded", "repair_pending", "removed_early", "expired"]


class ListingIn(InputSchema):
    uscc = Uscc(required=True)
    reason = trimmed_text(2000, required=True)
    legal_basis = trimmed_text(500, required=True)
    decision_no = trimmed_text(100, required=True)
    listed_on = PastDate(
        required=True,
        metadata={
            "description": "today or earlier; a listing migrated from paper may be long past"
        },
    )
    authority = trimmed_text(200, metadata={"description": "defaults to the regulator's bureau"})
    notified_on = PastDate(
        metadata={"description": "when the firm was told of the intended listing"}
    )
    violation_ids = fields.List(
        fields.Integer(strict=True), load_default=list, validate=validate.Length(max=100)
    )

    @validates_schema
    def _notified_before_listing(self, data, **_):
        if (
            data.get("notified_on")
            and data.get("listed_on")
            and data["notified_on"] > data["listed_on"]
        ):
            raise ma.ValidationError("must not be after listed_on", "notified_on")


class ObjectionIn(InputSchema):
    reason = trimmed_text(4000, required=True)


class RepairIn(InputSchema):
    statement = trimmed_text(4000, required=True)
    evidence = trimmed_text(4000)


class DecisionIn(InputSchema):
    reason = trimmed_text(4000, required=True)


class ObjectionDecisionIn(DecisionIn):
    upheld = fields.Boolean(required=True, truthy={True}, falsy={False})


class RepairDecisionIn(DecisionIn):
    approved = fields.Boolean(required=True, truthy={True}, falsy={False})


class BlacklistArgs(PageArgs):
    region = fields.String(validate=REGION_PREFIX)


class TransitionOut(ma.Schema):
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    on = fields.Date()
    actor = fields.String()
    reason = fields.String()
    document_no = fields.String(allow_none=True)
    at = fields.DateTime(attribute="created_at")


class ObjectionOut(ma.Schema):
    id = fields.Integer(required=True)
    listing_id = fields.Integer()
    record_id = fields.Integer()
    state = fields.String(required=True, metadata={"enum": ["pending", "upheld", "rejected"]})
    reason = fields.String()
    filed_by = fields.String()
    created_at = fields.DateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class AttachmentOut(ma.Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    media_type = fields.String(
        required=True, metadata={"enum": ["application/pdf", "image/png", "image/jpeg"]}
    )
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    sha256 = fields.String(required=True, metadata={"description": "hex SHA-256 of the file"})
    uploaded_by = fields.String()
    created_at = fields.DateTime()


class EvidenceFiles(ma.Schema):
    """Repair evidence as a multipart upload."""

    class Meta:
        unknown = ma.RAISE

    file = fields.List(
        fields.Raw(metadata={"type": "string", "format": "binary"}),
        required=True,
        metadata={"description": "repeat the part to send several files"},
    )


class RepairOut(ma.Schema):
    id = fields.Integer(required=True)
    listing_id = fields.Integer()
    record_id = fields.Integer()
    state = fields.String(required=True, metadata={"enum": ["pending", "approved", "rejected"]})
    statement = fields.String()
    evidence = fields.String(allow_none=True)
    applied_by = fields.String()
    attachments = fields.List(
        fields.Nested(AttachmentOut),
        metadata={
            "description": "evidence files; download each at "
            "`…/repair/attachments/{id}` (the firm and the regulator of its region)"
        },
    )
    created_at = fields.DateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class ListingOut(ma.Schema):
    id = fields.Integer(required=True)
    uscc = fields.String(required=True)
    name = fields.String(required=True)
    region_code = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": STATES})
    disputed = fields.Boolean(required=True, metadata={"description": "an objection is pending"})
    reason = fields.String(required=True)
    legal_basis = fields.String(required=True)
    decision_no = fields.String(required=True)
    authority = fields.String(required=True)
    listed_on = fields.Date(required=True)
    notified_on = fields.Date(allow_none=True)
    repair_eligible_on = fields.Date(required=True)
    expires_on = fields.Date(required=True, metadata={"description": "inactive from this day"})
    violation_ids = fields.List(fields.Integer())
    transitions = fields.List(
        fields.Nested(TransitionOut), metadata={"description": "for the firm and its regulator"}
    )
    objections = fields.List(fields.Nested(ObjectionOut))
    repairs = fields.List(fields.Nested(RepairOut))


ListingPage = page_of(ListingOut, "ListingPage")
