"""The query log: every lending check, procurement check and bank read of a file, for the firm
to see who looked at it. Written in the reader's transaction, or for a check on its own,
committed as soon as the check has found its firms."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from sqlalchemy import bindparam, func, insert, select, union
from sqlalchemy.orm import Session

from credit.auth.caller import Caller
from credit.clock import utcnow
from credit.db import DriverQuery, Statements
from credit.errors import Forbidden, Unauthorized
from credit.models import Enterprise, QueryLogEntry, QueryLogFirm, QueryLogSeal
from credit.services import lookup

_LOG = QueryLogEntry.__table__
_FIRM = Enterprise.__table__
# One row per firm, selected from the firms themselves: one statement however many firms a check
# asked about, built once.
_GIVEN = ("at", "actor", "role", "kind", "purpose", "project", "as_of")
_LOG_FIRMS = DriverQuery(
    insert(_LOG).from_select(
        ["enterprise_id", "uscc", *_GIVEN],
        select(
            _FIRM.c.id,
            _FIRM.c.uscc,
            *(bindparam(name, type_=_LOG.c[name].type) for name in _GIVEN),
        ).where(_FIRM.c.id.in_(bindparam("ids", expanding=True))),
    )
)


def log_queries(
    into: Session | Statements,
    caller: Caller,
    kind: str,
    firms: Iterable,
    *,
    purpose: str | None = None,
    project: str | None = None,
    as_of: datetime.date | None = None,
) -> None:
    """A row for each firm (anything with the firm's `id`), in one statement: in the session's
    transaction, or where `Statements` write (a request's lookups: committed at once)."""
    ids = [firm.id for firm in firms]
    if not ids:
        return
    statements = into if isinstance(into, Statements) else Statements.of(into)
    statements.write(
        lambda connection: _LOG_FIRMS.run(
            connection,
            ids=ids,
            at=utcnow(),
            actor=caller.username,
            role=caller.role,
            kind=kind,
            purpose=purpose,
            project=project,
            as_of=as_of,
        )
    )


def _entries_of(enterprise_id: int):
    """The ids of a firm's entries: those filed under it when they were sealed, and those
    written since the last seal (a range of the log's newest ids, read in id order)."""
    sealed_up_to = select(func.coalesce(func.max(QueryLogSeal.last_entry_id), 0))
    return union(
        select(QueryLogFirm.entry_id).where(QueryLogFirm.enterprise_id == enterprise_id),
        select(QueryLogEntry.id).where(
            QueryLogEntry.id > sealed_up_to.scalar_subquery(),
            QueryLogEntry.enterprise_id == enterprise_id,
        ),
    )


def queries_of(session: Session, caller: Caller, uscc: str, page: int, per_page: int) -> dict:
    """Who looked at a firm's file: for the firm itself and the regulator of its region."""
    enterprise = lookup.get_enterprise(session, uscc)
    if caller.is_public:
        raise Unauthorized("Sign in as the firm or its regulator.")
    if not (caller.is_enterprise(uscc) or caller.covers_region(enterprise.region_code)):
        raise Forbidden("The query log is for the firm itself and the regulator of its region.")
    stmt = (
        select(QueryLogEntry)
        .where(
            QueryLogEntry.id.in_(_entries_of(enterprise.id)),
            QueryLogEntry.enterprise_id == enterprise.id,
        )
        .order_by(QueryLogEntry.id.desc())
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}
