"""Lookups for procurement and lending: one firm or a thousand, as of any day, with reasons.

The firms asked and their current-state rows are read in one statement, as plain tuples. Today, a
firm whose row shows nothing the check reports is answered from that row alone; only the others
have their evidence read, for all of them at once. Answers as of a past day are computed from the
evidence the registry held at the end of that day. The answers are plain dicts in wire form.

The rows statement and the query-log entry run where the caller's `Statements` run them: a
request's on its lookup connections, each on its own (a check that reads no evidence opens no
transaction at all); otherwise in the session's transaction.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import bindparam, case, exists, or_, select
from sqlalchemy.orm import Session

from credit import canonical, catalog, clock, policy
from credit.auth.caller import Caller, require_role
from credit.db import DriverQuery, Statements
from credit.errors import InvalidInput
from credit.grading import evidence
from credit.grading import ruleset as rulesets
from credit.grading.engine import Inputs, Result, assess
from credit.models import (
    Award,
    Enterprise,
    EnterpriseState,
    GradeOverride,
    Inspection,
    Record,
    Violation,
)
from credit.rules import display, listings, periods
from credit.services import query_log, state

# A firm as a check's rows statement reads it: a named tuple of the statement's columns.
CheckRow = tuple


@dataclass(frozen=True)
class Reason:
    code: str
    severity: str
    detail: str
    legal_basis: str | None
    record_id: int | None = None


@dataclass
class Standing:
    """One firm as of the day asked: its grade and the evidence behind it. A firm answered from
    its state row alone carries no evidence (`inputs` empty): it has nothing to report. The
    `enterprise` is the firm's row as a check reads it, or an `Enterprise`: `id`, `uscc`, `name`,
    `status` and `status_since` are all a check uses."""

    enterprise: CheckRow | Enterprise
    grade: str | None
    risk_class: str | None
    score: Decimal | None
    blacklisted: bool
    overridden: bool
    inputs: Inputs = field(default_factory=Inputs)
    listings: list = field(default_factory=list)

    @classmethod
    def of(cls, enterprise: CheckRow | Enterprise, result: Result, inputs: Inputs, listings: list):
        return cls(
            enterprise,
            result.grade,
            result.risk_class,
            result.score,
            result.blacklisted,
            result.override is not None,
            inputs,
            listings,
        )


@functools.lru_cache(maxsize=32)
def _months_before(day: datetime.date, months: int) -> datetime.date:
    """A look-back's first day: the same few for every firm of a check, so computed once each."""
    return periods.months_before(day, months)


def _reason(
    code: str, detail: str, record_id: int | None = None, legal_basis: str | None = None
) -> Reason:
    entry = catalog.CHECK_REASONS[code]
    return Reason(code, entry.group, detail, legal_basis or entry.legal_basis, record_id)


_FIRM, _STATE = Enterprise.__table__, EnterpriseState.__table__
# What a check reads of the firms asked, in one statement of plain tuples: the firm and its state
# row. The profile is asked only whether it is there (all `state.servable` looks at), never
# read: a check does not send it.
_CHECK_ROWS = (
    select(
        _FIRM.c.id,
        _FIRM.c.uscc,
        _FIRM.c.name,
        _FIRM.c.status,
        _FIRM.c.status_since,
        _STATE.c.grade,
        _STATE.c.risk_class,
        _STATE.c.score,
        _STATE.c.blacklisted,
        _STATE.c.open_disputes,
        _STATE.c.active_records,
        _STATE.c.last_major_violation_on,
        _STATE.c.last_serious_violation_on,
        _STATE.c.assessment_id,
        _STATE.c.next_change_on,
        _STATE.c.ruleset,
        case((_STATE.c.public_profile.is_(None), None), else_=True).label("public_profile"),
    )
    .select_from(_FIRM.outerjoin(_STATE, _STATE.c.enterprise_id == _FIRM.c.id))
    .where(
        _FIRM.c.uscc.in_(bindparam("codes", expanding=True)),
        _FIRM.c.created_at < bindparam("day_ends"),
    )
)
_RECORD, _INSPECTION = Record.__table__, Inspection.__table__
_VIOLATION, _AWARD = Violation.__table__, Award.__table__
_OVERRIDE = GradeOverride.__table__


def _record_of_firm(kind_table, *conditions):
    return exists().where(
        _RECORD.c.enterprise_id == _FIRM.c.id, kind_table.c.id == _RECORD.c.id, *conditions
    )


