"""Grades as services see them: the engine's inputs from the database, as of any day, and
assessments stored with what reproduces them."""

from __future__ import annotations

import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credit import canonical, chain, clock
from credit.auth.caller import Caller, require_region
from credit.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from credit.grading import evidence
from credit.grading import ruleset as rulesets
from credit.grading.engine import Result, assess
from credit.models import Assessment, Enterprise, GradeOverride
from credit.rules import periods
from credit.services import lookup, query_log, state


def grade_on(
    session: Session,
    enterprise: Enterprise,
    day: datetime.date,
    ruleset: rulesets.Ruleset | None = None,
) -> Result:
    """The grade the enterprise had on that day, computed now; nothing is written."""
    found = evidence.gather(session, [enterprise.id])[enterprise.id]
    return assess(found.on(day), ruleset or rulesets.current(), day)


def first_day(enterprise: Enterprise) -> datetime.date:
    return enterprise.registered_on or clock.business_date(enterprise.created_at)


def graded_as_of(session: Session, uscc: str, day: datetime.date) -> tuple[Enterprise, Result]:
    enterprise = lookup.get_enterprise(session, uscc)
    if day < first_day(enterprise):
        raise NotFound(
            f"Enterprise {uscc} was not registered on {day.isoformat()}: it was "
            f"registered on {first_day(enterprise).isoformat()}."
        )
    return enterprise, grade_on(session, enterprise, day)


def set_override(
    session: Session, caller: Caller, uscc: str, grade: str, reason: str, valid_until: datetime.date
) -> Enterprise:
    chain.lock_chain(session)
    enterprise = lookup.get_enterprise(session, uscc)
    require_region(caller, enterprise.region_code)
    today = clock.today()
    ruleset = rulesets.current()
    latest = periods.last_day(today, ruleset.validity_months)
    if valid_until < today:
        raise InvalidInput.field("valid_until", f"{valid_until.isoformat()} is in the past.")
    if valid_until > latest:
        raise InvalidInput.field(
            "valid_until",
            f"an override lasts at most as long as a grade is valid: until {latest.isoformat()}.",
        )
    if not grade_on(session, enterprise, today, ruleset).graded:
        raise Conflict(
            f"Enterprise {uscc} is not graded: its file holds no credit record. Record "
            "what the grade rests on first."
        )
    override = GradeOverride(
        enterprise_id=enterprise.id,
        grade=grade,
        reason=reason,
        valid_until=valid_until,
        created_by=caller.username,
    )
    session.add(override)
    session.flush()
    state.record_change(
        session,
        chain.NewEvent(
            actor=caller.username,
            kind="grade_overridden",
            enterprise_id=enterprise.id,
            payload={"override": canonical.row_content(override), "uscc": uscc},
        ),
    )
    return enterprise


def history(session: Session, enterprise: Enterprise, page: int, per_page: int):
    stmt = (
        select(Assessment)
        .where(Assessment.enterprise_id == enterprise.id)
        .order_by(Assessment.id.desc())
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return items, total or 0


def current_result(
    session: Session, enterprise: Enterprise
) -> tuple[Result | None, Assessment | None]:
    """Today's grade: the stored assessment while the firm's state row may be served, else
    computed afresh (not stored)."""
    current = state.current_states(session, [enterprise])[enterprise.id]
    if current.result is not None:
        return current.result, None
    return None, session.get(Assessment, current.assessment_id)


def may_read_explanation(caller: Caller, enterprise: Enterprise) -> bool:
    """The regulator of the region and the enterprise itself see why; the public sees the grade."""
    return caller.covers_region(enterprise.region_code) or caller.is_enterprise(enterprise.uscc)


def require_explanation_reader(caller: Caller, enterprise: Enterprise) -> None:
    if not may_read_explanation(caller, enterprise):
        if caller.is_public:
            raise Unauthorized("Sign in as the firm's regulator or the firm itself.")
        raise Forbidden("Grade explanations are for the firm's regulator and the firm itself.")


def grade_view(
    session: Session,
    caller: Caller,
    uscc: str,
    as_of: datetime.date | None = None,
    purpose: str | None = None,
) -> dict:
    """The grade as this caller may see it, today or as of a day. A bank that states its purpose
    sees the explanation too, and its read is logged like a lending check."""
    if as_of is not None:
        enterprise, result = graded_as_of(session, uscc, as_of)
        view = _result_view(enterprise, result)
    else:
        enterprise = lookup.get_enterprise(session, uscc)
        result, assessment = current_result(session, enterprise)
        view = (
            _result_view(enterprise, result)
            if result is not None
            else _assessment_view(session, enterprise, assessment)
        )
    if caller.role == "bank" and purpose:
        query_log.log_queries(
            session, caller, "grade_explanation", [enterprise], purpose=purpose, as_of=as_of
        )
    elif not may_read_explanation(caller, enterprise):
        for private in ("score", "computed_grade", "explanation", "caps"):
            view.pop(private, None)
    return view


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def _override_view(override) -> dict | None:
    if override is None:
        return None
    return {"grade": override.grade, "reason": override.reason, "valid_until": override.valid_until}


def _result_view(enterprise: Enterprise, result: Result) -> dict:
    return {
        "uscc": enterprise.uscc,
        "grade": result.grade,
        "risk_class": result.risk_class,
        "blacklisted": result.blacklisted,
        "as_of": result.as_of,
        "assessed_at": clock.utcnow(),
        "valid_until": result.valid_until,
        "ruleset": result.ruleset,
        "graded": result.graded,
        "score": _decimal(result.score),
        "computed_grade": result.computed_grade,
        "explanation": evidence.explanation_rows(result),
        "caps": evidence.cap_rows(result),
        "override": _override_view(result.override),
    }


def _assessment_view(session: Session, enterprise: Enterprise, assessment: Assessment) -> dict:
    override = (
        session.get(GradeOverride, assessment.override_id) if assessment.override_id else None
    )
    return {
        "uscc": enterprise.uscc,
        "grade": assessment.grade,
        "risk_class": assessment.risk_class,
        "blacklisted": assessment.blacklisted,
        "as_of": assessment.as_of,
        "assessed_at": assessment.assessed_at,
        "valid_until": assessment.valid_until,
        "ruleset": assessment.ruleset,
        "graded": assessment.grade is not None,
        "score": _decimal(assessment.score),
        "computed_grade": assessment.computed_grade,
        "explanation": assessment.explanation,
        "caps": assessment.caps,
        "override": _override_view(override),
    }


def grade_history(
    session: Session,
    caller: Caller,
    uscc: str,
    page: int,
    per_page: int,
    purpose: str | None = None,
) -> dict:
    enterprise = lookup.get_enterprise(session, uscc)
    if caller.role == "bank" and purpose:
        query_log.log_queries(session, caller, "grade_explanation", [enterprise], purpose=purpose)
    else:
        require_explanation_reader(caller, enterprise)
    items, total = history(session, enterprise, page, per_page)
    return {"items": items, "page": page, "per_page": per_page, "total": total}
