"""Bulk imports on the wire: each kind's row schema (the API's own, with the supplier's row id),
its messages in Chinese, and the import report."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from credit.services.exchange.columns import IMPORT_KINDS
from schemas.common import InputSchema, Uscc, trimmed_text
from schemas.enterprises import EnterpriseIn
from schemas.records import AwardIn, CertificationIn, InspectionIn, ViolationIn


# Every imported row carries, besides the API's fields, the firm and the supplier's own id for
# the row (the same id twice is the same row).
class EnterpriseRow(EnterpriseIn):
    source_id = trimmed_text(100, required=True)


class AwardRow(AwardIn):
    source_id = trimmed_text(100, required=True)
    uscc = Uscc(required=True)


class CertificationRow(CertificationIn):
    source_id = trimmed_text(100, required=True)
    uscc = Uscc(required=True)


class InspectionRow(InspectionIn):
    source_id = trimmed_text(100, required=True)
    uscc = Uscc(required=True)


class ViolationRow(ViolationIn):
    source_id = trimmed_text(100, required=True)
    uscc = Uscc(required=True)


ROW_SCHEMAS = {
    "enterprise": EnterpriseRow,
    "award": AwardRow,
    "certification": CertificationRow,
    "inspection": InspectionRow,
    "violation": ViolationRow,
}


class RowFormat:
    """A kind's row schema as the import service uses it; messages in Chinese."""

    def __init__(self, kind: str):
        self.schema = ROW_SCHEMAS[kind]()
        self.required = frozenset(
            (f.data_key or name) for name, f in self.schema.fields.items() if f.required
        )

    def validate(self, values: dict[str, Any]) -> tuple[dict | None, dict[str, list[str]]]:
        try:
            return self.schema.load(values), {}
        except ma.ValidationError as error:
            return None, {
                name: [in_chinese(m) for m in messages]
                for name, messages in _flat(error.messages).items()
            }


def row_format(kind: str) -> RowFormat:
    return RowFormat(IMPORT_KINDS.get(kind, kind))


def _flat(messages, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = str(key) if not prefix else f"{prefix}.{key}"
            for name, found in _flat(value, path).items():
                flat.setdefault(name, []).extend(found)
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix: list(messages)}
    return {prefix: [str(messages)]}


# The schemas' English messages, as an officer reading a spreadsheet's error report reads them.
_MESSAGES: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"Missing data for required field\.", "必填，不能为空。"),
        (r"Field may not be null\.", "不能为空。"),
        (r"Not a valid date\.", "不是有效的日期；请写作 YYYY-MM-DD（如 2026-03-01）。"),
        (r"Not a valid string\.", "应为文字。"),
        (r"Not a valid list\.", "应为列表。"),
        (r"Unknown field\.", "未知的字段。"),
        (r"must be one of: (.*)", r"应为以下之一：\1（或其中文名称）。"),
        (r"Length must be between (\d+) and (\d+)\.", r"长度应为 \1 至 \2 个字符。"),
        (r"Longer than maximum length (\d+)\.", r"不能超过 \1 个字符。"),
        (r"Shorter than minimum length (\d+)\.", r"不能少于 \1 个字符。"),
        (r"(\d{4}-\d\d-\d\d) is in the future\.", r"\1 晚于今天。"),
        (r"(\S+) is outside (\d+)-(\d+)\.", r"\1 不在 \2 年至 \3 年之间。"),
        (r"must be after awarded_on", "应晚于授予日期。"),
        (r"must not be before valid_from", "不能早于有效期起。"),
        (r"a passed inspection has no failed items", "检验结论为合格时不应填写不合格项目。"),
        (r'must be an amount in yuan, e\.g\. "2000000\.00"', "应为以元计的金额，如 2000000.00。"),
        (r"must be zero or more", "不能为负数。"),
        (r"has more than 2 decimal places", "最多两位小数。"),
        (r"is implausibly large", "金额过大。"),
        (
            r"contains a control character or an invalid character \(U\+([0-9A-F]+)\)",
            r"含有控制字符或无效字符（U+\1）。",
        ),
        (
            r"Not a valid USCC: the code has (\d+) characters; .*",
            r"统一社会信用代码应为 18 位，这里是 \1 位。",
        ),
        (
            r"Not a valid USCC: the character '(.)' at position (\d+) is not allowed.*",
            r"统一社会信用代码第 \2 位的“\1”不允许（只能是数字和除 I、O、S、V、Z 外的大写字母）。",
        ),
        (
            r"Not a valid USCC: positions 3-8 must be digits.*",
            "统一社会信用代码第 3-8 位应为数字（登记管理机关行政区划码）。",
        ),
        (
            r"Not a valid USCC: the check character is '(.)', expected '(.)'\.",
            r"统一社会信用代码校验位错误：为“\1”，应为“\2”。",
        ),
        (r"Not a valid USCC: the code is empty.*", "统一社会信用代码为空。"),
        (r"Region code (.*)", r"行政区划代码有误：\1"),
        (r"Industry code (.*)", r"行业代码有误：\1"),
    )
)


def in_chinese(message: str) -> str:
    for pattern, replacement in _MESSAGES:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return f"取值有误：{message}"


class ImportArgs(InputSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(list(IMPORT_KINDS), error="must be one of: {choices}"),
    )
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "validate only: nothing is written"}
    )
    region = fields.String(
        validate=validate.Regexp(r"^[0-9]{2,6}\Z", error="must be 2 to 6 digits of a region code"),
        metadata={"description": "the region the rows are for; default the account's region"},
    )


class RowErrorOut(ma.Schema):
    row = fields.Integer(
        allow_none=True,
        metadata={"description": "the row as the spreadsheet shows it (header is row 1)"},
    )
    column = fields.String(allow_none=True, metadata={"description": "the file's own heading"})
    message = fields.String()


class ImportOut(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(IMPORT_KINDS)})
    state = fields.String(
        required=True,
        metadata={
            "enum": ["validated", "applied", "rejected", "applying"],
            "description": "validated: a dry run, nothing written; applied: written; rejected: "
            "nothing written, see `errors`; applying: a command-line import being written "
            "(or interrupted: run it again to finish)",
        },
    )
    dry_run = fields.Boolean(required=True)
    rows = fields.Integer(required=True, metadata={"description": "data rows in the file"})
    created = fields.Integer(
        required=True, metadata={"description": "rows written (a dry run: rows it would write)"}
    )
    unchanged = fields.Integer(
        required=True, metadata={"description": "rows imported before with the same content"}
    )
    errors = fields.List(fields.Nested(RowErrorOut), required=True)
    filename = fields.String()
    region = fields.String()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class ImportPath(InputSchema):
    import_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


TEMPLATE_NAMES = [f"{kind}.{extension}" for kind in IMPORT_KINDS for extension in ("xlsx", "csv")]


class TemplatePath(InputSchema):
    name = fields.String(
        required=True,
        validate=validate.OneOf(TEMPLATE_NAMES, error="must be one of: {choices}"),
    )
