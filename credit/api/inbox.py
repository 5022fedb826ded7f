"""The regulator's inbox: objections, repair applications and listings reaching their dates."""

from __future__ import annotations

from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session
from credit.services import inbox
from schemas.inbox import InboxArgs, InboxPage

blp = Blueprint("inbox", __name__, description="What waits for a regulator's decision")


@blp.route("/inbox")
class Inbox(MethodView):
    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, InboxPage)
    @blp.doc(security=[{"bearer": []}])
    def get(self, args):
        """What waits for a decision in the officer's region, oldest first (regulators): record
        and listing objections, record and listing repair applications, and active listings
        within 30 days of their repair date or expiry. Decided items leave it."""
        return inbox.inbox(db_session(), current_caller(), **args)
