"""The console's imports page: a regulator or an agency uploads a file of firms or records, with
a dry run to try it first, sees each row's errors by row and column, and takes blank templates."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from credit.api.context import db_session
from credit.auth.caller import WRITABLE_KINDS
from credit.errors import CreditError
from credit.services.exchange import imports
from credit.services.exchange.columns import IMPORT_KINDS
from credit.web.session import caller, page_for
from schemas.imports import row_format

blp = Blueprint("imports_page", __name__)
importers = page_for("regulator", "agency")
# The kinds as the page names them; the order of the template list.
KIND_LABELS = {
    "enterprises": "企业登记信息",
    "awards": "荣誉",
    "certifications": "认证",
    "inspections": "监督抽查结果",
    "violations": "违法违规记录",
}
STATES = {
    "validated": "校验通过（试导入，未写入）",
    "applied": "已导入",
    "rejected": "未导入：有错误",
}


def _kinds() -> list[str]:
    """The kinds the signed-in account may import: all for a regulator, an agency's own."""
    who = caller()
    if who.role == "agency":
        return [kind for kind, written in IMPORT_KINDS.items() if written in who.kinds]
    return [kind for kind, written in IMPORT_KINDS.items() if written in WRITABLE_KINDS]


@blp.context_processor
def _words():
    return {"kind_labels": KIND_LABELS, "states": STATES}


@blp.get("/console/imports")
@importers
def form():
    return _form({}, {})


def _form(values: dict, problems: dict, status: int = 200):
    return render_template(
        "console/imports.html", kinds=_kinds(), values=values, problems=problems
    ), status


@blp.post("/console/imports")
@importers
def upload():
    values = {"kind": request.form.get("kind", ""), "dry_run": bool(request.form.get("dry_run"))}
    problems = {}
    if values["kind"] not in _kinds():
        problems["kind"] = "请选择本账号可以导入的数据类型。"
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        problems["file"] = "请选择要上传的文件（.xlsx、.csv 或 .jsonl）。"
    if problems:
        return _form(values, problems, 422)
    session = db_session()
    region = imports.authorize(caller(), values["kind"], None)
    session.commit()  # nothing is held while the file is read and validated
    settings = current_app.extensions["credit.settings"]
    try:
        batch = imports.import_upload(
            session,
            caller(),
            values["kind"],
            upload.filename,
            upload.read(),
            row_format(values["kind"]),
            region=region,
            dry_run=values["dry_run"],
            max_rows=settings.import_max_rows,
        )
    except CreditError as refused:
        session.rollback()
        if refused.status != 413:
            raise
        problems["file"] = (
            "文件超过网页上传的行数上限，请分成几个文件，或用命令行 credit import 导入。"
        )
        return _form(values, problems, 413)
    session.commit()
    return redirect(url_for("imports_page.report", import_id=batch.id), 303)


# The page takes the files the API takes: the body limit of other requests is far smaller.
upload.upload_limit = lambda settings: settings.import_max_bytes


@blp.get("/console/imports/<int:import_id>")
@importers
def report(import_id):
    batch = imports.describe(imports.get_batch(db_session(), caller(), import_id))
    return render_template("console/import_report.html", batch=batch)
