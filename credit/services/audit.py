"""The audit chain: every write appends a hash-linked event; `verify` finds what was tampered with."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from sqlalchemy import inspect as orm_inspect
from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.orm import Session

from credit.clock import utcnow
from credit.models import (Assessment, AuditEvent, Correction, Enterprise, EnterpriseState,
                           GradeOverride, Listing, Objection, Record, RecordObjection,
                           RecordRepair, RepairApplication, Transition)
from credit.models.blacklist import listing_violation

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
    yield from _verify_assessments(session, batch)
    yield from _verify_listing_links(session)
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
            recorded[content["id"]] = (seq, digest(content))
    rows = session.scalars(select(model).order_by(model.id).execution_options(yield_per=batch))
    for row in rows:
        content = row_content(row)
        seq, expected = recorded.pop(row.id, (None, None))
        if expected is None:
            yield Mismatch(f"{key} {row.id} has no event in the audit log")
        elif expected != digest(content):
            logged = json.loads(session.get(AuditEvent, seq).payload)[key]
            fields = sorted(k for k in content.keys() | logged.keys()
                            if content.get(k) != logged.get(k))
            yield Mismatch(f"{key} {row.id} differs from audit event {seq} in: {', '.join(fields)}")
    for missing in sorted(recorded):
        yield Mismatch(f"{key} {missing} is in the audit log but not in the database")


def digest(content: dict) -> str:
    """The SHA-256 of a row's content in the chain's encoding."""
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


def _verify_assessments(session: Session, batch: int) -> Iterator[Mismatch]:
    """Every stored grade against its grade_changed event, and every state row against the
    newest assessment of its firm: a grade edited in the database is found."""
    events = session.execute(
        select(AuditEvent.seq, AuditEvent.payload).where(AuditEvent.kind == "grade_changed")
        .order_by(AuditEvent.seq).execution_options(yield_per=batch))
    recorded: dict[int, str] = {}
    for seq, payload in events:
        content = json.loads(payload)
        if isinstance(content.get("assessment_id"), int):
            recorded[content["assessment_id"]] = content.get("assessment_digest", "")
    rows = session.scalars(select(Assessment).order_by(Assessment.id)
                           .execution_options(yield_per=batch))
    for row in rows:
        expected = recorded.pop(row.id, None)
        if expected is None:
            yield Mismatch(f"assessment {row.id} has no event in the audit log")
        elif expected != digest(row_content(row)):
            yield Mismatch(f"assessment {row.id} differs from its grade_changed event")
    for missing in sorted(recorded):
        yield Mismatch(f"assessment {missing} is in the audit log but not in the database")
    newest = (select(Assessment.enterprise_id, func.max(Assessment.id).label("id"))
              .group_by(Assessment.enterprise_id).subquery())
    drifted = session.execute(
        select(EnterpriseState.enterprise_id)
        .join(newest, newest.c.enterprise_id == EnterpriseState.enterprise_id)
        .join(Assessment, Assessment.id == newest.c.id)
        .where(or_(EnterpriseState.assessment_id.is_distinct_from(Assessment.id),
                   EnterpriseState.grade.is_distinct_from(Assessment.grade),
                   EnterpriseState.risk_class.is_distinct_from(Assessment.risk_class),
                   EnterpriseState.score.is_distinct_from(Assessment.score),
                   EnterpriseState.ruleset.is_distinct_from(Assessment.ruleset)))
        .order_by(EnterpriseState.enterprise_id))
    for (enterprise_id,) in drifted:
        yield Mismatch(f"the current grade of enterprise {enterprise_id} differs from its "
                       "newest assessment")


def _verify_listing_links(session: Session) -> Iterator[Mismatch]:
    """The violations each listing cites, as its listing_created event named them."""
    recorded: dict[int, set[int]] = {}
    for (payload,) in session.execute(select(AuditEvent.payload)
                                      .where(AuditEvent.kind == "listing_created")):
        content = json.loads(payload)
        recorded[content["listing"]["id"]] = set(content.get("violation_ids", []))
    stored: dict[int, set[int]] = {}
    for listing_id, record_id in session.execute(select(listing_violation.c.listing_id,
                                                        listing_violation.c.record_id)):
        stored.setdefault(listing_id, set()).add(record_id)
    for listing_id in sorted(recorded.keys() | stored.keys()):
        if recorded.get(listing_id, set()) != stored.get(listing_id, set()):
            yield Mismatch(f"the violations linked to listing {listing_id} differ from its "
                           "listing_created event")
