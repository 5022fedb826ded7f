"""Who looked at whose credit file, when and why: append-only, outside the audit chain, sealed
in batches by hash-chained seals."""

from __future__ import annotations

import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, UTCDateTime, code_string


class QueryLogEntry(Base):
    """One firm looked at by one reader. Written in the reader's transaction, appended in id
    order and indexed by nothing else: a firm's entries are found through `QueryLogFirm` once
    sealed, and among the few entries since the last seal before that."""

    __tablename__ = "query_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    uscc: Mapped[str] = mapped_column(code_string(18))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(String(500))
    project: Mapped[str | None] = mapped_column(String(200))
    as_of: Mapped[datetime.date | None] = mapped_column()


class QueryLogSeal(Base):
    """A batch of query-log entries, fixed by a hash over their content and chained to the seal
    before it, the way a transparency log publishes signed tree heads: a deleted or edited entry
    no longer matches its seal."""

    __tablename__ = "query_log_seal"

    # Assigned as head + 1 under the sealers' lock, so the seals are numbered without gaps.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    first_entry_id: Mapped[int] = mapped_column(Integer)
    last_entry_id: Mapped[int] = mapped_column(Integer)
    entry_count: Mapped[int] = mapped_column(Integer)
    entries_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)


class QueryLogFirm(Base):
    """A sealed entry under its firm: the index a firm's query log is read through, written a
    seal's entries at a time, in firm order, rather than one random place per entry a check
    logs (which, for a thousand firms, cost as much as the rest of the check)."""

    __tablename__ = "query_log_firm"
    # SQLite keeps the rows in their key's order, with no second copy.
    __table_args__ = {"sqlite_with_rowid": False}

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
