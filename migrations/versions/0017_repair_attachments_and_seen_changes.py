"""repair attachments, and the change-feed cursor a firm's own area last showed

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repair_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_repair_id", sa.Integer(), nullable=True),
        sa.Column("listing_repair_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(record_repair_id IS NULL) <> (listing_repair_id IS NULL)",
            name=op.f("ck_repair_attachment_one_application"),
        ),
        sa.ForeignKeyConstraint(
            ["record_repair_id"],
            ["record_repair.id"],
            name=op.f("fk_repair_attachment_record_repair_id_record_repair"),
        ),
        sa.ForeignKeyConstraint(
            ["listing_repair_id"],
            ["listing_repair.id"],
            name=op.f("fk_repair_attachment_listing_repair_id_listing_repair"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_attachment")),
    )
    op.create_index(
        "ix_repair_attachment_record_repair_id", "repair_attachment", ["record_repair_id"]
    )
    op.create_index(
        "ix_repair_attachment_listing_repair_id", "repair_attachment", ["listing_repair_id"]
    )
    op.create_table(
        "account_seen_changes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_account_seen_changes_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_account_seen_changes")),
    )


def downgrade() -> None:
    op.drop_table("account_seen_changes")
    op.drop_index("ix_repair_attachment_listing_repair_id", table_name="repair_attachment")
    op.drop_index("ix_repair_attachment_record_repair_id", table_name="repair_attachment")
    op.drop_table("repair_attachment")
