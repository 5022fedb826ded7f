"""What a record is on a given day: its status, whether it is in force, whether the public sees it."""

from __future__ import annotations

import datetime
from typing import Any

from credit import clock, policy
from credit.models import Award, Certification, Inspection, Record, Violation
from credit.rules import periods


def display_until(violation: Violation) -> datetime.date:
    """The last day the public sees a violation."""
    return periods.last_day(violation.decided_on, policy.DISPLAY_MONTHS[violation.severity])


def inspection_display_until(inspection: Inspection) -> datetime.date:
    """The last day the public sees a supervisory sampling result."""
    return periods.last_day(inspection.sampled_on, policy.INSPECTION_DISPLAY_MONTHS)


def inspection_display_from(day: datetime.date) -> datetime.date:
    """The earliest `sampled_on` of a result the public sees on `day`: the same rule as
    `shown_publicly`, as a bound a list can query. Periods that start on the 29th to the 31st
    can end on the same short month's last day, so the bound is walked forward to the first day
    whose period still covers `day` (a few steps at most)."""
    months = policy.INSPECTION_DISPLAY_MONTHS
    first = periods.months_before(day, months)
    while not periods.within(day, first, months):
        first = periods.day_after(first)
    return first


def known_on(record: Record, day: datetime.date) -> bool:
    """Whether the registry held the record at the end of that day."""
    return clock.business_date(record.created_at) <= day


def rescinded_on(record: Record, day: datetime.date) -> datetime.date | None:
    correction = record.correction("rescind")
    if correction is not None and correction.effective_on <= day:
        return correction.effective_on
    return None


def revoked_on(record: Record, day: datetime.date) -> datetime.date | None:
    correction = record.correction("revoke")
    if (
        correction is not None
        and clock.business_date(correction.created_at) <= day
        and correction.effective_on <= day
    ):
        return correction.effective_on
    return None


def started_on(record: Record) -> datetime.date:
    if isinstance(record, Award):
        return record.awarded_on
    if isinstance(record, Certification):
        return record.valid_from
    if isinstance(record, Inspection):
        return record.sampled_on
    return record.decided_on


def status(record: Record, day: datetime.date) -> str:
    """active, expired, revoked or rescinded, as it stood on that day."""
    if rescinded_on(record, day):
        return "rescinded"
    if revoked_on(record, day):
        return "revoked"
    # An honour's expires_on is its first day out of force; a certificate's valid_to its last day in.
    if isinstance(record, Award) and record.expires_on is not None and day >= record.expires_on:
        return "expired"
    if isinstance(record, Certification) and day > record.valid_to:
        return "expired"
    return "active"


def in_force(record: Record, day: datetime.date) -> bool:
    return status(record, day) == "active" and started_on(record) <= day


def repaired_on(record: Record, day: datetime.date) -> datetime.date | None:
    """The day an approved credit repair ended the record's public display, if by then."""
    for repair in record.repairs:
        if repair.state == "approved" and clock.business_date(repair.decided_at) <= day:
            return clock.business_date(repair.decided_at)
    return None


def disputed(record: Record, day: datetime.date | None = None) -> bool:
    """Whether an objection to the record was pending at the end of that day (default: now)."""
    if day is None:
        return any(objection.pending for objection in record.objections)
    return any(
        clock.business_date(o.created_at) <= day
        and (o.decided_at is None or clock.business_date(o.decided_at) > day)
        for o in record.objections
    )


def shown_publicly(record: Record, day: datetime.date) -> bool:
    """Violations inside their display period and not repaired, inspection results inside
    theirs, honours and certifications while in force."""
    if isinstance(record, Violation):
        return (
            status(record, day) == "active"
            and record.decided_on <= day <= display_until(record)
            and repaired_on(record, day) is None
        )
    if isinstance(record, Inspection):
        return status(record, day) == "active" and periods.within(
            day, record.sampled_on, policy.INSPECTION_DISPLAY_MONTHS
        )
    if isinstance(record, (Award, Certification)):
        return in_force(record, day)
    return False


