"""The change feed and signed reports on the wire."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from schemas.common import InputSchema, PastDate, Uscc


class ChangesArgs(InputSchema):
    since = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=2**62),
        metadata={"description": "the `next` of the previous answer"},
    )
    uscc = fields.List(
        Uscc(),
        load_default=list,
        validate=validate.Length(max=1000),
        metadata={
            "description": "repeat to watch several firms; an enterprise account may leave it "
            "out (its own firm) or give only its own code"
        },
    )
    watchlist = fields.Integer(
        validate=validate.Range(min=1, max=2**62),
        metadata={"description": "the id of one of your watchlists, instead of `uscc`"},
    )
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))

    class Meta:
        unknown = ma.EXCLUDE

    @ma.validates_schema
    def _uscc_or_watchlist(self, data, **_):
        if data.get("uscc") and data.get("watchlist") is not None:
            raise ma.ValidationError(
                "name the firms by uscc or by watchlist, not both", "watchlist"
            )


class ChangeOut(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    cursor = fields.Integer(required=True)
    uscc = fields.String(required=True)
    kind = fields.String(
        required=True,
        metadata={
            "description": "e.g. violation_recorded, record_rescinded, grade_changed, listing_created"
        },
    )
    at = fields.DateTime(required=True)
    record_id = fields.Integer()
    listing_id = fields.Integer()
    state = fields.String()
    grade = fields.String(allow_none=True)
    previous_grade = fields.String(allow_none=True)
    score = fields.String(allow_none=True)
    risk_class = fields.String(allow_none=True)
    ruleset = fields.String(allow_none=True)
    changes = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "enterprise_updated: each register field changed and its new value "
            "(name, address, legal_representative, chief_quality_officer, industry_code, "
            "status, status_since)"
        },
    )
    reason = fields.String(metadata={"description": "enterprise_updated: why"})
    valid_until = fields.String()


class ChangesOut(ma.Schema):
    items = fields.List(fields.Nested(ChangeOut), required=True)
    next = fields.Integer(required=True)


class ReportArgs(InputSchema):
    as_of = PastDate(metadata={"description": "the report as the registry would have issued it"})

    class Meta:
        unknown = ma.EXCLUDE
