"""Enterprises (one credit file each, keyed by USCC) and the bigram index that finds them by name."""

from __future__ import annotations

import datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, code_string, created_at


class Enterprise(Base):
    __tablename__ = "enterprise"
    __table_args__ = (
        # Search pages are in name order: read along this index, never sorted whole...
        Index("ix_enterprise_name_uscc", "name", "uscc"),
        # ...except a code prefix whose firms lie far along it: its code range, sorted by name
        # from this index alone.
        Index("ix_enterprise_uscc_name", "uscc", "name", "region_code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(code_string(18), unique=True)
    name: Mapped[str] = mapped_column(code_string(200))
    region_code: Mapped[str] = mapped_column(code_string(6), index=True)
    industry_code: Mapped[str | None] = mapped_column(String(5))
    registered_on: Mapped[datetime.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="in_business")
    # The day the status took effect (a deregistration's date); null while in business.
    status_since: Mapped[datetime.date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(300))
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    # 首席质量官: the officer the policies ask larger firms to name for quality.
    chief_quality_officer: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[created_at]


class EnterpriseFormerName(Base):
    """A name the firm bore until a day; its grams stay in the name index, so search finds it."""

    __tablename__ = "enterprise_former_name"
    __table_args__ = (Index("ix_enterprise_former_name_enterprise_id", "enterprise_id", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(code_string(200))
    until: Mapped[datetime.date] = mapped_column(Date)


class EnterpriseNameGram(Base):
    """Every two-character run of a name, so a two-character query (华东) is an index lookup."""

    __tablename__ = "enterprise_name_gram"
    __table_args__ = (
        Index("ix_enterprise_name_gram_enterprise_id", "enterprise_id"),
        {"sqlite_with_rowid": False},
    )

    gram: Mapped[str] = mapped_column(code_string(2), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True
    )
