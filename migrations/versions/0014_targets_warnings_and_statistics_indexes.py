"""policy targets, quality warnings, and the indexes statistics read by date

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import code_string

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", code_string(6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=24), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target")),
    )
    op.create_index("ix_target_region_year", "target", ["region", "year"])
    op.create_table(
        "quality_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("region_code", code_string(6), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_warning")),
    )
    op.create_index("ix_quality_warning_region_code", "quality_warning", ["region_code"])
    # Statistics read a period's records by their own date, and each firm's grade as it was
    # stored by a day.
    op.create_index("ix_violation_decided_on", "violation", ["decided_on"])
    op.create_index(
        "ix_assessment_enterprise_id_assessed_at", "assessment", ["enterprise_id", "assessed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_assessment_enterprise_id_assessed_at", table_name="assessment")
    op.drop_index("ix_violation_decided_on", table_name="violation")
    op.drop_index("ix_quality_warning_region_code", table_name="quality_warning")
    op.drop_table("quality_warning")
    op.drop_index("ix_target_region_year", table_name="target")
    op.drop_table("target")
