"""The regulator's console: the inbox of decisions, the region's firms and their records, the
blacklist, statistics with charts, the quality-status report and the random inspection plan."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from credit import clock, policy, reference
from credit import uscc as uscc_codes
from credit.api import evidence
from credit.api.context import db_session
from credit.errors import Conflict, InvalidInput, NotFound
from credit.services import (
    blacklist,
    enterprises,
    grading,
    inbox,
    inspection_plan,
    lookup,
    profiles,
    records,
    requests,
    statistics,
)
from credit.services.quality_status import quality_status
from credit.web import session as web_session
from credit.web.reports import quality_status as report_rendering
from credit.web.reports import statistics_charts
from credit.web.templating import STATUSES, read_uscc
from schemas.blacklist import ListingIn, ObjectionDecisionIn, RepairDecisionIn
from schemas.enterprises import EnterpriseIn, EnterprisePatchIn
from schemas.grades import InspectionPlanArgs, OverrideIn
from schemas.records import AwardIn, CertificationIn, InspectionIn, RescindIn, RevokeIn, ViolationIn

blp = Blueprint("console", __name__, url_prefix="/console")
regulator_page = web_session.page_for("regulator")
PER_PAGE = 20
KIND_LABELS = {
    "record_objection": "记录异议",
    "listing_objection": "黑名单异议",
    "record_repair": "记录信用修复",
    "listing_repair": "黑名单信用修复",
    "listing_due": "黑名单临近日期",
    "import_rejected": "未通过的导入",
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, date, textarea, lines (one item a line), or a catalog group
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # a select's own choices, where no catalog has them


@dataclass(frozen=True)
class RecordForm:
    title: str
    schema: type
    fields: tuple[Field, ...]


SOURCE = Field("source_agency", "信息来源单位（默认为本局）")
RECORD_FORMS = {
    "inspection": RecordForm(
        "监督抽查结果",
        InspectionIn,
        (
            Field("level", "抽查级别", "inspection_levels", True),
            Field("product", "产品名称", required=True),
            Field("product_category", "产品类别", "product_categories"),
            Field("sampled_on", "抽样日期", "date", True),
            Field("result", "检验结论", "inspection_results", True),
            Field("failed_items", "不合格项目（每行一项）", "lines"),
            Field("report_no", "检验报告编号"),
            Field("testing_institution", "检验机构"),
            SOURCE,
        ),
    ),
    "violation": RecordForm(
        "违法违规记录",
        ViolationIn,
        (
            Field("category", "违法类别", "violation_categories", True),
            Field("severity", "严重程度", "severities", True),
            Field("decided_on", "决定日期", "date", True),
            Field("authority", "处罚机关", required=True),
            Field("decision_no", "决定文号", required=True),
            Field("fine_amount", "罚款金额（元）"),
            Field("legal_basis", "法律依据"),
            Field("description", "违法事实", "textarea"),
            SOURCE,
        ),
    ),
    "award": RecordForm(
        "荣誉",
        AwardIn,
        (
            Field("kind", "荣誉类别", "award_kinds", True),
            Field("level", "级别", "levels", True),
            Field("title", "荣誉名称", required=True),
            Field("issuer", "授予机关", required=True),
            Field("awarded_on", "授予日期", "date", True),
            Field("expires_on", "有效期至（长期有效可不填）", "date"),
            Field("document_no", "文号"),
            SOURCE,
        ),
    ),
    "certification": RecordForm(
        "认证",
        CertificationIn,
        (
            Field("scheme", "认证类别", "certification_schemes", True),
            Field("certificate_no", "证书编号", required=True),
            Field("issuer", "认证机构", required=True),
            Field("valid_from", "发证日期", "date", True),
            Field("valid_to", "有效期至", "date", True),
            SOURCE,
        ),
    ),
}
REGISTER_FIELDS = (
    Field("uscc", "统一社会信用代码", required=True),
    Field("name", "企业名称", required=True),
    Field("industry_code", "所属行业（GB/T 4754 代码，如 C38）"),
    Field("registered_on", "成立日期", "date"),
)
EDIT_FIELDS = (
    Field("name", "企业名称", required=True),
    Field("address", "住所"),
    Field("legal_representative", "法定代表人"),
    Field("chief_quality_officer", "首席质量官"),
    Field("industry_code", "所属行业（GB/T 4754 代码，如 C38）"),
    Field("status", "登记状态", "choice", True, tuple(STATUSES.items())),
    Field("status_since", "状态变更日期（默认今天）", "date"),
    Field("reason", "变更理由", "textarea", True),
)
# Optional register fields a form may empty: an empty box clears them.
CLEARABLE = ("address", "legal_representative", "chief_quality_officer", "industry_code")
LISTING_FIELDS = (
    Field("reason", "列入事由", "textarea", True),
    Field("legal_basis", "列入依据", required=True),
    Field("decision_no", "列入决定文号", required=True),
    Field("listed_on", "列入日期", "date", True),
    Field("notified_on", "告知日期", "date"),
)
OVERRIDE_FIELDS = (
    Field("grade", "调整后的等级", "grades", True),
    Field("reason", "调整理由", "textarea", True),
    Field("valid_until", "有效期至", "date", True),
)
REVOKE_FIELDS = (
    Field("reason", "撤销理由", "textarea", True),
    Field("revoked_on", "撤销生效日期", "date", True),
    Field("document_no", "撤销文号"),
)
STATISTICS_BY = {
    "region": "按区县",
    "industry": "按行业",
    "product": "按产品",
    "quarter": "按季度",
    "month": "按月份",
}


def problems_in_chinese(messages, fields: tuple[Field, ...] = ()) -> dict[str, str]:
    """What is wrong with each refused field, in Chinese, by the form field's name."""
    labels = {field.name: field.label for field in fields}
    found = {}
    for name, detail in (messages or {}).items():
        name = str(name).split(".")[0]
        label = labels.get(name, "该项").split("（")[0]
        text = " ".join(str(part) for part in (detail if isinstance(detail, list) else [detail]))
        found[name] = _problem_text(name, label, text)
    return found


