"""Grades as services see them: the engine's inputs from the database, as of any day, and
assessments stored with what reproduces them."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from credit import clock
from credit.auth.caller import Caller, require_region
from credit.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from credit.grading import ruleset as rulesets
from credit.grading.engine import Inputs, Listing, Override, Result, assess
from credit.models import Assessment, Enterprise, EnterpriseState, GradeOverride, Record
from credit.services import audit, blacklist, display, enterprises, query_log, state


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
        for active in (item for item in self.listings if blacklist.is_active_on(item, day)):
            listing = Listing(active.id, active.legal_basis, active.expires_on)
        return Inputs(records=records, listing=listing, override=override)


def gather(session: Session, enterprise_ids: Sequence[int], *,
           disputes: bool = False) -> dict[int, Evidence]:
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
    for override in session.scalars(select(GradeOverride)
                                    .where(GradeOverride.enterprise_id.in_(enterprise_ids))
                                    .order_by(GradeOverride.id)):
        evidence[override.enterprise_id].overrides.append(override)
    for listing in blacklist.listings_of(session, enterprise_ids, disputes=disputes):
        evidence[listing.enterprise_id].listings.append(listing)
    return evidence


def grade_on(session: Session, enterprise: Enterprise, day: datetime.date,
             ruleset: rulesets.Ruleset | None = None) -> Result:
    """The grade the enterprise had on that day, computed now; nothing is written."""
    evidence = gather(session, [enterprise.id])[enterprise.id]
    return assess(evidence.on(day), ruleset or rulesets.current(), day)


def first_day(enterprise: Enterprise) -> datetime.date:
    return enterprise.registered_on or clock.business_date(enterprise.created_at)


def graded_as_of(session: Session, uscc: str, day: datetime.date) -> tuple[Enterprise, Result]:
    enterprise = enterprises.get_enterprise(session, uscc)
    if day < first_day(enterprise):
        raise NotFound(f"Enterprise {uscc} was not registered on {day.isoformat()}: it was "
                       f"registered on {first_day(enterprise).isoformat()}.")
    return enterprise, grade_on(session, enterprise, day)


def explanation_rows(result: Result) -> list[dict]:
    return [{"rule": c.rule, "points": str(c.points), "record_id": c.record_id,
             "detail": c.detail} for c in result.explanation]


def cap_rows(result: Result) -> list[dict]:
    return [{"rule": c.rule, "grade": c.grade, "record_id": c.record_id, "detail": c.detail}
            for c in result.caps]


def result_digest(result: Result) -> str:
    """Identifies what a reader sees of a result, the day it was computed on aside."""
    content = [result.ruleset, str(result.score), str(result.raw_score), result.computed_grade,
               result.grade, result.risk_class, result.blacklisted,
               result.override.id if result.override else None,
               explanation_rows(result), cap_rows(result)]
    return hashlib.sha256(audit.canonical(content).encode("utf-8")).hexdigest()


def fingerprint(evidence: Evidence, inputs: Inputs, ruleset: str, day: datetime.date) -> str:
    """Identifies the inputs: the same fingerprint on a later day means the same records."""
    content = [ruleset, day.isoformat(),
               [[audit.row_content(r), [audit.row_content(c) for c in r.corrections]]
                for r in inputs.records],
               inputs.override.id if inputs.override else None,
               inputs.listing.id if inputs.listing else None]
    return hashlib.sha256(audit.canonical(content).encode("utf-8")).hexdigest()


def set_override(session: Session, caller: Caller, uscc: str, grade: str, reason: str,
                 valid_until: datetime.date) -> Enterprise:
    audit.lock_chain(session)
    enterprise = enterprises.get_enterprise(session, uscc)
    require_region(caller, enterprise.region_code)
    today = clock.today()
    ruleset = rulesets.current()
    latest = display.add_months(today, ruleset.validity_months) - datetime.timedelta(days=1)
    if valid_until < today:
        raise InvalidInput.field("valid_until", f"{valid_until.isoformat()} is in the past.")
    if valid_until > latest:
        raise InvalidInput.field("valid_until", f"an override lasts at most as long as a grade "
                                                f"is valid: until {latest.isoformat()}.")
    override = GradeOverride(enterprise_id=enterprise.id, grade=grade, reason=reason,
                             valid_until=valid_until, created_by=caller.username)
    session.add(override)
    session.flush()
    audit.append(session, audit.NewEvent(
        actor=caller.username, kind="grade_overridden", enterprise_id=enterprise.id,
        payload={"override": audit.row_content(override), "uscc": uscc}))
    state.refresh_state(session, enterprise.id, trigger="grade_overridden", actor=caller.username)
    return enterprise


def is_current(row) -> bool:
    """Whether a state row's grade (an EnterpriseState, or a row with its columns) still holds
    today under the ruleset in use."""
    return (row is not None and row.assessment_id is not None and row.next_change_on is not None
            and clock.today() < row.next_change_on and row.ruleset == rulesets.current().version)


def history(session: Session, enterprise: Enterprise, page: int, per_page: int):
    stmt = (select(Assessment).where(Assessment.enterprise_id == enterprise.id)
            .order_by(Assessment.id.desc()))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return items, total or 0


def current_result(session: Session, enterprise: Enterprise,
                   row: EnterpriseState | None) -> tuple[Result | None, Assessment | None]:
    """Today's grade: the stored assessment while it holds, else computed afresh (not stored)."""
    if is_current(row):
        return None, session.get(Assessment, row.assessment_id)
    return grade_on(session, enterprise, clock.today()), None


