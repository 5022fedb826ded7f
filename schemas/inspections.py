"""Supervisory sampling results on the wire: the public list and its filters."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate, validates_schema

from credit import catalog
from credit.rules import periods
from schemas.common import REGION_PREFIX, BusinessDate, PageArgs, TrimmedString, page_of
from schemas.records import one_of

# The widest range of sampling dates one list may ask for: results are public for 3 years, and
# a decade covers any comparison a reader makes.
MAX_RANGE_MONTHS = 120


class InspectionListArgs(PageArgs):
    region = fields.String(
        validate=REGION_PREFIX,
        metadata={"description": "the start of the firm's region code, 2 to 6 digits"},
    )
    product = TrimmedString(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "any part of the product as recorded (电线, 电动自行车)"},
    )
    result = fields.String(validate=one_of(catalog.INSPECTION_RESULTS))
    level = fields.String(validate=one_of(catalog.INSPECTION_LEVELS))
    category = fields.String(
        validate=one_of(catalog.PRODUCT_CATEGORIES),
        metadata={"description": "the catalog's `product_categories`"},
    )
    sampled_from = BusinessDate(
        data_key="from", metadata={"description": "sampled on or after this day"}
    )
    sampled_to = BusinessDate(data_key="to", metadata={"description": "sampled on or before"})

    @validates_schema
    def _a_range_of_dates(self, data, **_):
        start, end = data.get("sampled_from"), data.get("sampled_to")
        if start is None or end is None:
            return
        if start > end:
            raise ma.ValidationError("must not be after to", "from")
        if end >= periods.period_end(start, MAX_RANGE_MONTHS):
            raise ma.ValidationError(
                f"must be less than {MAX_RANGE_MONTHS // 12} years before to", "from"
            )


class InspectionResultOut(ma.Schema):
    """A supervisory sampling result as published (监督抽查结果公开)."""

    id = fields.Integer(required=True, metadata={"description": "the record's id"})
    uscc = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "the firm's name"})
    region_code = fields.String(required=True)
    product = fields.String(required=True)
    product_category = fields.String(
        required=True, allow_none=True, metadata={"enum": list(catalog.PRODUCT_CATEGORIES)}
    )
    level = fields.String(required=True, metadata={"enum": list(catalog.INSPECTION_LEVELS)})
    result = fields.String(required=True, metadata={"enum": list(catalog.INSPECTION_RESULTS)})
    failed_items = fields.List(fields.String(), required=True)
    report_no = fields.String(required=True, allow_none=True)
    testing_institution = fields.String(required=True, allow_none=True)
    sampled_on = fields.Date(required=True)
    display_until = fields.Date(
        required=True, metadata={"description": "the last day the result is public"}
    )


InspectionResultPage = page_of(InspectionResultOut, "InspectionResultPage")
