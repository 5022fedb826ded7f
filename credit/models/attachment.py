"""Evidence a firm attaches to a credit repair application: what each file is, and its SHA-256.

The bytes live in the registry's private files area under their hash (see
credit/services/requests.py); the row is what the audit chain records of them.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, created_at


class RepairAttachment(Base):
    """One file attached to a record's or a listing's repair application (exactly one of them)."""

    __tablename__ = "repair_attachment"
    __table_args__ = (
        Index("ix_repair_attachment_record_repair_id", "record_repair_id"),
        Index("ix_repair_attachment_listing_repair_id", "listing_repair_id"),
        CheckConstraint(
            "(record_repair_id IS NULL) <> (listing_repair_id IS NULL)", name="one_application"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_repair_id: Mapped[int | None] = mapped_column(ForeignKey("record_repair.id"))
    listing_repair_id: Mapped[int | None] = mapped_column(ForeignKey("listing_repair.id"))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]
