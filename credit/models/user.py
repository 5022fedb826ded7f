"""Accounts: who may sign in, in which role, bound to which firm or region."""

from __future__ import annotations

import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, UTCDateTime, code_string, created_at


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    uscc: Mapped[str | None] = mapped_column(code_string(18))
    region: Mapped[str | None] = mapped_column(code_string(6))
    # An agency account: the department its records name as their source, and the record kinds
    # (comma-separated) it may write.
    agency: Mapped[str | None] = mapped_column(String(200))
    kinds: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[created_at]

    @property
    def active(self) -> bool:
        return self.disabled_at is None


class SeenChanges(Base):
    """How far in the change feed a firm's account has seen its own file, so its area can say
    what is new since the last visit. Kept beside the account, not on it: a visit changes this
    row and never the account itself."""

    __tablename__ = "account_seen_changes"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    cursor: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
