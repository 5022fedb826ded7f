"""The enterprise register: registering a firm, its public profile, search."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session, path_uscc, read_lookup
from credit.services import enterprises, profiles
from schemas.checks import PurposeArgs
from schemas.enterprises import (
    USCC_PARAMETER,
    CreditFile,
    EnterpriseIn,
    EnterpriseOut,
    EnterprisePage,
    EnterprisePatchIn,
    EnterpriseSearchArgs,
    PublicProfile,
    RegisterEntryOut,
    UsccPath,
)

blp = Blueprint("enterprises", __name__, description="The enterprise register")
PUBLIC_PROFILE = PublicProfile()


@blp.route("/enterprises")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseSearchArgs, location="query")
    @blp.response(200, EnterprisePage)
    def get(self, args):
        """Search by any part of the name (2+ characters) or the start of a USCC.

        Order: the exact USCC, then names starting with q, then the rest by name. A query of
        digits alone is the start of a USCC and is not looked for in names."""
        return enterprises.search_enterprises(db_session(), **args)

    @blp.arguments(EnterpriseIn)
    @blp.response(201, EnterpriseOut)
    @blp.alt_response(409, description="The USCC is already registered")
    @blp.doc(security=[{"bearer": []}])
    def post(self, body):
        """Register an enterprise (a regulator of its region)."""
        session = db_session()
        enterprise = enterprises.register_enterprise(
            session, current_caller(), enterprises.NewEnterprise(**body)
        )
        session.commit()
        return enterprise


# The busiest endpoint, kept lean: a function view, the code checked here rather than by a schema,
# the profile sent as the service keeps it ready (the schema documents it, a test holds them equal).
@blp.route("/enterprises/<uscc>", methods=["GET"], parameters=[USCC_PARAMETER])
@blp.response(200, PUBLIC_PROFILE)
@blp.alt_response(422, description="Not a valid USCC")
def enterprise_by_uscc(uscc):
    """The public profile: grade, blacklist state, and records inside their display period."""
    uscc = path_uscc(uscc)
    return Response(
        read_lookup(lambda lookup: profiles.public_profile(lookup, db_session, uscc)),
        mimetype="application/json",
    )


@blp.route(
    "/enterprises/<uscc>",
    methods=["PATCH"],
    endpoint="enterprise_register_entry",
    parameters=[USCC_PARAMETER],
)
@blp.arguments(EnterprisePatchIn)
@blp.response(200, RegisterEntryOut)
@blp.doc(security=[{"bearer": []}])
def patch_enterprise(body, uscc):
    """Change a firm's register entry with a reason (the regulator of its region): a new name
    (the old one kept as a former name), address, legal representative, chief quality officer,
    industry, or deregistration. Each change is an audit event and shows in the change feed."""
    session = db_session()
    reason = body.pop("reason")
    enterprise = enterprises.update_enterprise(
        session, current_caller(), path_uscc(uscc), body, reason
    )
    names = enterprises.former_names(session, [enterprise.id])[enterprise.id]
    session.commit()
    return profiles.register_entry(enterprise, names)


@blp.route("/enterprises/<uscc>/file")
class EnterpriseFile(MethodView):
    @blp.arguments(UsccPath, location="path")
    @blp.arguments(PurposeArgs, location="query")
    @blp.response(200, CreditFile)
    @blp.doc(security=[{"bearer": []}])
    def get(self, path, args, uscc):
        """The whole credit file (the regulator of the region, the enterprise itself, a bank
        that states its purpose: logged and shown to the firm)."""
        caller = current_caller()
        session = db_session(logged_read=caller.role == "bank")
        body = profiles.credit_file(session, caller, path["uscc"], args.get("purpose"))
        session.commit()
        return body