def _problem_text(name: str, label: str, text: str) -> str:
    blank = ("Missing data", "may not be null", "may not be empty", "Length must be between 1")
    if any(part in text for part in blank):
        return f"请填写{label}。"
    if "must be one of" in text:
        return f"请从列表中选择{label}。"
    if name == "uscc":
        return "统一社会信用代码无效，请核对。"
    if "in the future" in text or "future" in text:
        return f"{label}不能晚于今天。"
    if "Not a valid date" in text or "date" in text.lower() and "YYYY" in text:
        return f"{label}应为有效日期（年-月-日）。"
    if "must be after" in text or "before" in text:
        return f"{label}与其他日期的先后不对，请核对。"
    if "Longer than" in text or "Length must be" in text:
        return f"{label}过长。"
    if "amount" in text or "decimal" in text or "zero or more" in text or "large" in text:
        return f"{label}应为不小于0、最多两位小数的金额。"
    if "failed items" in text:
        return "检验合格的结果不应填写不合格项目。"
    if "past" in text:
        return f"{label}不能早于今天。"
    if "at most as long" in text:
        return f"{label}不能超过等级有效期。"
    return f"{label}无效，请核对。"


def _form_body(fields: tuple[Field, ...]) -> dict:
    """The form as the API's schema takes it: empty fields left out, lines as a list."""
    body = {}
    for field in fields:
        value = request.form.get(field.name, "")
        if field.kind == "lines":
            items = [line.strip() for line in value.splitlines() if line.strip()]
            if items:
                body[field.name] = items
        elif value.strip():
            body[field.name] = value
    return body


def _load(schema, fields: tuple[Field, ...], body: dict) -> tuple[dict, dict[str, str]]:
    try:
        return schema().load(body), {}
    except ValidationError as refused:
        return {}, problems_in_chinese(refused.messages, fields)


