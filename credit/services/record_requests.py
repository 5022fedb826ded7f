"""What an enterprise may ask about its own records: an objection (异议) to a wrong record, and
credit repair (信用修复) that ends a violation's public display early. A regulator decides."""

from __future__ import annotations

from sqlalchemy.orm import Session

from credit import canonical, chain, clock, policy
from credit.auth.caller import Caller, require_region
from credit.errors import Conflict, Forbidden, NotFound, Unauthorized
from credit.models import Enterprise, Record, RecordObjection, RecordRepair, Violation
from credit.rules import display, periods
from credit.services import records
from credit.services.state import refresh_state


def _require_own_firm(caller: Caller, enterprise: Enterprise) -> None:
    if caller.is_public:
        raise Unauthorized("Sign in as the enterprise the record belongs to.")
    if not caller.is_enterprise(enterprise.uscc):
        raise Forbidden("Only the enterprise the record belongs to may do this.")


def _append(session, caller, record, enterprise, kind, key, row) -> None:
    chain.append(session, chain.NewEvent(
        actor=caller.username, kind=kind, enterprise_id=enterprise.id, record_id=record.id,
        payload={key: canonical.row_content(row), "uscc": enterprise.uscc}))


def file_objection(session: Session, caller: Caller, record_id: int,
                   reason: str) -> RecordObjection:
    chain.lock_chain(session)
    record, enterprise = records.get_record(session, record_id)
    _require_own_firm(caller, enterprise)
    if display.status(record, clock.today()) == "rescinded":
        raise Conflict(f"Record {record_id} is already rescinded.")
    if any(o.pending for o in record.objections):
        raise Conflict(f"An objection to record {record_id} is already pending.")
    objection = RecordObjection(record_id=record.id, reason=reason, state="pending",
                                filed_by=caller.username)
    session.add(objection)
    session.flush()
    session.refresh(record, ["objections"])
    _append(session, caller, record, enterprise, "record_objection_filed", "objection", objection)
    refresh_state(session, enterprise.id, trigger="record_objection_filed", actor=caller.username)
    return objection


def decide_objection(session: Session, caller: Caller, record_id: int, objection_id: int,
                     upheld: bool, reason: str) -> tuple[Record, Enterprise]:
    """Upheld, the record was wrong and is rescinded; rejected, it stands."""
    chain.lock_chain(session)
    record, enterprise = records.get_record(session, record_id)
    require_region(caller, enterprise.region_code)
    objection = next((o for o in record.objections if o.id == objection_id), None)
    if objection is None:
        raise NotFound(f"Record {record_id} has no objection {objection_id}.")
    if not objection.pending:
        raise Conflict(f"Objection {objection_id} was already decided: {objection.state}.")
    objection.decide("upheld" if upheld else "rejected", caller.username, reason)
    session.flush()
    _append(session, caller, record, enterprise, "record_objection_decided", "objection",
            objection)
    if upheld and record.correction("rescind") is None:
        records.rescind_record(session, caller, record_id, f"异议成立：{reason}")
    else:
        refresh_state(session, enterprise.id, trigger="record_objection_decided",
                      actor=caller.username)
    return record, enterprise


def repair_allowed_from(violation: Violation):
    months = policy.REPAIR_AFTER_MONTHS.get(violation.severity)
    return None if months is None else periods.period_end(violation.decided_on, months)


def apply_for_repair(session: Session, caller: Caller, record_id: int,
                     statement: str) -> RecordRepair:
    chain.lock_chain(session)
    record, enterprise = records.get_record(session, record_id)
    _require_own_firm(caller, enterprise)
    today = clock.today()
    if not isinstance(record, Violation):
        raise Conflict(f"Record {record_id} is a {record.kind}: credit repair is for violations.")
    allowed = repair_allowed_from(record)
    if allowed is None:
        raise Conflict(f"A {record.severity} violation is shown only "
                       f"{policy.DISPLAY_MONTHS[record.severity]} months and is not repaired.")
    if not display.shown_publicly(record, today):
        raise Conflict(f"Record {record_id} is not shown publicly: there is nothing to end early.")
    if any(r.pending for r in record.repairs):
        raise Conflict(f"A repair application for record {record_id} is already pending.")
    if today < allowed:
        raise Conflict(f"Credit repair of record {record_id} may be applied for from "
                       f"{allowed.isoformat()}.", repair_allowed_from=allowed.isoformat())
    application = RecordRepair(record_id=record.id, statement=statement, state="pending",
                               applied_by=caller.username)
    session.add(application)
    session.flush()
    session.refresh(record, ["repairs"])
    _append(session, caller, record, enterprise, "record_repair_applied", "repair", application)
    return application


def decide_repair(session: Session, caller: Caller, record_id: int, approved: bool,
                  reason: str) -> tuple[Record, Enterprise]:
    """Approved, the public no longer sees the violation; the file and the grade keep it."""
    chain.lock_chain(session)
    record, enterprise = records.get_record(session, record_id)
    require_region(caller, enterprise.region_code)
    application = next((r for r in record.repairs if r.pending), None)
    if application is None:
        raise Conflict(f"Record {record_id} has no pending repair application.")
    application.decide("approved" if approved else "rejected", caller.username, reason)
    session.flush()
    _append(session, caller, record, enterprise, "record_repair_decided", "repair", application)
    refresh_state(session, enterprise.id, trigger="record_repair_decided", actor=caller.username)
    return record, enterprise
