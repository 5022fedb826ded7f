"""bulk regrades: each run covers a range of firms, so several processes share one regrade

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty: the run goes to the last firm and is a regrade of its own, as every run was before.
    with op.batch_alter_table("regrade_run") as batch:
        batch.add_column(sa.Column("until_enterprise_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("part_of", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_regrade_run_part_of_regrade_run", "regrade_run", ["part_of"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("regrade_run") as batch:
        batch.drop_constraint("fk_regrade_run_part_of_regrade_run", type_="foreignkey")
        batch.drop_column("part_of")
        batch.drop_column("until_enterprise_id")