def _counts() -> dict[str, int]:
    return inbox.inbox(db_session(), web_session.caller(), per_page=1)["counts"]


def _render(template: str, status: int = 200, **context):
    page = render_template(
        template,
        counts=_counts(),
        kind_labels=KIND_LABELS,
        region=web_session.caller().region,
        **context,
    )
    return page, status


def _firm_in_region(code: str):
    """The firm with that code when it lies in the officer's region; 404 otherwise, so that an
    officer learns nothing of another region's register."""
    uscc, problem = read_uscc(code)
    if problem:
        raise NotFound(problem)
    firm = lookup.get_enterprise(db_session(), uscc)
    if not web_session.caller().covers_region(firm.region_code):
        raise NotFound(f"No enterprise {uscc} in your region.")
    return firm


# The inbox ---------------------------------------------------------------------------------


@blp.get("")
@regulator_page
def inbox_page():
    kind = request.args.get("kind") or None
    if kind not in (None, *inbox.KINDS):
        kind = None
    try:
        page = max(1, min(int(request.args.get("page", "1")), 1_000_000))
    except ValueError:
        page = 1
    found = inbox.inbox(db_session(), web_session.caller(), kind=kind, page=page, per_page=PER_PAGE)
    return _render(
        "console/inbox.html", found=found, kind=kind, problems={}, failed=None, back=None
    )


DECISIONS = {
    "record_objection": ("record", "objection", ObjectionDecisionIn, "upheld"),
    "listing_objection": ("listing", "objection", ObjectionDecisionIn, "upheld"),
    "record_repair": ("record", "repair", RepairDecisionIn, "approved"),
    "listing_repair": ("listing", "repair", RepairDecisionIn, "approved"),
}


@blp.get("/<any(record, listing):kind>/<int:entry_id>/attachments/<int:attachment_id>")
@regulator_page
def attachment(kind: str, entry_id: int, attachment_id: int):
    """A repair application's evidence file, for the officer who decides it."""
    return evidence.download(kind, entry_id, attachment_id, web_session.caller())


@blp.post("/decisions")
@regulator_page
def decide():
    """Decides an objection or a repair application through the same services as the API."""
    kind = request.form.get("kind", "")
    if kind not in DECISIONS:
        raise InvalidInput.field("kind", "unknown kind")
    entry_kind, what, schema, flag = DECISIONS[kind]
    try:
        entry_id = int(request.form.get("entry_id", ""))
        request_id = int(request.form.get("request_id", ""))
    except ValueError:
        raise NotFound("No such request.") from None
    choice = request.form.get("decision")
    body = {"reason": request.form.get("reason", "")}
    if choice in ("yes", "no"):
        body[flag] = choice == "yes"
    fields = (Field(flag, "决定"), Field("reason", "理由"))
    decision, problems = _load(schema, fields, body)
    back = request.form.get("back") or url_for("console.inbox_page")
    back = web_session.local_path(back) or url_for("console.inbox_page")
    if problems:
        if flag in problems:
            problems[flag] = "请选择决定。"
        return _refused(kind, request_id, problems, back)
    session = db_session()
    try:
        if what == "objection":
            requests.decide_objection(
                session, web_session.caller(), entry_kind, entry_id, request_id, **decision
            )
        else:
            requests.decide_repair(
                session,
                web_session.caller(),
                entry_kind,
                entry_id,
                **decision,
                application_id=request_id,
            )
    except Conflict:
        session.rollback()
        flash("该事项已由他人处理，无需再次决定。", "notice")
        return redirect(back, 303)
    session.commit()
    flash(f"已对{KIND_LABELS[kind]}作出决定。", "done")
    return redirect(back, 303)


def _refused(kind: str, request_id: int, problems: dict, back: str):
    found = inbox.inbox(db_session(), web_session.caller(), page=1, per_page=PER_PAGE)
    return _render(
        "console/inbox.html",
        422,
        found=found,
        kind=None,
        problems=problems,
        failed=(kind, request_id),
        back=back,
    )


