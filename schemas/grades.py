"""Grades on the wire: the current grade or one as of a day, its history, overrides, the plan."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from credit import catalog
from schemas.common import (
    REGION_PREFIX,
    BusinessDate,
    InputSchema,
    PageArgs,
    PastDate,
    page_of,
    trimmed_text,
)


class GradeArgs(InputSchema):
    as_of = PastDate(
        metadata={"description": "the grade as the registry knew it at the end of that day"}
    )
    purpose = trimmed_text(500, metadata={"description": "a bank's stated purpose (logged)"})

    class Meta:
        unknown = ma.EXCLUDE


class ContributionOut(ma.Schema):
    rule = fields.String(required=True)
    points = fields.String(required=True, metadata={"description": "decimal, signed"})
    record_id = fields.Integer(allow_none=True)
    detail = fields.String(required=True)


class CapOut(ma.Schema):
    rule = fields.String(required=True)
    grade = fields.String(required=True, metadata={"description": "the best grade allowed"})
    record_id = fields.Integer(allow_none=True)
    detail = fields.String(required=True)


class OverrideOut(ma.Schema):
    grade = fields.String(required=True)
    reason = fields.String(required=True)
    valid_until = fields.Date(required=True)


class GradeOut(ma.Schema):
    uscc = fields.String(required=True)
    grade = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "enum": list(catalog.GRADES),
            "description": "null while the firm is not graded (未评级)",
        },
    )
    risk_class = fields.String(
        required=True, allow_none=True, metadata={"enum": list(catalog.RISK_CLASSES)}
    )
    graded = fields.Boolean(required=True)
    blacklisted = fields.Boolean(required=True)
    as_of = fields.Date(required=True)
    assessed_at = fields.DateTime(required=True)
    valid_until = fields.Date(required=True)
    ruleset = fields.String(required=True)
    score = fields.String(allow_none=True, metadata={"description": "0-100, decimal"})
    computed_grade = fields.String(
        allow_none=True, metadata={"description": "the grade before any override"}
    )
    explanation = fields.List(fields.Nested(ContributionOut))
    caps = fields.List(fields.Nested(CapOut))
    override = fields.Nested(
        OverrideOut,
        allow_none=True,
        metadata={
            "description": "a regulator's grade in force, with its reason, shown to every reader"
        },
    )


class AssessmentOut(ma.Schema):
    id = fields.Integer(required=True)
    as_of = fields.Date(required=True)
    assessed_at = fields.DateTime(required=True)
    ruleset = fields.String(required=True)
    grade = fields.String(required=True, allow_none=True)
    computed_grade = fields.String(required=True, allow_none=True)
    score = fields.String(required=True, allow_none=True)
    risk_class = fields.String(required=True, allow_none=True)
    blacklisted = fields.Boolean(required=True)
    valid_until = fields.Date(required=True)
    trigger = fields.String(required=True)
    fingerprint = fields.String(required=True)
    explanation = fields.List(fields.Nested(ContributionOut))
    caps = fields.List(fields.Nested(CapOut))


AssessmentPage = page_of(AssessmentOut, "AssessmentPage")


class HistoryArgs(PageArgs):
    purpose = trimmed_text(500)


class OverrideIn(InputSchema):
    grade = fields.String(required=True, validate=validate.OneOf(list(catalog.GRADES)))
    reason = trimmed_text(2000, required=True)
    valid_until = BusinessDate(required=True)


class InspectionPlanArgs(InputSchema):
    region = fields.String(required=True, validate=REGION_PREFIX)
    date = BusinessDate(required=True)
    seed = fields.Integer(required=True, validate=validate.Range(min=0, max=2**63 - 1))

    class Meta:
        unknown = ma.EXCLUDE


class PlannedEnterpriseOut(ma.Schema):
    uscc = fields.String()
    name = fields.String()
    region_code = fields.String()
    grade = fields.String(allow_none=True)


class PlannedClassOut(ma.Schema):
    risk_class = fields.String(
        metadata={"description": "A (low) to D (high), or `ungraded` for firms not yet graded"}
    )
    population = fields.Integer()
    ratio = fields.String()
    sample_size = fields.Integer()
    enterprises = fields.List(fields.Nested(PlannedEnterpriseOut))


class InspectionPlanOut(ma.Schema):
    region = fields.String()
    date = fields.Date()
    seed = fields.Integer()
    ruleset = fields.String()
    classes = fields.List(fields.Nested(PlannedClassOut))
