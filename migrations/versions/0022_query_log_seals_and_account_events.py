"""query-log seals, and a baseline audit event for every account that exists

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from credit import canonical, chain
from credit.clock import utcnow
from credit.models.base import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

ACTOR = "db-upgrade"
EVENT = "account_baseline"
# The audited fields of an account, as credit.services.users.ACCOUNT_FIELDS names them.
FIELDS = ("id", "username", "role", "uscc", "region", "agency", "kinds", "disabled_at")

user_account = sa.table(
    "user_account",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("role", sa.String),
    sa.column("uscc", sa.String),
    sa.column("region", sa.String),
    sa.column("agency", sa.String),
    sa.column("kinds", sa.String),
    sa.column("disabled_at", UTCDateTime),
)
audit_event = sa.table(
    "audit_event",
    sa.column("seq", sa.Integer),
    sa.column("at", UTCDateTime),
    sa.column("actor", sa.String),
    sa.column("kind", sa.String),
    sa.column("enterprise_id", sa.Integer),
    sa.column("record_id", sa.Integer),
    sa.column("payload", sa.Text),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "query_log_seal",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_entry_id", sa.Integer(), nullable=False),
        sa.Column("last_entry_id", sa.Integer(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("entries_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_log_seal")),
    )
    _baseline_accounts()


def downgrade() -> None:
    # The baseline events stay: the audit chain is append-only.
    op.drop_table("query_log_seal")


def _baseline_accounts() -> None:
    """Accounts made before their changes were audited: each one's fields as they stand now."""
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        # The chain's head is appended under its lock, as every writer does.
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": chain.CHAIN_LOCK})
    accounts = connection.execute(
        sa.select(*(user_account.c[field] for field in FIELDS)).order_by(user_account.c.id)
    ).all()
    if not accounts:
        return
    head = connection.execute(
        sa.select(audit_event.c.seq, audit_event.c.hash).order_by(audit_event.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (head.seq, head.hash) if head else (0, chain.GENESIS)
    at = utcnow()
    events = []
    for account in accounts:
        seq += 1
        payload = canonical.encode({"account": canonical.plain(dict(account._mapping))})
        digest = chain.event_hash(prev, seq, at, ACTOR, EVENT, None, None, payload)
        events.append(
            {
                "seq": seq,
                "at": at,
                "actor": ACTOR,
                "kind": EVENT,
                "enterprise_id": None,
                "record_id": None,
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    connection.execute(sa.insert(audit_event), events)
