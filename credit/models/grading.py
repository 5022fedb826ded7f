"""Assessments (each grade as computed, kept forever), overrides, and bulk regrading runs."""

from __future__ import annotations

import datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, DecimalString, UTCDateTime, created_at


class Assessment(Base):
    """One grade as the engine gave it, with everything needed to reproduce it; an ungraded firm
    (too little known) has no grade, score or risk class."""

    __tablename__ = "assessment"
    __table_args__ = (
        Index("ix_assessment_enterprise_id_id", "enterprise_id", "id"),
        Index("ix_assessment_enterprise_id_assessed_at", "enterprise_id", "assessed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    assessed_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[datetime.date] = mapped_column(Date)
    ruleset: Mapped[str] = mapped_column(String(32))
    score: Mapped[Decimal | None] = mapped_column(DecimalString)
    raw_score: Mapped[Decimal | None] = mapped_column(DecimalString)
    computed_grade: Mapped[str | None] = mapped_column(String(3))
    grade: Mapped[str | None] = mapped_column(String(3))
    risk_class: Mapped[str | None] = mapped_column(String(1))
    blacklisted: Mapped[bool] = mapped_column(default=False)
    override_id: Mapped[int | None] = mapped_column(ForeignKey("grade_override.id"))
    explanation: Mapped[list] = mapped_column(JSON)
    caps: Mapped[list] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[datetime.date] = mapped_column(Date)
    next_change_on: Mapped[datetime.date] = mapped_column(Date)
    trigger: Mapped[str] = mapped_column(String(40))


class GradeOverride(Base):
    """A regulator's grade with a reason, in force from the day it is set to valid_until."""

    __tablename__ = "grade_override"
    __table_args__ = (Index("ix_grade_override_enterprise_id_id", "enterprise_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    grade: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    valid_until: Mapped[datetime.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]


class RegradeRun(Base):
    """Progress of a bulk regrade, so an interrupted one resumes where it stopped."""

    __tablename__ = "regrade_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset: Mapped[str] = mapped_column(String(32))
    day: Mapped[datetime.date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(8))
    # The run's range of firms: after `last_enterprise_id` (its progress) up to
    # `until_enterprise_id` (none: to the last firm).
    last_enterprise_id: Mapped[int] = mapped_column(default=0)
    until_enterprise_id: Mapped[int | None] = mapped_column()
    # A regrade split over several processes: the first part's id on the other parts.
    part_of: Mapped[int | None] = mapped_column(ForeignKey("regrade_run.id"))
    examined: Mapped[int] = mapped_column(default=0)
    changed: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[created_at]
    finished_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
