"""Declarative base, the constraint naming convention and the column types every model shares."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

from sqlalchemy import DateTime, MetaData, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from credit.clock import utcnow

# Alembic names constraints the same on SQLite and PostgreSQL only when the model names them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """An aware UTC timestamp on both engines (SQLite keeps no offset, so store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(datetime.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=datetime.UTC)


class DecimalString(TypeDecorator):
    """An exact decimal on both engines (SQLite would store a float): kept as its text."""

    impl = String(24)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


def code_string(length: int) -> String:
    """Codes compared and ordered byte by byte on both engines (prefix ranges rely on it)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


created_at = Annotated[datetime.datetime, mapped_column(UTCDateTime, default=utcnow)]


class Decided:
    """A request a regulator decides: an objection or a credit repair application."""

    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[created_at]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def pending(self) -> bool:
        return self.state == "pending"

    def decide(self, state: str, actor: str, reason: str) -> None:
        self.state, self.decided_by, self.decision_reason = state, actor, reason
        self.decided_at = utcnow()
