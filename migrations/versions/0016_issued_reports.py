"""issued reports: the PDF credit reports issued, by the short code printed on each

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import UTCDateTime, code_string

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_report",
        sa.Column("code", code_string(16), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("uscc", code_string(18), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("kid", sa.String(length=100), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_issued_report")),
    )


def downgrade() -> None:
    op.drop_table("issued_report")
