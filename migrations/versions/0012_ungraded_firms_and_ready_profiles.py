"""ungraded firms (no grade, score or risk class) and the public profile kept ready to send

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import logging

import sqlalchemy as sa
from alembic import op

from credit.models.base import DecimalString

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UNGRADED_COLUMNS = (
    ("score", DecimalString()),
    ("raw_score", DecimalString()),
    ("computed_grade", sa.String(length=3)),
    ("grade", sa.String(length=3)),
    ("risk_class", sa.String(length=1)),
)


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
    # The older schema cannot hold an assessment without a grade: those assessments go, and the
    # state rows that pointed at them are left ungraded, so the older version grades those firms
    # again when they are read or at `credit regrade --due`. Their grade_changed events stay in
    # the audit log, where the older `credit audit verify` names each such assessment as missing.
    bind = op.get_bind()
    ungraded = (
        bind.execute(sa.text("SELECT id FROM assessment WHERE grade IS NULL")).scalars().all()
    )
    if ungraded:
        logging.getLogger("alembic.runtime.migration").warning(
            "removing %d assessments that record a firm as ungraded", len(ungraded)
        )
        bind.execute(
            sa.text(
                "UPDATE enterprise_state SET assessment_id = NULL, grade = NULL, "
                "risk_class = NULL, score = NULL, ruleset = NULL, "
                "result_digest = NULL WHERE assessment_id IN "
                "(SELECT id FROM assessment WHERE grade IS NULL)"
            )
        )
        bind.execute(sa.text("DELETE FROM assessment WHERE grade IS NULL"))
    with op.batch_alter_table("enterprise_state") as batch:
        batch.drop_column("public_profile")
        batch.add_column(sa.Column("public_records", sa.JSON(), nullable=True))
    with op.batch_alter_table("assessment") as batch:
        for name, kind in UNGRADED_COLUMNS:
            batch.alter_column(name, existing_type=kind, nullable=False)
