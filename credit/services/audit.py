"""The audit chain: every write appends a hash-linked event; `verify` finds what was tampered with."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from sqlalchemy import inspect as orm_inspect
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from credit.clock import utcnow
from credit.models import (AuditEvent, Correction, Enterprise, GradeOverride, Listing, Objection,
                           Record, RecordObjection, RecordRepair, RepairApplication, Transition)

GENESIS = "0" * 64
LISTING_EVENTS = ("listing_created", "listing_objection_filed", "listing_objection_decided",
                  "listing_repair_applied", "listing_repair_decided")
# One advisory lock guards the chain's head on PostgreSQL ("CRED" in ASCII).
CHAIN_LOCK = 0x43524544
_LOCKED = "credit.chain_locked"


def lock_chain(session: Session) -> None:
    """Serialises writers for the rest of the transaction, before they read what they check.

    SQLite writing sessions begin IMMEDIATE, which already holds the database's write lock.
    """
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_LOCKED) is transaction:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    session.info[_LOCKED] = session.get_transaction()


def canonical(value: Any) -> str:
    """The one JSON encoding hashes are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_plain)


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
    return json.loads(canonical(values))


def event_hash(prev_hash: str, seq: int, at: datetime.datetime, actor: str, kind: str,
               enterprise_id: int | None, record_id: int | None, payload: str) -> str:
    body = canonical([prev_hash, seq, at.isoformat(), actor, kind, enterprise_id, record_id,
                      payload])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewEvent:
    actor: str
    kind: str
    payload: dict[str, Any]
    enterprise_id: int | None = None
    record_id: int | None = None


def append(session: Session, event: NewEvent) -> int:
    return append_many(session, [event])[-1]


def append_many(session: Session, events: Iterable[NewEvent]) -> list[int]:
    """Appends events at the chain's head; returns their positions (the change feed's cursors)."""
    lock_chain(session)
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    at = utcnow()
    rows = []
    for event in events:
        seq += 1
        payload = canonical(event.payload)
        digest = event_hash(prev, seq, at, event.actor, event.kind, event.enterprise_id,
                            event.record_id, payload)
        rows.append({"seq": seq, "at": at, "actor": event.actor, "kind": event.kind,
                     "enterprise_id": event.enterprise_id, "record_id": event.record_id,
                     "payload": payload, "prev_hash": prev, "hash": digest})
        prev = digest
    if rows:
        session.execute(insert(AuditEvent.__table__), rows)
    return [row["seq"] for row in rows]


@dataclass(frozen=True)
class Mismatch:
    what: str

    def __str__(self) -> str:
        return self.what


def verify(session: Session, batch: int = 5000) -> Iterator[Mismatch]:
    """Every break in the chain, then every row whose content differs from its events."""
    yield from _verify_chain(session, batch)
    yield from _verify_rows(session, Enterprise, "enterprise", "enterprise_registered", batch)
    yield from _verify_rows(session, Record, "record", "record_added", batch)
    yield from _verify_rows(session, Correction, "correction",
                            ("record_rescinded", "record_revoked"), batch)
    yield from _verify_rows(session, GradeOverride, "override", "grade_overridden", batch)
    yield from _verify_rows(session, RecordObjection, "objection",
                            ("record_objection_filed", "record_objection_decided"), batch)
    yield from _verify_rows(session, RecordRepair, "repair",
                            ("record_repair_applied", "record_repair_decided"), batch)
    yield from _verify_rows(session, Listing, "listing", LISTING_EVENTS, batch)
    yield from _verify_rows(session, Transition, "transition", LISTING_EVENTS, batch)
    yield from _verify_rows(session, Objection, "objection", LISTING_EVENTS, batch)
    yield from _verify_rows(session, RepairApplication, "repair", LISTING_EVENTS, batch)


def _verify_chain(session: Session, batch: int) -> Iterator[Mismatch]:
    prev, expected_seq = GENESIS, 1
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    for event in session.scalars(stmt):
        if event.seq != expected_seq:
            yield Mismatch(f"event {expected_seq} is missing (next is event {event.seq})")
        if event.prev_hash != prev:
            yield Mismatch(f"event {event.seq} does not link to the event before it")
        digest = event_hash(event.prev_hash, event.seq, event.at, event.actor, event.kind,
                            event.enterprise_id, event.record_id, event.payload)
        if digest != event.hash:
            yield Mismatch(f"event {event.seq} ({event.kind}) was altered: its hash does not match")
        prev, expected_seq = event.hash, event.seq + 1


def _verify_rows(session: Session, model, key: str, kinds, batch: int) -> Iterator[Mismatch]:
    """Merges the rows with the last content their events give them, keyed by the row's id."""
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    events = session.execute(
        select(AuditEvent.seq, AuditEvent.payload).where(AuditEvent.kind.in_(kinds))
        .order_by(AuditEvent.seq).execution_options(yield_per=batch))
    # A digest per row rather than the content itself keeps a million firms in little memory.
    recorded: dict[int, tuple[int, str]] = {}
    for seq, payload in events:
        content = json.loads(payload).get(key)
        if isinstance(content, dict) and isinstance(content.get("id"), int):
            recorded[content["id"]] = (seq, _digest(content))
    rows = session.scalars(select(model).order_by(model.id).execution_options(yield_per=batch))
    for row in rows:
        content = row_content(row)
        seq, expected = recorded.pop(row.id, (None, None))
        if expected is None:
            yield Mismatch(f"{key} {row.id} has no event in the audit log")
        elif expected != _digest(content):
            logged = json.loads(session.get(AuditEvent, seq).payload)[key]
            fields = sorted(k for k in content.keys() | logged.keys()
                            if content.get(k) != logged.get(k))
            yield Mismatch(f"{key} {row.id} differs from audit event {seq} in: {', '.join(fields)}")
    for missing in sorted(recorded):
        yield Mismatch(f"{key} {missing} is in the audit log but not in the database")


def _digest(content: dict) -> str:
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()
