"""Watchlists: the firms a lender, purchaser or regulator follows in the change feed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from credit.auth.caller import Caller, require_role
from credit.clock import utcnow
from credit.errors import InvalidInput, NotFound
from credit.models import Watchlist, WatchlistMember
from credit.policy import WATCHLIST_MAX_SIZE

# Those who read the change feed by firm: lenders monitoring borrowers after a loan, purchasers
# following suppliers under contract, and officers following firms of their region (the feed
# still shows an officer only the firms of its region). A firm reads its own file instead.
OWNERS = ("bank", "procurement", "regulator")
# Watchlist ids are 32-bit integers on PostgreSQL: a larger number names no list.
MAX_ID = 2**31 - 1


def _distinct(usccs: Iterable[str]) -> list[str]:
    """The codes once each, in the order first given; more than the maximum is refused."""
    codes = list(dict.fromkeys(usccs))
    if len(codes) > WATCHLIST_MAX_SIZE:
        raise InvalidInput.field(
            "uscc", f"A watchlist follows at most {WATCHLIST_MAX_SIZE} firms; split the list."
        )
    return codes


def _add_members(session: Session, watchlist: Watchlist, codes: list[str]) -> None:
    if codes:
        session.execute(
            insert(WatchlistMember.__table__),
            [{"watchlist_id": watchlist.id, "uscc": code} for code in codes],
        )


def owned(session: Session, caller: Caller, watchlist_id: int) -> Watchlist:
    """The caller's own watchlist; anyone else's is as unknown as one never made."""
    require_role(caller, *OWNERS)
    watchlist = session.get(Watchlist, watchlist_id) if 0 < watchlist_id <= MAX_ID else None
    if watchlist is None or watchlist.owner != caller.username:
        raise NotFound(f"No watchlist {watchlist_id} of yours.")
    return watchlist


def create_watchlist(
    session: Session, caller: Caller, name: str, usccs: Iterable[str]
) -> Watchlist:
    """A new watchlist of the caller's, with the codes given (valid USCCs, registered or not)."""
    require_role(caller, *OWNERS)
    codes = _distinct(usccs)
    now = utcnow()
    watchlist = Watchlist(
        owner=caller.username, name=name, size=len(codes), created_at=now, updated_at=now
    )
    session.add(watchlist)
    session.flush()
    _add_members(session, watchlist, codes)
    return watchlist


def replace_watchlist(
    session: Session, caller: Caller, watchlist_id: int, name: str, usccs: Iterable[str]
) -> Watchlist:
    """The caller's watchlist with its name and members replaced by those given."""
    watchlist = owned(session, caller, watchlist_id)
    codes = _distinct(usccs)
    session.execute(delete(WatchlistMember).where(WatchlistMember.watchlist_id == watchlist.id))
    _add_members(session, watchlist, codes)
    watchlist.name, watchlist.size, watchlist.updated_at = name, len(codes), utcnow()
    session.flush()
    return watchlist


def watchlists_of(session: Session, caller: Caller, page: int, per_page: int) -> dict:
    """The caller's own watchlists, oldest first."""
    require_role(caller, *OWNERS)
    stmt = select(Watchlist).where(Watchlist.owner == caller.username)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(
        stmt.order_by(Watchlist.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def members(watchlist: Watchlist):
    """The watchlist's codes as a subquery, for the feed to join the register against."""
    return select(WatchlistMember.uscc).where(WatchlistMember.watchlist_id == watchlist.id)
