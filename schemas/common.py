"""Building blocks every resource's schemas share: strict input, codes, dates, pages, problems."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

import marshmallow as ma
from marshmallow import fields, validate

from credit import clock
from credit import uscc as uscc_codes
from credit.reference import InvalidIndustryCode, normal_industry_code, region_problem

MAX_PER_PAGE = 200


MAX_PAGE = 1_000_000
# Control characters (NUL among them, which PostgreSQL refuses in text) and lone surrogates
# (which cannot be encoded) are never part of a legitimate value; tab and line breaks are.
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class InputSchema(ma.Schema):
    """A request body or query: unknown fields are refused, never dropped."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _refuse_unprintable(self, data, **_):
        errors = {
            path: [f"contains a control character or an invalid character (U+{code:04X})"]
            for path, code in _unprintable(data)
        }
        if errors:
            raise ma.ValidationError(errors)
        return data


def _unprintable(value, path=""):
    """(dotted path, code point) of each string holding a character no value may contain."""
    if isinstance(value, str):
        found = UNPRINTABLE.search(value)
        if found:
            yield path or "body", ord(found.group())
    elif isinstance(value, Mapping):  # a JSON object, or webargs' view of a query string
        for key in value:
            yield from _unprintable(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _unprintable(item, f"{path}.{index}" if path else str(index))


class Uscc(fields.String):
    """A unified social credit code, trimmed, upper-cased and checked to GB 32100."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault(
            "description", "Unified social credit code (GB 32100), 18 characters"
        )
        kwargs["metadata"].setdefault("example", "91321100700004117A")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return uscc_codes.validate(text)
        except uscc_codes.InvalidUscc as problem:
            raise ma.ValidationError(uscc_error(problem)) from None


class UsccList(fields.List):
    """A list of codes, each a `Uscc`. A list of well-formed codes (a thousand-firm check, nearly
    always) is checked in one loop; any other is checked item by item, each error at its index."""

    def __init__(self, **kwargs):
        super().__init__(Uscc(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and all(type(item) is str for item in value):
            try:
                return [uscc_codes.validate(item) for item in value]
            except uscc_codes.InvalidUscc:
                pass
        return super()._deserialize(value, attr, data, **kwargs)


def uscc_error(problem: Exception) -> str:
    return f"Not a valid USCC: {problem}."


class RegionCode(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        problem = region_problem(text)
        if problem:
            raise ma.ValidationError(f"Region code {problem}.")
        return text


class IndustryCode(fields.String):
    """A GB/T 4754-2017 code as people write it (`C`, `38`, `C38`, `381`, `C3811`), answered in
    its one normal form: the section letter, then the digits (`C38`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normal_industry_code(text)
        except InvalidIndustryCode as problem:
            raise ma.ValidationError(f"Industry code {problem}.") from None


# Dates a credit record can carry: far enough either way for any real document, and inside
# what date arithmetic (windows of years) can reach.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)


class BusinessDate(fields.Date):
    """A calendar date between 1900 and 2199."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise ma.ValidationError(
                f"{day.isoformat()} is outside {EARLIEST_DATE.year}-{LATEST_DATE.year}."
            )
        return day


class PastDate(BusinessDate):
    """A business date that has happened: today or earlier in the registry's time zone."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if day > clock.today():
            raise ma.ValidationError(f"{day.isoformat()} is in the future.")
        return day


REGION_PREFIX = validate.Regexp(r"^[0-9]{2,6}\Z", error="must be 2 to 6 digits of a region code")


def trimmed_text(max_length: int, **kwargs) -> fields.String:
    return TrimmedString(validate=validate.Length(min=1, max=max_length), **kwargs)


class TrimmedString(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return " ".join(super()._deserialize(value, attr, data, **kwargs).split())


class PageArgs(InputSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))

    class Meta:
        unknown = ma.EXCLUDE


class PageSchema(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The response schema of a paginated list of item_schema."""
    return type(
        name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema), required=True)}
    )


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, the body of every error."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Each invalid field (dotted path) and its messages"},
    )
    request_id = fields.String()
    state = fields.String(
        metadata={
            "description": "For a conflict with a blacklist listing's lifecycle: the state it is in"
        }
    )

    class Meta:
        # RFC 9457 lets a problem carry extension members; clients ignore those they do not know.
        unknown = ma.INCLUDE
