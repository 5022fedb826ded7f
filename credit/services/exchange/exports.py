"""Open-data exports: the public datasets, and a region's whole credit files for its regulator.

An export reads one snapshot: the change-feed cursor it names and every row it sends come from
the same transaction (REPEATABLE READ on PostgreSQL; on SQLite a read transaction sees one
snapshot from its first read). Rows are read in chunks from a server-side cursor and handed on
as they come, so memory stays flat however many firms the registry holds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, case, exists, select
from sqlalchemy.orm import Session

from credit import catalog, clock, policy
from credit.auth.caller import Caller, require_role
from credit.errors import Forbidden, InvalidInput, NotFound
from credit.grading import evidence
from credit.models import (
    AuditEvent,
    Correction,
    Enterprise,
    EnterpriseState,
    Inspection,
    Listing,
    Record,
    Violation,
)
from credit.rules import display, listings, periods
from credit.services import enterprises, inspections, lookup, profiles, state

FORMATS = ("csv", "jsonl", "xlsx")
PUBLIC_DATASETS = ("enterprises", "blacklist", "inspections", "violations")
# Whole files hold what only the regulator of the region may read.
DATASETS = (*PUBLIC_DATASETS, "files")
# Rows fetched per round trip: large enough that round trips do not dominate, small enough that
# a chunk of whole credit files stays a few megabytes.
CHUNK_ROWS = 1000
FILES_CHUNK = 200

COLUMNS = {
    "enterprises": (
        *state.FIRM_COLUMNS,
        "grade",
        "risk_class",
        "graded",
        "blacklisted",
    ),
    "blacklist": (
        "id",
        "uscc",
        "name",
        "region_code",
        "state",
        "disputed",
        "reason",
        "legal_basis",
        "decision_no",
        "authority",
        "listed_on",
        "notified_on",
        "repair_eligible_on",
        "expires_on",
        "violation_ids",
    ),
    "inspections": (
        "id",
        "uscc",
        "name",
        "region_code",
        "product",
        "product_category",
        "level",
        "result",
        "failed_items",
        "report_no",
        "testing_institution",
        "sampled_on",
        "display_until",
    ),
    "violations": (
        "id",
        "uscc",
        "name",
        "region_code",
        "category",
        "category_label",
        "severity",
        "decided_on",
        "authority",
        "decision_no",
        "fine_amount",
        "legal_basis",
        "description",
        "display_until",
    ),
    # One whole credit file per line, as GET /enterprises/{uscc}/file answers it.
    "files": (),
}

_FIRM = Enterprise.__table__
_STATE = EnterpriseState.__table__


@dataclass
class Export:
    """A dataset as read in one snapshot: `rows()` yields its rows, chunk by chunk, while the
    session stays open; the caller closes the session when the rows are written."""

    dataset: str
    format: str
    day: datetime.date
    cursor: int
    last_modified: datetime.datetime
    columns: Sequence[str]
    session: Session
    region: str | None = None

    @property
    def filename(self) -> str:
        region = f"-{self.region}" if self.region else ""
        return f"{self.dataset}{region}-{self.day.isoformat()}.{self.format}"

    def rows(self) -> Iterator[dict]:
        return _READERS[self.dataset](self.session, self.day, self.region)


def open_export(
    session: Session, caller: Caller, dataset: str, fmt: str, *, region: str | None = None
) -> Export:
    """Checks the request and the caller, then fixes the snapshot: the cursor and the time of
    the last change are read before any row, in the transaction the rows are read in."""
    if dataset not in DATASETS:
        raise NotFound(f"No dataset {dataset!r}; the datasets are {', '.join(DATASETS)}.")
    if fmt not in FORMATS:
        raise NotFound(f"No format {fmt!r}; the formats are {', '.join(FORMATS)}.")
    if dataset == "files":
        require_role(caller, "regulator")
        region = region or caller.region
        if not region or not caller.covers_region(region):
            raise Forbidden(f"Your region {caller.region} does not cover region {region}.")
        if fmt != "jsonl":
            raise InvalidInput.field("format", "whole credit files are exported as jsonl")
    _begin_snapshot(session)
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.at).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    day = clock.today()
    # What a public dataset holds changes with the day too (display periods end, listings
    # expire), so it is as new as the later of the last write and the start of today.
    changed = max(head.at, clock.start_of(day)) if head else clock.start_of(day)
    return Export(
        dataset=dataset,
        format=fmt,
        day=day,
        cursor=head.seq if head else 0,
        last_modified=changed,
        columns=COLUMNS[dataset],
        session=session,
        region=region,
    )


def _begin_snapshot(session: Session) -> None:
    """Every read of the export sees the database as of its first read."""
    if session.in_transaction() or isinstance(session.bind, Connection):
        return  # inside a transaction its owner opened (tests): already one snapshot
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _partitions(session: Session, statement, size: int = CHUNK_ROWS, *, scalars: bool = False):
    """The statement's rows (or first column) a chunk at a time, from a server-side cursor where
    there is one. The session holds its objects weakly: a chunk's are gone once written."""
    result = session.execute(statement.execution_options(yield_per=size))
    if scalars:
        result = result.scalars()
    yield from result.partitions()


def _in_region(column, region: str | None) -> tuple:
    return tuple(lookup.prefix_range(column, region)) if region else ()


