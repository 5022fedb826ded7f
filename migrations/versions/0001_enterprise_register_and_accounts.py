"""enterprise register and accounts

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def code(length: int) -> sa.String:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uscc", code(18), nullable=False),
        sa.Column("name", code(200), nullable=False),
        sa.Column("region_code", code(6), nullable=False),
        sa.Column("industry_code", sa.String(length=5), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("uscc", name=op.f("uq_enterprise_uscc")),
    )
    op.create_index(op.f("ix_enterprise_region_code"), "enterprise", ["region_code"])
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("uscc", code(18), nullable=True),
        sa.Column("region", code(6), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("disabled_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "enterprise_name_gram",
        sa.Column("gram", code(2), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_enterprise_name_gram_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gram", "enterprise_id", name=op.f("pk_enterprise_name_gram")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_enterprise_name_gram_enterprise_id", "enterprise_name_gram", ["enterprise_id"]
    )


def downgrade() -> None:
    op.drop_table("enterprise_name_gram")
    op.drop_table("user_account")
    op.drop_table("enterprise")
