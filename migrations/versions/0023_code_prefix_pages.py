"""code-prefix pages: an index on (uscc, name, region_code, id), a code range sorted by name from
the index alone

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_enterprise_uscc_name", "enterprise", ["uscc", "name", "region_code", "id"])


def downgrade() -> None:
    op.drop_index("ix_enterprise_uscc_name", table_name="enterprise")
