"""Exports on the wire: the query of a download, and how a whole credit file is written in one."""

from __future__ import annotations

from marshmallow import fields

from schemas.common import REGION_PREFIX, InputSchema
from schemas.enterprises import CreditFile


class ExportArgs(InputSchema):
    region = fields.String(
        validate=REGION_PREFIX,
        metadata={
            "description": "a region code prefix; `files` defaults to the regulator's own region"
        },
    )


# Rows that hold database rows (a listing's transitions, objections and repairs) are written as
# the API writes them.
DUMPS = {"files": CreditFile().dump}
