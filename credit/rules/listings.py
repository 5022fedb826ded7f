"""What state a blacklist listing is in on a given day.

`listed` → (`objection_pending` → `listed` | `rescinded`) → `repair_pending` → `removed_early` |
`listed`; and any active state → `expired` on the expiry date. Expiry needs no job: the state a
reader sees is computed for the day it is read (or any past day).
"""

from __future__ import annotations

import datetime

from credit import clock
from credit.models import Enterprise, Listing

ACTIVE = frozenset({"listed", "objection_pending", "repair_pending"})


def state_on(listing: Listing, day: datetime.date) -> str | None:
    """The listing's state at the end of that day; None before it was listed or known."""
    if day < listing.listed_on or clock.business_date(listing.created_at) > day:
        return None
    current = None
    for transition in listing.transitions:
        if clock.business_date(transition.created_at) <= day:
            current = transition.to_state
    if current in ACTIVE and day >= listing.expires_on:
        return "expired"
    return current


def is_active_on(listing: Listing, day: datetime.date) -> bool:
    return state_on(listing, day) in ACTIVE


def describe(
    listing: Listing, enterprise: Enterprise, day: datetime.date, *, history: bool
) -> dict:
    """The listing as the wire shows it on that day; `history` adds its transitions, objections
    and repair applications (rows, dumped by the wire schema)."""
    current = state_on(listing, day)
    body = {
        "id": listing.id,
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "region_code": enterprise.region_code,
        "state": current,
        "disputed": current == "objection_pending",
        "reason": listing.reason,
        "legal_basis": listing.legal_basis,
        "decision_no": listing.decision_no,
        "authority": listing.authority,
        "listed_on": listing.listed_on,
        "notified_on": listing.notified_on,
        "repair_eligible_on": listing.repair_eligible_on,
        "expires_on": listing.expires_on,
        "violation_ids": [violation.id for violation in listing.violations],
    }
    if history:
        body.update(
            transitions=listing.transitions, objections=listing.objections, repairs=listing.repairs
        )
    return body