def _enterprises(session: Session, day: datetime.date, region: str | None) -> Iterator[dict]:
    statement = (
        select(
            _FIRM.c.id,
            *(_FIRM.c[name] for name in state.FIRM_COLUMNS),
            _STATE.c.grade,
            _STATE.c.risk_class,
            _STATE.c.blacklisted,
            _STATE.c.assessment_id,
            _STATE.c.next_change_on,
            _STATE.c.ruleset,
            # Only whether a profile is stored, all `state.servable` asks of it.
            case((_STATE.c.public_profile.is_(None), None), else_=True).label("public_profile"),
        )
        .select_from(_FIRM.outerjoin(_STATE, _STATE.c.enterprise_id == _FIRM.c.id))
        .where(*_in_region(_FIRM.c.region_code, region))
        .order_by(_FIRM.c.id)
    )
    for partition in _partitions(session, statement):
        # A stored row the profile would not serve is not served here either: those firms are
        # graded afresh, as their profile would be.
        stale = [row.id for row in partition if not state.servable(row, day)]
        fresh = {}
        if stale:
            firms = session.scalars(select(Enterprise).where(Enterprise.id.in_(stale))).all()
            fresh = state.current_states(session, firms, day)
        for row in partition:
            standing = fresh.get(row.id, row)
            yield {
                **{name: row._mapping[name] for name in state.FIRM_COLUMNS},
                "grade": standing.grade,
                "risk_class": standing.risk_class,
                "graded": standing.grade is not None,
                "blacklisted": bool(standing.blacklisted),
            }


def _blacklist(session: Session, day: datetime.date, region: str | None) -> Iterator[dict]:
    statement = (
        select(Listing, Enterprise)
        .join(Enterprise, Enterprise.id == Listing.enterprise_id)
        .where(
            Listing.state.in_(listings.ACTIVE),
            Listing.expires_on > day,
            Listing.listed_on <= day,
            *_in_region(Enterprise.region_code, region),
        )
        .order_by(Listing.listed_on.desc(), Listing.id.desc())
    )
    for partition in _partitions(session, statement):
        for listing, firm in partition:
            if listings.is_active_on(listing, day):
                yield listings.describe(listing, firm, day, history=False)


def _inspections(session: Session, day: datetime.date, region: str | None) -> Iterator[dict]:
    inspection, record = Inspection.__table__, Record.__table__
    correction = Correction.__table__
    rescinded = exists().where(
        correction.c.record_id == inspection.c.id,
        correction.c.action == "rescind",
        correction.c.effective_on <= day,
    )
    statement = (
        select(inspection, _FIRM.c.uscc, _FIRM.c.name, _FIRM.c.region_code)
        .select_from(
            inspection.join(record, record.c.id == inspection.c.id).join(
                _FIRM, _FIRM.c.id == record.c.enterprise_id
            )
        )
        .where(
            and_(
                inspection.c.sampled_on >= display.inspection_display_from(day),
                inspection.c.sampled_on <= day,
                ~rescinded,
                *_in_region(_FIRM.c.region_code, region),
            )
        )
        .order_by(inspection.c.sampled_on.desc(), inspection.c.id.desc())
    )
    for partition in _partitions(session, statement):
        for row in partition:
            yield inspections.result_item(row)


def _violations(session: Session, day: datetime.date, region: str | None) -> Iterator[dict]:
    # No violation is shown longer than the longest display period: older ones are not read.
    # A week's margin covers periods that end early in short months; the exact rule follows.
    longest = max(policy.DISPLAY_MONTHS.values())
    earliest = periods.months_before(day, longest) - datetime.timedelta(days=7)
    statement = (
        select(Violation, Enterprise.uscc, Enterprise.name, Enterprise.region_code)
        .join(Enterprise, Enterprise.id == Violation.enterprise_id)
        .where(
            Violation.decided_on >= earliest,
            Violation.decided_on <= day,
            *_in_region(Enterprise.region_code, region),
        )
        .order_by(Violation.decided_on.desc(), Violation.id.desc())
    )
    for partition in _partitions(session, statement):
        for violation, uscc, name, region_code in partition:
            if not display.shown_publicly(violation, day):
                continue
            yield {
                "id": violation.id,
                "uscc": uscc,
                "name": name,
                "region_code": region_code,
                "category": violation.category,
                "category_label": catalog.VIOLATION_CATEGORIES[violation.category].label_zh,
                "severity": violation.severity,
                "decided_on": violation.decided_on,
                "authority": violation.authority,
                "decision_no": violation.decision_no,
                "fine_amount": display.fine_yuan(violation.fine_fen),
                "legal_basis": violation.legal_basis,
                "description": violation.description,
                "display_until": display.display_until(violation),
            }


def _files(session: Session, day: datetime.date, region: str | None) -> Iterator[dict]:
    statement = select(Enterprise).where(*_in_region(Enterprise.region_code, region))
    for partition in _partitions(
        session, statement.order_by(Enterprise.id), FILES_CHUNK, scalars=True
    ):
        firms = list(partition)
        ids = [firm.id for firm in firms]
        current = state.current_states(session, firms, day)
        records: dict[int, list[Record]] = {id_: [] for id_ in ids}
        for record in session.scalars(
            select(Record).where(Record.enterprise_id.in_(ids)).order_by(Record.id)
        ):
            records[record.enterprise_id].append(record)
        firm_listings: dict[int, list] = {id_: [] for id_ in ids}
        for listing in evidence.listings_of(session, ids):
            firm_listings[listing.enterprise_id].append(listing)
        names = enterprises.former_names(session, ids)
        for firm in firms:
            yield profiles.file_body(
                firm,
                current[firm.id],
                records[firm.id],
                firm_listings[firm.id],
                names[firm.id],
                day,
            )


_READERS = {
    "enterprises": _enterprises,
    "blacklist": _blacklist,
    "inspections": _inspections,
    "violations": _violations,
    "files": _files,
}
