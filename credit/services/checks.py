"""Lookups for procurement and lending: one firm or a thousand, as of any day, with reasons.

Today's answers come from the current-state rows in one query; only firms with records or a
listing have their evidence read. Answers as of a past day are computed from the evidence the
registry held at the end of that day.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit import catalog, clock, policy
from credit.auth.caller import Caller, require_role
from credit.errors import InvalidInput
from credit.grading import evidence
from credit.grading import ruleset as rulesets
from credit.grading.engine import Inputs, Result, assess
from credit.models import Award, Enterprise, Inspection, Violation
from credit.rules import display, listings, periods
from credit.services import query_log, state


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
    its state row alone carries no evidence (`inputs` empty): it has nothing to report."""

    enterprise: Enterprise
    grade: str | None
    risk_class: str | None
    score: Decimal | None
    blacklisted: bool
    overridden: bool
    inputs: Inputs = field(default_factory=Inputs)
    listings: list = field(default_factory=list)

    @classmethod
    def of(cls, enterprise: Enterprise, result: Result, inputs: Inputs, listings: list):
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


def _reason(
    code: str, detail: str, record_id: int | None = None, legal_basis: str | None = None
) -> Reason:
    entry = catalog.CHECK_REASONS[code]
    return Reason(code, entry.group, detail, legal_basis or entry.legal_basis, record_id)


def standings(
    session: Session, codes: Sequence[str], day: datetime.date, *, reasons_only: bool = False
) -> dict[str, Standing]:
    """The firms among `codes` the registry knew on `day`, each with its grade that day.

    With `reasons_only`, a firm whose stored state may be served today and shows nothing a
    procurement check reports is answered from that row alone, without reading its records (most
    firms, most days); the others are graded from their evidence, read once for all of them."""
    firms = session.scalars(select(Enterprise).where(Enterprise.uscc.in_(set(codes)))).all()
    known = {e.uscc: e for e in firms if clock.business_date(e.created_at) <= day}
    found: dict[str, Standing] = {}
    if reasons_only and day == clock.today():
        by_id = {firm.id: firm for firm in known.values()}
        for firm_id, current in state.stored_states(session, list(by_id), day).items():
            if _nothing_to_report(current, day):
                firm = by_id[firm_id]
                found[firm.uscc] = Standing(
                    firm,
                    current.grade,
                    current.risk_class,
                    current.score,
                    current.blacklisted,
                    False,
                )
    rest = [e for code, e in known.items() if code not in found]
    facts = evidence.gather(session, [e.id for e in rest], disputes=True)
    ruleset = rulesets.current()
    for enterprise in rest:
        inputs = facts[enterprise.id].on(day)
        found[enterprise.uscc] = Standing.of(
            enterprise, assess(inputs, ruleset, day), inputs, facts[enterprise.id].listings
        )
    return found


def _nothing_to_report(current: state.Current, day: datetime.date) -> bool:
    """No listing, no major or serious violation within the look-back, no dispute, a grade
    above C: a check has no reason to give, so no evidence is read."""
    since = periods.months_before(day, 12 * policy.MAJOR_RECORD_YEARS)
    return (
        current.grade not in policy.LOW_GRADES
        and not current.blacklisted
        and current.open_disputes == 0
        and (current.last_major_violation_on is None or current.last_major_violation_on < since)
        and (current.last_serious_violation_on is None or current.last_serious_violation_on < since)
    )


def status_on(enterprise: Enterprise, day: datetime.date) -> str:
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
    three_years_ago = periods.months_before(day, 12 * policy.MAJOR_RECORD_YEARS)
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
    reasons_only: bool = False,
) -> dict:
    """Answers each code in the order asked (a repeated code at each place), and logs who asked."""
    day = _validate(codes, as_of)
    found = standings(session, codes, day, reasons_only=reasons_only)
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
    query_log.log_queries(
        session,
        caller,
        kind,
        [s.enterprise for s in found.values()],
        purpose=purpose,
        project=project,
        as_of=day,
    )
    return {"as_of": day, "results": results}


def procurement_check(
    session: Session,
    caller: Caller,
    codes: Sequence[str],
    as_of: datetime.date | None = None,
    project: str | None = None,
) -> dict:
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
        reasons_only=True,
    )


def lending_flags(standing: Standing, day: datetime.date) -> dict:
    violations_window = periods.months_before(day, policy.LENDING_VIOLATION_MONTHS)
    year_ago = periods.months_before(day, policy.LENDING_INSPECTION_MONTHS)
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
        "awards": [display.describe(a, day, uscc=standing.enterprise.uscc) for a in awards],
    }


def lending_check(
    session: Session,
    caller: Caller,
    codes: Sequence[str],
    purpose: str,
    as_of: datetime.date | None = None,
) -> dict:
    """Facts and signals for a lender, not a loan decision; the firm sees that it was checked."""
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
    )
