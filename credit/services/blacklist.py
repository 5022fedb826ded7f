"""The quality blacklist's lifecycle: listing, objections, credit repair, expiry, publication.

`listed` → (`objection_pending` → `listed` | `rescinded`) → `repair_pending` → `removed_early` |
`listed`; and any active state → `expired` on the expiry date. Expiry needs no job: the state a
reader sees is computed for the day it is read (or any past day).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from credit import canonical, chain, clock, policy, reference
from credit.auth.caller import Caller, require_region, require_role
from credit.errors import Conflict, InvalidInput, NotFound
from credit.grading import evidence
from credit.models import (
    Enterprise,
    Listing,
    Transition,
    Violation,
)
from credit.models.blacklist import listing_violation
from credit.rules import display, listings, periods
from credit.services import lookup, state

MAX_ID = 2**31 - 1


def default_authority(caller: Caller) -> str:
    """The market regulation bureau of the regulator's region, e.g. 镇江市市场监督管理局."""
    code = (caller.region or "").ljust(6, "0")
    region = reference.regions().get(code)
    return f"{region.name}市场监督管理局" if region else "市场监督管理部门"


def list_enterprise(
    session: Session,
    caller: Caller,
    *,
    uscc: str,
    reason: str,
    legal_basis: str,
    decision_no: str,
    listed_on: datetime.date,
    authority: str | None = None,
    notified_on: datetime.date | None = None,
    violation_ids: Sequence[int] = (),
) -> Listing:
    chain.lock_chain(session)
    enterprise = lookup.get_enterprise(session, uscc)
    require_region(caller, enterprise.region_code)
    today = clock.today()
    for existing in evidence.listings_of(session, [enterprise.id]):
        if listings.is_active_on(existing, today):
            raise Conflict(
                f"Enterprise {uscc} is already on the blacklist (listing {existing.id}, "
                f"until {existing.expires_on.isoformat()}).",
                listing_id=existing.id,
            )
    _check_violations(session, enterprise, violation_ids)
    listing = Listing(
        enterprise_id=enterprise.id,
        reason=reason,
        legal_basis=legal_basis,
        decision_no=decision_no,
        authority=authority or default_authority(caller),
        listed_on=listed_on,
        notified_on=notified_on,
        repair_eligible_on=periods.period_end(listed_on, policy.LISTING_REPAIR_AFTER_MONTHS),
        expires_on=periods.period_end(listed_on, policy.LISTING_MONTHS),
        state="listed",
        listed_by=caller.username,
    )
    session.add(listing)
    session.flush()
    if violation_ids:
        session.execute(
            insert(listing_violation),
            [{"listing_id": listing.id, "record_id": id_} for id_ in dict.fromkeys(violation_ids)],
        )
    moved = transition(session, caller, listing, "listed", reason, decision_no, on=listed_on)
    state.record_change(
        session,
        chain.NewEvent(
            actor=caller.username,
            kind="listing_created",
            enterprise_id=enterprise.id,
            payload={
                **moved,
                "uscc": enterprise.uscc,
                "violation_ids": list(dict.fromkeys(violation_ids)),
            },
        ),
    )
    return listing


def _check_violations(session: Session, enterprise: Enterprise, ids: Sequence[int]) -> None:
    errors = {}
    today = clock.today()
    for index, record_id in enumerate(ids):
        record = session.get(Violation, record_id) if 0 < record_id <= MAX_ID else None
        if record is None or record.enterprise_id != enterprise.id:
            errors[f"violation_ids.{index}"] = [f"no violation {record_id} in this firm's file"]
        elif display.status(record, today) == "rescinded":
            errors[f"violation_ids.{index}"] = [f"violation {record_id} is rescinded"]
    if errors:
        raise InvalidInput(errors)


def transition(
    session: Session,
    caller: Caller,
    listing: Listing,
    to_state: str,
    reason: str,
    document_no: str | None = None,
    *,
    on: datetime.date | None = None,
) -> dict[str, Any]:
    """Moves the listing to a state; returns what its event records of both."""
    first = not listing.transitions
    row = Transition(
        listing_id=listing.id,
        from_state=None if first else listing.state,
        to_state=to_state,
        on=on or clock.today(),
        actor=caller.username,
        reason=reason,
        document_no=document_no,
    )
    listing.state = to_state
    session.add(row)
    session.flush()
    session.refresh(listing, ["transitions"])
    return {"listing": canonical.row_content(listing), "transition": canonical.row_content(row)}


def get_listing(session: Session, listing_id: int) -> tuple[Listing, Enterprise]:
    listing = session.get(Listing, listing_id) if 0 < listing_id <= MAX_ID else None
    if listing is None:
        raise NotFound(f"No blacklist listing {listing_id}.")
    return listing, session.get(Enterprise, listing.enterprise_id)


def may_see_history(caller: Caller, enterprise: Enterprise) -> bool:
    return caller.covers_region(enterprise.region_code) or caller.is_enterprise(enterprise.uscc)


def listing_view(session: Session, caller: Caller, listing_id: int) -> dict:
    """Active listings are public; others only for the firm and the regulator of its region."""
    listing, enterprise = get_listing(session, listing_id)
    private = may_see_history(caller, enterprise)
    if not private and not listings.is_active_on(listing, clock.today()):
        raise NotFound(f"No blacklist listing {listing_id}.")
    return listings.describe(listing, enterprise, clock.today(), history=private)


def public_list(session: Session, *, page: int, per_page: int, region: str | None = None) -> dict:
    """The active listings, newest listing date first."""
    today = clock.today()
    stmt = (
        select(Listing, Enterprise)
        .join(Enterprise, Enterprise.id == Listing.enterprise_id)
        .where(
            Listing.state.in_(listings.ACTIVE),
            Listing.expires_on > today,
            Listing.listed_on <= today,
        )
    )
    if region:
        stmt = stmt.where(*lookup.prefix_range(Enterprise.region_code, region))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Listing.listed_on.desc(), Listing.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return {
        "items": [listings.describe(listing, firm, today, history=False) for listing, firm in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


def region_listings(session: Session, caller: Caller, *, page: int, per_page: int) -> dict:
    """Every listing of the regulator's region whatever its state, newest listing date first:
    the officer follows each through its states."""
    require_role(caller, "regulator")
    today = clock.today()
    stmt = (
        select(Listing, Enterprise)
        .join(Enterprise, Enterprise.id == Listing.enterprise_id)
        .where(*lookup.prefix_range(Enterprise.region_code, caller.region or "\0"))
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Listing.listed_on.desc(), Listing.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return {
        "items": [listings.describe(listing, firm, today, history=False) for listing, firm in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
    }
