"""The enterprise register: registering a firm, its public profile, search."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from credit.api.context import current_caller, db_session
from credit.services import enterprises, profiles
from schemas.checks import PurposeArgs
from schemas.enterprises import (CreditFile, EnterpriseIn, EnterpriseOut, EnterprisePage,
                                 EnterpriseSearchArgs, PublicProfile, UsccPath)

blp = Blueprint("enterprises", __name__, description="The enterprise register")


@blp.route("/enterprises")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseSearchArgs, location="query")
    @blp.response(200, EnterprisePage)
    def get(self, args):
        """Search by any part of the name (2+ characters) or the start of a USCC."""
        return enterprises.search_enterprises(db_session(), **args)

    @blp.arguments(EnterpriseIn)
    @blp.response(201, EnterpriseOut)
    @blp.alt_response(409, description="The USCC is already registered")
    @blp.doc(security=[{"bearer": []}])
    def post(self, body):
        """Register an enterprise (a regulator of its region)."""
        session = db_session()
        enterprise = enterprises.register_enterprise(
            session, current_caller(), enterprises.NewEnterprise(**body))
        session.commit()
        return enterprise


@blp.route("/enterprises/<uscc>")
class EnterpriseByUscc(MethodView):
    # Schema instances, not classes: the busiest endpoint need not build them per request.
    @blp.arguments(UsccPath(), location="view_args")
    @blp.response(200, PublicProfile())
    def get(self, path, uscc):
        """The public profile: grade, blacklist state, and records inside their display period."""
        return profiles.public_profile(db_session(), path["uscc"])


@blp.route("/enterprises/<uscc>/file")
class EnterpriseFile(MethodView):
    @blp.arguments(UsccPath, location="view_args")
    @blp.arguments(PurposeArgs, location="query")
    @blp.response(200, CreditFile)
    @blp.doc(security=[{"bearer": []}])
    def get(self, path, args, uscc):
        """The whole credit file (the regulator of the region, the enterprise itself, a bank
        that states its purpose: logged and shown to the firm)."""
        caller = current_caller()
        session = db_session(write=caller.role == "bank")
        body = profiles.credit_file(session, caller, path["uscc"], args.get("purpose"))
        session.commit()
        return body
