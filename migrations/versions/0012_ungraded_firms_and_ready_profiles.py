"""ungraded firms (no grade, score or risk class) and the public profile kept ready to send

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import DecimalString

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UNGRADED_COLUMNS = (("score", DecimalString()), ("raw_score", DecimalString()),
                    ("computed_grade", sa.String(length=3)), ("grade", sa.String(length=3)),
                    ("risk_class", sa.String(length=1)))


def upgrade() -> None:
    with op.batch_alter_table("assessment") as batch:
        for name, kind in UNGRADED_COLUMNS:
            batch.alter_column(name, existing_type=kind, nullable=True)
    # The whole public profile replaces its records alone. Empty until the firm's next write or
    # `credit regrade`; until then its profile is computed when read, as for any stale row.
    with op.batch_alter_table("enterprise_state") as batch:
        batch.drop_column("public_records")
        batch.add_column(sa.Column("public_profile", sa.JSON(), nullable=True))


def downgrade() -> None:
    ungraded = op.get_bind().execute(
        sa.text("SELECT count(*) FROM assessment WHERE grade IS NULL")).scalar()
    if ungraded:
        raise RuntimeError(f"{ungraded} assessments record an ungraded firm, which the older "
                           "schema cannot hold; keep this revision")
    with op.batch_alter_table("enterprise_state") as batch:
        batch.drop_column("public_profile")
        batch.add_column(sa.Column("public_records", sa.JSON(), nullable=True))
    with op.batch_alter_table("assessment") as batch:
        for name, kind in UNGRADED_COLUMNS:
            batch.alter_column(name, existing_type=kind, nullable=False)
