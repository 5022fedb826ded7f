"""the query log found by firm through a table written at sealing, instead of an index on every
entry: the entries sealed so far are filed under their firms here

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "query_log_firm",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_query_log_firm_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("enterprise_id", "entry_id", name=op.f("pk_query_log_firm")),
        sqlite_with_rowid=False,
    )
    # What the sealer would have filed: every entry up to the last seal's.
    op.execute(
        "INSERT INTO query_log_firm (enterprise_id, entry_id) "
        "SELECT enterprise_id, id FROM query_log "
        "WHERE id <= (SELECT coalesce(max(last_entry_id), 0) FROM query_log_seal)"
    )
    op.drop_index("ix_query_log_enterprise_id_id", table_name="query_log")


def downgrade() -> None:
    op.create_index("ix_query_log_enterprise_id_id", "query_log", ["enterprise_id", "id"])
    op.drop_table("query_log_firm")
