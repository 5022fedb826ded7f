"""Signed credit reports: a JWS (EdDSA) over what the registry says of a firm on a day, so that a
purchaser can keep it as proof and anyone can verify it offline against the published keys."""

from __future__ import annotations

import datetime
import json
import uuid

import jwt
from jwt.api_jws import PyJWS
from sqlalchemy.orm import Session

from credit import canonical, clock
from credit.auth.caller import Caller, require_role
from credit.auth.keys import KeyRing
from credit.auth.tokens import ALGORITHM
from credit.errors import Forbidden, NotFound
from credit.grading import ruleset as rulesets
from credit.models import Award, Violation
from credit.rules import display
from credit.services import checks, lookup, query_log

ISSUER = "quality-credit-registry"
CONTENT_TYPE = "application/jose"
_jws = PyJWS(algorithms=[ALGORITHM])


class ReportInvalid(ValueError):
    """A report that does not verify: tampered, or signed by a key not in the key set."""


def build(session: Session, caller: Caller, uscc: str, as_of: datetime.date | None = None) -> dict:
    """The report's content as of a day (today by default); the download is logged."""
    # A report carries facts beyond the public profile: the firm itself and those who check
    # firms may have it; the operator and other firms may not.
    require_role(caller, "enterprise", "bank", "procurement", "regulator")
    if caller.role == "enterprise" and not caller.is_enterprise(uscc):
        raise Forbidden("An enterprise account may fetch its own firm's report only.")
    day = as_of or clock.today()
    enterprise = lookup.get_enterprise(session, uscc)
    standing = checks.standings(session, [uscc], day).get(uscc)
    if standing is None:
        raise NotFound(f"The registry did not hold enterprise {uscc} on {day.isoformat()}.")
    reasons = checks.procurement_reasons(standing, day)
    status = checks.status_on(enterprise, day)
    records = standing.inputs.records
    query_log.log_queries(session, caller, "report_download", [enterprise], as_of=day)
    return {
        "report_id": str(uuid.uuid4()),
        "issuer": ISSUER,
        "issued_at": clock.utcnow().isoformat(timespec="seconds"),
        "as_of": day.isoformat(),
        "ruleset": rulesets.current().version,
        "enterprise": {
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "region_code": enterprise.region_code,
            "industry_code": enterprise.industry_code,
            "status": status,
            "status_since": enterprise.status_since if status == "deregistered" else None,
        },
        "grade": standing.grade,
        "risk_class": standing.risk_class,
        "graded": standing.grade is not None,
        "blacklisted": standing.blacklisted,
        "procurement": {
            "eligible": not any(r.severity == "block" for r in reasons),
            "reasons": [r.__dict__ for r in reasons],
        },
        "honours": [
            canonical.plain(display.describe(r, day, uscc=uscc))
            for r in records
            if isinstance(r, Award) and display.in_force(r, day)
        ],
        "violations": [
            canonical.plain(display.describe(r, day, uscc=uscc))
            for r in records
            if isinstance(r, Violation) and display.shown_publicly(r, day)
        ],
    }


def sign(report: dict, keyring: KeyRing) -> str:
    key = keyring.current()
    body = canonical.encode(report).encode("utf-8")
    return _jws.encode(
        body,
        key.private,
        algorithm=ALGORITHM,
        headers={"kid": key.kid, "typ": "JOSE", "cty": "credit-report+json"},
    )


def verify(token: str, jwks: dict) -> dict:
    """The report's content when the signature holds under one of the keys; else ReportInvalid."""
    token = token.strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise ReportInvalid(f"not a JWS compact serialisation: {error}") from None
    if header.get("alg") != ALGORITHM:
        raise ReportInvalid(f"signed with {header.get('alg')!r}, not {ALGORITHM}")
    keys = {k.get("kid"): k for k in jwks.get("keys", []) if isinstance(k, dict)}
    if header.get("kid") not in keys:
        raise ReportInvalid(f"signed with key {header.get('kid')!r}, which is not in the key set")
    try:
        public = jwt.PyJWK.from_dict(keys[header["kid"]]).key
        body = _jws.decode(token, public, algorithms=[ALGORITHM])
    except jwt.InvalidTokenError as error:
        raise ReportInvalid(f"the signature does not match the content: {error}") from None
    try:
        return json.loads(body)
    except ValueError:
        raise ReportInvalid("the signed content is not a report") from None
