"""The one JSON encoding of rows and values that hashes are computed over, and its digests."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
from typing import Any

import orjson
from sqlalchemy import inspect as orm_inspect

# orjson writes exactly what the standard library writes with these settings, for every value
# the registry hashes (strings, integers, booleans, None, lists, dicts with string keys; dates,
# times and decimals handed to `_plain`), several times faster. Floats are never hashed (money is
# in fen, scores are decimals); anything orjson refuses is encoded by the standard library.
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def encode(value: Any) -> str:
    """The one JSON encoding hashes are computed over."""
    return encode_bytes(value).decode("utf-8")


def encode_bytes(value: Any) -> bytes:
    """`encode`, as the UTF-8 bytes hashes are taken of."""
    try:
        return orjson.dumps(value, default=_plain, option=_ORJSON)
    except orjson.JSONEncodeError:
        return _standard(value).encode("utf-8")


def _standard(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    )


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def row_content(row) -> dict[str, Any]:
    """Every stored column of a row, as plain JSON values: what an event records of it."""
    keys = _COLUMN_KEYS.get(type(row))
    if keys is None:
        keys = _COLUMN_KEYS[type(row)] = [a.key for a in orm_inspect(row).mapper.column_attrs]
    return plain({key: getattr(row, key) for key in keys})


_COLUMN_KEYS: dict[type, list[str]] = {}


def plain(values: dict[str, Any]) -> dict[str, Any]:
    """Dates, times and decimals as the strings the chain stores them as."""
    return orjson.loads(encode_bytes(values))


def digest(content: Any) -> str:
    """The SHA-256 of a value in the chain's encoding."""
    return hashlib.sha256(encode_bytes(content)).hexdigest()
