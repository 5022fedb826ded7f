"""What statistics are measured against and what they lead to: targets and quality warnings."""

from __future__ import annotations

import datetime

from sqlalchemy import Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, UTCDateTime, code_string, created_at


class Target(Base):
    """One policy target of a region prefix for a year, with the document that sets it. A new set
    for the region and year replaces the old one, which stays with `replaced_at` set."""

    __tablename__ = "target"
    __table_args__ = (Index("ix_target_region_year", "region", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(code_string(6))
    year: Mapped[int] = mapped_column()
    code: Mapped[str] = mapped_column(String(40))
    # A fraction ("0.95") or a number of firms ("20"), as the code's kind says: kept as text so
    # that a rate stays exact on both engines.
    target: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(500))
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[created_at]
    replaced_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)


class QualityWarning(Base):
    """A quality safety warning (质量安全预警) a regulator publishes about a product."""

    __tablename__ = "quality_warning"
    __table_args__ = (Index("ix_quality_warning_region_code", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(code_string(6))
    body: Mapped[str] = mapped_column(Text)
    published_on: Mapped[datetime.date] = mapped_column(Date)
    published_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]
