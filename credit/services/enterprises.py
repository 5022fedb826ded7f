"""The enterprise register: one credit file per USCC, found by code, code prefix or any part of its name."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, insert, not_, or_, select, union
from sqlalchemy.orm import Session, aliased

from credit import canonical, chain, clock, policy
from credit import uscc as uscc_codes
from credit.auth.caller import Caller, require_region, require_writer
from credit.clock import utcnow
from credit.db import insert_rows
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
    total_exact: bool = True


def register_enterprise(session: Session, caller: Caller, new: NewEnterprise) -> Enterprise:
    region_code = new.region_code or uscc_codes.region_of(new.uscc)
    require_writer(caller, "enterprise", region_code)
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
    insert_rows(session, table, rows)
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
    insert_rows(session, EnterpriseNameGram.__table__, grams)
    insert_rows(
        session,
        EnterpriseState.__table__,
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
                # Encoded by the chain as `plain` would give it: no round trip through JSON.
                payload={"enterprise": {"id": id_, **row}},
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
    with a grade (as stored by the last write or daily regrade). A query of digits alone is a
    code prefix and is not looked for in names.

    Order: the exact USCC first, then names that start with q, then the rest by name. The total is
    counted exactly up to `policy.SEARCH_EXACT_TOTAL`; past it the page says so. A page of few
    matches is sorted; a page of many is read along the name index, never sorting them all, or
    for a code prefix whose firms lie far along it, sorted from the code index alone.
    """
    filters = []
    if region:
        filters += lookup.prefix_range(Enterprise.region_code, region)
    if grade:
        filters.append(
            exists().where(
                EnterpriseState.enterprise_id == Enterprise.id, EnterpriseState.grade == grade
            )
        )
    offset = (page - 1) * per_page
    if not q:
        total, exact = _bounded_count(session, select(Enterprise.id).where(*filters))
        items = session.scalars(
            select(Enterprise)
            .where(*filters)
            .order_by(Enterprise.name, Enterprise.uscc)
            .limit(per_page)
            .offset(offset)
        ).all()
        return SearchPage(items, page, per_page, total, exact)
    query = _Query.of(session, q)
    by_region = False
    if region:
        # A region with fewer firms than q's rarest gram (or code range) has drives the match:
        # each of its firms is tested, and its matches are few enough to sort.
        in_region = select(Enterprise.id).where(
            *lookup.prefix_range(Enterprise.region_code, region)
        )
        by_region = _bounded_count(session, in_region)[0] < query.driver
        if not by_region and query.driver == policy.SEARCH_EXACT_TOTAL:  # both many: how many?
            further = policy.SEARCH_EXACT_TOTAL * 10
            by_region = _bounded_count(session, in_region, further)[0] < query.driver_within(
                session, further
            )
    matches = query.matches(filters, by_region=by_region)
    total, exact = _bounded_count(session, matches)
    if exact or by_region or not query.uncased:
        items = session.scalars(
            select(Enterprise)
            .where(Enterprise.id.in_(matches))
            .order_by(*query.ranked())
            .limit(per_page)
            .offset(offset)
        ).all()
    else:
        items = query.page_in_name_order(session, filters, offset, per_page)
    return SearchPage(items, page, per_page, total, exact)


def _bounded_count(session: Session, ids, limit: int | None = None) -> tuple[int, bool]:
    """How many rows `ids` selects, counted no further than `limit` (the search's exact limit
    unless given), and whether that is the exact number."""
    limit = limit or policy.SEARCH_EXACT_TOTAL
    found = session.scalar(select(func.count()).select_from(ids.limit(limit + 1).subquery())) or 0
    return min(found, limit), found <= limit


_GRAM = EnterpriseNameGram
# SQLite's planner would rather drive a page from a region's index and sort what it finds.
NAME_ORDER = "INDEXED BY ix_enterprise_name_uscc"
# A code range sorted by name from the index that holds both, never from the table's rows.
CODE_ORDER = "INDEXED BY ix_enterprise_uscc_name"
# How far along the name index a code prefix's page is looked for before its code range is
# sorted instead: a range's firms may all bear names late in name order (a city's firms named
# after the city), and walking past them costs more than sorting the range. About 2 ms at most.
NAME_WALK = 20_000


