"""Signing in on the wire."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from schemas.common import InputSchema


class TokenRequest(InputSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(
        required=True, validate=validate.Length(min=1, max=1024), load_only=True
    )


class TokenResponse(ma.Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
