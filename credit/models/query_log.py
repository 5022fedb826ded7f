"""Who looked at whose credit file, when and why: append-only, outside the audit chain."""

from __future__ import annotations

import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, UTCDateTime, code_string


class QueryLogEntry(Base):
    __tablename__ = "query_log"
    __table_args__ = (Index("ix_query_log_enterprise_id_id", "enterprise_id", "id"),)

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
