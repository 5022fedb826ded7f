"""The regulator's inbox: what waits for a decision in the officer's region, oldest first."""

from __future__ import annotations

import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from credit import clock, policy
from credit.auth.caller import Caller, require_role
from credit.errors import InvalidInput
from credit.models import (
    Enterprise,
    ImportBatch,
    Listing,
    Objection,
    Record,
    RecordObjection,
    RecordRepair,
    RepairApplication,
)
from credit.rules import listings
from credit.services.lookup import prefix_range

KINDS = (
    "record_objection",
    "listing_objection",
    "record_repair",
    "listing_repair",
    "listing_due",
    "import_rejected",
)
ERRORS_SHOWN = 5
SUMMARY_LENGTH = 200


def inbox(
    session: Session, caller: Caller, *, kind: str | None = None, page: int = 1, per_page: int = 50
) -> dict:
    """The items of one kind (or all) on a page, oldest first, with the count of each kind."""
    require_role(caller, "regulator")
    if kind is not None and kind not in KINDS:
        raise InvalidInput.field("kind", f"must be one of: {', '.join(KINDS)}")
    today = clock.today()
    found = {name: reader(session, caller.region or "", today) for name, reader in READERS.items()}
    items = sorted(
        (item for name in ([kind] if kind else KINDS) for item in found[name]),
        key=lambda item: (item["since"], KINDS.index(item["kind"]), item["id"]),
    )
    return {
        "items": items[(page - 1) * per_page : page * per_page],
        "page": page,
        "per_page": per_page,
        "total": len(items),
        "counts": {name: len(found[name]) for name in KINDS},
    }


def _in_region(region: str):
    return prefix_range(Enterprise.region_code, region) if region else ()


def _summary(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def _attachments(request) -> dict:
    """A repair application's evidence files, named for the officer to open (objections have
    none)."""
    files = getattr(request, "attachments", None)
    if files is None:
        return {}
    return {
        "attachments": [
            {"id": a.id, "filename": a.filename, "media_type": a.media_type, "size": a.size}
            for a in files
        ]
    }


def _record_requests(session: Session, region: str, model, kind: str, text: str) -> list[dict]:
    rows = session.execute(
        select(model, Record.kind, Enterprise.uscc, Enterprise.name)
        .join(Record, Record.id == model.record_id)
        .join(Enterprise, Enterprise.id == Record.enterprise_id)
        .where(model.state == "pending", *_in_region(region))
    ).all()
    return [
        {
            "kind": kind,
            "id": request.id,
            "uscc": uscc,
            "name": name,
            "since": clock.business_date(request.created_at),
            "record_id": request.record_id,
            "record_kind": record_kind,
            "summary": _summary(getattr(request, text)),
            **_attachments(request),
        }
        for request, record_kind, uscc, name in rows
    ]


def _listing_requests(
    session: Session, region: str, model, kind: str, text: str, today: datetime.date
) -> list[dict]:
    rows = session.execute(
        select(model, Listing, Enterprise.uscc, Enterprise.name)
        .join(Listing, Listing.id == model.listing_id)
        .join(Enterprise, Enterprise.id == Listing.enterprise_id)
        .where(model.state == "pending", Listing.expires_on > today, *_in_region(region))
    ).all()
    return [
        {
            "kind": kind,
            "id": request.id,
            "uscc": uscc,
            "name": name,
            "since": clock.business_date(request.created_at),
            "listing_id": listing.id,
            "summary": _summary(getattr(request, text)),
            **({"evidence": request.evidence} if kind == "listing_repair" else {}),
            **_attachments(request),
        }
        for request, listing, uscc, name in rows
    ]


def _due_listings(session: Session, region: str, today: datetime.date) -> list[dict]:
    """Active listings whose repair date or expiry falls within the notice period; a listing
    leaves when the date has passed (expired) or its repair is applied for or decided."""
    horizon = today + datetime.timedelta(days=policy.INBOX_DUE_DAYS)
    rows = session.execute(
        select(Listing, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == Listing.enterprise_id)
        .where(
            Listing.state == "listed",
            Listing.expires_on > today,
            (Listing.expires_on <= horizon)
            | ((Listing.repair_eligible_on >= today) & (Listing.repair_eligible_on <= horizon)),
            *_in_region(region),
        )
    ).all()
    items = []
    for listing, uscc, name in rows:
        if listings.state_on(listing, today) != "listed":
            continue
        expiring = listing.expires_on <= horizon
        due = listing.expires_on if expiring else listing.repair_eligible_on
        items.append(
            {
                "kind": "listing_due",
                "id": listing.id,
                "uscc": uscc,
                "name": name,
                "since": due - datetime.timedelta(days=policy.INBOX_DUE_DAYS),
                "listing_id": listing.id,
                "due": "expires_on" if expiring else "repair_eligible_on",
                "due_on": due,
                "summary": _summary(listing.reason),
            }
        )
    return items


def _rejected_imports(session: Session, region: str, _today: datetime.date) -> list[dict]:
    """Uploads of the region refused whole (a dry run is a check, not a submission); one leaves
    the inbox when its supplier's next upload of the same kind is applied."""
    later = aliased(ImportBatch)
    resent = (
        select(later.id)
        .where(
            later.supplier == ImportBatch.supplier,
            later.kind == ImportBatch.kind,
            later.state == "applied",
            later.id > ImportBatch.id,
        )
        .exists()
    )
    batches = session.scalars(
        select(ImportBatch).where(
            ImportBatch.state == "rejected",
            ImportBatch.dry_run.is_(False),
            *(prefix_range(ImportBatch.region, region) if region else ()),
            ~resent,
        )
    ).all()
    return [
        {
            "kind": "import_rejected",
            "id": batch.id,
            "uscc": None,
            "name": batch.supplier,
            "since": clock.business_date(batch.created_at),
            "import_id": batch.id,
            "import_kind": batch.kind,
            "errors": batch.errors[:ERRORS_SHOWN],
            "summary": _summary(
                f"{batch.filename}：{batch.rows}行，{len(batch.errors)}处错误，整个文件未导入"
            ),
        }
        for batch in batches
    ]


READERS = {
    "record_objection": lambda s, r, _t: _record_requests(
        s, r, RecordObjection, "record_objection", "reason"
    ),
    "listing_objection": lambda s, r, t: _listing_requests(
        s, r, Objection, "listing_objection", "reason", t
    ),
    "record_repair": lambda s, r, _t: _record_requests(
        s, r, RecordRepair, "record_repair", "statement"
    ),
    "listing_repair": lambda s, r, t: _listing_requests(
        s, r, RepairApplication, "listing_repair", "statement", t
    ),
    "listing_due": _due_listings,
    "import_rejected": _rejected_imports,
}
