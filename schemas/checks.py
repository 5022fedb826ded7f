"""Procurement and lending checks, and the query log, on the wire."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from schemas.common import InputSchema, PageArgs, PastDate, UsccList, page_of, trimmed_text
from schemas.records import RecordOut

CODES = UsccList(
    required=True,
    metadata={
        "description": "1 to 1,000 codes, answered in this order; a code may repeat and is answered "
        "at each place, up to 10 times"
    },
)


class ProcurementCheckIn(InputSchema):
    uscc = CODES
    as_of = PastDate(metadata={"description": "the answer the registry would have given that day"})
    project = trimmed_text(200, metadata={"description": "tender number, kept in the query log"})


class LendingCheckIn(InputSchema):
    uscc = CODES
    purpose = trimmed_text(500, required=True, metadata={"description": "why the bank asks"})
    as_of = PastDate()


class ReasonOut(ma.Schema):
    code = fields.String(required=True)
    severity = fields.String(required=True, metadata={"enum": ["block", "warn"]})
    detail = fields.String(required=True)
    legal_basis = fields.String(allow_none=True)
    record_id = fields.Integer(allow_none=True)


class ProcurementResultOut(ma.Schema):
    uscc = fields.String(required=True)
    found = fields.Boolean(required=True)
    name = fields.String()
    status = fields.String(
        allow_none=True,
        metadata={
            "enum": ["in_business", "deregistered"],
            "description": "on the day asked; absent when not found",
        },
    )
    eligible = fields.Boolean(allow_none=True, required=True)
    grade = fields.String(allow_none=True, required=True)
    graded = fields.Boolean(allow_none=True, metadata={"description": "null when not found"})
    risk_class = fields.String(allow_none=True)
    reasons = fields.List(fields.Nested(ReasonOut), required=True)


class ProcurementCheckOut(ma.Schema):
    as_of = fields.Date(required=True)
    results = fields.List(fields.Nested(ProcurementResultOut), required=True)


class LendingResultOut(ma.Schema):
    uscc = fields.String(required=True)
    found = fields.Boolean(required=True)
    name = fields.String()
    status = fields.String(
        allow_none=True,
        metadata={
            "enum": ["in_business", "deregistered"],
            "description": "on the day asked; absent when not found",
        },
    )
    grade = fields.String(allow_none=True)
    graded = fields.Boolean(allow_none=True, metadata={"description": "null when not found"})
    score = fields.String(allow_none=True)
    risk_class = fields.String(allow_none=True)
    blacklisted = fields.Boolean(allow_none=True)
    flags = fields.List(fields.String())
    awards = fields.List(fields.Nested(RecordOut))
    violations_36m = fields.Integer(allow_none=True)
    failed_inspections_12m = fields.Integer(allow_none=True)


class LendingCheckOut(ma.Schema):
    as_of = fields.Date(required=True)
    results = fields.List(fields.Nested(LendingResultOut), required=True)


class QueryOut(ma.Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    role = fields.String()
    kind = fields.String()
    purpose = fields.String(allow_none=True)
    project = fields.String(allow_none=True)
    as_of = fields.Date(allow_none=True)


QueryPage = page_of(QueryOut, "QueryPage")


class PurposeArgs(InputSchema):
    purpose = trimmed_text(500, metadata={"description": "a bank's stated purpose (logged)"})

    class Meta:
        unknown = ma.EXCLUDE


class QueryArgs(PageArgs):
    pass
