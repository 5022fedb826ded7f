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
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit import canonical, chain, clock, policy
from credit.auth.caller import Caller, require_region
from credit.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from credit.models import (
    Enterprise,
    Listing,
    Objection,
    Record,
    RecordObjection,
    RecordRepair,
    RepairApplication,
    RepairAttachment,
    Violation,
)
from credit.private_files import private_folder, write_private_bytes
from credit.rules import display, listings, periods
from credit.services import blacklist, records, state

log = logging.getLogger(__name__)


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
    _refuse_objection(item, clock.today())
    if kind == "record":
        objection = RecordObjection(
            record_id=entry_id, reason=reason, state="pending", filed_by=caller.username
        )
    else:
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


def _refuse_objection(item: Entry, today: datetime.date) -> None:
    if item.kind == "listing":
        _listing_state(item, "listed", "an objection")
        return
    if display.status(item.row, today) == "rescinded":
        raise Conflict(f"Record {item.row.id} is already rescinded.")
    if any(o.pending for o in item.row.objections):
        raise Conflict(f"An objection to record {item.row.id} is already pending.")


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


def _refuse_repair(session: Session, item: Entry, today: datetime.date) -> None:
    if item.kind == "record":
        _refuse_record_repair(item, today)
    else:
        _refuse_listing_repair(session, item, today)


def refusals(session: Session, item: Entry, today: datetime.date) -> dict[str, Conflict | None]:
    """Why the firm may not object to the entry, or apply for its repair, today (None: it may),
    by the same rules the requests themselves are refused by. A refusal for being too early
    carries the first day allowed (`repair_allowed_from`, `repair_eligible_on`)."""
    answers: dict[str, Conflict | None] = {}
    for request, refuse in (
        ("objection", lambda: _refuse_objection(item, today)),
        ("repair", lambda: _refuse_repair(session, item, today)),
    ):
        try:
            refuse()
        except Conflict as refused:
            answers[request] = refused
        else:
            answers[request] = None
    return answers


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
    _refuse_repair(session, item, clock.today())
    if kind == "record":
        application = RecordRepair(
            record_id=entry_id, statement=statement, state="pending", applied_by=caller.username
        )
    else:
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
    session: Session,
    caller: Caller,
    kind: str,
    entry_id: int,
    approved: bool,
    reason: str,
    application_id: int | None = None,
) -> Entry:
    """Approved, the public no longer sees the entry; the file (and for a record, the grade's
    rules) keep it. With `application_id`, only that application is decided: an officer who
    read one application never decides a newer one filed meanwhile."""
    chain.lock_chain(session)
    item = entry(session, kind, entry_id)
    require_region(caller, item.enterprise.region_code)
    application = next((r for r in item.row.repairs if r.pending), None)
    if application is None or application_id not in (None, application.id):
        raise Conflict(f"{item.label} has no pending repair application {application_id or ''}.")
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


# Evidence attached to a repair application -----------------------------------------------------

