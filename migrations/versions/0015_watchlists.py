"""watchlists: the firms an account follows in the change feed

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import UTCDateTime, code_string

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watchlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist")),
    )
    op.create_index("ix_watchlist_owner_id", "watchlist", ["owner", "id"])
    # Codes, not firms: a firm may be watched before it is registered. The feed reads a list's
    # codes by the primary key and meets the register on its unique USCC.
    op.create_table(
        "watchlist_member",
        sa.Column("watchlist_id", sa.Integer(), nullable=False),
        sa.Column("uscc", code_string(18), nullable=False),
        sa.ForeignKeyConstraint(
            ["watchlist_id"],
            ["watchlist.id"],
            name=op.f("fk_watchlist_member_watchlist_id_watchlist"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("watchlist_id", "uscc", name=op.f("pk_watchlist_member")),
    )


def downgrade() -> None:
    op.drop_table("watchlist_member")
    op.drop_index("ix_watchlist_owner_id", table_name="watchlist")
    op.drop_table("watchlist")
