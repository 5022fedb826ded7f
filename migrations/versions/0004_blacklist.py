"""blacklist

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blacklist_listing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("decision_no", sa.String(length=100), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("repair_eligible_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("listed_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_blacklist_listing_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blacklist_listing")),
    )
    op.create_index("ix_blacklist_listing_enterprise_id", "blacklist_listing", ["enterprise_id"])
    op.create_index(
        "ix_blacklist_listing_state_listed_on", "blacklist_listing", ["state", "listed_on"]
    )

    op.create_table(
        "listing_objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["blacklist_listing.id"],
            name=op.f("fk_listing_objection_listing_id_blacklist_listing"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_objection")),
    )
    op.create_index("ix_listing_objection_listing_id", "listing_objection", ["listing_id"])

    op.create_table(
        "listing_repair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("applied_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["blacklist_listing.id"],
            name=op.f("fk_listing_repair_listing_id_blacklist_listing"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_repair")),
    )
    op.create_index("ix_listing_repair_listing_id", "listing_repair", ["listing_id"])

    op.create_table(
        "listing_transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["blacklist_listing.id"],
            name=op.f("fk_listing_transition_listing_id_blacklist_listing"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_transition")),
    )
    op.create_index("ix_listing_transition_listing_id", "listing_transition", ["listing_id"])

    op.create_table(
        "listing_violation",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["blacklist_listing.id"],
            name=op.f("fk_listing_violation_listing_id_blacklist_listing"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["record.id"], name=op.f("fk_listing_violation_record_id_record")
        ),
        sa.PrimaryKeyConstraint("listing_id", "record_id", name=op.f("pk_listing_violation")),
    )


def downgrade() -> None:
    op.drop_table("listing_violation")
    op.drop_table("listing_transition")
    op.drop_table("listing_repair")
    op.drop_table("listing_objection")
    op.drop_table("blacklist_listing")
