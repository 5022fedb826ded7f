"""The quality blacklist's lifecycle: listing, objections, credit repair, expiry, publication.

`listed` → (`objection_pending` → `listed` | `rescinded`) → `repair_pending` → `removed_early` |
`listed`; and any active state → `expired` on the expiry date. Expiry needs no job: the state a
reader sees is computed for the day it is read (or any past day).
"""

from __future__ import annotations

import datetime
from typing import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from credit import canonical, chain, clock, policy, reference
from credit.auth.caller import Caller, require_region
from credit.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from credit.grading import evidence
from credit.models import (
    Enterprise,
    Listing,
    Objection,
    RepairApplication,
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


def list_enterprise(session: Session, caller: Caller, *, uscc: str, reason: str, legal_basis: str,
                    decision_no: str, listed_on: datetime.date, authority: str | None = None,
                    notified_on: datetime.date | None = None,
                    violation_ids: Sequence[int] = ()) -> Listing:
    chain.lock_chain(session)
    enterprise = lookup.get_enterprise(session, uscc)
    require_region(caller, enterprise.region_code)
    today = clock.today()
    for existing in evidence.listings_of(session, [enterprise.id]):
        if listings.is_active_on(existing, today):
            raise Conflict(f"Enterprise {uscc} is already on the blacklist (listing {existing.id}, "
                           f"until {existing.expires_on.isoformat()}).", listing_id=existing.id)
    _check_violations(session, enterprise, violation_ids)
    listing = Listing(
        enterprise_id=enterprise.id, reason=reason, legal_basis=legal_basis,
        decision_no=decision_no, authority=authority or default_authority(caller),
        listed_on=listed_on, notified_on=notified_on,
        repair_eligible_on=periods.period_end(listed_on, policy.LISTING_REPAIR_AFTER_MONTHS),
        expires_on=periods.period_end(listed_on, policy.LISTING_MONTHS),
        state="listed", listed_by=caller.username)
    session.add(listing)
    session.flush()
    if violation_ids:
        session.execute(insert(listing_violation), [
            {"listing_id": listing.id, "record_id": id_} for id_ in dict.fromkeys(violation_ids)])
    _record_transition(session, caller, listing, enterprise, "listed", reason, decision_no,
                       on=listed_on, event="listing_created",
                       extra={"violation_ids": list(dict.fromkeys(violation_ids))})
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


def _record_transition(session, caller, listing, enterprise, to_state, reason, document_no, *,
                       on=None, event, extra=None):
    """Moves the listing to a state, appends the event, and regrades the firm: one transaction."""
    first = not listing.transitions
    transition = Transition(listing_id=listing.id, from_state=None if first else listing.state,
                            to_state=to_state, on=on or clock.today(),
                            actor=caller.username, reason=reason, document_no=document_no)
    listing.state = to_state
    session.add(transition)
    session.flush()
    session.refresh(listing, ["transitions"])
    chain.append(session, chain.NewEvent(
        actor=caller.username, kind=event, enterprise_id=enterprise.id,
        payload={"listing": canonical.row_content(listing), "transition": canonical.row_content(transition),
                 "uscc": enterprise.uscc, **(extra or {})}))
    state.refresh_state(session, enterprise.id, trigger=event, actor=caller.username)


def get_listing(session: Session, listing_id: int) -> tuple[Listing, Enterprise]:
    listing = session.get(Listing, listing_id) if 0 < listing_id <= MAX_ID else None
    if listing is None:
        raise NotFound(f"No blacklist listing {listing_id}.")
    return listing, session.get(Enterprise, listing.enterprise_id)


def may_see_history(caller: Caller, enterprise: Enterprise) -> bool:
    return caller.covers_region(enterprise.region_code) or caller.is_enterprise(enterprise.uscc)


def _require_listed_firm(caller: Caller, enterprise: Enterprise) -> None:
    if caller.is_public:
        raise Unauthorized("Sign in as the listed enterprise.")
    if not caller.is_enterprise(enterprise.uscc):
        raise Forbidden("Only the listed enterprise itself may do this.")


def _require_state(listing: Listing, wanted: str, action: str) -> None:
    current = listings.state_on(listing, clock.today())
    if current != wanted:
        raise Conflict(f"Listing {listing.id} is {current}: {action} needs it to be {wanted}.",
                       state=current)


def file_objection(session: Session, caller: Caller, listing_id: int, reason: str) -> Objection:
    """The listed firm disputes the listing; it stays in force, marked as disputed."""
    chain.lock_chain(session)
    listing, enterprise = get_listing(session, listing_id)
    _require_listed_firm(caller, enterprise)
    _require_state(listing, "listed", "an objection")
    objection = Objection(listing_id=listing.id, reason=reason, state="pending",
                          filed_by=caller.username)
    session.add(objection)
    session.flush()
    _record_transition(session, caller, listing, enterprise, "objection_pending", reason, None,
                       event="listing_objection_filed",
                       extra={"objection": canonical.row_content(objection)})
    return objection


def decide_objection(session: Session, caller: Caller, listing_id: int, objection_id: int,
                     upheld: bool, reason: str) -> Listing:
    chain.lock_chain(session)
    listing, enterprise = get_listing(session, listing_id)
    require_region(caller, enterprise.region_code)
    objection = next((o for o in listing.objections if o.id == objection_id), None)
    if objection is None:
        raise NotFound(f"Listing {listing_id} has no objection {objection_id}.")
    if not objection.pending:
        raise Conflict(f"Objection {objection_id} was already decided: {objection.state}.")
    objection.decide("upheld" if upheld else "rejected", caller.username, reason)
    _record_transition(session, caller, listing, enterprise, "rescinded" if upheld else "listed",
                       reason, None, event="listing_objection_decided",
                       extra={"objection": canonical.row_content(objection)})
    return listing


def apply_for_repair(session: Session, caller: Caller, listing_id: int, statement: str,
                     evidence: str | None = None) -> RepairApplication:
    """Credit repair (信用修复): from repair_eligible_on, with no new serious violation since."""
    chain.lock_chain(session)
    listing, enterprise = get_listing(session, listing_id)
    _require_listed_firm(caller, enterprise)
    today = clock.today()
    if listings.state_on(listing, today) == "repair_pending":
        raise Conflict(f"A repair application for listing {listing.id} is already pending.")
    _require_state(listing, "listed", "credit repair")
    if today < listing.repair_eligible_on:
        raise Conflict(f"Credit repair of listing {listing.id} may be applied for from "
                       f"{listing.repair_eligible_on.isoformat()}.",
                       repair_eligible_on=listing.repair_eligible_on.isoformat())
    newer = session.scalars(select(Violation).where(
        Violation.enterprise_id == enterprise.id, Violation.decided_on > listing.listed_on,
        Violation.severity.in_(("serious", "especially_serious")))).all()
    newer = [v for v in newer if display.status(v, today) != "rescinded"]
    if newer:
        raise Conflict(f"A serious violation was decided after the listing "
                       f"({newer[0].decision_no}, {newer[0].decided_on.isoformat()}): "
                       "credit repair is not possible.", record_id=newer[0].id)
    application = RepairApplication(listing_id=listing.id, statement=statement,
                                    evidence=evidence, state="pending",
                                    applied_by=caller.username)
    session.add(application)
    session.flush()
    _record_transition(session, caller, listing, enterprise, "repair_pending", statement, None,
                       event="listing_repair_applied",
                       extra={"repair": canonical.row_content(application)})
    return application


def decide_repair(session: Session, caller: Caller, listing_id: int, approved: bool,
                  reason: str) -> Listing:
    chain.lock_chain(session)
    listing, enterprise = get_listing(session, listing_id)
    require_region(caller, enterprise.region_code)
    application = next((a for a in listing.repairs if a.pending), None)
    if application is None:
        raise Conflict(f"Listing {listing.id} has no pending repair application.")
    application.decide("approved" if approved else "rejected", caller.username, reason)
    _record_transition(session, caller, listing, enterprise,
                       "removed_early" if approved else "listed", reason, None,
                       event="listing_repair_decided",
                       extra={"repair": canonical.row_content(application)})
    return listing


def describe(session: Session, listing: Listing, enterprise: Enterprise, *,
             history: bool) -> dict:
    today = clock.today()
    current = listings.state_on(listing, today)
    body = {"id": listing.id, "uscc": enterprise.uscc, "name": enterprise.name,
            "region_code": enterprise.region_code, "state": current,
            "disputed": current == "objection_pending", "reason": listing.reason,
            "legal_basis": listing.legal_basis, "decision_no": listing.decision_no,
            "authority": listing.authority, "listed_on": listing.listed_on,
            "notified_on": listing.notified_on, "repair_eligible_on": listing.repair_eligible_on,
            "expires_on": listing.expires_on,
            "violation_ids": list(session.scalars(
                select(listing_violation.c.record_id)
                .where(listing_violation.c.listing_id == listing.id)
                .order_by(listing_violation.c.record_id)))}
    if history:  # rows, dumped by the wire schema
        body.update(transitions=listing.transitions, objections=listing.objections,
                    repairs=listing.repairs)
    return body


def listing_view(session: Session, caller: Caller, listing_id: int) -> dict:
    """Active listings are public; others only for the firm and the regulator of its region."""
    listing, enterprise = get_listing(session, listing_id)
    private = may_see_history(caller, enterprise)
    if not private and not listings.is_active_on(listing, clock.today()):
        raise NotFound(f"No blacklist listing {listing_id}.")
    return describe(session, listing, enterprise, history=private)


def public_list(session: Session, *, page: int, per_page: int, region: str | None = None) -> dict:
    """The active listings, newest listing date first."""
    today = clock.today()
    stmt = (select(Listing, Enterprise).join(Enterprise, Enterprise.id == Listing.enterprise_id)
            .where(Listing.state.in_(listings.ACTIVE), Listing.expires_on > today,
                   Listing.listed_on <= today))
    if region:
        stmt = stmt.where(*lookup.prefix_range(Enterprise.region_code, region))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Listing.listed_on.desc(), Listing.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [describe(session, listing, firm, history=False) for listing, firm in rows],
            "page": page, "per_page": per_page, "total": total}

