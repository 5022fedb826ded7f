"""Finding an enterprise by its code, and code prefixes as index ranges."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit.errors import NotFound
from credit.models import Enterprise


def get_enterprise(session: Session, uscc: str) -> Enterprise:
    enterprise = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if enterprise is None:
        raise NotFound(f"No enterprise with USCC {uscc} is registered.")
    return enterprise


def prefix_range(column, prefix: str):
    """`column LIKE 'prefix%'` as a range, which both engines answer from a B-tree index."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return column >= prefix, column < upper
