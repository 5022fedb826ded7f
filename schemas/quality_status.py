"""The quality-status report (质量状况分析报告): what is asked, and its figures as JSON."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from schemas.common import InputSchema


class QualityStatusArgs(InputSchema):
    region = fields.String(
        required=True,
        validate=validate.Length(min=1, max=12),
        metadata={"description": "a province (32), city (3211 or 321100) or district (321102)"},
    )
    period = fields.String(
        required=True,
        validate=validate.Length(min=1, max=12),
        metadata={"description": "a quarter (2026Q3) or a year (2026)"},
    )


class ReportPeriodOut(ma.Schema):
    code = fields.String(metadata={"description": "2026Q3 or 2026"})
    label_zh = fields.String()
    date_from = fields.Date()
    date_to = fields.Date(metadata={"description": "the period's last day, or today if earlier"})
    complete = fields.Boolean(metadata={"description": "whether the period has ended"})


class QualityStatusOut(ma.Schema):
    region = fields.String(metadata={"description": "the region prefix the figures cover"})
    region_name = fields.String()
    period = fields.Nested(ReportPeriodOut)
    previous_period = fields.Nested(ReportPeriodOut)
    summary = fields.Dict(metadata={"description": "the headline figures of the period"})
    grades = fields.List(fields.Dict(), metadata={"description": "firms per grade, with shares"})
    inspections = fields.Dict(metadata={"description": "sampling batches and pass rates by level"})
    product_target = fields.Dict(
        allow_none=True, metadata={"description": "the target products' pass rates are set against"}
    )
    products = fields.List(fields.Dict(), metadata={"description": "sampling results by product"})
    targets = fields.List(fields.Dict())
    warnings = fields.List(fields.Dict())
    violations = fields.Dict()
    blacklist = fields.Dict(metadata={"description": "listings `active`, `listed`, `removed`"})
    honours = fields.List(fields.Dict(), metadata={"description": "honours in force by kind"})
    comparison = fields.List(fields.Dict(), metadata={"description": "against the period before"})
    districts = fields.List(fields.Dict(), metadata={"description": "the figures by district"})
