"""What each reader may see of an enterprise: the public profile and the whole credit file."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from credit import clock
from credit.auth.caller import Caller, require_role
from credit.errors import Forbidden, InvalidInput
from credit.models import Enterprise, EnterpriseState, Record
from credit.services import blacklist, display, grading, query_log
from credit.services.enterprises import get_enterprise


def _enterprise_fields(session: Session, enterprise: Enterprise,
                       state: EnterpriseState | None) -> dict:
    if not grading.is_current(state):
        # A window lapsed since the last write: never serve a grade past its next change.
        result = grading.grade_on(session, enterprise, clock.today())
        grade, risk_class, blacklisted = result.grade, result.risk_class, result.blacklisted
    else:
        grade, risk_class, blacklisted = state.grade, state.risk_class, state.blacklisted
    return {
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "region_code": enterprise.region_code,
        "industry_code": enterprise.industry_code,
        "registered_on": enterprise.registered_on,
        "status": enterprise.status,
        "grade": grade,
        "risk_class": risk_class,
        "blacklisted": blacklisted,
    }


def _records(session: Session, enterprise: Enterprise, state: EnterpriseState | None) -> list[Record]:
    if state is not None and state.active_records == 0:
        return []  # most firms have no live record: spare the query
    return list(session.scalars(select(Record).where(Record.enterprise_id == enterprise.id)
                                .order_by(Record.id)))


def public_profile(session: Session, uscc: str) -> dict:
    """The firm as anyone may see it; records appear only inside their display period."""
    row = session.execute(
        select(Enterprise, EnterpriseState)
        .outerjoin(EnterpriseState, EnterpriseState.enterprise_id == Enterprise.id)
        .where(Enterprise.uscc == uscc)).first()
    if row is None:
        get_enterprise(session, uscc)  # raises NotFound with the usual message
    enterprise, state = row
    today = clock.today()
    shown = [r for r in _records(session, enterprise, state) if display.shown_publicly(r, today)]
    profile = _enterprise_fields(session, enterprise, state)
    for key, kind in (("awards", "award"), ("certifications", "certification"),
                      ("violations", "violation")):
        profile[key] = [display.describe(r, today, uscc=uscc) for r in shown if r.kind == kind]
    profile["blacklist"] = [
        blacklist.describe(session, listing, enterprise, history=False)
        for listing in (blacklist.listings_of(session, [enterprise.id])
                        if profile["blacklisted"] else [])
        if blacklist.is_active_on(listing, today)]
    return profile


def require_file_reader(caller: Caller, enterprise: Enterprise, purpose: str | None) -> None:
    """The regulator of the firm's region, the firm itself, and a bank that says why."""
    require_role(caller, "regulator", "enterprise", "bank")
    if caller.role == "regulator" and not caller.covers_region(enterprise.region_code):
        raise Forbidden(f"Your region {caller.region} does not cover region {enterprise.region_code}.")
    if caller.role == "enterprise" and not caller.is_enterprise(enterprise.uscc):
        raise Forbidden("An enterprise account reads only its own credit file.")
    if caller.role == "bank" and not purpose:
        raise InvalidInput.field("purpose", "a bank states why it reads a credit file; the firm "
                                            "sees the purpose in its query log")


def credit_file(session: Session, caller: Caller, uscc: str, purpose: str | None = None) -> dict:
    """Everything: expired, revoked and rescinded records included, each with its corrections.
    A bank's read is logged with its purpose, in the same transaction."""
    enterprise = get_enterprise(session, uscc)
    require_file_reader(caller, enterprise, purpose)
    if caller.role == "bank":
        query_log.log_queries(session, caller, "file_read", [enterprise], purpose=purpose)
    state = session.get(EnterpriseState, enterprise.id)
    today = clock.today()
    records = session.scalars(select(Record).where(Record.enterprise_id == enterprise.id)
                              .order_by(Record.id)).all()
    body = _enterprise_fields(session, enterprise, state)
    body["as_of"] = today
    body["records"] = [display.describe(r, today, uscc=uscc, history=True) for r in records]
    return body
