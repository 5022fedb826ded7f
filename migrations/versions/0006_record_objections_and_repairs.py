"""record objections and repairs

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["record.id"], name=op.f("fk_record_objection_record_id_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_objection")),
    )
    op.create_index("ix_record_objection_record_id", "record_objection", ["record_id"])

    op.create_table(
        "record_repair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("applied_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["record.id"], name=op.f("fk_record_repair_record_id_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_repair")),
    )
    op.create_index("ix_record_repair_record_id", "record_repair", ["record_id"])


def downgrade() -> None:
    op.drop_table("record_repair")
    op.drop_table("record_objection")