# A lender's check also asks whether the firm holds anything a lender is told of beyond its row
# (a violation decided within the look-back, a failed sampling within its year, an honour not
# expired) and whether an override is in force: a firm with certificates, passed samplings or
# older records alone is then answered from its row too. A correction only takes a record away,
# so a record outside these bounds can add nothing to the answer.
_LENDING_ROWS = _CHECK_ROWS.add_columns(
    or_(
        _record_of_firm(_VIOLATION, _VIOLATION.c.decided_on >= bindparam("violations_since")),
        _record_of_firm(
            _INSPECTION,
            _INSPECTION.c.result == "fail",
            _INSPECTION.c.sampled_on >= bindparam("inspections_since"),
        ),
        _record_of_firm(
            _AWARD, or_(_AWARD.c.expires_on.is_(None), _AWARD.c.expires_on > bindparam("day"))
        ),
    ).label("lender_records"),
    exists()
    .where(
        _OVERRIDE.c.enterprise_id == _FIRM.c.id,
        _OVERRIDE.c.valid_until >= bindparam("day"),
        _OVERRIDE.c.created_at < bindparam("day_ends"),
    )
    .label("overridden"),
)


@dataclass(frozen=True)
class Shortcut:
    """Which firms a check answers from their state row alone: the statement reading the rows,
    with the columns `test` needs, and the test."""

    rows: DriverQuery
    test: Callable[[CheckRow, datetime.date], bool]
    bounds: Callable[[datetime.date], dict] = lambda _day: {}  # the statement's own parameters


def firm_rows(
    statements: Statements,
    codes: Sequence[str],
    day: datetime.date,
    shortcut: Shortcut | None = None,
) -> list[CheckRow]:
    """The firms among `codes` the registry knew on `day`, with their state rows (and the columns
    the `shortcut` tests), in one statement where `statements` read."""
    query = _ROWS if shortcut is None else shortcut.rows
    params = {
        "codes": list(set(codes)),
        "day": day,
        "day_ends": clock.start_of(day + datetime.timedelta(days=1)),
        **(shortcut.bounds(day) if shortcut is not None else {}),
    }
    return statements.read(lambda connection: query.all(connection, **params))


def standings_of(
    session: Session,
    rows: Sequence[CheckRow],
    day: datetime.date,
    shortcut: Shortcut | None = None,
) -> dict[str, Standing]:
    """Each firm's grade on `day`, by its code. Today, a firm whose stored row may be served and
    which the `shortcut` says its row shows all a check reports of is answered from that row
    alone (most firms, most days); the others are graded from their evidence, read once for all
    of them through `session`. A standing's `enterprise` is the firm's row (id, uscc, name,
    status)."""
    found: dict[str, Standing] = {}
    rest = []
    if shortcut is not None and day == clock.today():
        for row in rows:
            if state.servable(row, day) and shortcut.test(row, day):
                found[row.uscc] = Standing(
                    row, row.grade, row.risk_class, row.score, row.blacklisted, False
                )
            else:
                rest.append(row)
    else:
        rest = rows
    if rest:
        facts = evidence.gather(session, [row.id for row in rest], disputes=True)
        ruleset = rulesets.current()
        for row in rest:
            inputs = facts[row.id].on(day)
            found[row.uscc] = Standing.of(
                row, assess(inputs, ruleset, day), inputs, facts[row.id].listings
            )
    return found


def standings(session: Session, codes: Sequence[str], day: datetime.date) -> dict[str, Standing]:
    """The firms among `codes` the registry knew on `day`, each with its grade that day, read in
    the session's transaction."""
    return standings_of(session, firm_rows(Statements.of(session), codes, day), day)


def _nothing_to_report(current: CheckRow, day: datetime.date) -> bool:
    """No listing, no major or serious violation within the look-back, no dispute, a grade
    above C: a procurement check has no reason to give, so no evidence is read."""
    since = _months_before(day, 12 * policy.MAJOR_RECORD_YEARS)
    return (
        current.grade not in policy.LOW_GRADES
        and not current.blacklisted
        and current.open_disputes == 0
        and (current.last_major_violation_on is None or current.last_major_violation_on < since)
        and (current.last_serious_violation_on is None or current.last_serious_violation_on < since)
    )


def _nothing_for_a_lender(current: CheckRow, _day: datetime.date) -> bool:
    """No violation, honour or failed sampling a lender counts, no listing, no dispute, no
    override in force: a lender's counts are nought and its flags come from the row (a low
    grade, a closed firm), so no evidence is read."""
    return not (
        current.lender_records or current.blacklisted or current.open_disputes or current.overridden
    )


_ROWS = DriverQuery(_CHECK_ROWS)
PROCUREMENT = Shortcut(_ROWS, _nothing_to_report)


