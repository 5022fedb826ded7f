"""inspection results: the product's category, the testing institution, an index for the public list

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

Both columns are empty for results recorded before; a record's logged content lacks them, and
`credit audit verify` reads a missing key as an empty column. Stored public profiles are cleared
so that each is built again with the firm's inspection results (readers compute a cleared one
when they read it, until the firm's next write or `credit regrade`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inspection") as batch:
        batch.add_column(sa.Column("product_category", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("testing_institution", sa.String(length=200), nullable=True))
        batch.create_index("ix_inspection_sampled_on", ["sampled_on"])
    op.execute("UPDATE enterprise_state SET public_profile = NULL")


def downgrade() -> None:
    with op.batch_alter_table("inspection") as batch:
        batch.drop_index("ix_inspection_sampled_on")
        batch.drop_column("testing_institution")
        batch.drop_column("product_category")
    # The older version's profiles have no inspections: build them again as it reads them.
    op.execute("UPDATE enterprise_state SET public_profile = NULL")