def public_key(records, day: datetime.date) -> list[list]:
    """Which records the public sees on a day, and whether each is disputed: what the public
    view is built from."""
    return [[r.id, disputed(r)] for r in records if shown_publicly(r, day)]


def next_public_change(records, day: datetime.date) -> datetime.date | None:
    """The first day after `day` on which a record enters or leaves the public view by date."""
    candidates = []
    for r in records:
        correction = r.correction("revoke")
        if correction is not None:
            candidates.append(correction.effective_on)
        if isinstance(r, Violation):
            candidates += [r.decided_on, periods.day_after(display_until(r))]
        elif isinstance(r, Award):
            candidates += [r.awarded_on, r.expires_on]
        elif isinstance(r, Certification):
            candidates += [r.valid_from, periods.day_after(r.valid_to)]
        elif isinstance(r, Inspection):
            candidates += [
                r.sampled_on,
                periods.period_end(r.sampled_on, policy.INSPECTION_DISPLAY_MONTHS),
            ]
    return min((d for d in candidates if d is not None and d > day), default=None)


def fine_yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{fen // 100}.{fen % 100:02d}"


def is_major_violation(violation: Violation) -> bool:
    """A major violation record (重大违法记录) in the sense of procurement law."""
    return violation.category in policy.MAJOR_VIOLATION_CATEGORIES or (
        violation.fine_fen or 0
    ) >= int(policy.MAJOR_FINE_YUAN * 100)


def describe(
    record: Record, day: datetime.date, *, uscc: str, history: bool = False
) -> dict[str, Any]:
    """The record as the wire shows it on that day; `history` adds its corrections."""
    body: dict[str, Any] = {
        "id": record.id,
        "kind": record.kind,
        "uscc": uscc,
        "status": status(record, day),
        "created_at": record.created_at,
        "source": {
            "agency": record.source_agency,
            "recorded_by": record.recorded_by,
            "recorded_at": record.created_at,
        },
    }
    if isinstance(record, Award):
        body.update(
            award_kind=record.award_kind,
            level=record.level,
            title=record.title,
            issuer=record.issuer,
            awarded_on=record.awarded_on,
            expires_on=record.expires_on,
            document_no=record.document_no,
        )
        body["source"].update(
            issuer=record.issuer, document_no=record.document_no, date=record.awarded_on
        )
    elif isinstance(record, Certification):
        body.update(
            scheme=record.scheme,
            certificate_no=record.certificate_no,
            issuer=record.issuer,
            valid_from=record.valid_from,
            valid_to=record.valid_to,
        )
        body["source"].update(
            issuer=record.issuer, document_no=record.certificate_no, date=record.valid_from
        )
    elif isinstance(record, Inspection):
        body.update(
            level=record.level,
            product=record.product,
            sampled_on=record.sampled_on,
            result=record.result,
            report_no=record.report_no,
            failed_items=list(record.failed_items or []),
            product_category=record.product_category,
            testing_institution=record.testing_institution,
            display_until=inspection_display_until(record),
        )
        body["source"].update(document_no=record.report_no, date=record.sampled_on)
        if record.testing_institution:
            body["source"]["issuer"] = record.testing_institution
    elif isinstance(record, Violation):
        body.update(
            category=record.category,
            severity=record.severity,
            decided_on=record.decided_on,
            authority=record.authority,
            decision_no=record.decision_no,
            fine_amount=fine_yuan(record.fine_fen),
            legal_basis=record.legal_basis,
            description=record.description,
            display_until=display_until(record),
        )
        body["source"].update(
            issuer=record.authority, document_no=record.decision_no, date=record.decided_on
        )
    body["disputed"] = disputed(record)
    if history:  # rows, dumped by the wire schema
        body.update(
            shown_publicly=shown_publicly(record, day),
            corrections=record.corrections,
            objections=record.objections,
            repairs=record.repairs,
        )
    return body
