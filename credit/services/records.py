"""Adding credit records, and correcting them: rescinding a wrong one, revoking a withdrawn one."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit import canonical, chain, clock
from credit.auth.caller import Caller, require_region
from credit.errors import Conflict, InvalidInput, NotFound
from credit.models import (
    Award,
    Certification,
    Correction,
    Enterprise,
    Inspection,
    Record,
    Violation,
)
from credit.rules import display
from credit.services.lookup import get_enterprise
from credit.services.state import record_change, refresh_states

MODELS: dict[str, type[Record]] = {
    "award": Award,
    "certification": Certification,
    "inspection": Inspection,
    "violation": Violation,
}
DEFAULT_AGENCY = "市场监督管理部门"
CORRECTION_EVENTS = {"rescind": "record_rescinded", "revoke": "record_revoked"}

# The source document that identifies a record of each kind: the same one twice is a duplicate.
IDENTITY = {
    "award": ("issuer", "document_no"),
    "certification": ("issuer", "certificate_no"),
    "inspection": ("report_no",),
    "violation": ("authority", "decision_no"),
}


def add_record(
    session: Session, caller: Caller, uscc: str, kind: str, fields: dict[str, Any]
) -> tuple[Record, Enterprise]:
    chain.lock_chain(session)
    enterprise = get_enterprise(session, uscc)
    require_region(caller, enterprise.region_code)
    fields = dict(fields)
    agency = fields.pop("source_agency", None) or DEFAULT_AGENCY
    _refuse_duplicate(session, kind, fields)
    record = MODELS[kind](
        enterprise_id=enterprise.id, recorded_by=caller.username, source_agency=agency, **fields
    )
    session.add(record)
    session.flush()
    record_change(
        session,
        chain.NewEvent(
            actor=caller.username,
            kind="record_added",
            enterprise_id=enterprise.id,
            record_id=record.id,
            payload={"record": canonical.row_content(record), "uscc": uscc},
        ),
    )
    return record, enterprise


def add_many(
    session: Session,
    actor: str,
    entries: list[tuple[int, str, str, dict[str, Any]]],
    *,
    grade: bool = True,
) -> list[Record]:
    """Bulk import of (enterprise id, uscc, kind, fields): the same rows, events and regrading as
    one by one, for data a department hands over in bulk (and demo data). `grade=False` leaves
    the regrading to the caller, in the same transaction."""
    chain.lock_chain(session)
    made = [
        MODELS[kind](
            enterprise_id=enterprise_id,
            recorded_by=actor,
            source_agency=fields.pop("source_agency", None) or DEFAULT_AGENCY,
            **fields,
        )
        for enterprise_id, _, kind, fields in ((e, u, k, dict(f)) for e, u, k, f in entries)
    ]
    session.add_all(made)
    session.flush()
    chain.append_many(
        session,
        [
            chain.NewEvent(
                actor=actor,
                kind="record_added",
                enterprise_id=record.enterprise_id,
                record_id=record.id,
                payload={"record": canonical.row_content(record), "uscc": uscc},
            )
            for record, (_, uscc, _, _) in zip(made, entries, strict=True)
        ],
    )
    if grade:
        refresh_states(
            session,
            sorted({record.enterprise_id for record in made}),
            trigger="record_added",
            actor=actor,
        )
    return made


def _refuse_duplicate(session: Session, kind: str, fields: dict[str, Any]) -> None:
    model = MODELS[kind]
    identity = IDENTITY[kind]
    values = [fields.get(name) for name in identity]
    if any(v is None for v in values):
        return
    candidates = session.scalars(
        select(model).where(
            *(getattr(model, n) == v for n, v in zip(identity, values, strict=False))
        )
    ).all()
    today = clock.today()
    for existing in candidates:
        if display.status(existing, today) != "rescinded":
            described = " ".join(str(v) for v in values)
            raise Conflict(
                f"A {kind} with {' and '.join(identity)} {described} is already "
                f"recorded as record {existing.id}.",
                record_id=existing.id,
            )


MAX_RECORD_ID = 2**31 - 1


def get_record(session: Session, record_id: int) -> tuple[Record, Enterprise]:
    record = session.get(Record, record_id) if 0 < record_id <= MAX_RECORD_ID else None
    if record is None:
        raise NotFound(f"No record {record_id}.")
    return record, session.get(Enterprise, record.enterprise_id)


def rescind_record(
    session: Session, caller: Caller, record_id: int, reason: str
) -> tuple[Record, Enterprise]:
    """The record was wrong: it leaves every view and the grade, and stays in the file."""
    chain.lock_chain(session)
    record, enterprise = get_record(session, record_id)
    require_region(caller, enterprise.region_code)
    if record.correction("rescind") is not None:
        raise Conflict(f"Record {record_id} is already rescinded.")
    _correct(session, caller, record, enterprise, "rescind", reason, clock.today(), None)
    return record, enterprise


def revoke_record(
    session: Session,
    caller: Caller,
    record_id: int,
    reason: str,
    revoked_on: datetime.date,
    document_no: str | None,
) -> tuple[Record, Enterprise]:
    """The issuer withdrew an honour or certification: out of force from revoked_on."""
    chain.lock_chain(session)
    record, enterprise = get_record(session, record_id)
    require_region(caller, enterprise.region_code)
    if not isinstance(record, (Award, Certification)):
        raise Conflict(
            f"Record {record_id} is a {record.kind}: only honours and certifications "
            "are revoked by their issuer; rescind a wrong record instead."
        )
    if record.correction("rescind") is not None:
        raise Conflict(f"Record {record_id} is rescinded.")
    if record.correction("revoke") is not None:
        raise Conflict(f"Record {record_id} is already revoked.")
    if revoked_on < display.started_on(record):
        raise InvalidInput.field(
            "revoked_on", f"is before the record took effect on {display.started_on(record)}."
        )
    _correct(session, caller, record, enterprise, "revoke", reason, revoked_on, document_no)
    return record, enterprise


def _correct(session, caller, record, enterprise, action, reason, effective_on, document_no):
    correction = Correction(
        record_id=record.id,
        action=action,
        reason=reason,
        effective_on=effective_on,
        document_no=document_no,
        actor=caller.username,
    )
    session.add(correction)
    session.flush()
    session.refresh(record, ["corrections"])
    record_change(
        session,
        chain.NewEvent(
            actor=caller.username,
            kind=CORRECTION_EVENTS[action],
            enterprise_id=enterprise.id,
            record_id=record.id,
            payload={"correction": canonical.row_content(correction), "uscc": enterprise.uscc},
        ),
    )
