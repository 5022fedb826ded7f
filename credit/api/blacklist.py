"""The quality blacklist: listing, publication, objections and credit repair."""

from __future__ import annotations

from flask.views import MethodView

from credit.api import evidence
from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session
from credit.services import blacklist, requests
from schemas.blacklist import (
    BlacklistArgs,
    EvidenceFiles,
    ListingIn,
    ListingOut,
    ListingPage,
    ObjectionDecisionIn,
    ObjectionIn,
    ObjectionOut,
    RepairDecisionIn,
    RepairIn,
    RepairOut,
)

blp = Blueprint("blacklist", __name__, description="The quality blacklist (质量失信黑名单)")
AUTH = {"security": [{"bearer": []}]}


def _listing_response(listing_id: int) -> dict:
    return blacklist.listing_view(db_session(), current_caller(), listing_id)


@blp.route("/blacklist")
class Blacklist(MethodView):
    @blp.arguments(BlacklistArgs, location="query")
    @blp.response(200, ListingPage)
    def get(self, args):
        """The active listings, newest listing date first."""
        return blacklist.public_list(db_session(), **args)

    @blp.arguments(ListingIn)
    @blp.response(201, ListingOut)
    @blp.alt_response(409, description="The firm is already actively listed")
    @blp.doc(**AUTH)
    def post(self, body):
        """List a firm (the regulator of its region)."""
        session = db_session()
        listing = blacklist.list_enterprise(session, current_caller(), **body)
        session.commit()
        return _listing_response(listing.id)


@blp.route("/blacklist/<int:listing_id>")
class ListingById(MethodView):
    @blp.response(200, ListingOut)
    def get(self, listing_id):
        """A listing; with its transitions for the firm and its regulator. Ended ones are
        not public."""
        return _listing_response(listing_id)


@blp.route("/blacklist/<int:listing_id>/objections")
class ListingObjections(MethodView):
    @blp.arguments(ObjectionIn)
    @blp.response(201, ObjectionOut)
    @blp.alt_response(409, description="The listing is not in the state `listed`")
    @blp.doc(**AUTH)
    def post(self, body, listing_id):
        """Object to a listing (the listed firm); it stays in force, marked as disputed."""
        session = db_session()
        objection = requests.file_objection(
            session, current_caller(), "listing", listing_id, body["reason"]
        )
        session.commit()
        return objection


@blp.route("/blacklist/<int:listing_id>/objections/<int:objection_id>/decision")
class ListingObjectionDecision(MethodView):
    @blp.arguments(ObjectionDecisionIn)
    @blp.response(200, ListingOut)
    @blp.alt_response(409, description="The objection was already decided")
    @blp.doc(**AUTH)
    def post(self, body, listing_id, objection_id):
        """Decide an objection (the regulator of the region): upheld rescinds the listing."""
        session = db_session()
        requests.decide_objection(
            session, current_caller(), "listing", listing_id, objection_id, **body
        )
        session.commit()
        return _listing_response(listing_id)


@blp.route("/blacklist/<int:listing_id>/repair")
class ListingRepair(MethodView):
    @blp.arguments(RepairIn)
    @blp.response(201, RepairOut)
    @blp.alt_response(
        409,
        description=(
            "Too early (the date is in `detail`), not listed, an "
            "application is already pending, or a serious violation came after the listing"
        ),
    )
    @blp.doc(**AUTH)
    def post(self, body, listing_id):
        """Apply for credit repair (the listed firm), from `repair_eligible_on`. Evidence files
        then go to POST /blacklist/{listing_id}/repair/attachments."""
        session = db_session()
        application = requests.apply_for_repair(
            session, current_caller(), "listing", listing_id, **body
        )
        session.commit()
        return application


@blp.route("/blacklist/<int:listing_id>/repair/attachments")
class ListingRepairAttachments(MethodView):
    upload_limit = staticmethod(evidence.upload_limit)

    @blp.arguments(EvidenceFiles, location="files", description=evidence.UPLOAD_DESCRIPTION)
    @blp.response(201, RepairOut)
    @blp.alt_response(409, description="No repair application is pending: apply first")
    @blp.alt_response(413, description="The files together are over the upload limit")
    @blp.doc(**AUTH)
    def post(self, files, listing_id):
        """Attach evidence to the pending repair application of a listing (the listed firm):
        PDF, PNG or JPEG files, each kept with its SHA-256."""
        return evidence.attach("listing", listing_id, files["file"])


@blp.route("/blacklist/<int:listing_id>/repair/attachments/<int:attachment_id>")
class ListingRepairAttachment(MethodView):
    @blp.response(200, **evidence.DOWNLOAD_RESPONSE)
    @blp.doc(**AUTH)
    def get(self, listing_id, attachment_id):
        """Download an evidence file (the listed firm itself, the regulator of its region)."""
        return evidence.download("listing", listing_id, attachment_id)


@blp.route("/blacklist/<int:listing_id>/repair/decision")
class ListingRepairDecision(MethodView):
    @blp.arguments(RepairDecisionIn)
    @blp.response(200, ListingOut)
    @blp.alt_response(409, description="No repair application is pending")
    @blp.doc(**AUTH)
    def post(self, body, listing_id):
        """Decide a repair application (the regulator of the region): approval removes early."""
        session = db_session()
        requests.decide_repair(session, current_caller(), "listing", listing_id, **body)
        session.commit()
        return _listing_response(listing_id)
