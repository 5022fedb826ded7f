"""Sealing the query log: batches of entries fixed by a hash, each seal chained to the one before."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import exists, func, insert, not_, select, text
from sqlalchemy.orm import Session

from credit import canonical
from credit.chain import GENESIS
from credit.clock import utcnow
from credit.db import insert_rows
from credit.models import QueryLogEntry, QueryLogFirm, QueryLogSeal

# The sealers' own advisory lock on PostgreSQL ("SEAL" in ASCII): never the records' chain lock,
# so sealing and the writers of records do not wait for each other.
SEAL_LOCK = 0x5345414C
# Entries a seal covers at most: one seal's entries are hashed in one pass of the database.
SEAL_SIZE = 10_000

_ENTRY = (
    QueryLogEntry.id,
    QueryLogEntry.at,
    QueryLogEntry.enterprise_id,
    QueryLogEntry.uscc,
    QueryLogEntry.actor,
    QueryLogEntry.role,
    QueryLogEntry.kind,
    QueryLogEntry.purpose,
    QueryLogEntry.project,
    QueryLogEntry.as_of,
)


def lock_seals(session: Session) -> None:
    """Serialises sealers, and lets the log writers in flight finish first.

    On PostgreSQL an entry's id is drawn from a sequence before its transaction commits, so a
    later id can be visible before an earlier one; sealing past an entry still in flight would
    leave it out of every seal. SHARE mode waits for the transactions writing the log to end and
    holds new ones for as long as the seal takes; the statements after it (READ COMMITTED) see
    every entry those transactions wrote. SQLite writing sessions begin IMMEDIATE, which
    already excludes every other writer.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEAL_LOCK})
        session.execute(text("LOCK TABLE query_log IN SHARE MODE"))


