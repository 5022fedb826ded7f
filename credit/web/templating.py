"""The Jinja environment of pages and documents, with the filters that write figures as people in
China read them (dates as 2026年9月30日, rates as 95.30%, money in yuan)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import cache
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from credit import catalog, reference
from credit import uscc as uscc_codes

NO_VALUE = "—"
UNGRADED = "未评级"
# What each tier tells a reader, in the words of GB/T 23791's tier definitions; the numbers that
# decide a tier are the ruleset's, never repeated here.
GRADE_MEANINGS = {
    "AAA": "质量信用很好：质量管理体系健全，产品质量稳定，近年无不良质量信用记录。",
    "AA": "质量信用良好：质量管理规范，产品质量较稳定，不良记录很少且轻微。",
    "A": "质量信用较好：质量管理基本规范，有少量不良记录。",
    "B": "质量信用一般：质量管理有欠缺，或有一定的不良记录。",
    "C": "质量信用较差：有较多或较重的不良记录，需重点关注。",
    "D": "质量信用差：有严重失信行为，或已列入质量失信黑名单。",
}
UNGRADED_MEANING = "档案中尚无可供评价的信用记录，暂不评定等级。"
STATUSES = {"in_business": "存续", "deregistered": "已注销"}
LISTING_STATES = {
    "listed": "列入中",
    "objection_pending": "列入中（异议处理中）",
    "repair_pending": "列入中（信用修复申请中）",
    "removed_early": "已提前移出",
    "rescinded": "已撤销",
    "expired": "已到期移出",
}


def date_zh(day: datetime.date | str | None) -> str:
    """A date, or a date as the wire writes it (`"2026-09-30"`), as 2026年9月30日."""
    day = as_date(day)
    if day is None:
        return NO_VALUE
    return f"{day.year}年{day.month}月{day.day}日"


def percent(rate: str | Decimal | None, places: int = 2) -> str:
    """A fraction (`"0.9530"`) as a percentage (`95.30%`); no rate (no batches) as a dash."""
    if rate is None:
        return NO_VALUE
    return f"{Decimal(rate) * 100:.{places}f}%"


def points(change: str | Decimal | None) -> str:
    """A change of a rate, in percentage points with its sign (`+1.20个百分点`)."""
    if change is None:
        return NO_VALUE
    return f"{Decimal(change) * 100:+.2f}个百分点"


def yuan(amount: str | Decimal | None) -> str:
    if amount is None:
        return NO_VALUE
    return f"{Decimal(amount):,.2f}元"


def money(amount: str | Decimal | None) -> str:
    """An amount where the column heading says it is in yuan."""
    return NO_VALUE if amount is None else f"{Decimal(amount):,.2f}"


def signed(number: int | str | Decimal | None) -> str:
    if number is None:
        return NO_VALUE
    value = Decimal(number)
    return f"{value:+,}" if value else "0"


def label(code: str | None, group: str) -> str:
    """An enumeration's Chinese label from the catalog (`severities`, `award_kinds`, …); an unknown
    code as written, so nothing is hidden."""
    if code is None:
        return NO_VALUE
    entry = catalog.CATALOG[group].get(code)
    return entry.label_zh if entry else code


def grade_label(grade: str | None) -> str:
    return UNGRADED if grade is None else label(grade, "grades")


def grade_meaning(grade: str | None) -> str:
    return UNGRADED_MEANING if grade is None else GRADE_MEANINGS.get(grade, "")


def region_name(code: str | None) -> str:
    """A district by its name and its city (`京口区（镇江市）`); an unknown code as written."""
    if not code:
        return NO_VALUE
    region = reference.regions().get(code)
    if region is None:
        return code
    if region.city and region.city != region.name:
        return f"{region.name}（{region.city}）"
    return region.name


def industry_name(code: str | None) -> str:
    """An industry by its GB/T 4754 name: a group or class under its division's name."""
    if not code:
        return "未登记行业"
    names = reference.industry_names()
    return names.get(code) or names.get(code[:3]) or names.get(code[:1]) or code


def status_label(status: str | None) -> str:
    return STATUSES.get(status or "", status or NO_VALUE)


def listing_state_label(listing_state: str | None) -> str:
    return LISTING_STATES.get(listing_state or "", listing_state or NO_VALUE)


def as_date(value) -> datetime.date | None:
    """A date from the wire (`"2026-09-30"`) or a date itself."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def options(group: str) -> list[tuple[str, str]]:
    """A catalog enumeration as a select's choices: (code, Chinese label)."""
    return [(code, entry.label_zh) for code, entry in catalog.CATALOG[group].items()]


def merge_query(args: dict, **changes) -> str:
    """A query string: the page's own arguments with some changed (the next page of the same
    search), empty ones left out."""
    merged = {**args, **changes}
    return urlencode({key: value for key, value in merged.items() if value not in (None, "")})


# What a page says about a refused query parameter, by the field the API's schema names.
FIELD_PROBLEMS = {
    "q": "请输入企业名称中的至少2个字，或统一社会信用代码的开头部分。",
    "region": "地区代码应为2至6位数字（如 3211 表示镇江市）。",
    "grade": "请选择列表中的信用等级。",
    "page": "页码应为正整数。",
    "per_page": "每页条数无效。",
    "product": "产品名称不能超过100个字。",
    "result": "请选择“合格”或“不合格”。",
    "level": "请选择列表中的抽查级别。",
    "category": "请选择列表中的产品类别。",
    "from": "开始日期应为 YYYY-MM-DD 格式的有效日期，且不晚于结束日期。",
    "to": "结束日期应为 YYYY-MM-DD 格式的有效日期，且不晚于今天。",
}


def field_problems(messages) -> dict[str, str]:
    """The refused fields of a query (marshmallow's or a service's messages), each with what a
    page says about it in Chinese."""
    return {
        str(name): FIELD_PROBLEMS.get(str(name), "输入的值无效。")
        for name in (messages or {}) or ("body",)
    }


def read_uscc(text: str) -> tuple[str | None, str | None]:
    """A code from a page's address: the normalised code, or what is wrong with it in Chinese."""
    try:
        return uscc_codes.validate(text), None
    except uscc_codes.InvalidUscc:
        pass
    code = uscc_codes.normalise(text)
    if len(code) != uscc_codes.LENGTH:
        return None, f"统一社会信用代码应为18位，这里是{len(code)}位。"
    wrong = [ch for ch in code if ch not in uscc_codes.ALPHABET]
    if wrong:
        return (
            None,
            f"统一社会信用代码中不能有字符“{wrong[0]}”（可用数字和除 I、O、S、V、Z 外的大写字母）。",
        )
    if not code[2:8].isdigit():
        return None, "统一社会信用代码的第3至8位应为登记机关的6位行政区划代码。"
    return None, "统一社会信用代码的校验码（第18位）不正确，请核对是否输错。"


FILTERS = {
    "date_zh": date_zh,
    "percent": percent,
    "points": points,
    "yuan": yuan,
    "money": money,
    "signed": signed,
    "label": label,
    "grade_label": grade_label,
    "grade_meaning": grade_meaning,
    "region_name": region_name,
    "industry_name": industry_name,
    "status_label": status_label,
    "listing_state_label": listing_state_label,
    "merge_query": merge_query,
}
GLOBALS = {"options": options}


@cache
def environment() -> Environment:
    """One environment per process, so each template is compiled once."""
    env = Environment(
        loader=PackageLoader("credit.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env
