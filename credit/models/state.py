"""Each enterprise's current state: what lookups read in one indexed query."""

from __future__ import annotations

import datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, DecimalString, UTCDateTime


class EnterpriseState(Base):
    """Kept in the same transaction as every write that can change it."""

    __tablename__ = "enterprise_state"
    __table_args__ = (
        Index("ix_enterprise_state_next_change_on", "next_change_on"),
        Index("ix_enterprise_state_grade", "grade"),
    )

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), primary_key=True)
    grade: Mapped[str | None] = mapped_column(String(3))
    risk_class: Mapped[str | None] = mapped_column(String(1))
    score: Mapped[Decimal | None] = mapped_column(DecimalString)
    ruleset: Mapped[str | None] = mapped_column(String(32))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"))
    graded_on: Mapped[datetime.date | None] = mapped_column(Date)
    valid_until: Mapped[datetime.date | None] = mapped_column(Date)
    # The first day the grade may differ with no write at all (a window lapses, an honour
    # expires, an override ends): reads recompute from then, `credit regrade --due` persists.
    next_change_on: Mapped[datetime.date | None] = mapped_column(Date)
    # The public profile as the wire has it, ready to send: a profile is then one row.
    public_profile: Mapped[dict | None] = mapped_column(JSON)
    # Digest of the last result (grade, score, explanation, caps): an equal regrade writes nothing.
    result_digest: Mapped[str | None] = mapped_column(String(64))
    blacklisted: Mapped[bool] = mapped_column(default=False)
    last_major_violation_on: Mapped[datetime.date | None] = mapped_column(Date)
    last_serious_violation_on: Mapped[datetime.date | None] = mapped_column(Date)
    open_disputes: Mapped[int] = mapped_column(default=0, server_default="0")
    active_records: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
