"""The enterprise register: one credit file per USCC, found by code, code prefix or any part of its name."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import case, exists, func, insert, literal, or_, select, union
from sqlalchemy.orm import Session

from credit import canonical, chain, clock
from credit import uscc as uscc_codes
from credit.auth.caller import Caller, require_region
from credit.clock import utcnow
from credit.errors import Conflict, InvalidInput
from credit.models import Enterprise, EnterpriseFormerName, EnterpriseNameGram, EnterpriseState
from credit.services import lookup, state

MIN_NAME_QUERY = 2


@dataclass(frozen=True)
class NewEnterprise:
    uscc: str
    name: str
    region_code: str | None = None
    industry_code: str | None = None
    registered_on: datetime.date | None = None


# What a regulator may change in a firm's register entry; its USCC never changes.
EDITABLE = (
    "name",
    "address",
    "legal_representative",
    "chief_quality_officer",
    "industry_code",
    "status",
    "status_since",
)
STATUSES = ("in_business", "deregistered")


@dataclass(frozen=True)
class SearchPage:
    items: Sequence[Enterprise]
    page: int
    per_page: int
    total: int


def register_enterprise(session: Session, caller: Caller, new: NewEnterprise) -> Enterprise:
    region_code = new.region_code or uscc_codes.region_of(new.uscc)
    require_region(caller, region_code)
    # Writers queue on the chain lock before checking, so two registrations cannot both pass.
    chain.lock_chain(session)
    if session.scalar(select(Enterprise.id).where(Enterprise.uscc == new.uscc)) is not None:
        raise Conflict(f"Enterprise {new.uscc} is already registered.")
    enterprise = Enterprise(
        uscc=new.uscc,
        name=new.name,
        region_code=region_code,
        industry_code=new.industry_code,
        registered_on=new.registered_on,
    )
    session.add(enterprise)
    session.flush()
    index_name(session, enterprise.id, enterprise.name)
    state.record_change(
        session,
        chain.NewEvent(
            actor=caller.username,
            kind="enterprise_registered",
            enterprise_id=enterprise.id,
            payload={"enterprise": canonical.row_content(enterprise)},
        ),
    )
    return enterprise


def update_enterprise(
    session: Session, caller: Caller, uscc: str, changes: dict, reason: str
) -> Enterprise:
    """Changes the firm's register entry (the regulator of its region), with a reason; one audit
    event names every field changed. A new name keeps the old one as a former name, until the
    day before the change, and search finds the firm by either. Unchanged fields, or a request
    that changes nothing, write nothing."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput.field(unknown[0], "cannot be changed")
    chain.lock_chain(session)
    enterprise = lookup.get_enterprise(session, uscc)
    require_region(caller, enterprise.region_code)
    today = clock.today()
    wanted = dict(changes)
    status = wanted.get("status", enterprise.status)
    if status not in STATUSES:
        raise InvalidInput.field("status", f"must be one of {', '.join(STATUSES)}")
    if "status_since" in wanted and "status" not in wanted:
        raise InvalidInput.field("status_since", "give the status it dates")
    if "status" in wanted and wanted["status"] != enterprise.status:
        wanted.setdefault("status_since", today)
    since = wanted.get("status_since")
    if since is not None and enterprise.registered_on and since < enterprise.registered_on:
        raise InvalidInput.field(
            "status_since", f"is before the firm was registered ({enterprise.registered_on})"
        )
    if "name" in wanted and not (wanted["name"] or "").strip():
        raise InvalidInput.field("name", "a firm always has a name")
    changed = {
        field: {"from": getattr(enterprise, field), "to": value}
        for field, value in wanted.items()
        if getattr(enterprise, field) != value
    }
    if not changed:
        return enterprise
    former = None
    if "name" in changed:
        former = EnterpriseFormerName(
            enterprise_id=enterprise.id,
            name=enterprise.name,
            until=today - datetime.timedelta(days=1),
        )
        session.add(former)
    for field, change in changed.items():
        setattr(enterprise, field, change["to"])
    session.flush()
    if former is not None:
        _index_new_grams(session, enterprise.id, enterprise.name)
    payload = {
        "enterprise": canonical.row_content(enterprise),
        "changes": canonical.plain(changed),
        "reason": reason,
    }
    if former is not None:
        payload["former_name"] = canonical.row_content(former)
    state.record_change(
        session,
        chain.NewEvent(
            actor=caller.username,
            kind="enterprise_updated",
            enterprise_id=enterprise.id,
            payload=payload,
        ),
    )
    return enterprise


def _index_new_grams(session: Session, enterprise_id: int, name: str) -> None:
    """Adds the grams of a new name beside those of the names before it, which stay indexed."""
    present = set(
        session.scalars(
            select(EnterpriseNameGram.gram).where(EnterpriseNameGram.enterprise_id == enterprise_id)
        )
    )
    grams = [
        {"gram": gram, "enterprise_id": enterprise_id}
        for gram in sorted(name_grams(name) - present)
    ]
    if grams:
        session.execute(insert(EnterpriseNameGram), grams)


