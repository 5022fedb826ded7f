"""enterprise register details: address, legal representative, chief quality officer, status
date, and former names

Revision ID: 0019
Revises: 0015
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import code_string

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enterprise") as batch:
        batch.add_column(sa.Column("status_since", sa.Date(), nullable=True))
        batch.add_column(sa.Column("address", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("legal_representative", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("chief_quality_officer", sa.String(length=100), nullable=True))
    op.create_table(
        "enterprise_former_name",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("name", code_string(200), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_enterprise_former_name_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_former_name")),
    )
    op.create_index(
        "ix_enterprise_former_name_enterprise_id",
        "enterprise_former_name",
        ["enterprise_id", "until"],
    )


def downgrade() -> None:
    op.drop_index("ix_enterprise_former_name_enterprise_id", table_name="enterprise_former_name")
    op.drop_table("enterprise_former_name")
    with op.batch_alter_table("enterprise") as batch:
        batch.drop_column("chief_quality_officer")
        batch.drop_column("legal_representative")
        batch.drop_column("address")
        batch.drop_column("status_since")