@dataclass(frozen=True)
class _Query:
    """A search's q: a code prefix, a run of a name, or either; the name's grams rarest first."""

    text: str
    code: str
    by_code: bool
    grams: tuple[str, ...]  # empty: not looked for in names
    driver: int  # the rows the match is driven from (gram postings, codes), counted as a total is

    @classmethod
    def of(cls, session: Session, q: str) -> _Query:
        text = q.strip()
        code = uscc_codes.normalise(text)
        by_code = uscc_codes.is_prefix(code)
        by_name = len(text) >= MIN_NAME_QUERY and not code.isdigit()
        if not (by_code or by_name):
            raise InvalidInput.field(
                "q", f"give at least {MIN_NAME_QUERY} characters of a name, or the start of a USCC"
            )
        grams: tuple[str, ...] = ()
        driver = 0
        if by_name:
            # Intersections start from the rarest gram, each counted no further than needed.
            size = {
                gram: _bounded_count(
                    session, select(_GRAM.enterprise_id).where(_GRAM.gram == gram)
                )[0]
                for gram in name_grams(text)
            }
            grams = tuple(sorted(size, key=lambda gram: (size[gram], gram)))
            driver += size[grams[0]]
        if by_code:
            codes = select(Enterprise.id).where(*lookup.prefix_range(Enterprise.uscc, code))
            driver += _bounded_count(session, codes)[0]
        return cls(text, code, by_code, grams, driver)

    def driver_within(self, session: Session, limit: int) -> int:
        """The rows the match is driven from, counted up to `limit`."""
        size = 0
        if self.grams:
            postings = select(_GRAM.enterprise_id).where(_GRAM.gram == self.grams[0])
            size += _bounded_count(session, postings, limit)[0]
        if self.by_code:
            codes = select(Enterprise.id).where(*self._code_range())
            size += _bounded_count(session, codes, limit)[0]
        return size

    @property
    def uncased(self) -> bool:
        """Whether names starting with q are a range of the name index (no letter to fold)."""
        return self.text.lower() == self.text.upper()

    def _code_range(self):
        return lookup.prefix_range(Enterprise.uscc, self.code)

    def _name_candidates(self, filters):
        """The firms holding the rarest gram, each confirmed to hold q: a substring check of a
        name is cheaper than probing the gram index for the other grams."""
        return (
            select(Enterprise.id)
            .select_from(EnterpriseNameGram)
            .join(Enterprise, Enterprise.id == EnterpriseNameGram.enterprise_id)
            .where(EnterpriseNameGram.gram == self.grams[0], *self._confirmed(), *filters)
        )

    def _confirmed(self) -> list:
        return _confirm_name(self.text, self.grams)

    def matches(self, filters, *, by_region: bool = False):
        """The matching firms' ids, driven from the code index or the rarest gram's postings, or
        `by_region` from the region's index (in `filters`), each of its firms tested."""
        if by_region:
            return select(Enterprise.id).where(*filters, self._match_clause())
        selects = []
        if self.by_code:
            selects.append(select(Enterprise.id).where(*self._code_range(), *filters))
        if self.grams:
            selects.append(self._name_candidates(filters))
        if len(selects) == 1:
            return selects[0]
        return select(union(*selects).subquery().c[0])

    def _match_clause(self):
        """The match as a test of each firm read along the name index: no index of its own may
        drive it (or the page would be sorted whole)."""
        parts = []
        if self.by_code:
            parts.append(func.substr(Enterprise.uscc, 1, len(self.code)) == self.code)
        if self.grams:
            confirmed = self._confirmed()
            if not confirmed:  # a two-character q: its gram's posting for this firm
                posting = aliased(EnterpriseNameGram)
                confirmed = [
                    exists().where(
                        posting.enterprise_id == Enterprise.id, posting.gram == self.grams[0]
                    )
                ]
            parts.append(and_(*confirmed))
        return or_(*parts)

    def _starts(self):
        return func.lower(Enterprise.name).startswith(self.text.lower(), autoescape=True)

    def ranked(self) -> list:
        rank = case((Enterprise.uscc == self.code, 0), (self._starts(), 1), else_=2)
        return [rank, Enterprise.name, Enterprise.uscc]

    def page_in_name_order(
        self, session: Session, filters, offset: int, per_page: int
    ) -> list[Enterprise]:
        """A page of many matches, in two runs: the names starting with q (a range of the name
        index), then the rest, read along the name index, or for a code prefix whose firms are
        not among its first names, from the code range sorted by name. (An exact code is no such
        page: a q without letters that is a code is digits alone, so names are not searched.)"""
        match = self._match_clause()
        starts = lookup.prefix_range(Enterprise.name, self.text)
        leading = (
            select(Enterprise.id)
            .with_hint(Enterprise, NAME_ORDER, "sqlite")
            .where(*starts, match, *filters)
        )
        if self.by_code and not self.grams and not self._near(session, filters, offset + per_page):
            rest = select(Enterprise.id).with_hint(Enterprise, CODE_ORDER, "sqlite")
            rest = rest.where(*self._code_range(), not_(and_(*starts)), *filters)
        else:
            rest = select(Enterprise.id).with_hint(Enterprise, NAME_ORDER, "sqlite")
            rest = rest.where(not_(and_(*starts)), match, *filters)
        in_order = (Enterprise.name, Enterprise.uscc)
        leading_count = session.scalar(
            select(func.count()).select_from(leading.limit(offset + per_page).subquery())
        )
        ids: list[int] = []
        if offset < leading_count:
            ids += session.scalars(leading.order_by(*in_order).limit(per_page).offset(offset))
        if len(ids) < per_page:
            rest = rest.order_by(*in_order).limit(per_page - len(ids))
            ids += session.scalars(rest.offset(max(0, offset - leading_count)))
        found = {e.id: e for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))}
        return [found[id_] for id_ in ids]

    def _near(self, session: Session, filters, wanted: int) -> bool:
        """Whether `wanted` firms of the code range are among the first names of the name index."""
        window = (
            select(Enterprise.uscc)
            .with_hint(Enterprise, NAME_ORDER, "sqlite")
            .where(*filters)
            .order_by(Enterprise.name, Enterprise.uscc)
            .limit(NAME_WALK)
            .subquery()
        )
        in_range = select(window.c.uscc).where(
            func.substr(window.c.uscc, 1, len(self.code)) == self.code
        )
        found = session.scalar(select(func.count()).select_from(in_range.limit(wanted).subquery()))
        return found >= wanted


def _confirm_name(text: str, grams: Sequence[str]) -> list:
    """The one place a run of characters is confirmed on a candidate firm: having every gram of q
    does not make them adjacent. A two-character q is its own gram, so the index alone answers
    it. Every name a firm is found by through the gram index (its current name and its former
    ones) is checked here."""
    folded = text.lower()
    if len(folded) == MIN_NAME_QUERY and len(grams) == 1:
        return []
    former = exists().where(
        EnterpriseFormerName.enterprise_id == Enterprise.id,
        func.lower(EnterpriseFormerName.name).contains(folded, autoescape=True),
    )
    return [or_(func.lower(Enterprise.name).contains(folded, autoescape=True), former)]
