"""search by grade

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_enterprise_state_grade", "enterprise_state", ["grade"])


def downgrade() -> None:
    op.drop_index("ix_enterprise_state_grade", table_name="enterprise_state")
