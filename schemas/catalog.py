"""The catalog of enumerations on the wire."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from credit.catalog import CATALOG


class CatalogEntryOut(ma.Schema):
    code = fields.String(required=True)
    label_zh = fields.String(required=True)
    group = fields.String(allow_none=True)
    legal_basis = fields.String(allow_none=True)


CatalogOut = ma.Schema.from_dict(
    {name: fields.List(fields.Nested(CatalogEntryOut), required=True) for name in CATALOG},
    name="CatalogOut",
)
