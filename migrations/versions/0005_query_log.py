"""query log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "query_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column(
            "uscc",
            sa.String(length=18).with_variant(sa.String(length=18, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=True),
        sa.Column("project", sa.String(length=200), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_query_log_enterprise_id_enterprise")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_log")),
    )
    op.create_index("ix_query_log_enterprise_id_id", "query_log", ["enterprise_id", "id"])


def downgrade() -> None:
    op.drop_table("query_log")
