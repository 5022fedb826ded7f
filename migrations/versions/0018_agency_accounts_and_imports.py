"""agency accounts and bulk imports: who supplies records, each upload, each supplier's row ids

Revision ID: 0018
Revises: 0015
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import UTCDateTime, code_string

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("agency", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("kinds", sa.String(length=100), nullable=True))
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("region", code_string(6), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_index("ix_import_batch_state_region", "import_batch", ["state", "region"])
    op.create_table(
        "imported_row",
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("supplier", "kind", "source_id", name=op.f("pk_imported_row")),
    )


def downgrade() -> None:
    op.drop_table("imported_row")
    op.drop_index("ix_import_batch_state_region", table_name="import_batch")
    op.drop_table("import_batch")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("kinds")
        batch.drop_column("agency")
