"""A desk check as an XLSX workbook: the same rows as its page, with the day checked and by whom."""

from __future__ import annotations

import io

from credit.models import DeskCheck
from credit.web.templating import date_zh, grade_label, label

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_TITLES = {"procurement": "政府采购供应商信用核查结果", "lending": "贷款审查企业信用核查结果"}
PROCUREMENT_HEADERS = (
    "序号",
    "统一社会信用代码",
    "企业名称",
    "信用等级",
    "核查结论",
    "原因",
    "依据",
)
LENDING_HEADERS = (
    "序号",
    "统一社会信用代码",
    "企业名称",
    "信用等级",
    "信用分",
    "风险分类",
    "质量失信黑名单",
    "风险提示",
    "三年内违法记录数",
    "一年内抽查不合格数",
    "有效荣誉",
)


def verdict(row: dict) -> str:
    """A procurement row's conclusion in words."""
    if "problem" in row:
        return "代码有误，未核查"
    if not row["found"]:
        return "核查日登记册中无此企业"
    if row["eligible"] is False:
        return "存在禁止参加政府采购活动的情形"
    if row["reasons"]:
        return "无禁止情形，有提示事项"
    return "无禁止参加政府采购活动的情形"


def reason_words(reason: dict) -> str:
    severity = "禁止" if reason["severity"] == "block" else "提示"
    return f"【{severity}】{label(reason['code'], 'check_reasons')}：{reason['detail']}"


def _procurement_row(row: dict) -> list:
    reasons = row.get("reasons") or []
    return [
        row["row"],
        row.get("uscc") or row.get("text"),
        row.get("name") or row.get("problem") or "",
        grade_label(row.get("grade")) if row.get("found") else "",
        verdict(row),
        "\n".join(reason_words(reason) for reason in reasons),
        "\n".join(reason["legal_basis"] or "" for reason in reasons),
    ]


def _lending_row(row: dict) -> list:
    if "problem" in row or not row["found"]:
        note = row.get("problem") or "核查日登记册中无此企业"
        return [row["row"], row.get("uscc") or row.get("text"), note] + [""] * 8
    blacklisted = "是" if row["blacklisted"] else "否"
    return [
        row["row"],
        row["uscc"],
        row["name"],
        grade_label(row["grade"]),
        row["score"] or "",
        row["risk_class"] or "",
        blacklisted,
        "；".join(label(flag, "lending_flags") for flag in row["flags"]),
        row["violations_36m"],
        row["failed_inspections_12m"],
        "；".join(award.get("title") or award.get("kind", "") for award in row["awards"]),
    ]


def workbook(check: DeskCheck, rows: list[dict], checked_by: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "核查结果"
    _append(sheet, [KIND_TITLES[check.kind]])
    sheet["A1"].font = Font(bold=True, size=14)
    _append(sheet, ["核查日期", date_zh(check.as_of)])
    _append(sheet, ["核查人", checked_by])
    if check.project:
        _append(sheet, ["招标编号", check.project])
    if check.purpose:
        _append(sheet, ["查询用途", check.purpose])
    _append(sheet, ["数据来源", "企业质量信用信息平台"])
    _append(sheet, [])
    headers = PROCUREMENT_HEADERS if check.kind == "procurement" else LENDING_HEADERS
    _append(sheet, list(headers))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    shape = _procurement_row if check.kind == "procurement" else _lending_row
    for row in rows:
        _append(sheet, shape(row))
    wrap = Alignment(wrap_text=True, vertical="top")
    widths = (6, 22, 32, 10, 24, 60, 40, 12, 14, 14, 30)
    for column, width in zip("ABCDEFGHIJK", widths, strict=True):
        sheet.column_dimensions[column].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = wrap
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append(sheet, values) -> None:
    """A row whose text is stored as text: what a bidder's name or a typed tender number starts
    with never makes it a formula, and characters a workbook cannot hold are dropped."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
