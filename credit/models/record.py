"""Credit records: honours, certifications, inspections and violations, and their corrections.

A record row is written once and never changed. A wrong record is rescinded and an honour or
certification withdrawn by its issuer is revoked: both are correction rows appended beside it.
"""

from __future__ import annotations

import datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credit.models.base import Base, Decided, created_at


class Record(Base):
    __tablename__ = "record"
    __table_args__ = (Index("ix_record_enterprise_id_kind", "enterprise_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    source_agency: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]

    corrections: Mapped[list[Correction]] = relationship(
        back_populates="record", order_by="Correction.id", lazy="selectin"
    )
    objections: Mapped[list[RecordObjection]] = relationship(
        order_by="RecordObjection.id", lazy="selectin"
    )
    repairs: Mapped[list[RecordRepair]] = relationship(order_by="RecordRepair.id", lazy="selectin")

    # One query loads every kind's columns (outer joins), rather than one more query per record.
    __mapper_args__ = {
        "polymorphic_on": "kind",
        "polymorphic_abstract": True,
        "with_polymorphic": "*",
    }

    def correction(self, action: str) -> Correction | None:
        for correction in self.corrections:  # most records have none: no generator to build
            if correction.action == action:
                return correction
        return None


class Award(Record):
    __tablename__ = "award"
    __table_args__ = (Index("ix_award_issuer_document_no", "issuer", "document_no"),)

    id: Mapped[int] = mapped_column(ForeignKey("record.id"), primary_key=True)
    award_kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200))
    awarded_on: Mapped[datetime.date] = mapped_column(Date)
    expires_on: Mapped[datetime.date | None] = mapped_column(Date)
    document_no: Mapped[str | None] = mapped_column(String(100))

    __mapper_args__ = {"polymorphic_identity": "award"}


class Certification(Record):
    __tablename__ = "certification"
    __table_args__ = (Index("ix_certification_issuer_certificate_no", "issuer", "certificate_no"),)

    id: Mapped[int] = mapped_column(ForeignKey("record.id"), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(40))
    certificate_no: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[datetime.date] = mapped_column(Date)
    valid_to: Mapped[datetime.date] = mapped_column(Date)

    __mapper_args__ = {"polymorphic_identity": "certification"}


class Inspection(Record):
    __tablename__ = "inspection"
    __table_args__ = (
        Index("ix_inspection_report_no", "report_no"),
        # The public list of results: newest sampling first, inside the display period.
        Index("ix_inspection_sampled_on", "sampled_on"),
    )

    id: Mapped[int] = mapped_column(ForeignKey("record.id"), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    product: Mapped[str] = mapped_column(String(200))
    sampled_on: Mapped[datetime.date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(8))
    report_no: Mapped[str | None] = mapped_column(String(100))
    failed_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    product_category: Mapped[str | None] = mapped_column(String(40))
    testing_institution: Mapped[str | None] = mapped_column(String(200))

    __mapper_args__ = {"polymorphic_identity": "inspection"}


class Violation(Record):
    __tablename__ = "violation"
    __table_args__ = (
        Index("ix_violation_authority_decision_no", "authority", "decision_no"),
        Index("ix_violation_decided_on", "decided_on"),
    )

    id: Mapped[int] = mapped_column(ForeignKey("record.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(24))
    decided_on: Mapped[datetime.date] = mapped_column(Date)
    authority: Mapped[str] = mapped_column(String(200))
    decision_no: Mapped[str] = mapped_column(String(100))
    fine_fen: Mapped[int | None] = mapped_column(BigInteger)
    legal_basis: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"polymorphic_identity": "violation"}


class Correction(Base):
    """A rescission (the record was wrong) or a revocation (the issuer withdrew it from a date)."""

    __tablename__ = "record_correction"
    __table_args__ = (UniqueConstraint("record_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id"))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[datetime.date] = mapped_column(Date)
    document_no: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]

    record: Mapped[Record] = relationship(back_populates="corrections")


class RecordObjection(Decided, Base):
    """The enterprise says a record is wrong (异议); upheld, the record is rescinded."""

    __tablename__ = "record_objection"
    __table_args__ = (Index("ix_record_objection_record_id", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id"))
    reason: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(64))


class RecordRepair(Decided, Base):
    """Credit repair of a violation (信用修复): approved, the public no longer sees it."""

    __tablename__ = "record_repair"
    __table_args__ = (Index("ix_record_repair_record_id", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id"))
    statement: Mapped[str] = mapped_column(Text)
    applied_by: Mapped[str] = mapped_column(String(64))

    attachments: Mapped[list[RepairAttachment]] = relationship(  # noqa: F821 (mapped by name)
        order_by="RepairAttachment.id", lazy="selectin"
    )
