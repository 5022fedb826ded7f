"""search in name order: an index on (name, uscc), read in order for a search's first pages

Revision ID: 0020
Revises: 0015
Create Date: 2026-11-30
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_enterprise_name_uscc", "enterprise", ["name", "uscc"])


def downgrade() -> None:
    op.drop_index("ix_enterprise_name_uscc", table_name="enterprise")