# Firms -------------------------------------------------------------------------------------


@blp.get("/firms")
@regulator_page
def firms():
    caller = web_session.caller()
    q = request.args.get("q", "").strip()
    found = None
    problems = {}
    try:
        found = enterprises.search_enterprises(
            db_session(), q=q or None, region=caller.region, grade=None, page=1, per_page=50
        )
    except InvalidInput:
        problems = {"q": "请输入企业名称中的至少2个字，或统一社会信用代码的开头部分。"}
    return _render(
        "console/firms.html", 422 if problems else 200, found=found, q=q, problems=problems
    )


@blp.get("/firms/new")
@regulator_page
def new_firm():
    return _render("console/new_firm.html", fields=REGISTER_FIELDS, values={}, problems={})


@blp.get("/uscc-check")
@regulator_page
def uscc_check():
    """The code as typed, checked while it is typed (htmx), without saving anything."""
    text = request.args.get("uscc", "")
    return render_template("console/uscc_check.html", **_uscc_state(text))


def _uscc_state(text: str) -> dict:
    if not text.strip():
        return {"problem": None, "fine": None}
    uscc, problem = read_uscc(text)
    if problem:
        return {"problem": problem, "fine": None}
    region = uscc_codes.region_of(uscc)
    if not web_session.caller().covers_region(region):
        return {"problem": f"该代码的登记机关（{region}）不在本辖区。", "fine": None}
    try:
        lookup.get_enterprise(db_session(), uscc)
    except NotFound:
        return {"problem": None, "fine": "代码有效，可以登记。"}
    return {"problem": "该企业已登记。", "fine": None}


@blp.post("/firms/new")
@regulator_page
def register_firm():
    body = _form_body(REGISTER_FIELDS)
    values = dict(request.form)
    problems = {}
    if body.get("uscc"):
        checked = _uscc_state(body["uscc"])
        if checked["problem"]:
            problems["uscc"] = checked["problem"]
    loaded, refused = _load(EnterpriseIn, REGISTER_FIELDS, body)
    for name, text in refused.items():
        problems.setdefault(name, text)
    if problems:
        return _render(
            "console/new_firm.html", 422, fields=REGISTER_FIELDS, values=values, problems=problems
        )
    session = db_session()
    try:
        firm = enterprises.register_enterprise(
            session, web_session.caller(), enterprises.NewEnterprise(**loaded)
        )
    except Conflict:
        session.rollback()
        problems = {"uscc": "该企业已登记。"}
        return _render(
            "console/new_firm.html", 422, fields=REGISTER_FIELDS, values=values, problems=problems
        )
    session.commit()
    flash(f"已登记{firm.name}。", "done")
    return redirect(url_for("console.firm", code=firm.uscc), 303)


@blp.get("/firms/<code>")
@regulator_page
def firm(code):
    firm = _firm_in_region(code)
    return _firm_page(firm)


def _firm_page(firm, status: int = 200, problems=None, failed=None, values=None):
    session = db_session()
    caller = web_session.caller()
    file = profiles.credit_file(session, caller, firm.uscc)
    grade = grading.grade_view(session, caller, firm.uscc)
    history = grading.grade_history(session, caller, firm.uscc, page=1, per_page=10)
    return _render(
        "console/firm.html",
        status,
        file=file,
        grade=grade,
        history=history["items"],
        record_forms=RECORD_FORMS,
        override_fields=OVERRIDE_FIELDS,
        revoke_fields=REVOKE_FIELDS,
        problems=problems or {},
        failed=failed,
        values=values or {},
        today=clock.today(),
    )


@blp.get("/firms/<code>/edit")
@regulator_page
def edit_firm(code):
    firm = _firm_in_region(code)
    values = {field.name: getattr(firm, field.name, None) or "" for field in EDIT_FIELDS[:-2]}
    return _render(
        "console/edit_firm.html", firm=firm, fields=EDIT_FIELDS, values=values, problems={}
    )