def _lending_bounds(day: datetime.date) -> dict:
    """The first days of the look-backs `lending_flags` counts records within."""
    return {
        "violations_since": _months_before(day, policy.LENDING_VIOLATION_MONTHS),
        "inspections_since": _months_before(day, policy.LENDING_INSPECTION_MONTHS),
    }


LENDING = Shortcut(DriverQuery(_LENDING_ROWS), _nothing_for_a_lender, _lending_bounds)


def status_on(enterprise: CheckRow | Enterprise, day: datetime.date) -> str:
    """Whether the firm was in business or deregistered on that day, as far as the register
    knows: a deregistration counts from its `status_since`."""
    if enterprise.status == "deregistered" and (
        enterprise.status_since is None or enterprise.status_since <= day
    ):
        return "deregistered"
    return "in_business"


def procurement_reasons(standing: Standing, day: datetime.date) -> list[Reason]:
    reasons: list[Reason] = []
    firm = standing.enterprise
    if status_on(firm, day) == "deregistered":
        # A firm that no longer exists cannot bear civil liability, the first condition a
        # supplier must meet; whatever else its file says, it cannot be awarded a contract.
        since = f"{firm.status_since.isoformat()} 起" if firm.status_since else ""
        reasons.append(_reason("deregistered", f"{since}已注销"))
    three_years_ago = _months_before(day, 12 * policy.MAJOR_RECORD_YEARS)
    for listing in standing.listings:
        listing_state = listings.state_on(listing, day)
        if listing_state not in listings.ACTIVE:
            continue
        detail = (
            f"{listing.listed_on.isoformat()} 起列入质量失信黑名单（{listing.decision_no}），"
            f"至 {listing.expires_on.isoformat()}"
        )
        if "quality_blacklist" in policy.PROCUREMENT_BLOCKING_LISTS:
            reasons.append(_reason("blacklisted", detail, listing.id, listing.legal_basis))
        else:
            reasons.append(
                _reason("blacklisted_not_blocking", detail, listing.id, listing.legal_basis)
            )
        if listing_state == "objection_pending":
            reasons.append(
                _reason(
                    "listing_disputed",
                    f"企业对列入决定 {listing.decision_no} 提出异议，尚在处理中",
                    listing.id,
                )
            )
    for record in standing.inputs.records:
        if display.status(record, day) == "rescinded":
            continue
        if display.disputed(record, day):
            reasons.append(
                _reason(
                    "record_disputed",
                    f"企业对记录 {record.id}（{record.kind}）提出异议，尚在处理中",
                    record.id,
                )
            )
        if not isinstance(record, Violation):
            continue
        if not three_years_ago <= record.decided_on <= day:
            continue
        basis = f"{record.decision_no}（{record.decided_on.isoformat()}，{record.authority}）"
        if record.category in policy.MAJOR_VIOLATION_CATEGORIES:
            label = catalog.VIOLATION_CATEGORIES[record.category].label_zh
            reasons.append(_reason(record.category, f"{label}：{basis}", record.id))
        elif (record.fine_fen or 0) >= int(policy.MAJOR_FINE_YUAN * 100):
            reasons.append(
                _reason(
                    "major_fine",
                    f"罚款 {display.fine_yuan(record.fine_fen)} 元：{basis}",
                    record.id,
                )
            )
        elif record.severity in ("serious", "especially_serious"):
            label = catalog.SEVERITIES[record.severity].label_zh
            reasons.append(_reason("serious_violation", f"{label}违法：{basis}", record.id))
    if standing.grade in policy.LOW_GRADES:
        reasons.append(_reason("low_grade", f"质量信用等级为 {standing.grade}"))
    return reasons


def _validate(codes: Sequence[str], as_of: datetime.date | None) -> datetime.date:
    if not 1 <= len(codes) <= policy.MAX_BATCH:
        raise InvalidInput.field("uscc", f"give 1 to {policy.MAX_BATCH} codes, not {len(codes)}")
    seen: dict[str, int] = {}
    for index, code in enumerate(codes):
        seen[code] = seen.get(code, 0) + 1
        if seen[code] > policy.MAX_REPEATS:
            raise InvalidInput.field(
                f"uscc.{index}",
                f"{code} is asked more than {policy.MAX_REPEATS} times in one check",
            )
    return as_of or clock.today()


