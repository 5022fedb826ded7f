"""The firm's own area `/me`: its whole file with the grade explained, who looked at it, what
changed since the last visit, and its objections and credit repair applications."""

from __future__ import annotations

import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from werkzeug.datastructures import FileStorage
from wtforms import MultipleFileField, TextAreaField
from wtforms.validators import DataRequired, Length

from credit import catalog
from credit.api import evidence
from credit.api.context import db_session
from credit.errors import Conflict
from credit.services import profiles, requests
from credit.web import session as web_session
from schemas.blacklist import ObjectionIn, RepairIn
from schemas.records import RecordRepairIn

blp = Blueprint("me", __name__)
KINDS = ("record", "listing")
TEXT_LIMIT = 4000


class ObjectionForm(FlaskForm):
    reason = TextAreaField(
        "异议理由",
        validators=[
            DataRequired("请填写异议理由。"),
            Length(max=TEXT_LIMIT, message=f"异议理由不能超过{TEXT_LIMIT}字。"),
        ],
    )


class RepairForm(FlaskForm):
    statement = TextAreaField(
        "信用修复申请说明",
        validators=[
            DataRequired("请填写申请说明：已如何整改、履行了哪些处罚。"),
            Length(max=TEXT_LIMIT, message=f"申请说明不能超过{TEXT_LIMIT}字。"),
        ],
    )
    attachments = MultipleFileField("证明材料")


@blp.app_template_filter("time_zh")
def time_zh(instant: datetime.datetime | None) -> str:
    """An instant as the firm's clock shows it: 2026年6月15日 12:03."""
    if instant is None:
        return "—"
    local = instant.astimezone(current_app.extensions["credit.settings"].zone)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _page(*, failed: dict | None = None, status: int = 200):
    """The whole area; `failed` is a refused form, shown open with its problems."""
    session = db_session(write=True)
    caller = web_session.caller()
    news = profiles.changes_since_last_visit(session, caller, web_session.signed_in().id)
    file = profiles.own_file(session, caller)
    session.commit()
    limits = evidence.limits()
    return (
        render_template(
            "me/home.html",
            file=file,
            news=news,
            failed=failed or {},
            max_count=limits.max_count,
            max_megabytes=limits.max_bytes // (1024 * 1024),
        ),
        status,
    )


@blp.get("/me")
@web_session.page_for("enterprise")
def home():
    return _page()


def _refused(kind: str, entry_id: int, asked: str, problems: dict, values: dict):
    failed = {"key": (kind, entry_id), "request": asked, "problems": problems, "values": values}
    db_session().rollback()
    return _page(failed=failed, status=422)


def _conflict_problem(refused: Conflict, field: str) -> dict[str, str]:
    allowed = refused.extra.get("repair_allowed_from") or refused.extra.get("repair_eligible_on")
    if allowed:
        day = datetime.date.fromisoformat(allowed)
        return {field: f"尚不能申请信用修复：可于 {day.year}年{day.month}月{day.day}日 起申请。"}
    return {field: "当前状态下不能提交：可能已有待处理的申请或异议，请查看下方最新状态。"}


def _text_problems(form: FlaskForm, schema, values: dict, field: str) -> dict[str, str]:
    """The form's own checks, then the API's schema (the same refusals as a program gets)."""
    if not form.validate():
        return {name: messages[0] for name, messages in form.errors.items() if name in values}
    try:
        schema.load(values)
    except ValidationError:
        return {field: "内容不能含控制字符，请删去后重新提交。"}
    return {}