@blp.post("/firms/<code>/edit")
@regulator_page
def update_firm(code):
    """Changes the register entry, PATCH-like: only what differs from the entry is changed."""
    firm = _firm_in_region(code)
    body = _form_body(EDIT_FIELDS)
    for name in CLEARABLE:
        body.setdefault(name, None)
    body.setdefault("name", "")
    changes, problems = _load(EnterprisePatchIn, EDIT_FIELDS, body)
    session = db_session()
    if not problems:
        reason = changes.pop("reason")
        try:
            enterprises.update_enterprise(session, web_session.caller(), firm.uscc, changes, reason)
        except InvalidInput as refused:
            session.rollback()
            problems = problems_in_chinese(refused.errors, EDIT_FIELDS)
    if problems:
        return _render(
            "console/edit_firm.html",
            422,
            firm=firm,
            fields=EDIT_FIELDS,
            values=dict(request.form),
            problems=problems,
        )
    session.commit()
    flash("已更新登记信息。", "done")
    return redirect(url_for("console.firm", code=firm.uscc), 303)


@blp.get("/firms/<code>/records/new")
@regulator_page
def new_record(code):
    firm = _firm_in_region(code)
    kind = request.args.get("kind", "")
    if kind not in RECORD_FORMS:
        raise NotFound("No such kind of record.")
    return _render(
        "console/new_record.html",
        firm=firm,
        kind=kind,
        form=RECORD_FORMS[kind],
        values={},
        problems={},
    )


@blp.post("/firms/<code>/records/new")
@regulator_page
def add_record(code):
    firm = _firm_in_region(code)
    kind = request.args.get("kind", "")
    if kind not in RECORD_FORMS:
        raise NotFound("No such kind of record.")
    form = RECORD_FORMS[kind]
    body, problems = _load(form.schema, form.fields, _form_body(form.fields))
    if not problems:
        session = db_session()
        try:
            records.add_record(session, web_session.caller(), firm.uscc, kind, body)
        except Conflict:
            session.rollback()
            problems = {"_form": "同一文书的记录已在档案中，请勿重复录入。"}
        except InvalidInput as refused:
            session.rollback()
            problems = problems_in_chinese(refused.errors, form.fields)
        else:
            session.commit()
            flash(f"已录入{form.title}。", "done")
            return redirect(url_for("console.firm", code=firm.uscc), 303)
    return _render(
        "console/new_record.html",
        422,
        firm=firm,
        kind=kind,
        form=form,
        values=dict(request.form),
        problems=problems,
    )


@blp.post("/records/<int:record_id>/<action>")
@regulator_page
def correct_record(record_id, action):
    """Rescinds a wrong record, or revokes an honour or certificate its issuer withdrew."""
    if action not in ("rescind", "revoke"):
        raise NotFound("No such action.")
    session = db_session()
    record, firm = records.get_record(session, record_id)
    if not web_session.caller().covers_region(firm.region_code):
        raise NotFound(f"No record {record_id} in your region.")
    fields = REVOKE_FIELDS if action == "revoke" else (Field("reason", "撤回理由", required=True),)
    body, problems = _load(
        RevokeIn if action == "revoke" else RescindIn, fields, _form_body(fields)
    )
    if not problems:
        try:
            if action == "revoke":
                records.revoke_record(session, web_session.caller(), record_id, **body)
            else:
                records.rescind_record(session, web_session.caller(), record_id, body["reason"])
        except Conflict:
            session.rollback()
            problems = {"reason": "该记录已被撤回或撤销，不能再次更正。"}
        except InvalidInput as refused:
            session.rollback()
            problems = problems_in_chinese(refused.errors, fields)
    if problems:
        return _firm_page(firm, 422, problems, (action, record_id), dict(request.form))
    session.commit()
    flash("已撤回该记录。" if action == "rescind" else "已撤销该记录。", "done")
    return redirect(url_for("console.firm", code=firm.uscc), 303)


