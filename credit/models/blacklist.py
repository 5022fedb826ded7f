"""The quality blacklist: listings, their transitions, objections and credit repair applications."""

from __future__ import annotations

import datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credit.models.base import Base, Decided, created_at

listing_violation = Table(
    "listing_violation",
    Base.metadata,
    Column("listing_id", ForeignKey("blacklist_listing.id"), primary_key=True),
    Column("record_id", ForeignKey("record.id"), primary_key=True),
)


class Listing(Base):
    """One listing (严重违法失信名单 / 质量失信黑名单); `state` is the last transition's."""

    __tablename__ = "blacklist_listing"
    __table_args__ = (
        Index("ix_blacklist_listing_enterprise_id", "enterprise_id"),
        Index("ix_blacklist_listing_state_listed_on", "state", "listed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(500))
    decision_no: Mapped[str] = mapped_column(String(100))
    authority: Mapped[str] = mapped_column(String(200))
    listed_on: Mapped[datetime.date] = mapped_column(Date)
    notified_on: Mapped[datetime.date | None] = mapped_column(Date)
    repair_eligible_on: Mapped[datetime.date] = mapped_column(Date)
    expires_on: Mapped[datetime.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20))
    listed_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]

    transitions: Mapped[list[Transition]] = relationship(order_by="Transition.id", lazy="selectin")
    objections: Mapped[list[Objection]] = relationship(order_by="Objection.id", lazy="selectin")
    repairs: Mapped[list[RepairApplication]] = relationship(
        order_by="RepairApplication.id", lazy="selectin"
    )
    # The violations the listing cites (written with it, never changed).
    violations: Mapped[list[Record]] = relationship(  # noqa: F821 (mapped by name)
        secondary=listing_violation, order_by="Record.id", lazy="selectin", viewonly=True
    )


class Transition(Base):
    __tablename__ = "listing_transition"
    __table_args__ = (Index("ix_listing_transition_listing_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("blacklist_listing.id"))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    on: Mapped[datetime.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    document_no: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[created_at]


class Objection(Decided, Base):
    __tablename__ = "listing_objection"
    __table_args__ = (Index("ix_listing_objection_listing_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("blacklist_listing.id"))
    reason: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(64))


class RepairApplication(Decided, Base):
    __tablename__ = "listing_repair"
    __table_args__ = (Index("ix_listing_repair_listing_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("blacklist_listing.id"))
    statement: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    applied_by: Mapped[str] = mapped_column(String(64))

    attachments: Mapped[list[RepairAttachment]] = relationship(  # noqa: F821 (mapped by name)
        order_by="RepairAttachment.id", lazy="selectin"
    )