def may_read_explanation(caller: Caller, enterprise: Enterprise) -> bool:
    """The regulator of the region and the enterprise itself see why; the public sees the grade."""
    return caller.covers_region(enterprise.region_code) or caller.is_enterprise(enterprise.uscc)


def require_explanation_reader(caller: Caller, enterprise: Enterprise) -> None:
    if not may_read_explanation(caller, enterprise):
        if caller.is_public:
            raise Unauthorized("Sign in as the firm's regulator or the firm itself.")
        raise Forbidden("Grade explanations are for the firm's regulator and the firm itself.")


def grade_view(session: Session, caller: Caller, uscc: str,
               as_of: datetime.date | None = None, purpose: str | None = None) -> dict:
    """The grade as this caller may see it, today or as of a day. A bank that states its purpose
    sees the explanation too, and its read is logged like a lending check."""
    if as_of is not None:
        enterprise, result = graded_as_of(session, uscc, as_of)
        view = _result_view(enterprise, result)
    else:
        enterprise = enterprises.get_enterprise(session, uscc)
        current = session.get(EnterpriseState, enterprise.id)
        result, assessment = current_result(session, enterprise, current)
        view = (_result_view(enterprise, result) if result is not None
                else _assessment_view(session, enterprise, assessment))
    if caller.role == "bank" and purpose:
        query_log.log_queries(session, caller, "grade_explanation", [enterprise], purpose=purpose,
                              as_of=as_of)
    elif not may_read_explanation(caller, enterprise):
        for private in ("score", "computed_grade", "explanation", "caps"):
            view.pop(private, None)
    return view


def _override_view(override) -> dict | None:
    if override is None:
        return None
    return {"grade": override.grade, "reason": override.reason, "valid_until": override.valid_until}


def _result_view(enterprise: Enterprise, result: Result) -> dict:
    return {"uscc": enterprise.uscc, "grade": result.grade, "risk_class": result.risk_class,
            "blacklisted": result.blacklisted, "as_of": result.as_of,
            "assessed_at": clock.utcnow(), "valid_until": result.valid_until,
            "ruleset": result.ruleset, "score": str(result.score),
            "computed_grade": result.computed_grade, "explanation": explanation_rows(result),
            "caps": cap_rows(result), "override": _override_view(result.override)}


def _assessment_view(session: Session, enterprise: Enterprise, assessment: Assessment) -> dict:
    override = session.get(GradeOverride, assessment.override_id) if assessment.override_id else None
    return {"uscc": enterprise.uscc, "grade": assessment.grade,
            "risk_class": assessment.risk_class, "blacklisted": assessment.blacklisted,
            "as_of": assessment.as_of, "assessed_at": assessment.assessed_at,
            "valid_until": assessment.valid_until, "ruleset": assessment.ruleset,
            "score": str(assessment.score), "computed_grade": assessment.computed_grade,
            "explanation": assessment.explanation, "caps": assessment.caps,
            "override": _override_view(override)}


def grade_history(session: Session, caller: Caller, uscc: str, page: int, per_page: int,
                  purpose: str | None = None) -> dict:
    enterprise = enterprises.get_enterprise(session, uscc)
    if caller.role == "bank" and purpose:
        query_log.log_queries(session, caller, "grade_explanation", [enterprise], purpose=purpose)
    else:
        require_explanation_reader(caller, enterprise)
    items, total = history(session, enterprise, page, per_page)
    return {"items": items, "page": page, "per_page": per_page, "total": total}
