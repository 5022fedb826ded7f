"""Each enterprise's current state: what lookups read in one indexed query."""

from __future__ import annotations

import datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, UTCDateTime


class EnterpriseState(Base):
    """Kept in the same transaction as every write that can change it."""

    __tablename__ = "enterprise_state"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), primary_key=True)
    grade: Mapped[str | None] = mapped_column(String(3))
    risk_class: Mapped[str | None] = mapped_column(String(1))
    blacklisted: Mapped[bool] = mapped_column(default=False)
    last_major_violation_on: Mapped[datetime.date | None] = mapped_column(Date)
    active_records: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
