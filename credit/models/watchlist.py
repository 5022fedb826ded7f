"""Watchlists: the firms an account follows in the change feed, registered yet or not."""

from __future__ import annotations

import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from credit.clock import utcnow
from credit.models.base import Base, UTCDateTime, code_string, created_at


class Watchlist(Base):
    __tablename__ = "watchlist"
    __table_args__ = (Index("ix_watchlist_owner_id", "owner", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The account's username: a list is only ever read by the account that made it.
    owner: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column()
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last change the owner marked as seen on the desk: what came after is new to them.
    seen_cursor: Mapped[int] = mapped_column(default=0, server_default="0")


class WatchlistMember(Base):
    """One watched code; not a foreign key to the register, since a firm may be watched before
    it is registered. The primary key (list, code) is what the feed reads a list's codes by."""

    __tablename__ = "watchlist_member"

    watchlist_id: Mapped[int] = mapped_column(
        ForeignKey("watchlist.id", ondelete="CASCADE"), primary_key=True
    )
    uscc: Mapped[str] = mapped_column(code_string(18), primary_key=True)
