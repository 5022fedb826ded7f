"""What each reader may see of an enterprise: the public profile and the whole credit file."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, Text, bindparam, cast, func, select
from sqlalchemy.orm import Session

from credit import clock
from credit.auth.caller import Caller, require_role
from credit.db import DriverQuery
from credit.errors import Forbidden, InvalidInput, NotFound
from credit.grading import evidence
from credit.models import (
    AuditEvent,
    Enterprise,
    EnterpriseState,
    Record,
    SeenChanges,
)
from credit.rules import display, listings
from credit.services import changes, enterprises, grading, query_log, requests, state
from credit.services.lookup import get_enterprise

_firm, _state = Enterprise.__table__, EnterpriseState.__table__
# The lookup every bank, purchaser and citizen makes, built once: most firms are answered from
# this one row.
PROFILE_ROW = DriverQuery(
    select(
        _firm.c.id,
        _state.c.assessment_id,
        _state.c.next_change_on,
        _state.c.ruleset,
        cast(_state.c.public_profile, Text).label("public_profile"),
    )
    .select_from(_firm.outerjoin(_state, _state.c.enterprise_id == _firm.c.id))
    .where(_firm.c.uscc == bindparam("uscc"))
)


def public_profile(lookup: Connection, session: Callable[[], Session], uscc: str) -> str:
    """The firm as anyone may see it, as the JSON text sent: records only inside their display
    period.

    Most firms are answered from their state row, read in one statement on `lookup`; a firm
    whose row may not be served today is projected afresh through `session()`.
    """
    row = PROFILE_ROW.first(lookup, uscc=uscc)
    if row is None:
        raise NotFound(f"No enterprise with USCC {uscc} is registered.")
    if state.servable(row):
        return row.public_profile
    reading = session()
    enterprise = reading.get(Enterprise, row.id)
    return state.current_states(reading, [enterprise])[row.id].profile_text


def require_file_reader(caller: Caller, enterprise: Enterprise, purpose: str | None) -> None:
    """The regulator of the firm's region, the firm itself, and a bank that says why."""
    require_role(caller, "regulator", "enterprise", "bank")
    if caller.role == "regulator" and not caller.covers_region(enterprise.region_code):
        raise Forbidden(
            f"Your region {caller.region} does not cover region {enterprise.region_code}."
        )
    if caller.role == "enterprise" and not caller.is_enterprise(enterprise.uscc):
        raise Forbidden("An enterprise account reads only its own credit file.")
    if caller.role == "bank" and not purpose:
        raise InvalidInput.field(
            "purpose",
            "a bank states why it reads a credit file; the firm sees the purpose in its query log",
        )


def credit_file(session: Session, caller: Caller, uscc: str, purpose: str | None = None) -> dict:
    """Everything: expired, revoked and rescinded records included, each with its corrections,
    and every blacklist listing with its history. A bank's read is logged with its purpose, in the same transaction."""
    enterprise = get_enterprise(session, uscc)
    require_file_reader(caller, enterprise, purpose)
    if caller.role == "bank":
        query_log.log_queries(session, caller, "file_read", [enterprise], purpose=purpose)
    today = clock.today()
    current = state.current_states(session, [enterprise], today)[enterprise.id]
    records = session.scalars(
        select(Record).where(Record.enterprise_id == enterprise.id).order_by(Record.id)
    ).all()
    return file_body(
        enterprise,
        current,
        records,
        evidence.listings_of(session, [enterprise.id]),
        enterprises.former_names(session, [enterprise.id])[enterprise.id],
        today,
    )


def file_body(
    enterprise: Enterprise,
    current: state.Current,
    records: Sequence[Record],
    firm_listings: Sequence,
    former_names: list[dict],
    today: datetime.date,
) -> dict:
    """A whole credit file as the wire has it, from what was read for it."""
    return {
        **register_entry(enterprise, former_names),
        "grade": current.grade,
        "risk_class": current.risk_class,
        "graded": current.grade is not None,
        "blacklisted": current.blacklisted,
        "as_of": today,
        "records": [
            display.describe(r, today, uscc=enterprise.uscc, history=True) for r in records
        ],
        # Every listing whatever its state: one removed early or rescinded leaves public
        # view only.
        "listings": [
            listings.describe(listing, enterprise, today, history=True) for listing in firm_listings
        ],
    }


# A firm's own area -----------------------------------------------------------------------------

QUERIES_SHOWN = 50
CHANGES_SHOWN = 100


def own_file(session: Session, caller: Caller) -> dict:
    """What a firm's own area shows: its whole file, its grade with every point explained, who
    looked at it, and for each record and listing whether it may object or apply for credit
    repair today (`asks`: None when it may, else the refusal, with the first day allowed when
    it is only too early)."""
    require_role(caller, "enterprise")
    enterprise = get_enterprise(session, caller.uscc)
    today = clock.today()
    body = credit_file(session, caller, enterprise.uscc)
    asks: dict[tuple[str, int], dict] = {}
    rows = session.scalars(select(Record).where(Record.enterprise_id == enterprise.id)).all()
    entries = [requests.Entry("record", row, enterprise) for row in rows] + [
        requests.Entry("listing", listing, enterprise)
        for listing in evidence.listings_of(session, [enterprise.id])
    ]
    for item in entries:
        asks[(item.kind, item.row.id)] = requests.refusals(session, item, today)
    body["asks"] = asks
    body["grade_view"] = grading.grade_view(session, caller, enterprise.uscc)
    body["queries"] = query_log.queries_of(session, caller, enterprise.uscc, 1, QUERIES_SHOWN)
    return body


def changes_since_last_visit(session: Session, caller: Caller, account_id: int) -> list[dict]:
    """What changed in the firm's file since the account last looked, by others than itself,
    oldest first; then marks everything up to now as seen. The first visit has nothing new: the
    account has seen nothing before, and the whole file is in front of it."""
    require_role(caller, "enterprise")
    since = session.scalar(select(SeenChanges.cursor).where(SeenChanges.user_id == account_id))
    latest = session.scalar(select(func.max(AuditEvent.seq))) or 0
    items: list[dict] = []
    if since is not None:
        found = changes.changes(
            session, caller, since=since, limit=CHANGES_SHOWN, not_by=caller.username
        )
        items = found["items"]
    _mark_seen(session, account_id, max(latest, since or 0))
    return items


def _mark_seen(session: Session, account_id: int, cursor: int) -> None:
    """One statement that inserts or moves the account's cursor: two pages of the same account
    opened at once must not both try to insert it."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    larger = func.max if dialect == "sqlite" else func.greatest  # SQLite's max() of two values
    now = clock.utcnow()
    stmt = insert(SeenChanges).values(user_id=account_id, cursor=cursor, seen_at=now)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[SeenChanges.user_id],
            set_={"cursor": larger(SeenChanges.cursor, stmt.excluded.cursor), "seen_at": now},
        )
    )


def register_entry(enterprise: Enterprise, former_names: list[dict]) -> dict:
    """The firm's entry in the register: who it is, where, and whether it still trades."""
    return {
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "former_names": former_names,
        "region_code": enterprise.region_code,
        "industry_code": enterprise.industry_code,
        "registered_on": enterprise.registered_on,
        "status": enterprise.status,
        "status_since": enterprise.status_since,
        "address": enterprise.address,
        "legal_representative": enterprise.legal_representative,
        "chief_quality_officer": enterprise.chief_quality_officer,
    }
