"""grading: assessments, overrides, regrade runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from credit.models.base import DecimalString, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regrade_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ruleset", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("last_enterprise_id", sa.Integer(), nullable=False),
        sa.Column("examined", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regrade_run")),
    )
    op.create_table(
        "grade_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_grade_override_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_override")),
    )
    op.create_index("ix_grade_override_enterprise_id_id", "grade_override", ["enterprise_id", "id"])

    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("assessed_at", UTCDateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("ruleset", sa.String(length=32), nullable=False),
        sa.Column("score", DecimalString(), nullable=False),
        sa.Column("raw_score", DecimalString(), nullable=False),
        sa.Column("computed_grade", sa.String(length=3), nullable=False),
        sa.Column("grade", sa.String(length=3), nullable=False),
        sa.Column("risk_class", sa.String(length=1), nullable=False),
        sa.Column("blacklisted", sa.Boolean(), nullable=False),
        sa.Column("override_id", sa.Integer(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("caps", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("next_change_on", sa.Date(), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_assessment_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["override_id"],
            ["grade_override.id"],
            name=op.f("fk_assessment_override_id_grade_override"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    op.create_index("ix_assessment_enterprise_id_id", "assessment", ["enterprise_id", "id"])

    with op.batch_alter_table("enterprise_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score", DecimalString(), nullable=True))
        batch_op.add_column(sa.Column("ruleset", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("assessment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("graded_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("next_change_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("result_digest", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_enterprise_state_next_change_on", ["next_change_on"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_enterprise_state_assessment_id_assessment"),
            "assessment",
            ["assessment_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("enterprise_state", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_enterprise_state_assessment_id_assessment"), type_="foreignkey"
        )
        batch_op.drop_index("ix_enterprise_state_next_change_on")
        batch_op.drop_column("result_digest")
        batch_op.drop_column("next_change_on")
        batch_op.drop_column("valid_until")
        batch_op.drop_column("graded_on")
        batch_op.drop_column("assessment_id")
        batch_op.drop_column("ruleset")
        batch_op.drop_column("score")

    op.drop_table("assessment")
    op.drop_table("grade_override")
    op.drop_table("regrade_run")
