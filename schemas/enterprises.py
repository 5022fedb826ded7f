"""Enterprises on the wire: registration, the public profile, search."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from credit import catalog, policy
from schemas.blacklist import ListingOut
from schemas.common import (
    REGION_PREFIX,
    IndustryCode,
    InputSchema,
    PageArgs,
    PastDate,
    RegionCode,
    TrimmedString,
    Uscc,
    page_of,
    trimmed_text,
)
from schemas.records import RecordOut


class EnterpriseIn(InputSchema):
    uscc = Uscc(required=True)
    name = trimmed_text(200, required=True)
    region_code = RegionCode(
        metadata={"description": "GB/T 2260 code; defaults to USCC positions 3-8"}
    )
    industry_code = IndustryCode(
        metadata={
            "description": "GB/T 4754-2017 section, division, group or class as people write it "
            "(`C`, `38`, `C38`, `381`, `C3811`); stored and answered as the section "
            "letter followed by the digits (`C38`). A letter that is not the "
            "division's section is refused.",
            "example": "C38",
        }
    )
    registered_on = PastDate()


class EnterprisePatchIn(InputSchema):
    """A change to the register entry; every field but `reason` may be left out."""

    name = trimmed_text(200)
    address = trimmed_text(300, allow_none=True, metadata={"description": "住所"})
    legal_representative = trimmed_text(
        100, allow_none=True, metadata={"description": "法定代表人"}
    )
    chief_quality_officer = trimmed_text(
        100, allow_none=True, metadata={"description": "首席质量官"}
    )
    industry_code = IndustryCode(
        allow_none=True, metadata={"description": "normalised as in registration", "example": "C38"}
    )
    status = fields.String(validate=validate.OneOf(["in_business", "deregistered"]))
    status_since = PastDate(
        metadata={"description": "the day the status took effect; default today when it changes"}
    )
    reason = trimmed_text(2000, required=True)


class EnterpriseOut(ma.Schema):
    uscc = fields.String(required=True)
    name = fields.String(required=True)
    region_code = fields.String(required=True)
    industry_code = fields.String(
        allow_none=True,
        metadata={
            "description": "GB/T 4754-2017 code: section letter, then the division, group or class "
            "digits (`C`, `C38`, `C3811`); the catalog's `industries` labels them"
        },
    )
    registered_on = fields.Date(allow_none=True)
    status = fields.String(
        required=True,
        metadata={
            "enum": ["in_business", "deregistered"],
            "description": "`deregistered` (已注销): the file stays readable, marked so",
        },
    )
    status_since = fields.Date(
        allow_none=True, metadata={"description": "the day the status took effect"}
    )


class FormerNameOut(ma.Schema):
    name = fields.String(required=True)
    until = fields.Date(required=True, metadata={"description": "the last day it was the name"})


class RegisterDetails(ma.Schema):
    """What the register holds of a firm besides its codes."""

    address = fields.String(allow_none=True, metadata={"description": "住所"})
    legal_representative = fields.String(allow_none=True, metadata={"description": "法定代表人"})
    chief_quality_officer = fields.String(allow_none=True, metadata={"description": "首席质量官"})


class RegisterEntryOut(EnterpriseOut, RegisterDetails):
    former_names = fields.List(
        fields.Nested(FormerNameOut),
        required=True,
        metadata={"description": "names the firm bore before, oldest first; search finds them"},
    )


class StandingOut(EnterpriseOut):
    grade = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "null while the firm is not graded (未评级)"},
    )
    risk_class = fields.String(allow_none=True, required=True)
    graded = fields.Boolean(
        required=True,
        metadata={
            "description": "false while the file holds too little to grade the firm (未评级)"
        },
    )
    blacklisted = fields.Boolean(required=True)


class PublicProfile(StandingOut, RegisterDetails):
    """Only what is inside its display period: honours and certifications in force, violations
    within 3 months (minor), 1 year (general) or 3 years (serious) of the decision, supervisory
    sampling results within 3 years of the sampling."""

    awards = fields.List(fields.Nested(RecordOut), required=True)
    certifications = fields.List(fields.Nested(RecordOut), required=True)
    inspections = fields.List(fields.Nested(RecordOut), required=True)
    violations = fields.List(fields.Nested(RecordOut), required=True)
    blacklist = fields.List(
        fields.Nested(ListingOut), required=True, metadata={"description": "active listings"}
    )


class CreditFile(StandingOut, RegisterDetails):
    """The whole file: expired, revoked and rescinded records too, each with its corrections,
    and every blacklist listing of the firm whatever its state."""

    former_names = fields.List(fields.Nested(FormerNameOut), required=True)
    as_of = fields.Date(required=True)
    records = fields.List(fields.Nested(RecordOut), required=True)
    listings = fields.List(
        fields.Nested(ListingOut),
        required=True,
        metadata={
            "description": "every blacklist listing of the firm, oldest first, whatever its state "
            "(listed, objection_pending, repair_pending, rescinded, removed_early, "
            "expired), each with its transitions, objections and repair applications"
        },
    )


class EnterpriseSearchArgs(PageArgs):
    q = TrimmedString(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "2+ characters of a name, or the start of a USCC"},
    )
    region = fields.String(validate=REGION_PREFIX)
    grade = fields.String(validate=validate.OneOf(list(catalog.GRADES)))


class EnterprisePage(page_of(EnterpriseOut, "EnterprisePageBase")):
    total = fields.Integer(
        required=True,
        metadata={
            "description": f"the number of matches, counted exactly up to "
            f"{policy.SEARCH_EXACT_TOTAL:,}; past that, {policy.SEARCH_EXACT_TOTAL:,} with "
            "`total_exact` false"
        },
    )
    total_exact = fields.Boolean(
        required=True,
        metadata={"description": "false when the matches are more than `total` says"},
    )


class UsccPath(InputSchema):
    uscc = Uscc(required=True)


# The same code documented where a view checks it itself.
_USCC = Uscc().metadata
USCC_PARAMETER = {
    "in": "path",
    "name": "uscc",
    "required": True,
    "description": _USCC["description"],
    "schema": {"type": "string", "example": _USCC["example"]},
}
