"""The audit chain's head: writers take its lock and append hash-linked events to it."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from credit import canonical
from credit.clock import utcnow
from credit.db import insert_rows
from credit.models import AuditEvent

GENESIS = "0" * 64
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


def event_hash(
    prev_hash: str,
    seq: int,
    at: datetime.datetime,
    actor: str,
    kind: str,
    enterprise_id: int | None,
    record_id: int | None,
    payload: str,
) -> str:
    body = canonical.encode_bytes(
        [prev_hash, seq, at.isoformat(), actor, kind, enterprise_id, record_id, payload]
    )
    return hashlib.sha256(body).hexdigest()


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
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    at = utcnow()
    rows = []
    for event in events:
        seq += 1
        payload = canonical.encode(event.payload)
        digest = event_hash(
            prev, seq, at, event.actor, event.kind, event.enterprise_id, event.record_id, payload
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": event.actor,
                "kind": event.kind,
                "enterprise_id": event.enterprise_id,
                "record_id": event.record_id,
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    if rows:
        insert_rows(session, AuditEvent.__table__, rows)
    return [row["seq"] for row in rows]
