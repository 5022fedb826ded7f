"""Batch checks made at the desk: what a bank or a purchaser asked, and the answer it was given."""

from __future__ import annotations

import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, created_at


class DeskCheck(Base):
    """One batch check as answered on its day, kept so that its table, its spreadsheet and its
    tender evidence all show the same answer, and reading them again logs no new query."""

    __tablename__ = "desk_check"
    __table_args__ = (Index("ix_desk_check_owner_id", "owner", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The account's username: a check is only ever read by the account that made it.
    owner: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # procurement | lending
    as_of: Mapped[datetime.date] = mapped_column()
    purpose: Mapped[str | None] = mapped_column(String(500))
    project: Mapped[str | None] = mapped_column(String(200))
    # The answer as the check service gave it, and the rows refused before asking, as JSON.
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]
