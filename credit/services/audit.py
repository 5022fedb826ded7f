"""Verifying the audit chain: `verify` finds what was tampered with."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from credit import canonical, chain
from credit.models import (
    Assessment,
    AuditEvent,
    Correction,
    Enterprise,
    EnterpriseFormerName,
    EnterpriseState,
    GradeOverride,
    Listing,
    Objection,
    QualityWarning,
    Record,
    RecordObjection,
    RecordRepair,
    RepairApplication,
    RepairAttachment,
    Target,
    Transition,
)
from credit.models.blacklist import listing_violation
from credit.services import state
from credit.services.statistics import targets, warnings

# An upgrade that rewrote industry codes in their normal form logged each firm's new content.
# A change to the register entry logs the firm's new content, and a former name when renamed.
ENTERPRISE_EVENTS = (
    "enterprise_registered",
    "enterprise_industry_code_normalised",
    "enterprise_updated",
)
LISTING_EVENTS = (
    "listing_created",
    "listing_objection_filed",
    "listing_objection_decided",
    "listing_repair_applied",
    "listing_repair_decided",
)


@dataclass(frozen=True)
class Mismatch:
    what: str

    def __str__(self) -> str:
        return self.what


def verify(session: Session, batch: int = 5000) -> Iterator[Mismatch]:
    """Every break in the chain, then every row whose content differs from its events."""
    yield from _verify_chain(session, batch)
    yield from _verify_rows(session, Enterprise, "enterprise", ENTERPRISE_EVENTS, batch)
    yield from _verify_rows(
        session, EnterpriseFormerName, "former_name", "enterprise_updated", batch
    )
    yield from _verify_rows(session, Record, "record", "record_added", batch)
    yield from _verify_rows(
        session, Correction, "correction", ("record_rescinded", "record_revoked"), batch
    )
    yield from _verify_rows(session, GradeOverride, "override", "grade_overridden", batch)
    yield from _verify_rows(
        session,
        RecordObjection,
        "objection",
        ("record_objection_filed", "record_objection_decided"),
        batch,
    )
    yield from _verify_rows(
        session, RecordRepair, "repair", ("record_repair_applied", "record_repair_decided"), batch
    )
    yield from _verify_assessments(session, batch)
    yield from _verify_states(session, batch)
    yield from _verify_listing_links(session)
    yield from _verify_rows(session, Listing, "listing", LISTING_EVENTS, batch)
    yield from _verify_rows(session, Transition, "transition", LISTING_EVENTS, batch)
    yield from _verify_rows(session, Objection, "objection", LISTING_EVENTS, batch)
    yield from _verify_rows(session, RepairApplication, "repair", LISTING_EVENTS, batch)
    yield from _verify_rows(
        session,
        RepairAttachment,
        "attachment",
        ("record_repair_evidence_added", "listing_repair_evidence_added"),
        batch,
    )
    yield from _verify_rows(session, Target, "target", targets.AUDIT_EVENTS, batch)
    yield from _verify_rows(session, QualityWarning, "warning", warnings.AUDIT_EVENT, batch)


def _verify_chain(session: Session, batch: int) -> Iterator[Mismatch]:
    prev, expected_seq = chain.GENESIS, 1
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    for event in session.scalars(stmt):
        if event.seq != expected_seq:
            yield Mismatch(f"event {expected_seq} is missing (next is event {event.seq})")
        if event.prev_hash != prev:
            yield Mismatch(f"event {event.seq} does not link to the event before it")
        digest = chain.event_hash(
            event.prev_hash,
            event.seq,
            event.at,
            event.actor,
            event.kind,
            event.enterprise_id,
            event.record_id,
            event.payload,
        )
        if digest != event.hash:
            yield Mismatch(f"event {event.seq} ({event.kind}) was altered: its hash does not match")
        prev, expected_seq = event.hash, event.seq + 1


def _verify_rows(session: Session, model, key: str, kinds, batch: int) -> Iterator[Mismatch]:
    """Merges the rows with the last content their events give them, keyed by the row's id."""
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    events = session.execute(
        select(AuditEvent.seq, AuditEvent.payload)
        .where(AuditEvent.kind.in_(kinds))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch)
    )
    # A digest per row rather than the content itself keeps a million firms in little memory.
    recorded: dict[int, tuple[int, str]] = {}
    for seq, payload in events:
        content = json.loads(payload).get(key)
        if isinstance(content, dict) and isinstance(content.get("id"), int):
            recorded[content["id"]] = (seq, canonical.digest(_filled(content)))
    rows = session.scalars(select(model).order_by(model.id).execution_options(yield_per=batch))
    for row in rows:
        content = canonical.row_content(row)
        seq, expected = recorded.pop(row.id, (None, None))
        if expected is None:
            yield Mismatch(f"{key} {row.id} has no event in the audit log")
        elif expected != canonical.digest(_filled(content)):
            logged = json.loads(session.get(AuditEvent, seq).payload)[key]
            fields = sorted(
                k for k in content.keys() | logged.keys() if content.get(k) != logged.get(k)
            )
            yield Mismatch(f"{key} {row.id} differs from audit event {seq} in: {', '.join(fields)}")
    for missing in sorted(recorded):
        yield Mismatch(f"{key} {missing} is in the audit log but not in the database")


