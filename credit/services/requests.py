"""What a firm asks of its regulator about an entry in its file, and the decision: an objection
(异议) to a record or a blacklist listing, and credit repair (信用修复). One flow for both kinds of
entry; what differs (when a request is allowed, what a decision changes) is the entry's own.

Records: an upheld objection rescinds the record; an approved repair ends a violation's public
display early (from 3 months after a general violation's decision, 1 year after a serious one's).
Listings: an objection marks the listing disputed and an upheld one rescinds it; repair may be
applied for from `repair_eligible_on` when no serious violation has come since, and an approved
one removes the listing early. Either way the file keeps the whole history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit import canonical, chain, clock, policy
from credit.auth.caller import Caller, require_region
from credit.errors import Conflict, Forbidden, NotFound, Unauthorized
from credit.models import (
    Enterprise,
    Listing,
    Objection,
    Record,
    RecordObjection,
    RecordRepair,
    RepairApplication,
    Violation,
)
from credit.rules import display, listings, periods
from credit.services import blacklist, records, state


@dataclass
class Entry:
    """A record or a listing, with its firm, as the flow handles it."""

    kind: str  # "record" or "listing"
    row: Record | Listing
    enterprise: Enterprise

    @property
    def label(self) -> str:
        return f"{'Record' if self.kind == 'record' else 'Listing'} {self.row.id}"


def entry(session: Session, kind: str, entry_id: int) -> Entry:
    """The record or listing with that id; 404 when there is none."""
    if kind == "record":
        record, enterprise = records.get_record(session, entry_id)
        return Entry(kind, record, enterprise)
    listing, enterprise = blacklist.get_listing(session, entry_id)
    return Entry(kind, listing, enterprise)


def _require_own_firm(caller: Caller, item: Entry) -> None:
    whose = (
        "the enterprise the record belongs to" if item.kind == "record" else "the listed enterprise"
    )
    if caller.is_public:
        raise Unauthorized(f"Sign in as {whose}.")
    if not caller.is_enterprise(item.enterprise.uscc):
        raise Forbidden(f"Only {whose} itself may do this.")


def _listing_state(item: Entry, wanted: str, action: str) -> None:
    current = listings.state_on(item.row, clock.today())
    if current != wanted:
        raise Conflict(
            f"Listing {item.row.id} is {current}: {action} needs it to be {wanted}.", state=current
        )


# Objections ------------------------------------------------------------------------------------


def file_objection(
    session: Session, caller: Caller, kind: str, entry_id: int, reason: str
) -> RecordObjection | Objection:
    """The firm says the entry is wrong; it stays in force, marked as disputed, until decided."""
    chain.lock_chain(session)
    item = entry(session, kind, entry_id)
    _require_own_firm(caller, item)
    if kind == "record":
        if display.status(item.row, clock.today()) == "rescinded":
            raise Conflict(f"Record {entry_id} is already rescinded.")
        if any(o.pending for o in item.row.objections):
            raise Conflict(f"An objection to record {entry_id} is already pending.")
        objection = RecordObjection(
            record_id=entry_id, reason=reason, state="pending", filed_by=caller.username
        )
    else:
        _listing_state(item, "listed", "an objection")
        objection = Objection(
            listing_id=entry_id, reason=reason, state="pending", filed_by=caller.username
        )
    _add(session, item, objection, "objections")
    _changed(
        session,
        caller,
        item,
        "objection_filed",
        "objection",
        objection,
        to_state="objection_pending",
        reason=reason,
    )
    return objection


def decide_objection(
    session: Session,
    caller: Caller,
    kind: str,
    entry_id: int,
    objection_id: int,
    upheld: bool,
    reason: str,
) -> Entry:
    """Upheld, the entry was wrong and is rescinded; rejected, it stands."""
    chain.lock_chain(session)
    item = entry(session, kind, entry_id)
    require_region(caller, item.enterprise.region_code)
    objection = next((o for o in item.row.objections if o.id == objection_id), None)
    if objection is None:
        raise NotFound(f"{item.label} has no objection {objection_id}.")
    if not objection.pending:
        raise Conflict(f"Objection {objection_id} was already decided: {objection.state}.")
    objection.decide("upheld" if upheld else "rejected", caller.username, reason)
    session.flush()
    _changed(
        session,
        caller,
        item,
        "objection_decided",
        "objection",
        objection,
        to_state="rescinded" if upheld else "listed",
        reason=reason,
    )
    if kind == "record" and upheld and item.row.correction("rescind") is None:
        records.rescind_record(session, caller, entry_id, f"异议成立：{reason}")
    return item


# Credit repair ---------------------------------------------------------------------------------


def repair_allowed_from(violation: Violation) -> datetime.date | None:
    """The first day credit repair of a violation may be applied for; None for one whose display
    is too short to be repaired."""
    months = policy.REPAIR_AFTER_MONTHS.get(violation.severity)
    return None if months is None else periods.period_end(violation.decided_on, months)


def _refuse_record_repair(item: Entry, today: datetime.date) -> None:
    record = item.row
    if not isinstance(record, Violation):
        raise Conflict(f"Record {record.id} is a {record.kind}: credit repair is for violations.")
    allowed = repair_allowed_from(record)
    if allowed is None:
        raise Conflict(
            f"A {record.severity} violation is shown only "
            f"{policy.DISPLAY_MONTHS[record.severity]} months and is not repaired."
        )
    if not display.shown_publicly(record, today):
        raise Conflict(f"Record {record.id} is not shown publicly: there is nothing to end early.")
    if any(r.pending for r in record.repairs):
        raise Conflict(f"A repair application for record {record.id} is already pending.")
    if today < allowed:
        raise Conflict(
            f"Credit repair of record {record.id} may be applied for from {allowed.isoformat()}.",
            repair_allowed_from=allowed.isoformat(),
        )


def _refuse_listing_repair(session: Session, item: Entry, today: datetime.date) -> None:
    listing = item.row
    if listings.state_on(listing, today) == "repair_pending":
        raise Conflict(f"A repair application for listing {listing.id} is already pending.")
    _listing_state(item, "listed", "credit repair")
    if today < listing.repair_eligible_on:
        raise Conflict(
            f"Credit repair of listing {listing.id} may be applied for from "
            f"{listing.repair_eligible_on.isoformat()}.",
            repair_eligible_on=listing.repair_eligible_on.isoformat(),
        )
    newer = session.scalars(
        select(Violation).where(
            Violation.enterprise_id == item.enterprise.id,
            Violation.decided_on > listing.listed_on,
            Violation.severity.in_(("serious", "especially_serious")),
        )
    ).all()
    newer = [v for v in newer if display.status(v, today) != "rescinded"]
    if newer:
        raise Conflict(
            f"A serious violation was decided after the listing "
            f"({newer[0].decision_no}, {newer[0].decided_on.isoformat()}): "
            "credit repair is not possible.",
            record_id=newer[0].id,
        )


def apply_for_repair(
    session: Session,
    caller: Caller,
    kind: str,
    entry_id: int,
    statement: str,
    evidence: str | None = None,
) -> RecordRepair | RepairApplication:
    chain.lock_chain(session)
    item = entry(session, kind, entry_id)
    _require_own_firm(caller, item)
    today = clock.today()
    if kind == "record":
        _refuse_record_repair(item, today)
        application = RecordRepair(
            record_id=entry_id, statement=statement, state="pending", applied_by=caller.username
        )
    else:
        _refuse_listing_repair(session, item, today)
        application = RepairApplication(
            listing_id=entry_id,
            statement=statement,
            evidence=evidence,
            state="pending",
            applied_by=caller.username,
        )
    _add(session, item, application, "repairs")
    _changed(
        session,
        caller,
        item,
        "repair_applied",
        "repair",
        application,
        to_state="repair_pending",
        reason=statement,
    )
    return application


def decide_repair(
    session: Session, caller: Caller, kind: str, entry_id: int, approved: bool, reason: str
) -> Entry:
    """Approved, the public no longer sees the entry; the file (and for a record, the grade's
    rules) keep it."""
    chain.lock_chain(session)
    item = entry(session, kind, entry_id)
    require_region(caller, item.enterprise.region_code)
    application = next((r for r in item.row.repairs if r.pending), None)
    if application is None:
        raise Conflict(f"{item.label} has no pending repair application.")
    application.decide("approved" if approved else "rejected", caller.username, reason)
    session.flush()
    _changed(
        session,
        caller,
        item,
        "repair_decided",
        "repair",
        application,
        to_state="removed_early" if approved else "listed",
        reason=reason,
    )
    return item


# The write tail shared by both kinds -----------------------------------------------------------


def _add(session: Session, item: Entry, request, relation: str) -> None:
    session.add(request)
    session.flush()
    session.refresh(item.row, [relation])


def _changed(
    session: Session,
    caller: Caller,
    item: Entry,
    what: str,
    key: str,
    request,
    *,
    to_state: str,
    reason: str,
) -> None:
    """Appends the `<kind>_<what>` event and refreshes the firm; a listing first moves to
    `to_state`, with its transition in the same event."""
    payload: dict[str, Any] = {key: canonical.row_content(request), "uscc": item.enterprise.uscc}
    record_id = None
    if item.kind == "listing":
        payload.update(blacklist.transition(session, caller, item.row, to_state, reason))
    else:
        record_id = item.row.id
    state.record_change(
        session,
        chain.NewEvent(
            actor=caller.username,
            kind=f"{item.kind}_{what}",
            enterprise_id=item.enterprise.id,
            record_id=record_id,
            payload=payload,
        ),
    )
