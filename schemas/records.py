"""Credit records on the wire: the four kinds in, one record shape out, and corrections."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import marshmallow as ma
from marshmallow import fields, validate, validates_schema

from credit import catalog
from schemas.blacklist import ObjectionOut, RepairOut
from schemas.common import BusinessDate, InputSchema, PastDate, trimmed_text


def one_of(entries) -> validate.OneOf:
    return validate.OneOf(list(entries), error="must be one of: {choices}")


class RecordIn(InputSchema):
    source_agency = trimmed_text(
        200,
        metadata={"description": "the agency the record comes from (银行、税务、质监、检验检疫…)"},
    )


class AwardIn(RecordIn):
    kind = fields.String(
        required=True, validate=one_of(catalog.AWARD_KINDS), attribute="award_kind"
    )
    level = fields.String(required=True, validate=one_of(catalog.LEVELS))
    title = trimmed_text(200, required=True)
    issuer = trimmed_text(200, required=True)
    awarded_on = PastDate(required=True)
    expires_on = BusinessDate(load_default=None, allow_none=True)
    document_no = trimmed_text(100, load_default=None, allow_none=True)

    @validates_schema
    def _expiry_after_award(self, data, **_):
        if (
            data.get("expires_on")
            and data.get("awarded_on")
            and data["expires_on"] <= data["awarded_on"]
        ):
            raise ma.ValidationError("must be after awarded_on", "expires_on")


class CertificationIn(RecordIn):
    scheme = fields.String(required=True, validate=one_of(catalog.CERTIFICATION_SCHEMES))
    certificate_no = trimmed_text(100, required=True)
    issuer = trimmed_text(200, required=True)
    valid_from = PastDate(required=True)
    valid_to = BusinessDate(required=True)

    @validates_schema
    def _valid_to_after_from(self, data, **_):
        if (
            data.get("valid_to")
            and data.get("valid_from")
            and data["valid_to"] < data["valid_from"]
        ):
            raise ma.ValidationError("must not be before valid_from", "valid_to")


class InspectionIn(RecordIn):
    level = fields.String(required=True, validate=one_of(catalog.INSPECTION_LEVELS))
    product = trimmed_text(200, required=True)
    sampled_on = PastDate(required=True)
    result = fields.String(required=True, validate=one_of(catalog.INSPECTION_RESULTS))
    report_no = trimmed_text(100, load_default=None, allow_none=True)
    failed_items = fields.List(
        trimmed_text(200), load_default=list, validate=validate.Length(max=100)
    )
    product_category = fields.String(
        load_default=None,
        allow_none=True,
        validate=one_of(catalog.PRODUCT_CATEGORIES),
        metadata={"description": "the catalog's `product_categories` (食品, 建材, 电工电气…)"},
    )
    testing_institution = trimmed_text(
        200,
        load_default=None,
        allow_none=True,
        metadata={"description": "the 检验机构 that tested the sample; the record's source issuer"},
    )

    @validates_schema
    def _failed_items_only_on_fail(self, data, **_):
        if data.get("result") == "pass" and data.get("failed_items"):
            raise ma.ValidationError("a passed inspection has no failed items", "failed_items")


class Yuan(fields.Field):
    """Money in yuan: a non-negative decimal (string preferred) with at most 2 places, stored as fen."""

    MAX = Decimal("1000000000000")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ma.ValidationError('must be an amount in yuan, e.g. "2000000.00"')
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ma.ValidationError('must be an amount in yuan, e.g. "2000000.00"') from None
        if not amount.is_finite() or amount < 0:
            raise ma.ValidationError("must be zero or more")
        if amount.as_tuple().exponent < -2:
            raise ma.ValidationError("has more than 2 decimal places")
        if amount >= self.MAX:
            raise ma.ValidationError("is implausibly large")
        return int(amount * 100)


class ViolationIn(RecordIn):
    category = fields.String(required=True, validate=one_of(catalog.VIOLATION_CATEGORIES))
    severity = fields.String(required=True, validate=one_of(catalog.SEVERITIES))
    decided_on = PastDate(required=True)
    authority = trimmed_text(200, required=True)
    decision_no = trimmed_text(100, required=True)
    fine_amount = Yuan(
        load_default=None,
        allow_none=True,
        attribute="fine_fen",
        metadata={"type": "string", "example": "50000.00"},
    )
    legal_basis = trimmed_text(500, load_default=None, allow_none=True)
    description = trimmed_text(4000, load_default=None, allow_none=True)


class RescindIn(InputSchema):
    reason = trimmed_text(2000, required=True)


class RevokeIn(InputSchema):
    reason = trimmed_text(2000, required=True)
    revoked_on = PastDate(required=True)
    document_no = trimmed_text(100, load_default=None, allow_none=True)


class SourceOut(ma.Schema):
    agency = fields.String()
    issuer = fields.String(allow_none=True)
    document_no = fields.String(allow_none=True)
    date = fields.Date(allow_none=True)
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class CorrectionOut(ma.Schema):
    action = fields.String(metadata={"description": "rescind (the record was wrong) or revoke"})
    reason = fields.String()
    effective_on = fields.Date()
    document_no = fields.String(allow_none=True)
    actor = fields.String()
    at = fields.DateTime(attribute="created_at")


class RecordOut(ma.Schema):
    """One record; the fields of its kind are present, the others absent."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(catalog.RECORD_KINDS)})
    uscc = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(catalog.RECORD_STATUSES)})
    created_at = fields.DateTime(required=True)
    source = fields.Nested(SourceOut, required=True)
    # award
    award_kind = fields.String()
    level = fields.String()
    title = fields.String()
    issuer = fields.String()
    awarded_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    document_no = fields.String(allow_none=True)
    # certification
    scheme = fields.String()
    certificate_no = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date()
    # inspection
    product = fields.String()
    sampled_on = fields.Date()
    result = fields.String()
    report_no = fields.String(allow_none=True)
    failed_items = fields.List(fields.String())
    product_category = fields.String(
        allow_none=True, metadata={"enum": list(catalog.PRODUCT_CATEGORIES)}
    )
    testing_institution = fields.String(allow_none=True)
    # violation
    category = fields.String()
    severity = fields.String()
    decided_on = fields.Date()
    authority = fields.String()
    decision_no = fields.String()
    fine_amount = fields.String(allow_none=True, metadata={"description": "yuan, 2 decimals"})
    legal_basis = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    display_until = fields.Date(
        metadata={"description": "last day the public sees it (violations, inspections)"}
    )
    disputed = fields.Boolean(metadata={"description": "an objection is pending"})
    # in the credit file
    shown_publicly = fields.Boolean()
    corrections = fields.List(fields.Nested(CorrectionOut))
    objections = fields.List(fields.Nested(ObjectionOut))
    repairs = fields.List(fields.Nested(RepairOut))


class RecordRepairIn(InputSchema):
    statement = trimmed_text(4000, required=True)