def seal_hash(
    prev_hash: str,
    seal_id: int,
    first_entry_id: int,
    last_entry_id: int,
    entry_count: int,
    entries_hash: str,
    sealed_at: datetime.datetime,
) -> str:
    body = canonical.encode(
        [
            prev_hash,
            seal_id,
            first_entry_id,
            last_entry_id,
            entry_count,
            entries_hash,
            sealed_at.isoformat(),
        ]
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def seal(session: Session, size: int = SEAL_SIZE) -> QueryLogSeal | None:
    """Seals the oldest entries not sealed yet, up to `size` of them; None when there are none."""
    lock_seals(session)
    newest = head(session)
    after = newest.last_entry_id if newest else 0
    rows = session.execute(
        select(*_ENTRY).where(QueryLogEntry.id > after).order_by(QueryLogEntry.id).limit(size)
    ).all()
    if not rows:
        return None
    digest = hashlib.sha256()
    for row in rows:
        digest.update(_encoded(row))
    prev = newest.hash if newest else GENESIS
    values = {
        "id": (newest.id if newest else 0) + 1,
        "first_entry_id": rows[0].id,
        "last_entry_id": rows[-1].id,
        "entry_count": len(rows),
        "entries_hash": digest.hexdigest(),
        "prev_hash": prev,
        "sealed_at": utcnow(),
    }
    values["hash"] = seal_hash(
        prev,
        values["id"],
        values["first_entry_id"],
        values["last_entry_id"],
        values["entry_count"],
        values["entries_hash"],
        values["sealed_at"],
    )
    session.execute(insert(QueryLogSeal.__table__), values)
    _file_under_firms(session, rows)
    return session.get(QueryLogSeal, values["id"])


def _file_under_firms(session: Session, rows) -> None:
    """Files a seal's entries under their firms, in firm order: where a firm's query log finds
    them from now on (`query_log.queries_of`)."""
    pairs = sorted((row.enterprise_id, row.id) for row in rows)
    insert_rows(
        session,
        QueryLogFirm.__table__,
        [{"enterprise_id": firm, "entry_id": entry} for firm, entry in pairs],
    )


def _encoded(row) -> bytes:
    return (canonical.encode(list(row)) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Unsealed:
    """Entries written after the last seal: not tampered with, only not fixed by a seal yet."""

    count: int
    first: int | None
    last: int | None

    def __str__(self) -> str:
        if not self.count:
            return "every query-log entry is sealed"
        return f"{self.count} query-log entries (ids {self.first}–{self.last}) are not sealed yet"


def verify(session: Session, batch: int = 5000) -> Iterator[str]:
    """Every seal recomputed from its entries and linked to the one before; names each break."""
    prev, expected_id, covered = GENESIS, 1, 0
    seals = session.scalars(select(QueryLogSeal).order_by(QueryLogSeal.id)).all()
    for found in seals:
        span = f"query-log seal {found.id} (entries {found.first_entry_id}–{found.last_entry_id})"
        if found.id != expected_id:
            yield f"query-log seal {expected_id} is missing (next is seal {found.id})"
        if found.prev_hash != prev:
            yield f"query-log seal {found.id} does not link to the seal before it"
        recomputed = seal_hash(
            found.prev_hash,
            found.id,
            found.first_entry_id,
            found.last_entry_id,
            found.entry_count,
            found.entries_hash,
            found.sealed_at,
        )
        if recomputed != found.hash:
            yield f"{span} was altered: its hash does not match"
        between = _count(session, covered, found.first_entry_id - 1)
        if between:
            yield (
                f"{between} query-log entries between ids {covered + 1} and "
                f"{found.first_entry_id - 1} are in no seal (a seal was removed, or entries added)"
            )
        count, digest = _digest(session, found.first_entry_id, found.last_entry_id, batch)
        if count != found.entry_count:
            yield (
                f"{span} does not match its entries: it sealed {found.entry_count}, "
                f"{count} are there (an entry was deleted or added)"
            )
        elif digest != found.entries_hash:
            yield f"{span} does not match its entries: an entry was edited"
        if hidden := _unfiled(session, found.first_entry_id, found.last_entry_id):
            yield (
                f"{span}: {hidden} of its entries are not filed under their firm "
                "(the firm's query log would not show them)"
            )
        prev, expected_id = found.hash, found.id + 1
        covered = max(covered, found.last_entry_id)


def unsealed(session: Session) -> Unsealed:
    last = session.scalar(select(func.max(QueryLogSeal.last_entry_id))) or 0
    count, first, newest = session.execute(
        select(func.count(), func.min(QueryLogEntry.id), func.max(QueryLogEntry.id)).where(
            QueryLogEntry.id > last
        )
    ).one()
    return Unsealed(count, first, newest)


def head(session: Session) -> QueryLogSeal | None:
    """The newest seal: its hash, kept outside the database, fixes every entry sealed so far."""
    return session.scalars(select(QueryLogSeal).order_by(QueryLogSeal.id.desc()).limit(1)).first()


def _count(session: Session, after: int, up_to: int) -> int:
    if up_to <= after:
        return 0
    return session.scalar(
        select(func.count()).where(QueryLogEntry.id > after, QueryLogEntry.id <= up_to)
    )


def _unfiled(session: Session, first: int, last: int) -> int:
    filed = exists().where(
        QueryLogFirm.enterprise_id == QueryLogEntry.enterprise_id,
        QueryLogFirm.entry_id == QueryLogEntry.id,
    )
    return session.scalar(
        select(func.count()).where(QueryLogEntry.id >= first, QueryLogEntry.id <= last, not_(filed))
    )


def _digest(session: Session, first: int, last: int, batch: int) -> tuple[int, str]:
    digest, count = hashlib.sha256(), 0
    rows = session.execute(
        select(*_ENTRY)
        .where(QueryLogEntry.id >= first, QueryLogEntry.id <= last)
        .order_by(QueryLogEntry.id)
        .execution_options(yield_per=batch)
    )
    for row in rows:
        digest.update(_encoded(row))
        count += 1
    return count, digest.hexdigest()
