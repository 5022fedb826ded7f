"""current state: the public profile's records, so that a profile is one row

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty until a firm's next write or `credit regrade`; until then its profile is built from
    # its records, as before.
    with op.batch_alter_table("enterprise_state") as batch:
        batch.add_column(sa.Column("public_records", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enterprise_state") as batch:
        batch.drop_column("public_records")
