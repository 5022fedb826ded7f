"""industry codes stored in one form: the GB/T 4754-2017 section letter, then the digits

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

Upgrade writes `38` as `C38` and `3811` as `C3811` (a lone section letter stays as it is);
downgrade writes them back as digits alone. Each firm changed gets an audit event carrying its
new content, so `credit audit verify` still matches every row against its events; the content
is the firm's last logged content with the new code, never read from the row, so a row altered
outside the registry stays named by the verify command.
"""

import json

import sqlalchemy as sa
from alembic import op

from credit import canonical, chain
from credit.clock import utcnow
from credit.models.base import UTCDateTime
from credit.reference import section_of_division

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ACTOR = "db-upgrade"
EVENT = "enterprise_industry_code_normalised"
CONTENT_EVENTS = ("enterprise_registered", EVENT)
BATCH = 1000

enterprise = sa.table(
    "enterprise", sa.column("id", sa.Integer), sa.column("industry_code", sa.String)
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


def with_section(code: str) -> str:
    if code.isdigit() and len(code) >= 2:
        section = section_of_division(int(code[:2]))
        if section is not None:
            return section + code
    return code


def digits_only(code: str) -> str:
    if len(code) > 1 and code[0].isalpha() and code[1:].isdigit():
        return code[1:]
    return code


def upgrade() -> None:
    _rewrite(with_section)


def downgrade() -> None:
    _rewrite(digits_only)


def _rewrite(form) -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        # The chain's head is appended under its lock, as every writer does.
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": chain.CHAIN_LOCK})
    after = 0
    while True:
        rows = connection.execute(
            sa.select(enterprise.c.id, enterprise.c.industry_code)
            .where(enterprise.c.id > after, enterprise.c.industry_code.is_not(None))
            .order_by(enterprise.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        changed = {
            row.id: (row.industry_code, form(row.industry_code))
            for row in rows
            if form(row.industry_code) != row.industry_code
        }
        if changed:
            _store(connection, changed)


def _store(connection, changed: dict[int, tuple[str, str]]) -> None:
    logged: dict[int, dict] = {}
    for firm, payload in connection.execute(
        sa.select(audit_event.c.enterprise_id, audit_event.c.payload)
        .where(
            audit_event.c.enterprise_id.in_(list(changed)), audit_event.c.kind.in_(CONTENT_EVENTS)
        )
        .order_by(audit_event.c.seq)
    ):
        content = json.loads(payload).get("enterprise")
        if isinstance(content, dict):
            logged[firm] = content
    head = connection.execute(
        sa.select(audit_event.c.seq, audit_event.c.hash).order_by(audit_event.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (head.seq, head.hash) if head else (0, chain.GENESIS)
    at = utcnow()
    events = []
    connection.execute(
        sa.update(enterprise)
        .where(enterprise.c.id == sa.bindparam("firm_id"))
        .values(industry_code=sa.bindparam("new_code")),
        [{"firm_id": firm, "new_code": new} for firm, (_old, new) in changed.items()],
    )
    for firm, (old, new) in changed.items():
        if firm not in logged:
            continue  # a firm with no event is named by the verify command as it was before
        seq += 1
        payload = canonical.encode(
            {
                "enterprise": {**logged[firm], "industry_code": new},
                "industry_code": {"from": old, "to": new},
            }
        )
        digest = chain.event_hash(prev, seq, at, ACTOR, EVENT, firm, None, payload)
        events.append(
            {
                "seq": seq,
                "at": at,
                "actor": ACTOR,
                "kind": EVENT,
                "enterprise_id": firm,
                "record_id": None,
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    if events:
        connection.execute(sa.insert(audit_event), events)