@blp.post("/firms/<code>/override")
@regulator_page
def override(code):
    firm = _firm_in_region(code)
    body, problems = _load(OverrideIn, OVERRIDE_FIELDS, _form_body(OVERRIDE_FIELDS))
    session = db_session()
    if not problems:
        try:
            grading.set_override(session, web_session.caller(), firm.uscc, **body)
        except InvalidInput as refused:
            session.rollback()
            problems = problems_in_chinese(refused.errors, OVERRIDE_FIELDS)
        except Conflict:
            session.rollback()
            problems = {"grade": "该企业档案中尚无信用记录，未评级，不能调整等级。"}
    if problems:
        return _firm_page(firm, 422, problems, ("override", None), dict(request.form))
    session.commit()
    flash("已调整信用等级。", "done")
    return redirect(url_for("console.firm", code=firm.uscc), 303)


# The blacklist ------------------------------------------------------------------------------


@blp.get("/blacklist")
@regulator_page
def listings():
    try:
        page = max(1, min(int(request.args.get("page", "1")), 1_000_000))
    except ValueError:
        page = 1
    found = blacklist.region_listings(
        db_session(), web_session.caller(), page=page, per_page=PER_PAGE
    )
    return _render("console/listings.html", found=found)


@blp.get("/blacklist/new")
@regulator_page
def new_listing():
    firm = _firm_in_region(request.args.get("uscc", ""))
    return _listing_form(firm, {"listed_on": clock.today().isoformat()}, {})


def _listing_form(firm, values, problems, status: int = 200):
    file = profiles.credit_file(db_session(), web_session.caller(), firm.uscc)
    violations = [
        r for r in file["records"] if r["kind"] == "violation" and r["status"] != "rescinded"
    ]
    return _render(
        "console/new_listing.html",
        status,
        firm=firm,
        fields=LISTING_FIELDS,
        violations=violations,
        values=values,
        chosen={int(v) for v in request.form.getlist("violation_ids") if v.isdigit()},
        problems=problems,
        basis=policy.LISTING_BASIS,
    )


@blp.post("/blacklist/new")
@regulator_page
def list_firm():
    firm = _firm_in_region(request.form.get("uscc", ""))
    body = _form_body(LISTING_FIELDS)
    body["uscc"] = firm.uscc
    # Checkboxes carry the ids as text; the schema takes JSON numbers.
    ids = [int(v) for v in request.form.getlist("violation_ids") if v.isdigit() and len(v) < 12]
    if ids:
        body["violation_ids"] = ids
    loaded, problems = _load(ListingIn, LISTING_FIELDS, body)
    session = db_session()
    if not problems:
        try:
            listing = blacklist.list_enterprise(session, web_session.caller(), **loaded)
        except Conflict:
            session.rollback()
            problems = {"reason": "该企业已在黑名单中。"}
        except InvalidInput as refused:
            session.rollback()
            problems = problems_in_chinese(refused.errors, LISTING_FIELDS)
    if problems:
        return _listing_form(firm, dict(request.form), problems, 422)
    session.commit()
    flash(f"已将{firm.name}列入质量失信黑名单。", "done")
    return redirect(url_for("console.listing", listing_id=listing.id), 303)


@blp.get("/blacklist/<int:listing_id>")
@regulator_page
def listing(listing_id):
    session = db_session()
    caller = web_session.caller()
    listed, firm = blacklist.get_listing(session, listing_id)
    if not caller.covers_region(firm.region_code):
        raise NotFound(f"No listing {listing_id} in your region.")
    view = blacklist.listing_view(session, caller, listing_id)
    return _render("console/listing.html", listing=view, problems={}, failed=None)


# Statistics, the report, the inspection plan -------------------------------------------------


