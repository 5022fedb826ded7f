"""What each reader may see of an enterprise: the public profile and the whole credit file."""

from __future__ import annotations

from typing import Callable

from sqlalchemy import Connection, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from credit import clock, policy
from credit.auth.caller import Caller, require_role
from credit.db import OneRowQuery
from credit.errors import Forbidden, InvalidInput, NotFound
from credit.grading import evidence
from credit.models import (
    Award,
    Certification,
    Enterprise,
    EnterpriseState,
    Record,
    Violation,
)
from credit.rules import display, listings, periods
from credit.services import blacklist, grading, query_log
from credit.services.lookup import get_enterprise
from credit.services.state import public_records


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


_firm, _state = Enterprise.__table__, EnterpriseState.__table__
# The lookup every bank, purchaser and citizen makes, built once: most firms are answered from
# this one row.
PROFILE_ROW = OneRowQuery(
    select(_firm.c.id, _firm.c.uscc, _firm.c.name, _firm.c.region_code, _firm.c.industry_code,
           _firm.c.registered_on, _firm.c.status, _state.c.grade, _state.c.risk_class,
           _state.c.blacklisted, _state.c.active_records, _state.c.assessment_id,
           _state.c.next_change_on, _state.c.ruleset, _state.c.public_records)
    .select_from(_firm.outerjoin(_state, _state.c.enterprise_id == _firm.c.id))
    .where(_firm.c.uscc == bindparam("uscc")))
PROFILE_FIELDS = ("uscc", "name", "region_code", "industry_code", "registered_on", "status",
                  "grade", "risk_class", "blacklisted")


def public_profile(lookup: Connection, session: Callable[[], Session], uscc: str) -> dict:
    """The firm as anyone may see it; records appear only inside their display period.

    Most firms are answered from their state row, read in one statement on `lookup`; the
    others (a grade past its next change, a blacklisted firm) are read through `session()`.
    """
    row = PROFILE_ROW.first(lookup, uscc=uscc)
    if row is None:
        raise NotFound(f"No enterprise with USCC {uscc} is registered.")
    if grading.is_current(row) and row.public_records is not None and not row.blacklisted:
        profile = WireProfile((name, getattr(row, name)) for name in PROFILE_FIELDS)
        if row.registered_on is not None:
            profile["registered_on"] = row.registered_on.isoformat()
        profile.update(awards=row.public_records["awards"],
                       certifications=row.public_records["certifications"],
                       violations=row.public_records["violations"], blacklist=[])
        return profile
    return _profile_read_in_full(session(), uscc)


class WireProfile(dict):
    """A profile already as the wire has it (plain JSON values, records as the state row keeps
    them): the common case, sent without a schema's dump."""


def _profile_read_in_full(session: Session, uscc: str) -> dict:
    row = session.connection().execute(PROFILE_ROW.statement, {"uscc": uscc}).first()
    if row is None:
        raise NotFound(f"No enterprise with USCC {uscc} is registered.")
    today = clock.today()
    if grading.is_current(row):
        profile = {name: getattr(row, name) for name in PROFILE_FIELDS}
    else:
        profile = _enterprise_fields(session, session.get(Enterprise, row.id),
                                     session.get(EnterpriseState, row.id))
    oldest_shown = periods.months_before(today, max(policy.DISPLAY_MONTHS.values()))
    shown = [r for r in session.scalars(POSSIBLY_PUBLIC, {"firm": row.id, "today": today,
                                                          "oldest_shown": oldest_shown})
             if display.shown_publicly(r, today)]
    profile.update(public_records(shown, today, uscc=uscc))
    profile["blacklist"] = []
    if profile["blacklisted"]:
        enterprise = session.get(Enterprise, row.id)
        profile["blacklist"] = [blacklist.describe(session, listing, enterprise, history=False)
                                for listing in evidence.listings_of(session, [enterprise.id])
                                if listings.is_active_on(listing, today)]
    return profile


# The records that may be inside their display period on a day, narrowed in SQL (most of a file
# is past it); `display.shown_publicly` has the last word.
POSSIBLY_PUBLIC = (
    select(Record).where(Record.enterprise_id == bindparam("firm")).where(or_(
        and_(Record.kind == "violation", Violation.decided_on >= bindparam("oldest_shown")),
        and_(Record.kind == "award", or_(Award.expires_on.is_(None),
                                         Award.expires_on > bindparam("today"))),
        and_(Record.kind == "certification", Certification.valid_to >= bindparam("today"))))
    .order_by(Record.id))


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
