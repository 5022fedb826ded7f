"""Credit records: adding them to a firm's file, and rescinding or revoking them."""

from __future__ import annotations

from flask.views import MethodView

from credit import clock
from credit.api import evidence
from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session
from credit.rules import display
from credit.services import records, requests
from schemas.blacklist import (
    EvidenceFiles,
    ObjectionDecisionIn,
    ObjectionIn,
    ObjectionOut,
    RepairDecisionIn,
    RepairOut,
)
from schemas.enterprises import UsccPath
from schemas.records import (
    AwardIn,
    CertificationIn,
    InspectionIn,
    RecordOut,
    RecordRepairIn,
    RescindIn,
    RevokeIn,
    ViolationIn,
)

blp = Blueprint("records", __name__, description="Credit records and their corrections")
WRITE_DOC = {"security": [{"bearer": []}]}


def _created(kind: str, uscc: str, body: dict) -> dict:
    session = db_session()
    record, enterprise = records.add_record(session, current_caller(), uscc, kind, body)
    session.commit()
    return display.describe(record, clock.today(), uscc=enterprise.uscc)


def _record_route(kind: str, schema, path: str, summary: str):
    @blp.arguments(UsccPath, location="path")
    @blp.arguments(schema)
    @blp.response(201, RecordOut)
    @blp.alt_response(409, description="The same source document is already recorded")
    @blp.doc(summary=summary, **WRITE_DOC)
    def post(self, path_args, body, uscc):
        return _created(kind, path_args["uscc"], body)

    view = type(f"{kind.title()}Records", (MethodView,), {"post": post})
    blp.route(path)(view)


_record_route(
    "award",
    AwardIn,
    "/enterprises/<uscc>/awards",
    "Record an honour (regulator of the firm's region)",
)
_record_route(
    "certification",
    CertificationIn,
    "/enterprises/<uscc>/certifications",
    "Record a certification (regulator of the firm's region)",
)
_record_route(
    "inspection",
    InspectionIn,
    "/enterprises/<uscc>/inspections",
    "Record a supervision sampling result (regulator of the firm's region)",
)
_record_route(
    "violation",
    ViolationIn,
    "/enterprises/<uscc>/violations",
    "Record a violation (regulator of the firm's region)",
)


@blp.route("/records/<int:record_id>/rescind")
class RecordRescission(MethodView):
    @blp.arguments(RescindIn)
    @blp.response(200, RecordOut)
    @blp.alt_response(409, description="Already rescinded")
    @blp.doc(**WRITE_DOC)
    def post(self, body, record_id):
        """Rescind a wrong record: it leaves every view and the grade, and stays in the file."""
        session = db_session()
        record, enterprise = records.rescind_record(
            session, current_caller(), record_id, body["reason"]
        )
        session.commit()
        return display.describe(record, clock.today(), uscc=enterprise.uscc, history=True)


@blp.route("/records/<int:record_id>/revoke")
class RecordRevocation(MethodView):
    @blp.arguments(RevokeIn)
    @blp.response(200, RecordOut)
    @blp.alt_response(409, description="Not an honour or certification, or already corrected")
    @blp.doc(**WRITE_DOC)
    def post(self, body, record_id):
        """Revoke an honour or certification its issuer withdrew, effective on revoked_on."""
        session = db_session()
        record, enterprise = records.revoke_record(session, current_caller(), record_id, **body)
        session.commit()
        return display.describe(record, clock.today(), uscc=enterprise.uscc, history=True)


@blp.route("/records/<int:record_id>/objections")
class RecordObjections(MethodView):
    @blp.arguments(ObjectionIn)
    @blp.response(201, ObjectionOut)
    @blp.alt_response(
        409, description=("The record is rescinded, or an objection to it is already pending")
    )
    @blp.doc(**WRITE_DOC)
    def post(self, body, record_id):
        """Object to a record in one's own file (the enterprise); a regulator decides."""
        session = db_session()
        objection = requests.file_objection(
            session, current_caller(), "record", record_id, body["reason"]
        )
        session.commit()
        return objection


@blp.route("/records/<int:record_id>/objections/<int:objection_id>/decision")
class RecordObjectionDecision(MethodView):
    @blp.arguments(ObjectionDecisionIn)
    @blp.response(200, RecordOut)
    @blp.alt_response(409, description="The objection was already decided")
    @blp.doc(**WRITE_DOC)
    def post(self, body, record_id, objection_id):
        """Decide an objection (the regulator of the region): upheld rescinds the record."""
        session = db_session()
        item = requests.decide_objection(
            session, current_caller(), "record", record_id, objection_id, **body
        )
        session.commit()
        return display.describe(item.row, clock.today(), uscc=item.enterprise.uscc, history=True)


@blp.route("/records/<int:record_id>/repair")
class RecordRepairs(MethodView):
    @blp.arguments(RecordRepairIn)
    @blp.response(201, RepairOut)
    @blp.alt_response(
        409,
        description=(
            "Not a violation that can be repaired, too early (the "
            "date is in `detail`), or an application is already pending"
        ),
    )
    @blp.doc(**WRITE_DOC)
    def post(self, body, record_id):
        """Apply for credit repair of a violation (the enterprise): from 3 months after a
        general violation's decision, 1 year after a serious one's. Evidence files then go to
        POST /records/{record_id}/repair/attachments."""
        session = db_session()
        application = requests.apply_for_repair(
            session, current_caller(), "record", record_id, body["statement"]
        )
        session.commit()
        return application


@blp.route("/records/<int:record_id>/repair/attachments")
class RecordRepairAttachments(MethodView):
    upload_limit = staticmethod(evidence.upload_limit)

    @blp.arguments(EvidenceFiles, location="files", description=evidence.UPLOAD_DESCRIPTION)
    @blp.response(201, RepairOut)
    @blp.alt_response(409, description="No repair application is pending: apply first")
    @blp.alt_response(413, description="The files together are over the upload limit")
    @blp.doc(**WRITE_DOC)
    def post(self, files, record_id):
        """Attach evidence to the pending repair application of a violation (the enterprise):
        PDF, PNG or JPEG files, each kept with its SHA-256."""
        return evidence.attach("record", record_id, files["file"])


@blp.route("/records/<int:record_id>/repair/attachments/<int:attachment_id>")
class RecordRepairAttachment(MethodView):
    @blp.response(200, **evidence.DOWNLOAD_RESPONSE)
    @blp.doc(**WRITE_DOC)
    def get(self, record_id, attachment_id):
        """Download an evidence file (the enterprise itself, the regulator of its region)."""
        return evidence.download("record", record_id, attachment_id)


@blp.route("/records/<int:record_id>/repair/decision")
class RecordRepairDecision(MethodView):
    @blp.arguments(RepairDecisionIn)
    @blp.response(200, RecordOut)
    @blp.alt_response(409, description="No repair application is pending")
    @blp.doc(**WRITE_DOC)
    def post(self, body, record_id):
        """Decide a repair application (the regulator of the region): approved, the public no
        longer sees the violation; the file and the grade keep it."""
        session = db_session()
        item = requests.decide_repair(session, current_caller(), "record", record_id, **body)
        session.commit()
        return display.describe(item.row, clock.today(), uscc=item.enterprise.uscc, history=True)