@blp.post("/me/<kind>/<int:entry_id>/objection")
@web_session.page_for("enterprise")
def objection(kind: str, entry_id: int):
    if kind not in KINDS:
        abort(404)
    form = ObjectionForm()
    values = {"reason": (form.reason.data or "").strip()}
    problems = _text_problems(form, ObjectionIn(), values, "reason")
    if problems:
        return _refused(kind, entry_id, "objection", problems, values)
    session = db_session()
    try:
        requests.file_objection(session, web_session.caller(), kind, entry_id, values["reason"])
    except Conflict as refused:
        return _refused(kind, entry_id, "objection", _conflict_problem(refused, "reason"), values)
    session.commit()
    flash("异议已提交。在监管部门处理前，该条信息将标注为“异议处理中”。")
    return redirect(url_for("me.home", _anchor=f"{kind}-{entry_id}"), 303)


def _uploads(files: list[FileStorage]) -> list[requests.Upload]:
    """The files chosen; a file input left empty still sends one nameless, empty part."""
    return [upload for upload in evidence.uploads(files) if upload.filename or upload.content]


@blp.post("/me/<kind>/<int:entry_id>/repair")
@web_session.page_for("enterprise")
def repair(kind: str, entry_id: int):
    if kind not in KINDS:
        abort(404)
    form = RepairForm()
    values = {"statement": (form.statement.data or "").strip()}
    schema = RecordRepairIn() if kind == "record" else RepairIn()
    problems = _text_problems(form, schema, values, "statement")
    uploads = _uploads(request.files.getlist("attachments"))
    limits = evidence.limits()
    if uploads:
        refused_files = requests.evidence_problems(uploads, 0, limits)
        if refused_files:
            problems["attachments"] = "；".join(
                problem.zh if index is None else f"{uploads[index].filename}：{problem.zh}"
                for index, problem in refused_files.items()
            )
    if problems:
        return _refused(kind, entry_id, "repair", problems, values)
    session = db_session()
    caller = web_session.caller()
    try:
        requests.apply_for_repair(session, caller, kind, entry_id, values["statement"])
        if uploads:
            requests.attach_evidence(
                session, caller, kind, entry_id, uploads, limits, field="attachments"
            )
    except Conflict as refused:
        return _refused(kind, entry_id, "repair", _conflict_problem(refused, "statement"), values)
    session.commit()
    flash("信用修复申请已提交，监管部门审核后将在本页显示结果。")
    return redirect(url_for("me.home", _anchor=f"{kind}-{entry_id}"), 303)


@blp.get("/me/<kind>/<int:entry_id>/attachments/<int:attachment_id>")
@web_session.page_for("enterprise")
def attachment(kind: str, entry_id: int, attachment_id: int):
    if kind not in KINDS:
        abort(404)
    return evidence.download(kind, entry_id, attachment_id, web_session.caller())


# Repair evidence arrives in the same body as the form: the same limit as the API's upload.
repair.upload_limit = lambda settings: evidence.upload_limit(settings)


@blp.app_template_filter("rule_label")
def rule_label(rule: str) -> str:
    """A line of the grade's explanation by its rule's Chinese name, or its family's."""
    rules = catalog.GRADE_RULES
    entry = rules.get(rule) or rules.get(rule.split(".")[0])
    return entry.label_zh if entry else rule


@blp.app_template_filter("record_title")
def record_title(record: dict) -> str:
    """A record in a few words, as its own heading and where the grade's explanation cites it."""
    kind = record["kind"]
    if kind == "award":
        return record.get("title") or catalog.AWARD_KINDS[record["award_kind"]].label_zh
    if kind == "certification":
        scheme = catalog.CERTIFICATION_SCHEMES.get(record["scheme"])
        return f"{scheme.label_zh if scheme else record['scheme']} {record['certificate_no']}"
    if kind == "inspection":
        level = catalog.INSPECTION_LEVELS[record["level"]].label_zh
        result = catalog.INSPECTION_RESULTS[record["result"]].label_zh
        return f"{level}：{record['product']}（{result}）"
    category = catalog.VIOLATION_CATEGORIES[record["category"]].label_zh
    severity = catalog.SEVERITIES[record["severity"]].label_zh
    return f"{category}（{severity}）{record['decision_no']}"


@blp.app_template_filter("file_size")
def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