# What a file is, judged by its first bytes (its name and the type the browser claims prove
# nothing): the scanned decisions, receipts and photos a firm sends as evidence.
MEDIA_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class Upload:
    """A file as the firm sent it."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class EvidenceLimits:
    """Where evidence is kept and how much an application may carry (operator settings)."""

    folder: Path
    max_count: int
    max_bytes: int


@dataclass(frozen=True)
class EvidenceProblem:
    """Why a file is refused, in English for the API and in Chinese for the pages."""

    en: str
    zh: str


def media_type(content: bytes) -> str | None:
    return next((kind for magic, kind in MEDIA_TYPES if content.startswith(magic)), None)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def evidence_problems(
    uploads: Sequence[Upload], already: int, limits: EvidenceLimits
) -> dict[int | None, EvidenceProblem]:
    """What is wrong with the files, by their position (None: the set as a whole)."""
    if not uploads:
        return {None: EvidenceProblem("attach at least one file", "请选择至少一个文件")}
    if already + len(uploads) > limits.max_count:
        room = max(limits.max_count - already, 0)
        return {
            None: EvidenceProblem(
                f"an application carries at most {limits.max_count} files; "
                f"it has {already}, so {room} more may be attached",
                f"每份申请最多附 {limits.max_count} 个文件，已有 {already} 个，还可附 {room} 个",
            )
        }
    problems: dict[int | None, EvidenceProblem] = {}
    for index, upload in enumerate(uploads):
        size = len(upload.content)
        if size == 0:
            problems[index] = EvidenceProblem("the file is empty", "文件为空")
        elif size > limits.max_bytes:
            problems[index] = EvidenceProblem(
                f"the file is {size} bytes; at most {limits.max_bytes} bytes "
                f"({_megabytes(limits.max_bytes)} MiB) per file",
                f"文件大小超过上限（每个文件不超过 {_megabytes(limits.max_bytes)} MB）",
            )
        elif media_type(upload.content) is None:
            problems[index] = EvidenceProblem(
                "the file is not a PDF, PNG or JPEG (judged by its content, not its name)",
                "文件不是 PDF、PNG 或 JPEG（按文件内容判断，而非文件名）",
            )
    return problems


def _pending_repair(item: Entry) -> RecordRepair | RepairApplication:
    application = next((r for r in item.row.repairs if r.pending), None)
    if application is None:
        raise Conflict(f"{item.label} has no pending repair application: apply first.")
    return application


def _stored_path(limits_folder: Path, sha256: str) -> Path:
    return limits_folder / sha256[:2] / sha256


def attach_evidence(
    session: Session,
    caller: Caller,
    kind: str,
    entry_id: int,
    uploads: Sequence[Upload],
    limits: EvidenceLimits,
    *,
    field: str = "file",
) -> RecordRepair | RepairApplication:
    """Adds files to the entry's pending repair application (the firm itself). Each file is kept
    once under its SHA-256 in the private files area, and its row and hash go into the audit
    chain, so the evidence a regulator decided on can be shown to be the evidence sent."""
    chain.lock_chain(session)
    item = entry(session, kind, entry_id)
    _require_own_firm(caller, item)
    application = _pending_repair(item)
    problems = evidence_problems(uploads, len(application.attachments), limits)
    if problems:
        raise InvalidInput(
            {
                field if index is None else f"{field}.{index}": [problem.en]
                for index, problem in problems.items()
            }
        )
    owner = "record_repair_id" if kind == "record" else "listing_repair_id"
    for upload in uploads:
        digest = hashlib.sha256(upload.content).hexdigest()
        path = _stored_path(limits.folder, digest)
        if not path.exists():
            private_folder(path.parent)
            write_private_bytes(path, upload.content)
        attachment = RepairAttachment(
            filename=_plain_name(upload.filename),
            media_type=media_type(upload.content),
            size=len(upload.content),
            sha256=digest,
            uploaded_by=caller.username,
            **{owner: application.id},
        )
        session.add(attachment)
        session.flush()
        state.record_change(
            session,
            chain.NewEvent(
                actor=caller.username,
                kind=f"{kind}_repair_evidence_added",
                enterprise_id=item.enterprise.id,
                record_id=item.row.id if kind == "record" else None,
                payload={
                    "attachment": canonical.row_content(attachment),
                    "uscc": item.enterprise.uscc,
                },
            ),
        )
    session.refresh(application, ["attachments"])
    return application


def _plain_name(filename: str) -> str:
    """The file's own name without any folder a browser sent with it, at most 255 characters."""
    name = PurePath(filename.replace("\\", "/")).name.strip() or "attachment"
    return name[-255:]


def evidence_file(
    session: Session, caller: Caller, kind: str, entry_id: int, attachment_id: int, folder: Path
) -> tuple[RepairAttachment, bytes]:
    """An attached file, for the firm itself and the regulator of its region (who decides)."""
    item = entry(session, kind, entry_id)
    if caller.is_public:
        raise Unauthorized("Sign in as the firm or the regulator of its region.")
    if not (
        caller.is_enterprise(item.enterprise.uscc)
        or caller.covers_region(item.enterprise.region_code)
    ):
        raise Forbidden("Repair evidence is for the firm itself and the regulator of its region.")
    attachment = next(
        (a for r in item.row.repairs for a in r.attachments if a.id == attachment_id), None
    )
    if attachment is None:
        raise NotFound(f"{item.label} has no repair attachment {attachment_id}.")
    path = _stored_path(folder, attachment.sha256)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        content = None
    if content is None or hashlib.sha256(content).hexdigest() != attachment.sha256:
        log.error("repair attachment %s: %s is missing or altered", attachment.id, path)
        raise Conflict(
            f"Attachment {attachment_id} is missing from the registry's files or no longer "
            "matches its recorded SHA-256; the registry's operator has been told."
        )
    return attachment, content


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
