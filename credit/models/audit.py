"""The audit log: one hash-chained event per write, in chain order (the change feed's cursor)."""

from __future__ import annotations

import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_enterprise_id_seq", "enterprise_id", "seq"),)

    # Assigned as head + 1 under the chain lock, never by a sequence: a sequence can commit out
    # of order on PostgreSQL, and a poller reading after a cursor would skip an event.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    record_id: Mapped[int | None] = mapped_column()
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
