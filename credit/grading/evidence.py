"""A firm's evidence for grading, read from the database, and the digests that identify a result."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from credit import canonical, clock
from credit.grading.engine import Inputs, Override, Result
from credit.grading.engine import Listing as ActiveListing
from credit.models import GradeOverride, Listing, Record
from credit.rules import display, listings


@dataclass
class Evidence:
    """Everything about one enterprise the grade depends on, whatever the day."""

    records: list[Record] = field(default_factory=list)
    overrides: list[GradeOverride] = field(default_factory=list)
    listings: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.records or self.overrides or self.listings)

    def on(self, day: datetime.date) -> Inputs:
        """What the registry held at the end of that day."""
        records = [r for r in self.records if display.known_on(r, day)]
        override = None
        for o in self.overrides:
            if clock.business_date(o.created_at) <= day <= o.valid_until:
                override = Override(o.id, o.grade, o.reason, o.valid_until)
        listing = None
        for active in (item for item in self.listings if listings.is_active_on(item, day)):
            listing = ActiveListing(active.id, active.legal_basis, active.expires_on)
        return Inputs(records=records, listing=listing, override=override)


def gather(
    session: Session, enterprise_ids: Sequence[int], *, disputes: bool = False
) -> dict[int, Evidence]:
    """The evidence of many enterprises in a few queries; `disputes` also loads the objections
    and repair applications, which do not enter a grade but do enter a check."""
    evidence = {id_: Evidence() for id_ in enterprise_ids}
    if not enterprise_ids:
        return evidence
    records = select(Record).where(Record.enterprise_id.in_(enterprise_ids)).order_by(Record.id)
    if not disputes:
        records = records.options(lazyload(Record.objections), lazyload(Record.repairs))
    for record in session.scalars(records):
        evidence[record.enterprise_id].records.append(record)
    for override in session.scalars(
        select(GradeOverride)
        .where(GradeOverride.enterprise_id.in_(enterprise_ids))
        .order_by(GradeOverride.id)
    ):
        evidence[override.enterprise_id].overrides.append(override)
    for listing in listings_of(session, enterprise_ids, disputes=disputes):
        evidence[listing.enterprise_id].listings.append(listing)
    return evidence


def listings_of(
    session: Session, enterprise_ids: Sequence[int], *, disputes: bool = True
) -> list[Listing]:
    """The listings of these firms with their transitions, and unless `disputes` is false their
    objections and repair applications (which a grade does not need)."""
    stmt = select(Listing).where(Listing.enterprise_id.in_(enterprise_ids)).order_by(Listing.id)
    if not disputes:
        stmt = stmt.options(lazyload(Listing.objections), lazyload(Listing.repairs))
    return list(session.scalars(stmt))


def explanation_rows(result: Result) -> list[dict]:
    return [
        {"rule": c.rule, "points": str(c.points), "record_id": c.record_id, "detail": c.detail}
        for c in result.explanation
    ]


def cap_rows(result: Result) -> list[dict]:
    return [
        {"rule": c.rule, "grade": c.grade, "record_id": c.record_id, "detail": c.detail}
        for c in result.caps
    ]


def result_digest(result: Result) -> str:
    """Identifies what a reader sees of a result, the day it was computed on aside."""
    content = [
        result.ruleset,
        str(result.score),
        str(result.raw_score),
        result.computed_grade,
        result.grade,
        result.risk_class,
        result.blacklisted,
        result.override.id if result.override else None,
        explanation_rows(result),
        cap_rows(result),
    ]
    return hashlib.sha256(canonical.encode_bytes(content)).hexdigest()


def fingerprint(evidence: Evidence, inputs: Inputs, ruleset: str, day: datetime.date) -> str:
    """Identifies the inputs: the same fingerprint on a later day means the same records."""
    content = [
        ruleset,
        day.isoformat(),
        [
            [canonical.row_content(r), [canonical.row_content(c) for c in r.corrections]]
            for r in inputs.records
        ],
        inputs.override.id if inputs.override else None,
        inputs.listing.id if inputs.listing else None,
    ]
    return hashlib.sha256(canonical.encode_bytes(content)).hexdigest()
