"""credit records, audit log, current state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_audit_event_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
    )
    op.create_index("ix_audit_event_enterprise_id_seq", "audit_event", ["enterprise_id", "seq"])

    op.create_table(
        "enterprise_state",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=3), nullable=True),
        sa.Column("risk_class", sa.String(length=1), nullable=True),
        sa.Column("blacklisted", sa.Boolean(), nullable=False),
        sa.Column("last_major_violation_on", sa.Date(), nullable=True),
        sa.Column("active_records", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_enterprise_state_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_enterprise_state")),
    )
    op.create_table(
        "record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("source_agency", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_record_enterprise_id_enterprise")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record")),
    )
    op.create_index("ix_record_enterprise_id_kind", "record", ["enterprise_id", "kind"])

    op.create_table(
        "award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_kind", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("document_no", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["record.id"], name=op.f("fk_award_id_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award")),
    )
    op.create_index("ix_award_issuer_document_no", "award", ["issuer", "document_no"])

    op.create_table(
        "certification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=40), nullable=False),
        sa.Column("certificate_no", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["record.id"], name=op.f("fk_certification_id_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification")),
    )
    op.create_index(
        "ix_certification_issuer_certificate_no", "certification", ["issuer", "certificate_no"]
    )

    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("sampled_on", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("report_no", sa.String(length=100), nullable=True),
        sa.Column("failed_items", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["record.id"], name=op.f("fk_inspection_id_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
    )
    op.create_index("ix_inspection_report_no", "inspection", ["report_no"])

    op.create_table(
        "record_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["record.id"], name=op.f("fk_record_correction_record_id_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_correction")),
        sa.UniqueConstraint("record_id", "action", name=op.f("uq_record_correction_record_id")),
    )
    op.create_table(
        "violation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=24), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("decision_no", sa.String(length=100), nullable=False),
        sa.Column("fine_fen", sa.BigInteger(), nullable=True),
        sa.Column("legal_basis", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["record.id"], name=op.f("fk_violation_id_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violation")),
    )
    op.create_index("ix_violation_authority_decision_no", "violation", ["authority", "decision_no"])


def downgrade() -> None:
    op.drop_table("violation")
    op.drop_table("record_correction")
    op.drop_table("inspection")
    op.drop_table("certification")
    op.drop_table("award")
    op.drop_table("record")
    op.drop_table("enterprise_state")
    op.drop_table("audit_event")