def _answer_each(
    session: Session,
    caller: Caller,
    codes: Sequence[str],
    as_of: datetime.date | None,
    *,
    kind: str,
    answer,
    unknown: dict,
    purpose: str | None = None,
    project: str | None = None,
    shortcut: Shortcut | None = None,
    statements: Statements | None = None,
) -> dict:
    """Answers each code in the order asked (a repeated code at each place), and logs who asked.

    The query log is written as soon as the firms are found, before their answers are worked
    out; where `statements` commit each write at once (a request's lookups), a check that fails
    after finding the firms still shows in each firm's log."""
    day = _validate(codes, as_of)
    statements = statements or Statements.of(session)
    rows = firm_rows(statements, codes, day, shortcut)
    query_log.log_queries(
        statements, caller, kind, rows, purpose=purpose, project=project, as_of=day
    )
    found = standings_of(session, rows, day, shortcut)
    # Plain dicts in wire form: the view sends them as they are (the schema documents them).
    results = [
        {
            "uscc": code,
            "found": True,
            "name": found[code].enterprise.name,
            "status": status_on(found[code].enterprise, day),
            **answer(found[code], day),
        }
        if code in found
        else {"uscc": code, "found": False, **unknown}
        for code in codes
    ]
    return {"as_of": day, "results": results}


def procurement_check(
    session: Session,
    caller: Caller,
    codes: Sequence[str],
    as_of: datetime.date | None = None,
    project: str | None = None,
    *,
    statements: Statements | None = None,
) -> dict:
    """Whether each firm may be awarded a contract on the day; the rows and the query-log entry
    run where `statements` run them (the session's transaction when not given)."""
    require_role(caller, "procurement", "bank", "regulator")

    def answer(standing: Standing, day: datetime.date) -> dict:
        reasons = procurement_reasons(standing, day)
        return {
            "eligible": not any(r.severity == "block" for r in reasons),
            "grade": standing.grade,
            "risk_class": standing.risk_class,
            "graded": standing.grade is not None,
            "reasons": [r.__dict__ for r in reasons],
        }

    return _answer_each(
        session,
        caller,
        codes,
        as_of,
        kind="procurement_check",
        answer=answer,
        unknown={"eligible": None, "grade": None, "graded": None, "reasons": []},
        project=project,
        shortcut=PROCUREMENT,
        statements=statements,
    )


def lending_flags(standing: Standing, day: datetime.date) -> dict:
    violations_window = _months_before(day, policy.LENDING_VIOLATION_MONTHS)
    year_ago = _months_before(day, policy.LENDING_INSPECTION_MONTHS)
    live = [r for r in standing.inputs.records if display.status(r, day) != "rescinded"]
    violations = [
        r for r in live if isinstance(r, Violation) and violations_window <= r.decided_on <= day
    ]
    failed = [
        r
        for r in live
        if isinstance(r, Inspection) and r.result == "fail" and year_ago <= r.sampled_on <= day
    ]
    awards = [r for r in live if isinstance(r, Award) and display.in_force(r, day)]
    flags = []
    if standing.blacklisted:
        flags.append("blacklisted")
    if any(listings.state_on(item, day) == "objection_pending" for item in standing.listings):
        flags.append("listing_disputed")
    if any(display.is_major_violation(v) for v in violations):
        flags.append("major_violation_3y")
    if any(
        v.severity in ("serious", "especially_serious") and v.decided_on >= year_ago
        for v in violations
    ):
        flags.append("serious_violation_12m")
    if failed:
        flags.append("failed_inspection_12m")
    if standing.grade in policy.LOW_GRADES:
        flags.append("low_grade")
    if standing.overridden:
        flags.append("grade_overridden")
    if status_on(standing.enterprise, day) == "deregistered":
        flags.append("deregistered")
    return {
        "flags": flags,
        "violations_36m": len(violations),
        "failed_inspections_12m": len(failed),
        "awards": [
            canonical.plain(display.describe(a, day, uscc=standing.enterprise.uscc)) for a in awards
        ],
    }


def lending_check(
    session: Session,
    caller: Caller,
    codes: Sequence[str],
    purpose: str,
    as_of: datetime.date | None = None,
    *,
    statements: Statements | None = None,
) -> dict:
    """Facts and signals for a lender, not a loan decision; the firm sees that it was checked.
    The rows and the query-log entry run as `procurement_check`'s do."""
    require_role(caller, "bank")

    def answer(standing: Standing, day: datetime.date) -> dict:
        return {
            "grade": standing.grade,
            "graded": standing.grade is not None,
            "score": None if standing.score is None else str(standing.score),
            "risk_class": standing.risk_class,
            "blacklisted": standing.blacklisted,
            **lending_flags(standing, day),
        }

    return _answer_each(
        session,
        caller,
        codes,
        as_of,
        kind="lending_check",
        answer=answer,
        unknown={
            "grade": None,
            "graded": None,
            "score": None,
            "risk_class": None,
            "blacklisted": None,
            "flags": [],
            "awards": [],
            "violations_36m": None,
            "failed_inspections_12m": None,
        },
        purpose=purpose,
        shortcut=LENDING,
        statements=statements,
    )