def _filled(content: dict) -> dict:
    """A row's content without its empty columns: a column added by an upgrade is empty in every
    row logged before it, and its events do not name it. A value set or cleared still differs."""
    return {key: value for key, value in content.items() if value is not None}


def _verify_assessments(session: Session, batch: int) -> Iterator[Mismatch]:
    """Every stored grade against its grade_changed event, and every state row against the
    newest assessment of its firm: a grade edited in the database is found."""
    events = session.execute(
        select(AuditEvent.seq, AuditEvent.payload)
        .where(AuditEvent.kind == "grade_changed")
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=batch)
    )
    recorded: dict[int, str] = {}
    for _seq, payload in events:
        content = json.loads(payload)
        if isinstance(content.get("assessment_id"), int):
            recorded[content["assessment_id"]] = content.get("assessment_digest", "")
    rows = session.scalars(
        select(Assessment).order_by(Assessment.id).execution_options(yield_per=batch)
    )
    for row in rows:
        expected = recorded.pop(row.id, None)
        if expected is None:
            yield Mismatch(f"assessment {row.id} has no event in the audit log")
        elif expected != canonical.digest(canonical.row_content(row)):
            yield Mismatch(f"assessment {row.id} differs from its grade_changed event")
    for missing in sorted(recorded):
        yield Mismatch(f"assessment {missing} is in the audit log but not in the database")
    newest = (
        select(Assessment.enterprise_id, func.max(Assessment.id).label("id"))
        .group_by(Assessment.enterprise_id)
        .subquery()
    )
    drifted = session.execute(
        select(EnterpriseState.enterprise_id)
        .join(newest, newest.c.enterprise_id == EnterpriseState.enterprise_id)
        .join(Assessment, Assessment.id == newest.c.id)
        .where(
            or_(
                EnterpriseState.assessment_id.is_distinct_from(Assessment.id),
                EnterpriseState.grade.is_distinct_from(Assessment.grade),
                EnterpriseState.risk_class.is_distinct_from(Assessment.risk_class),
                EnterpriseState.score.is_distinct_from(Assessment.score),
                EnterpriseState.ruleset.is_distinct_from(Assessment.ruleset),
                EnterpriseState.graded_on.is_distinct_from(Assessment.as_of),
                EnterpriseState.valid_until.is_distinct_from(Assessment.valid_until),
            )
        )
        .order_by(EnterpriseState.enterprise_id)
    )
    for (enterprise_id,) in drifted:
        yield Mismatch(
            f"the current grade of enterprise {enterprise_id} differs from its newest assessment"
        )


def _verify_states(session: Session, batch: int) -> Iterator[Mismatch]:
    """Every state row a reader may be served, projected again from the firm's records: an edit
    to the row (the blacklist flag, the public profile it carries) is found."""
    batch = min(batch, 1000)
    last = 0
    while True:
        firms = session.execute(
            select(Enterprise.id, Enterprise.uscc)
            .where(Enterprise.id > last)
            .order_by(Enterprise.id)
            .limit(batch)
        ).all()
        if not firms:
            return
        differ = state.drifted(session, [firm_id for firm_id, _ in firms])
        for firm_id, uscc in firms:
            if firm_id in differ:
                yield Mismatch(
                    f"the state row of enterprise {firm_id} ({uscc}) differs from its "
                    f"records in: {', '.join(differ[firm_id])}"
                )
        last = firms[-1][0]
        session.expunge_all()


def _verify_listing_links(session: Session) -> Iterator[Mismatch]:
    """The violations each listing cites, as its listing_created event named them."""
    recorded: dict[int, set[int]] = {}
    for (payload,) in session.execute(
        select(AuditEvent.payload).where(AuditEvent.kind == "listing_created")
    ):
        content = json.loads(payload)
        recorded[content["listing"]["id"]] = set(content.get("violation_ids", []))
    stored: dict[int, set[int]] = {}
    for listing_id, record_id in session.execute(
        select(listing_violation.c.listing_id, listing_violation.c.record_id)
    ):
        stored.setdefault(listing_id, set()).add(record_id)
    for listing_id in sorted(recorded.keys() | stored.keys()):
        if recorded.get(listing_id, set()) != stored.get(listing_id, set()):
            yield Mismatch(
                f"the violations linked to listing {listing_id} differ from its "
                "listing_created event"
            )