@blp.get("/statistics")
@regulator_page
def statistics_page():
    caller = web_session.caller()
    args = {key: value.strip() for key, value in request.args.items() if value.strip()}
    by = args.get("by", "region")
    problems = {}
    if by not in STATISTICS_BY:
        problems["by"] = "请选择列表中的分组方式。"
        by = "region"
    query = {"region": args.get("district") or caller.region, "by": by}
    if args.get("industry"):
        query["industry"] = args["industry"]
    for name, key in (("from", "date_from"), ("to", "date_to")):
        if args.get(name):
            try:
                query[key] = datetime.date.fromisoformat(args[name])
            except ValueError:
                problems[name] = "日期应为 YYYY-MM-DD 格式的有效日期。"
    district = args.get("district")
    if district and not (
        district.isdigit() and len(district) == 6 and caller.covers_region(district)
    ):
        problems["district"] = "请选择本辖区内的区县（6位行政区划代码）。"
        query["region"] = caller.region
    product = args.get("product", "")
    if product:
        query["by"] = "product"
    figures = None
    if not problems:
        try:
            figures = statistics.figures(db_session(), caller, **query)
        except InvalidInput as refused:
            problems = {
                {"date_from": "from", "date_to": "to", "region": "district"}.get(k, k): (
                    "该项无效，请核对。"
                )
                for k in refused.errors
            }
    if figures is None:
        figures = statistics.figures(db_session(), caller, region=caller.region)
    if product:
        figures["groups"] = [g for g in figures["groups"] if product in (g["key"] or "")]
    charts = statistics_charts.charts(figures)
    return _render(
        "console/statistics.html",
        422 if problems else 200,
        figures=figures,
        charts=charts,
        args=args,
        by_options=STATISTICS_BY,
        problems=problems,
        product=product,
        districts=[
            (code, region.name)
            for code, region in reference.regions().items()
            if caller.covers_region(code) and not code.endswith("00")
        ],
    )


@blp.get("/report")
@regulator_page
def report():
    """The quality-status report as a page or, with `format=pdf`, as a PDF."""
    caller = web_session.caller()
    period = request.args.get("period", "").strip() or _last_quarter()
    try:
        figures = quality_status(db_session(), caller, caller.region, period)
    except InvalidInput:
        return _render(
            "console/report_form.html",
            422,
            period=period,
            problems={"period": "报告期应写作 2026Q2（季度）或 2026（年度），且已开始。"},
        )
    if request.args.get("format") == "pdf":
        return Response(
            report_rendering.render_pdf(figures),
            mimetype=report_rendering.PDF_MIMETYPE,
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{report_rendering.filename(figures, "pdf")}"'
                )
            },
        )
    response = Response(report_rendering.render_html(figures), mimetype="text/html")
    return response


def _last_quarter() -> str:
    today = clock.today()
    quarter = (today.month - 1) // 3
    return f"{today.year - 1}Q4" if quarter == 0 else f"{today.year}Q{quarter}"


@blp.get("/plan")
@regulator_page
def plan():
    caller = web_session.caller()
    given = {key: value.strip() for key, value in request.args.items() if value.strip()}
    drawn, problems = None, {}
    if given:
        drawn, problems = _draw(caller, given)
    return _render(
        "console/plan.html", 422 if problems else 200, plan=drawn, values=given, problems=problems
    )


def _draw(caller, given: dict):
    fields = (Field("date", "抽查日期"), Field("seed", "随机数种子"))
    args, problems = _load(
        InspectionPlanArgs,
        fields,
        {"region": caller.region, "date": given.get("date", ""), "seed": given.get("seed", "")},
    )
    if problems:
        if "seed" in problems:
            problems["seed"] = "随机数种子应为非负整数。"
        return None, problems
    return inspection_plan.draw(db_session(), caller, **args), {}


@blp.get("/plan.csv")
@regulator_page
def plan_csv():
    caller = web_session.caller()
    drawn, problems = _draw(caller, dict(request.args))
    if problems:
        return _render(
            "console/plan.html", 422, plan=None, values=dict(request.args), problems=problems
        )
    name = f"inspection-plan-{drawn['region']}-{drawn['date']}-{drawn['seed']}.csv"
    return Response(
        inspection_plan.as_csv(drawn),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blp.app_template_global()
def record_form_title(kind: str) -> str:
    return RECORD_FORMS[kind].title if kind in RECORD_FORMS else kind