def register_many(
    session: Session,
    firms: Iterable[NewEnterprise],
    actor: str = "bulk-import",
    *,
    grade: bool = True,
) -> list[int]:
    """Bulk registration for imports and demo data: the same rows and events as one by one.
    Returns the new firms' ids, in the order given. `grade=False` leaves the grading to the
    caller, who must regrade them in the same transaction (an import that adds records too)."""
    chain.lock_chain(session)
    now = utcnow()
    rows = [
        {
            "uscc": f.uscc,
            "name": f.name,
            "region_code": f.region_code or uscc_codes.region_of(f.uscc),
            "industry_code": f.industry_code,
            "registered_on": f.registered_on,
            "status": "in_business",
            "created_at": now,
        }
        for f in firms
    ]
    if not rows:
        return []
    # Core inserts of the tables: the ORM's per-row bookkeeping would dominate a bulk import.
    # Read the new ids back by code: ordered RETURNING runs row by row on SQLite.
    table = Enterprise.__table__
    session.execute(insert(table), rows)
    by_code = dict(
        session.execute(
            select(table.c.uscc, table.c.id).where(table.c.uscc.in_([row["uscc"] for row in rows]))
        ).all()
    )
    ids = [by_code[row["uscc"]] for row in rows]
    grams = [
        {"gram": gram, "enterprise_id": id_}
        for id_, row in zip(ids, rows, strict=False)
        for gram in name_grams(row["name"])
    ]
    session.execute(insert(EnterpriseNameGram.__table__), grams)
    session.execute(
        insert(EnterpriseState.__table__),
        [
            {"enterprise_id": id_, "blacklisted": False, "active_records": 0, "updated_at": now}
            for id_ in ids
        ],
    )
    chain.append_many(
        session,
        [
            chain.NewEvent(
                actor=actor,
                kind="enterprise_registered",
                enterprise_id=id_,
                payload={"enterprise": canonical.plain({"id": id_, **row})},
            )
            for id_, row in zip(ids, rows, strict=False)
        ],
    )
    if grade:
        state.refresh_states(session, ids, trigger="enterprise_registered", actor=actor)
    return ids


def name_grams(name: str) -> set[str]:
    """The distinct two-character runs of a name, case-folded."""
    folded = name.lower()
    return {folded[i : i + 2] for i in range(len(folded) - 1)}


def former_names(session: Session, enterprise_ids: Sequence[int]) -> dict[int, list[dict]]:
    """Each firm's former names, oldest first, as `{"name", "until"}`, in one query."""
    found: dict[int, list[dict]] = {id_: [] for id_ in enterprise_ids}
    if enterprise_ids:
        rows = session.execute(
            select(
                EnterpriseFormerName.enterprise_id,
                EnterpriseFormerName.name,
                EnterpriseFormerName.until,
            )
            .where(EnterpriseFormerName.enterprise_id.in_(enterprise_ids))
            .order_by(EnterpriseFormerName.until, EnterpriseFormerName.id)
        )
        for row in rows:
            found[row.enterprise_id].append({"name": row.name, "until": row.until})
    return found


def index_name(session: Session, enterprise_id: int, name: str) -> None:
    grams = [{"gram": g, "enterprise_id": enterprise_id} for g in sorted(name_grams(name))]
    if grams:
        session.execute(insert(EnterpriseNameGram), grams)


def search_enterprises(
    session: Session,
    *,
    q: str | None = None,
    region: str | None = None,
    grade: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> SearchPage:
    """Firms whose name contains q (2+ characters) or whose USCC starts with q, in a region prefix,
    with a grade (as stored by the last write or daily regrade).

    Order: the exact USCC first, then names that start with q, then the rest by name.
    """
    stmt = select(Enterprise)
    order = [Enterprise.name, Enterprise.uscc]
    if q:
        text = q.strip()
        code = uscc_codes.normalise(text)
        matches = []
        if uscc_codes.is_prefix(code):
            matches.append(select(Enterprise.id).where(*lookup.prefix_range(Enterprise.uscc, code)))
        if len(text) >= MIN_NAME_QUERY:
            matches.append(_name_contains(text))
        if not matches:
            raise InvalidInput.field(
                "q", f"give at least {MIN_NAME_QUERY} characters of a name, or the start of a USCC"
            )
        ids = matches[0] if len(matches) == 1 else union(*matches)
        stmt = stmt.where(Enterprise.id.in_(ids))
        rank = case(
            (Enterprise.uscc == code, 0),
            (func.lower(Enterprise.name).startswith(text.lower(), autoescape=True), 1),
            else_=2,
        )
        order.insert(0, rank)
    if region:
        stmt = stmt.where(*lookup.prefix_range(Enterprise.region_code, region))
    if grade:
        stmt = stmt.join(EnterpriseState, EnterpriseState.enterprise_id == Enterprise.id).where(
            EnterpriseState.grade == grade
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = session.scalars(
        stmt.order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return SearchPage(items=items, page=page, per_page=per_page, total=total or 0)


def _name_contains(text: str):
    grams = sorted(name_grams(text))
    candidates = (
        select(EnterpriseNameGram.enterprise_id)
        .where(EnterpriseNameGram.gram.in_(grams))
        .group_by(EnterpriseNameGram.enterprise_id)
        .having(func.count() == literal(len(grams)))
    )
    # Every gram present does not make them adjacent: confirm the substring on the candidates,
    # in the current name or a former one (their grams share the index).
    folded = text.lower()
    former = exists().where(
        EnterpriseFormerName.enterprise_id == Enterprise.id,
        func.lower(EnterpriseFormerName.name).contains(folded, autoescape=True),
    )
    return (
        select(Enterprise.id)
        .where(Enterprise.id.in_(candidates))
        .where(or_(func.lower(Enterprise.name).contains(folded, autoescape=True), former))
    )
