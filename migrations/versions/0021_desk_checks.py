"""desk checks: batch checks kept for their table, spreadsheet and tender evidence; watchlists
remember the last change their owner saw

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=True),
        sa.Column("project", sa.String(length=200), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_check")),
    )
    op.create_index("ix_desk_check_owner_id", "desk_check", ["owner", "id"])
    with op.batch_alter_table("watchlist") as batch:
        batch.add_column(sa.Column("seen_cursor", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("watchlist") as batch:
        batch.drop_column("seen_cursor")
    op.drop_index("ix_desk_check_owner_id", table_name="desk_check")
    op.drop_table("desk_check")
