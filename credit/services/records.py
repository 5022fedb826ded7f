"""Adding credit records, and correcting them: rescinding a wrong one, revoking a withdrawn one."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy import inspect as orm_inspect
from sqlalchemy.orm import Session

from credit import canonical, chain, clock
from credit.auth.caller import Caller, require_region, require_writer
from credit.clock import utcnow
from credit.db import insert_rows
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
    require_writer(caller, kind, enterprise.region_code)
    fields = dict(fields)
    agency = source_of(caller, fields.pop("source_agency", None))
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


def source_of(caller: Caller, named: str | None) -> str:
    """The agency a record written by this caller comes from: an agency account's own name
    (it writes for no one else), else the one named, else the market regulator."""
    if caller.role == "agency":
        if named and named != caller.agency:
            raise InvalidInput.field(
                "source_agency", f"an agency account records as {caller.agency} only."
            )
        return caller.agency
    return named or DEFAULT_AGENCY


def add_many(
    session: Session,
    actor: str,
    entries: list[tuple[int, str, str, dict[str, Any]]],
    *,
    grade: bool = True,
) -> list[int]:
    """Bulk import of (enterprise id, uscc, kind, fields): the same rows, events and regrading as
    one by one, for data a department hands over in bulk (and demo data), written set-based: one
    executemany per table, one append to the chain, and each firm regraded once. Returns the new
    records' ids in the order given. `grade=False` leaves the regrading to the caller, in the
    same transaction."""
    if not entries:
        return []
    chain.lock_chain(session)
    ids = _allocate_record_ids(session, len(entries))
    now = utcnow()
    base_rows: list[dict] = []
    kind_rows: dict[str, list[dict]] = {}
    events = []
    for record_id, (enterprise_id, uscc, kind, given) in zip(ids, entries, strict=True):
        values = dict(given)
        base = {
            "id": record_id,
            "kind": kind,
            "enterprise_id": enterprise_id,
            "source_agency": values.pop("source_agency", None) or DEFAULT_AGENCY,
            "recorded_by": actor,
            "created_at": now,
        }
        own = {"id": record_id, **_KIND_DEFAULTS[kind](), **values}
        base_rows.append(base)
        kind_rows.setdefault(kind, []).append(own)
        events.append(
            chain.NewEvent(
                actor=actor,
                kind="record_added",
                enterprise_id=enterprise_id,
                record_id=record_id,
                # Encoded as the chain encodes it, the same as the stored row's content.
                payload={"record": {**base, **own}, "uscc": uscc},
            )
        )
    # Core inserts: the ORM's per-object bookkeeping would dominate a bulk import.
    insert_rows(session, Record.__table__, base_rows)
    for kind, rows in kind_rows.items():
        insert_rows(session, MODELS[kind].__table__, rows)
    chain.append_many(session, events)
    if grade:
        refresh_states(
            session,
            sorted({enterprise_id for enterprise_id, *_ in entries}),
            trigger="record_added",
            actor=actor,
        )
    return ids


def _kind_defaults(model: type[Record]):
    """The values a record of this kind holds in columns nobody gave: what the ORM would store."""
    columns = [
        (attr.key, attr.columns[0])
        for attr in orm_inspect(model).column_attrs
        if attr.columns[0].table is model.__table__ and attr.key != "id"
    ]

    def defaults() -> dict[str, Any]:
        values = {}
        for key, column in columns:
            default = column.default
            if default is None:
                values[key] = None
            elif default.is_callable:
                values[key] = default.arg(None)
            else:
                values[key] = default.arg
        return values

    return defaults


_KIND_DEFAULTS = {kind: _kind_defaults(model) for kind, model in MODELS.items()}


def _allocate_record_ids(session: Session, count: int) -> list[int]:
    """Ids for `count` new records, taken under the chain lock, so no other writer takes them:
    from the table's sequence on PostgreSQL, after the highest id on SQLite (which gives a new
    row the highest id plus one all the same)."""
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('record', 'id')) "
                    "FROM generate_series(1, :count)"
                ),
                {"count": count},
            )
        )
    highest = session.scalar(select(func.max(Record.id))) or 0
    return list(range(highest + 1, highest + 1 + count))


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
