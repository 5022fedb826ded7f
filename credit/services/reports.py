"""Signed credit reports: a JWS (EdDSA) over what the registry says of a firm on a day, so that a
purchaser can keep it as proof and anyone can verify it offline against the published keys."""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
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
from credit.models import Award, IssuedReport, Violation
from credit.rules import display
from credit.services import checks, lookup, query_log

ISSUER = "quality-credit-registry"
CONTENT_TYPE = "application/jose"
# A PDF report's short code: Crockford's base32 (no I, L, O or U, so that it is read back without
# doubt), 12 characters (60 bits), printed in groups of four. Whoever holds the code sees what
# the report says on the verification page, so it must not be guessable.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_jws = PyJWS(algorithms=[ALGORITHM])


class ReportInvalid(ValueError):
    """A report that does not verify: tampered, or signed by a key not in the key set."""


class NotAReport(ReportInvalid):
    """Text that is not a JWS at all, or whose signed content is not a report."""


class UnknownKey(ReportInvalid):
    """A JWS signed with another algorithm, or by a key the key set does not hold."""


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
        raise NotAReport(f"not a JWS compact serialisation: {error}") from None
    if header.get("alg") != ALGORITHM:
        raise UnknownKey(f"signed with {header.get('alg')!r}, not {ALGORITHM}")
    keys = {k.get("kid"): k for k in jwks.get("keys", []) if isinstance(k, dict)}
    if header.get("kid") not in keys:
        raise UnknownKey(f"signed with key {header.get('kid')!r}, which is not in the key set")
    try:
        public = jwt.PyJWK.from_dict(keys[header["kid"]]).key
        body = _jws.decode(token, public, algorithms=[ALGORITHM])
    except jwt.InvalidTokenError as error:
        raise ReportInvalid(f"the signature does not match the content: {error}") from None
    try:
        return json.loads(body)
    except ValueError:
        raise NotAReport("the signed content is not a report") from None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def printed_code(code: str) -> str:
    """The code as printed and typed: groups of four (`7K3M-Q9XA-2BFD`)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normal_code(text: str) -> str | None:
    """A code as a person types it (any case, with or without hyphens and spaces, O for 0) in
    its stored form; None when it cannot be one."""
    code = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def record_issued(session: Session, code: str, report: dict, token: str, pdf: bytes) -> None:
    """Keeps what an issued PDF report says under its code, for the verification page."""
    session.add(
        IssuedReport(
            code=code,
            report_id=report["report_id"],
            uscc=report["enterprise"]["uscc"],
            as_of=datetime.date.fromisoformat(report["as_of"]),
            issued_at=datetime.datetime.fromisoformat(report["issued_at"]),
            kid=jwt.get_unverified_header(token)["kid"],
            jws=token,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        )
    )
    session.flush()


def issued(session: Session, code: str) -> IssuedReport | None:
    """The issued report with this code (as typed), or None."""
    normal = normal_code(code)
    return None if normal is None else session.get(IssuedReport, normal)
