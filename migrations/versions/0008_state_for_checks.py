"""current state: latest serious violation and open disputes, for one-query checks

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enterprise_state") as batch:
        batch.add_column(sa.Column("last_serious_violation_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("open_disputes", sa.Integer(), server_default="0", nullable=False)
        )
    # Fill both from the records already held, as the application would compute them.
    op.execute("""
        UPDATE enterprise_state SET last_serious_violation_on = (
            SELECT max(v.decided_on) FROM violation v JOIN record r ON r.id = v.id
            WHERE r.enterprise_id = enterprise_state.enterprise_id
              AND v.severity IN ('serious', 'especially_serious')
              AND NOT EXISTS (SELECT 1 FROM record_correction c
                              WHERE c.record_id = r.id AND c.action = 'rescind'))
    """)
    op.execute("""
        UPDATE enterprise_state SET open_disputes = (
            SELECT count(*) FROM record_objection o JOIN record r ON r.id = o.record_id
            WHERE r.enterprise_id = enterprise_state.enterprise_id AND o.state = 'pending'
        ) + (
            SELECT count(*) FROM blacklist_listing l
            WHERE l.enterprise_id = enterprise_state.enterprise_id
              AND l.state = 'objection_pending')
    """)


def downgrade() -> None:
    with op.batch_alter_table("enterprise_state") as batch:
        batch.drop_column("open_disputes")
        batch.drop_column("last_serious_violation_on")
