"""The one JSON encoding of rows and values that hashes are computed over, and its digests."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
from typing import Any

from sqlalchemy import inspect as orm_inspect


def encode(value: Any) -> str:
    """The one JSON encoding hashes are computed over."""
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
    mapper = orm_inspect(row).mapper
    return plain({attr.key: getattr(row, attr.key) for attr in mapper.column_attrs})


def plain(values: dict[str, Any]) -> dict[str, Any]:
    """Dates, times and decimals as the strings the chain stores them as."""
    return json.loads(encode(values))


def digest(content: Any) -> str:
    """The SHA-256 of a value in the chain's encoding."""
    return hashlib.sha256(encode(content).encode("utf-8")).hexdigest()
