"""The verification page for signed credit reports (anyone: a PDF, a JWS or a report's short code),
and the PDF report for signed-in readers."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from marshmallow import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import TextAreaField

from credit.api.context import db_session, path_uscc
from credit.auth import certificates
from credit.web import credit_report, report_verification
from credit.web import session as web_session
from credit.web.credit_report import summary
from credit.web.report_verification import NotVerified
from schemas.changes import ReportArgs

blp = Blueprint("verify", __name__)
# Who may have a report, as in the API; the service refuses another firm's account.
READERS = ("enterprise", "bank", "procurement", "regulator")
EMPTY = "请上传平台出具的PDF信用报告，或粘贴JWS签名报告文本。"
NOT_UTF8 = "粘贴的文本无法识别。"


class VerifyForm(FlaskForm):
    """A report to check: the PDF (or a .jws file) uploaded, or the JWS pasted."""

    file = FileField("上传PDF信用报告（或 .jws 文件）")
    jws = TextAreaField("或粘贴JWS签名报告文本")


def _upload_limit() -> int:
    """The largest upload: the page's setting, within the largest body the registry reads."""
    settings = current_app.extensions["credit.settings"]
    return min(settings.verify_upload_bytes, settings.max_body_bytes)


def _too_large() -> dict[str, str]:
    limit = _upload_limit() // 1024
    return {"file": f"文件过大：本页面最多接受 {limit} KiB 的文件，平台出具的信用报告远小于此。"}


def _trusted():
    settings = current_app.extensions["credit.settings"]
    return certificates.trusted(settings.keys, current_app.extensions["credit.report_certificate"])


def _jwks() -> dict:
    return current_app.extensions["credit.report_keys"].jwks()


def _page(form: VerifyForm, *, verified=None, refused=None, problems=None, code="", status=200):
    return (
        render_template(
            "verify/verify.html",
            form=form,
            verified=verified,
            said=summary(verified.content) if verified else None,
            refused=refused,
            problems=problems or {},
            code=code,
            limit_kib=_upload_limit() // 1024,
        ),
        status,
    )


@blp.get("/verify")
def verify_page():
    form = VerifyForm()
    code = request.args.get("code", "").strip()
    if not code:
        return _page(form)
    if len(code) > 40:
        return _page(
            form, problems={"code": "验证码应为12位字母和数字。"}, code=code[:40], status=422
        )
    try:
        verified = report_verification.verify_code(db_session(), code, _jwks())
    except NotVerified as refused:
        status = 404 if refused.reason == "unknown_code" else 200
        return _page(form, refused=refused, code=code, status=status)
    return _page(form, verified=verified, code=code)


@blp.post("/verify")
def verify_post():
    form = VerifyForm()
    limit = _upload_limit()
    if (request.content_length or 0) > limit:
        problem = (
            f"文件过大：本页面最多接受 {limit // 1024} KiB 的文件，平台出具的信用报告远小于此。"
        )
        return _page(form, problems={"file": problem}, status=413)
    form.validate_on_submit()  # the CSRF token; the fields are read below
    if form.csrf_token.errors:
        abort(400)
    upload = form.file.data
    pasted = (form.jws.data or "").strip()
    if upload is not None and getattr(upload, "filename", ""):
        field, data = "file", upload.read(limit + 1)
    elif pasted:
        field, data = "jws", pasted.encode("utf-8")
    else:
        return _page(form, problems={"file": EMPTY}, status=422)
    try:
        verified = report_verification.verify_document(data, _jwks(), _trusted())
    except NotVerified as refused:
        if refused.reason == "not_a_report":
            return _page(form, problems={field: refused.message_zh}, status=422)
        return _page(form, refused=refused, status=200)
    return _page(form, verified=verified)


@blp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error):
    # A body past the registry's own limit is refused before the form is read (by the CSRF
    # check); the page still says so next to the field, without reading the body again.
    return _page(VerifyForm(formdata=None), problems=_too_large(), status=413)


@blp.get("/enterprises/<code>/report.pdf")
@web_session.page_for(*READERS)
def report_pdf(code):
    """The signed PDF report, for the firm itself and those who check firms."""
    uscc = path_uscc(code)
    try:
        args = ReportArgs().load(request.args.to_dict())
    except ValidationError:
        abort(422)
    session = db_session(write=True)
    settings = current_app.extensions["credit.settings"]
    issued = credit_report.issue_pdf(
        session,
        web_session.caller(),
        uscc,
        args.get("as_of"),
        report_keys=current_app.extensions["credit.report_keys"],
        certificate=current_app.extensions["credit.report_certificate"],
        base_url=settings.public_url or request.host_url,
    )
    session.commit()
    return Response(
        issued.content,
        mimetype=credit_report.MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{issued.filename}"'},
    )
