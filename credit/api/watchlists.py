"""Watchlists: the firms an account follows in the change feed."""

from __future__ import annotations

from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session
from credit.services import watchlists
from schemas.watchlists import WatchlistArgs, WatchlistCreated, WatchlistIn, WatchlistPage

blp = Blueprint("watchlists", __name__, description="Watchlists for the change feed")
AUTH = {"security": [{"bearer": []}]}


@blp.route("/watchlists")
class Watchlists(MethodView):
    @blp.arguments(WatchlistIn)
    @blp.response(201, WatchlistCreated)
    @blp.doc(**AUTH)
    def post(self, body):
        """Follow up to 10,000 firms by USCC, registered yet or not (banks, procurement,
        regulators); read their changes with GET /changes?watchlist=ID."""
        session = db_session()
        watchlist = watchlists.create_watchlist(
            session, current_caller(), body["name"], body["uscc"]
        )
        session.commit()
        return watchlist

    @blp.arguments(WatchlistArgs, location="query")
    @blp.response(200, WatchlistPage)
    @blp.doc(**AUTH)
    def get(self, args):
        """The caller's own watchlists, oldest first."""
        return watchlists.watchlists_of(db_session(), current_caller(), **args)


@blp.route("/watchlists/<int:watchlist_id>")
class WatchlistById(MethodView):
    @blp.arguments(WatchlistIn)
    @blp.response(200, WatchlistCreated)
    @blp.doc(**AUTH)
    def put(self, body, watchlist_id):
        """Replace a watchlist's name and members (its owner only; to anyone else it is 404)."""
        session = db_session()
        watchlist = watchlists.replace_watchlist(
            session, current_caller(), watchlist_id, body["name"], body["uscc"]
        )
        session.commit()
        return watchlist
