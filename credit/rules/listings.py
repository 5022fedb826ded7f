"""What state a blacklist listing is in on a given day.

`listed` → (`objection_pending` → `listed` | `rescinded`) → `repair_pending` → `removed_early` |
`listed`; and any active state → `expired` on the expiry date. Expiry needs no job: the state a
reader sees is computed for the day it is read (or any past day).
"""

from __future__ import annotations

import datetime

from credit import clock
from credit.models import Listing

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
