"""The bank and procurement desk: batch checks kept with their answer, so the table, the
spreadsheet and the tender evidence show what was answered that day; watchlists' seen changes."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credit.auth.caller import Caller, require_role
from credit.errors import NotFound
from credit.models import AuditEvent, DeskCheck, Watchlist
from credit.services import checks, watchlists

# Which check each desk account makes: a lender's lending check, stating its purpose, and a
# purchaser's procurement check, with a tender number for the tender file.
DESK_KINDS = {"lending": "bank", "procurement": "procurement"}
DESK_ROLES = tuple(DESK_KINDS.values())
# Check ids are 32-bit integers on PostgreSQL: a larger number names no check.
MAX_ID = 2**31 - 1


def run_check(
    session: Session,
    caller: Caller,
    kind: str,
    codes: Sequence[str],
    *,
    refused: Sequence[dict] = (),
    positions: Sequence[int] | None = None,
    as_of: datetime.date | None = None,
    purpose: str | None = None,
    project: str | None = None,
) -> DeskCheck:
    """Checks the well-formed codes through the check service (so the query log records them)
    and keeps the answer beside the entries refused before asking (`{"row", "text",
    "problem"}`); `positions` gives each code's row, in the order of `codes`."""
    require_role(caller, DESK_KINDS.get(kind, ""))
    if kind == "lending":
        answer = checks.lending_check(session, caller, codes, purpose or "", as_of)
    else:
        answer = checks.procurement_check(session, caller, codes, as_of, project)
    rows = [
        {"row": row, **result}
        for row, result in zip(
            positions or range(1, len(codes) + 1), answer["results"], strict=True
        )
    ]
    rows += [dict(entry) for entry in refused]
    rows.sort(key=lambda row: row["row"])
    check = DeskCheck(
        owner=caller.username,
        kind=kind,
        as_of=answer["as_of"],
        purpose=purpose if kind == "lending" else None,
        project=project if kind == "procurement" else None,
        answer=json.dumps({"rows": rows}, ensure_ascii=False, default=str),
    )
    session.add(check)
    session.flush()
    return check


def check_of(session: Session, caller: Caller, check_id: int) -> DeskCheck:
    """The caller's own check; anyone else's is as unknown as one never made."""
    require_role(caller, *DESK_ROLES)
    check = session.get(DeskCheck, check_id) if 0 < check_id <= MAX_ID else None
    if check is None or check.owner != caller.username:
        raise NotFound(f"No check {check_id} of yours.")
    return check


def rows_of(check: DeskCheck) -> list[dict]:
    """The check's rows in the order given: each an answer, or an entry refused (`problem`)."""
    return json.loads(check.answer)["rows"]


def recent_checks(session: Session, caller: Caller, limit: int = 10) -> list[DeskCheck]:
    require_role(caller, *DESK_ROLES)
    return list(
        session.scalars(
            select(DeskCheck)
            .where(DeskCheck.owner == caller.username)
            .order_by(DeskCheck.id.desc())
            .limit(limit)
        )
    )


def watched_codes(session: Session, caller: Caller, watchlist_id: int) -> list[str]:
    """The codes a watchlist of the caller's follows, in code order."""
    watchlist = watchlists.owned(session, caller, watchlist_id)
    return list(session.scalars(watchlists.members(watchlist).order_by("uscc")))


def create_watchlist(
    session: Session, caller: Caller, name: str, usccs: Sequence[str]
) -> Watchlist:
    """A new watchlist whose owner has seen everything that happened before it was made: what
    the desk then shows as new is what changed since."""
    watchlist = watchlists.create_watchlist(session, caller, name, usccs)
    watchlist.seen_cursor = session.scalar(select(func.max(AuditEvent.seq))) or 0
    session.flush()
    return watchlist


def mark_seen(session: Session, caller: Caller, watchlist_id: int, cursor: int) -> Watchlist:
    """Remembers the last change the owner has seen; a cursor never moves back."""
    watchlist = watchlists.owned(session, caller, watchlist_id)
    watchlist.seen_cursor = max(watchlist.seen_cursor or 0, max(cursor, 0))
    session.flush()
    return watchlist
