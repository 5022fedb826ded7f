"""Statistics, policy targets and quality warnings on the wire."""

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
    RegionCode,
    page_of,
    trimmed_text,
)

RATE = {"description": 'a fraction as a decimal string with 4 places ("0.9530"); null over none'}


class StatisticsArgs(InputSchema):
    region = fields.String(
        metadata={
            "description": "a province, city or county code (2, 4 or 6 digits); by default the "
            "regulator's own region, or every region"
        }
    )
    industry = fields.String(
        metadata={"description": "a GB/T 4754-2017 section, division, group or class"}
    )
    date_from = BusinessDate(
        data_key="from", metadata={"description": "first day; by default the quarter's first"}
    )
    date_to = BusinessDate(data_key="to", metadata={"description": "last day; by default today"})
    by = fields.String(
        load_default="region",
        metadata={
            "enum": ["region", "industry", "product", "quarter", "month"],
            "description": "groups: 6-digit districts, GB/T 4754 divisions (or the section of a "
            "firm that gives only that), products (the firms sampled for each), or every quarter "
            "or month of the range (firms as of each period's last day in it)",
        },
    )

    class Meta:
        unknown = ma.EXCLUDE


def _counts(names, description: str) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": description, "example": dict.fromkeys(names, 0)},
    )


class LevelOut(ma.Schema):
    batches = fields.Integer(required=True)
    passed = fields.Integer(required=True)
    pass_rate = fields.String(required=True, allow_none=True, metadata=RATE)


class InspectionFiguresOut(LevelOut):
    by_level = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(LevelOut),
        required=True,
        metadata={"description": "national, provincial, municipal and county"},
    )


class BlacklistFiguresOut(ma.Schema):
    active = fields.Integer(required=True, metadata={"description": "listings in force on `to`"})
    listed = fields.Integer(
        required=True, metadata={"description": "listed inside the range (rescinded ones aside)"}
    )
    removed = fields.Integer(
        required=True,
        metadata={"description": "removed early after credit repair inside the range"},
    )


class ViolationFiguresOut(ma.Schema):
    total = fields.Integer(required=True)
    by_severity = _counts(catalog.SEVERITIES, "decided inside the range, per severity")
    by_category = _counts(catalog.VIOLATION_CATEGORIES, "per category")
    fines = fields.String(required=True, metadata={"description": "yuan, decimal string"})


class FiguresOut(ma.Schema):
    enterprises = fields.Integer(
        required=True, metadata={"description": "firms registered by `to`"}
    )
    grades = _counts(
        [*catalog.GRADES, "ungraded"], "each firm's last grade stored by `to`; ungraded: 未评级"
    )
    risk_classes = _counts([*catalog.RISK_CLASSES, "ungraded"], "likewise, supervision classes")
    blacklist = fields.Nested(BlacklistFiguresOut, required=True)
    inspections = fields.Nested(InspectionFiguresOut, required=True)
    violations = fields.Nested(
        ViolationFiguresOut, metadata={"description": "for the regulator of the region only"}
    )
    awards_in_force = _counts(catalog.AWARD_KINDS, "honours in force on `to`, per kind")


class GroupOut(FiguresOut):
    key = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "district code, GB/T 4754 division, product, 2026Q3 or 2026-07"},
    )
    label_zh = fields.String(required=True, allow_none=True)


class TargetFigureOut(ma.Schema):
    code = fields.String(required=True, metadata={"enum": list(catalog.TARGET_CODES)})
    label_zh = fields.String(required=True)
    region = fields.String(required=True, metadata={"description": "the prefix that set it"})
    source = fields.String(required=True)
    target = fields.Raw(
        required=True, metadata={"description": 'a rate ("0.95") or a number of firms'}
    )
    actual = fields.Raw(required=True, allow_none=True)
    met = fields.Boolean(required=True, allow_none=True)


class AutomaticWarningOut(ma.Schema):
    product = fields.String(required=True)
    region_code = fields.String(required=True, allow_none=True)
    batches = fields.Integer(required=True)
    pass_rate = fields.String(required=True, metadata=RATE)
    threshold = fields.String(required=True)


class StatisticsOut(ma.Schema):
    region = fields.String(required=True, allow_none=True)
    industry = fields.String(required=True, allow_none=True)
    date_from = fields.Date(required=True, data_key="from", attribute="from")
    date_to = fields.Date(required=True, data_key="to", attribute="to")
    by = fields.String(required=True)
    groups = fields.List(fields.Nested(GroupOut), required=True)
    totals = fields.Nested(FiguresOut, required=True)
    targets = fields.List(fields.Nested(TargetFigureOut), required=True)
    warnings = fields.List(fields.Nested(AutomaticWarningOut), required=True)


class TargetsArgs(InputSchema):
    region = fields.String(validate=REGION_PREFIX)

    class Meta:
        unknown = ma.EXCLUDE


class TargetPath(InputSchema):
    region = fields.String(required=True)
    year = fields.Integer(required=True, validate=validate.Range(min=1990, max=2199))


class TargetIn(InputSchema):
    code = fields.String(required=True, validate=validate.OneOf(list(catalog.TARGET_CODES)))
    target = fields.Raw(
        required=True,
        metadata={"description": 'a rate as a decimal string ("0.95") or a count (20)'},
    )
    source = trimmed_text(500, required=True)


class TargetsIn(InputSchema):
    targets = fields.List(fields.Nested(TargetIn), required=True, validate=validate.Length(max=50))


class TargetOut(ma.Schema):
    region = fields.String(required=True)
    year = fields.Integer(required=True)
    code = fields.String(required=True)
    label_zh = fields.String(required=True)
    target = fields.Raw(required=True)
    source = fields.String(required=True)
    set_by = fields.String(required=True)
    set_at = fields.DateTime(required=True)


class TargetListOut(ma.Schema):
    items = fields.List(fields.Nested(TargetOut), required=True)


class WarningArgs(PageArgs):
    region = fields.String(validate=REGION_PREFIX)


class WarningIn(InputSchema):
    title = trimmed_text(200, required=True)
    product = trimmed_text(200, required=True)
    region_code = RegionCode(required=True)
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    published_on = PastDate(required=True)


class WarningOut(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    product = fields.String(required=True)
    region_code = fields.String(required=True)
    body = fields.String(required=True)
    published_on = fields.Date(required=True)
    published_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)


WarningPage = page_of(WarningOut, "WarningPage")
