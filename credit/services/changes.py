"""The change feed: what happened to the firms a lender or purchaser watches, after a cursor; a
firm's own account follows its own file.

The cursor is the audit chain's position, assigned under the chain lock and visible in that
order, so a poller that passes back the last cursor it saw never skips an event.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit.auth.caller import Caller, require_role
from credit.errors import Forbidden, InvalidInput
from credit.models import AuditEvent, Enterprise
from credit.services import watchlists
from credit.services.lookup import prefix_range

# A score is for those who see it elsewhere: lenders (lending checks), regulators, and the firm
# (in its own grade explanation; it follows no other firm).
SEES_SCORES = frozenset({"bank", "regulator", "enterprise"})
# audit_event.seq is a 32-bit integer column: PostgreSQL refuses a larger number in a comparison.
MAX_SEQ = 2**31 - 1
# Chain events that readers of the feed are told about, and what each payload key means to them.
FEED_EVENTS = (
    "enterprise_registered",
    "enterprise_updated",
    "record_added",
    "record_rescinded",
    "record_revoked",
    "grade_changed",
    "grade_overridden",
    "listing_created",
    "listing_objection_filed",
    "listing_objection_decided",
    "listing_repair_applied",
    "listing_repair_decided",
    "record_objection_filed",
    "record_objection_decided",
    "record_repair_applied",
    "record_repair_decided",
)


def _item(event: AuditEvent, uscc: str, caller: Caller) -> dict:
    payload = json.loads(event.payload)
    item = {"cursor": event.seq, "uscc": uscc, "kind": event.kind, "at": event.at}
    if event.kind == "record_added":
        item["kind"] = f"{payload['record']['kind']}_recorded"
        item["record_id"] = event.record_id
    elif event.kind == "enterprise_updated":
        # What changed and to what (a new name, a deregistration and its day), and why.
        item["changes"] = {field: change["to"] for field, change in payload["changes"].items()}
        item["reason"] = payload["reason"]
    elif event.kind.startswith("record_"):
        item["record_id"] = event.record_id
    elif event.kind == "grade_changed":
        item.update(
            {key: payload.get(key) for key in ("grade", "previous_grade", "risk_class", "ruleset")}
        )
        if caller.role in SEES_SCORES:
            item["score"] = payload.get("score")
    elif event.kind == "grade_overridden":
        item.update(
            grade=payload["override"]["grade"], valid_until=payload["override"]["valid_until"]
        )
    elif event.kind.startswith("listing_"):
        item.update(listing_id=payload["listing"]["id"], state=payload["transition"]["to_state"])
    return item


def changes(
    session: Session,
    caller: Caller,
    *,
    since: int = 0,
    usccs: Sequence[str] = (),
    watchlist: int | None = None,
    limit: int = 200,
    not_by: str | None = None,
) -> dict:
    """Changes after `since`, oldest first; `next` is the cursor to pass next time. The firms
    are named by `usccs` or by one of the caller's watchlists, not both; a firm's own account
    reads its own firm, named or not. `not_by` leaves out what that account did itself."""
    require_role(caller, "bank", "procurement", "regulator", "enterprise")
    if caller.role == "enterprise":
        if watchlist is not None or any(code != caller.uscc for code in usccs):
            raise Forbidden("An enterprise account follows only its own firm's changes.")
        usccs = [caller.uscc]
    if usccs and watchlist is not None:
        raise InvalidInput.field("watchlist", "name the firms by uscc or by watchlist, not both")
    watched = watchlists.owned(session, caller, watchlist) if watchlist is not None else None
    if caller.role != "regulator" and not usccs and watched is None:
        raise InvalidInput.field(
            "uscc", "name the firms you watch: uscc=...&uscc=..., or watchlist=ID"
        )
    if since >= MAX_SEQ:
        return {"items": [], "next": since}  # no event comes after a cursor past every seq
    stmt = (
        select(AuditEvent, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == AuditEvent.enterprise_id)
        .where(AuditEvent.seq > since, AuditEvent.kind.in_(FEED_EVENTS))
    )
    if usccs:
        stmt = stmt.where(Enterprise.uscc.in_(set(usccs)))
    if watched is not None:
        # A semi-join on the register's unique USCC: members not yet registered match nothing
        # until they are, and then their events appear.
        stmt = stmt.where(Enterprise.uscc.in_(watchlists.members(watched)))
    if not_by is not None:
        stmt = stmt.where(AuditEvent.actor != not_by)
    if caller.role == "regulator":
        stmt = stmt.where(*prefix_range(Enterprise.region_code, caller.region or "\0"))
    rows = session.execute(stmt.order_by(AuditEvent.seq).limit(limit)).all()
    items = [_item(event, uscc, caller) for event, uscc in rows]
    return {"items": items, "next": items[-1]["cursor"] if items else since}
