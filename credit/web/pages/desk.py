"""The bank and procurement desk: batch checks from pasted codes or a spreadsheet, their table,
spreadsheet and tender evidence, and watchlists with what changed since the last visit."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import ValidationError

from credit import policy
from credit.api.context import db_session
from credit.errors import InvalidInput
from credit.services import changes, desk, watchlists
from credit.web import check_workbook, pdf, tender_evidence
from credit.web.code_lists import MAX_FILE_BYTES, Entry, UnreadableFile, from_file, from_text
from credit.web.session import caller, page_for
from schemas.checks import LendingCheckIn, ProcurementCheckIn

blp = Blueprint("desk", __name__)
desk_page = page_for(*desk.DESK_ROLES)
KIND_OF_ROLE = {role: kind for kind, role in desk.DESK_KINDS.items()}
SCHEMAS = {"lending": LendingCheckIn, "procurement": ProcurementCheckIn}
FORM_PROBLEMS = {
    "purpose": "请填写查询用途（如“流动资金贷款贷前审查”），不超过500个字；查询用途会告知被查询企业。",
    "project": "招标编号不能超过200个字。",
    "as_of": "核查日期应为不晚于今天的有效日期（YYYY-MM-DD）。",
}
SORTS = ("row", "uscc", "name", "grade", "verdict")
GRADE_ORDER = {grade: place for place, grade in enumerate(("AAA", "AA", "A", "B", "C", "D"))}
CHANGES_SHOWN = 200


@blp.context_processor
def _words():
    return {"verdict": check_workbook.verdict, "reason_words": check_workbook.reason_words}


@blp.get("/desk")
@desk_page
def home():
    return _home({}, {})


def _home(form: dict, problems: dict, refused: list[Entry] = (), status: int = 200):
    session = db_session()
    kind = KIND_OF_ROLE[caller().role]
    page = render_template(
        "desk/home.html",
        kind=kind,
        form=form,
        problems=problems,
        refused=refused,
        recent=desk.recent_checks(session, caller()),
        lists=watchlists.watchlists_of(session, caller(), page=1, per_page=50)["items"],
        max_batch=policy.MAX_BATCH,
    )
    return page, status


@blp.post("/desk/checks")
@desk_page
def check_post():
    kind = KIND_OF_ROLE[caller().role]
    form = {name: request.form.get(name, "") for name in ("codes", "purpose", "project", "as_of")}
    entries, problems = _entries(form["codes"], request.files.get("file"))
    good = [entry for entry in entries if entry.code]
    refused = [entry for entry in entries if not entry.code]
    if entries and not good:
        upload = request.files.get("file")
        where = "file" if upload is not None and upload.filename else "codes"
        problems[where] = "没有格式正确的统一社会信用代码可以核查，请对照下表修改。"
    given = {"uscc": [entry.code for entry in good]}
    if kind == "lending":
        given["purpose"] = form["purpose"]
    elif form["project"].strip():
        given["project"] = form["project"]
    if form["as_of"].strip():
        given["as_of"] = form["as_of"].strip()
    try:
        body = SCHEMAS[kind]().load(given)
    except ValidationError as wrong:
        problems.update(
            {name: FORM_PROBLEMS[name] for name in wrong.messages if name in FORM_PROBLEMS}
        )
    if problems:
        return _home(form, problems, refused, 422)
    session = db_session()
    try:
        check = desk.run_check(
            session,
            caller(),
            kind,
            body["uscc"],
            refused=[{"row": e.row, "text": e.text, "problem": e.problem} for e in refused],
            positions=[entry.row for entry in good],
            as_of=body.get("as_of"),
            purpose=body.get("purpose"),
            project=body.get("project"),
        )
    except InvalidInput as wrong:
        session.rollback()
        problems["codes"] = _batch_problem(wrong)
        return _home(form, problems, refused, 422)
    session.commit()
    return redirect(url_for("desk.check_page", check_id=check.id), 303)


def _entries(text: str, upload, most: int = policy.MAX_BATCH) -> tuple[list[Entry], dict]:
    """The entries of the pasted list or of the uploaded file (one or the other), and what is
    wrong with the list as a whole."""
    has_file = upload is not None and bool(upload.filename)
    where = "file" if has_file else "codes"
    if has_file and text.strip():
        return [], {"file": "请只用一种方式提交：粘贴代码，或上传表格。"}
    try:
        entries = from_file(upload.filename, upload.read()) if has_file else from_text(text)
    except UnreadableFile as unreadable:
        return [], {"file": str(unreadable)}
    if not entries:
        return [], {where: "没有找到统一社会信用代码。"}
    if len(entries) > most:
        return [], {
            where: f"一次最多提交 {most:,} 个代码，这里有 {len(entries):,} 个，请分批提交。"
        }
    return entries, {}


def _batch_problem(wrong: InvalidInput) -> str:
    if any(name.startswith("uscc.") for name in wrong.errors):
        return f"同一代码在一次核查中最多出现 {policy.MAX_REPEATS} 次，请删去重复的代码。"
    return "代码清单无效，请检查后重新提交。"


def _check(check_id: int):
    return desk.check_of(db_session(), caller(), check_id)


@blp.get("/desk/checks/<int:check_id>")
@desk_page
def check_page(check_id):
    check = _check(check_id)
    sort = request.args.get("sort", "row")
    if sort not in SORTS:
        sort = "row"
    rows = sorted(desk.rows_of(check), key=lambda row: _sort_key(row, sort))
    return render_template(
        "desk/check.html",
        check=check,
        rows=rows,
        sort=sort,
        summary=_summary(desk.rows_of(check)),
        checked_by=caller().username,
    )


def _verdict_order(row: dict) -> int:
    """Blocked first, then warned, then clear, then unknown firms, then refused entries."""
    if "problem" in row:
        return 5
    if not row["found"]:
        return 4
    if row.get("eligible") is False or row.get("blacklisted"):
        return 0
    if row.get("reasons") or row.get("flags"):
        return 1
    return 2


def _sort_key(row: dict, sort: str):
    if sort == "verdict":
        return (_verdict_order(row), row["row"])
    if sort == "grade":
        return (GRADE_ORDER.get(row.get("grade"), 6 + _verdict_order(row)), row["row"])
    if sort in ("uscc", "name"):
        return (row.get(sort) or row.get("text") or "\uffff", row["row"])
    return (row["row"],)


def _summary(rows: list[dict]) -> dict[str, int]:
    counts = dict.fromkeys(("blocked", "warned", "clear", "unknown", "refused"), 0)
    names = ("blocked", "warned", "clear", "clear", "unknown", "refused")
    for row in rows:
        counts[names[_verdict_order(row)]] += 1
    return counts


@blp.get("/desk/checks/<int:check_id>.xlsx")
@desk_page
def check_workbook_download(check_id):
    check = _check(check_id)
    data = check_workbook.workbook(check, desk.rows_of(check), caller().username)
    filename = f"credit-check-{check.as_of.isoformat()}-{check.id}.xlsx"
    return Response(
        data,
        mimetype=check_workbook.MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _evidence(check_id: int):
    """A procurement check with a tender number; the others have no tender evidence."""
    check = _check(check_id)
    if check.kind != "procurement" or not check.project:
        abort(404)
    return check


@blp.get("/desk/checks/<int:check_id>/evidence")
@page_for("procurement")
def evidence_page(check_id):
    check = _evidence(check_id)
    return render_template(
        "desk/evidence.html", check=check, rows=desk.rows_of(check), checked_by=caller().username
    )


@blp.get("/desk/checks/<int:check_id>/evidence.pdf")
@page_for("procurement")
def evidence_pdf(check_id):
    """The evidence signed as the credit report is: the same content as a JWS inside, and the
    registry's PAdES signature over the file."""
    check = _evidence(check_id)
    rows = desk.rows_of(check)
    html = render_template(
        "desk/evidence.html",
        check=check,
        rows=rows,
        checked_by=caller().username,
        for_print=True,
        attachment=tender_evidence.ATTACHMENT,
    )
    signed = tender_evidence.signed_pdf(
        html,
        tender_evidence.content(check, rows, caller().username),
        current_app.extensions["credit.report_keys"],
        current_app.extensions["credit.report_certificate"],
    )
    filename = f"tender-evidence-{check.as_of.isoformat()}-{check.id}.pdf"
    return Response(
        signed,
        mimetype=pdf.MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blp.get("/desk/watchlists")
@desk_page
def watchlists_page():
    return _watchlists({}, {})


def _watchlists(form: dict, problems: dict, refused: list[Entry] = (), status: int = 200):
    lists = watchlists.watchlists_of(db_session(), caller(), page=1, per_page=200)["items"]
    page = render_template(
        "desk/watchlists.html", lists=lists, form=form, problems=problems, refused=refused
    )
    return page, status


def _watch_form() -> tuple[dict, list[str], list[Entry], dict[str, str]]:
    """The name and the codes of a watchlist form; any malformed code refuses the whole list,
    since a list that silently drops a borrower would watch less than its owner thinks."""
    form = {name: request.form.get(name, "") for name in ("name", "codes")}
    entries, problems = _entries(
        form["codes"], request.files.get("file"), policy.WATCHLIST_MAX_SIZE
    )
    refused = [entry for entry in entries if not entry.code]
    if refused:
        problems["codes"] = f"有 {len(refused)} 个代码格式不正确，请对照下表修改后重新提交。"
    name = " ".join(form["name"].split())
    if not name or len(name) > 200:
        problems["name"] = "请填写名单名称，不超过200个字。"
    return form, [entry.code for entry in entries if entry.code], refused, problems


@blp.post("/desk/watchlists")
@desk_page
def watchlist_create():
    form, codes, refused, problems = _watch_form()
    if problems:
        return _watchlists(form, problems, refused, 422)
    session = db_session()
    created = desk.create_watchlist(session, caller(), " ".join(form["name"].split()), codes)
    session.commit()
    return redirect(url_for("desk.watchlist_page", watchlist_id=created.id), 303)


@blp.get("/desk/watchlists/<int:watchlist_id>")
@desk_page
def watchlist_page(watchlist_id):
    return _watchlist(watchlist_id, {}, {})


def _watchlist(watchlist_id: int, form: dict, problems: dict, refused=(), status: int = 200):
    session = db_session()
    watchlist = watchlists.owned(session, caller(), watchlist_id)
    fresh = changes.changes(
        session, caller(), since=watchlist.seen_cursor, watchlist=watchlist.id, limit=CHANGES_SHOWN
    )
    codes = desk.watched_codes(session, caller(), watchlist.id)
    page = render_template(
        "desk/watchlist.html",
        watchlist=watchlist,
        items=fresh["items"],
        next_cursor=fresh["next"],
        more=len(fresh["items"]) == CHANGES_SHOWN,
        codes=codes,
        form=form or {"name": watchlist.name, "codes": "\n".join(codes)},
        problems=problems,
        refused=refused,
    )
    return page, status


@blp.post("/desk/watchlists/<int:watchlist_id>")
@desk_page
def watchlist_replace(watchlist_id):
    session = db_session()
    watchlists.owned(session, caller(), watchlist_id)
    form, codes, refused, problems = _watch_form()
    if problems:
        return _watchlist(watchlist_id, form, problems, refused, 422)
    watchlists.replace_watchlist(
        session, caller(), watchlist_id, " ".join(form["name"].split()), codes
    )
    session.commit()
    return redirect(url_for("desk.watchlist_page", watchlist_id=watchlist_id), 303)


@blp.post("/desk/watchlists/<int:watchlist_id>/seen")
@desk_page
def watchlist_seen(watchlist_id):
    try:
        cursor = int(request.form.get("cursor", ""))
    except ValueError:
        cursor = 0
    session = db_session()
    desk.mark_seen(session, caller(), watchlist_id, min(cursor, changes.MAX_SEQ))
    session.commit()
    return redirect(url_for("desk.watchlist_page", watchlist_id=watchlist_id), 303)


def _upload_limit(settings) -> int:
    """A form with a spreadsheet may be larger than the body limit of other requests."""
    return max(settings.max_body_bytes, MAX_FILE_BYTES + 64 * 1024)


for _view in (check_post, watchlist_create, watchlist_replace):
    _view.upload_limit = _upload_limit
