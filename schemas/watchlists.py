"""Watchlists on the wire: a name and the codes of the firms followed."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from credit.policy import WATCHLIST_MAX_SIZE
from schemas.common import InputSchema, PageArgs, PageSchema, Uscc, trimmed_text


class WatchlistIn(InputSchema):
    name = trimmed_text(200, required=True)
    uscc = fields.List(
        Uscc(),
        required=True,
        validate=validate.Length(max=WATCHLIST_MAX_SIZE),
        metadata={
            "description": f"up to {WATCHLIST_MAX_SIZE} codes, registered yet or not; a code "
            "given twice is kept once"
        },
    )


class WatchlistCreated(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "distinct codes followed"})


class WatchlistOut(WatchlistCreated):
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class WatchlistArgs(PageArgs):
    pass


class WatchlistPage(PageSchema):
    items = fields.List(fields.Nested(WatchlistOut), required=True)
