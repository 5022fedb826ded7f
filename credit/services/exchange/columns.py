"""The columns of each import: the API's field names, the Chinese labels the templates show,
and how a cell of each is read (a code, a date, a list, one of the catalog's codes)."""

from __future__ import annotations

from dataclasses import dataclass

from credit import catalog

# The kinds an upload may hold, as the API names them, and the data kind each one writes.
IMPORT_KINDS = {
    "enterprises": "enterprise",
    "awards": "award",
    "certifications": "certification",
    "inspections": "inspection",
    "violations": "violation",
}


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    cell: str = "text"  # text, code, date, list, money, or choice (then `choices`)
    choices: tuple[dict, ...] = ()
    hint: str = ""

    def choice_codes(self) -> dict[str, str]:
        """Each accepted spelling of a choice, the code or a Chinese label, and the code it means."""
        codes = {}
        for entries in self.choices:
            for code, entry in entries.items():
                codes[code] = code
                codes[entry.label_zh] = code
        return codes


SOURCE_ID = Column(
    "source_id", "来源编号", "code", hint="贵单位系统中这一行的编号，同一编号只导入一次"
)
USCC = Column("uscc", "统一社会信用代码", "code")
SOURCE_AGENCY = Column("source_agency", "来源机构", hint="机构账户导入时为本机构，可不填")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "enterprise": (
        SOURCE_ID,
        USCC,
        Column("name", "企业名称"),
        Column("region_code", "行政区划代码", "code", hint="6 位，缺省取统一社会信用代码第 3-8 位"),
        Column("industry_code", "行业代码", "code", hint="GB/T 4754-2017，如 C38"),
        Column("registered_on", "成立日期", "date"),
    ),
    "award": (
        SOURCE_ID,
        USCC,
        Column("kind", "荣誉类别", "choice", (catalog.AWARD_KINDS,)),
        Column("level", "级别", "choice", (catalog.LEVELS,)),
        Column("title", "荣誉名称"),
        Column("issuer", "授予机关"),
        Column("awarded_on", "授予日期", "date"),
        Column("expires_on", "有效期至", "date"),
        Column("document_no", "文号"),
        SOURCE_AGENCY,
    ),
    "certification": (
        SOURCE_ID,
        USCC,
        Column("scheme", "认证类别", "choice", (catalog.CERTIFICATION_SCHEMES,)),
        Column("certificate_no", "证书编号"),
        Column("issuer", "发证机构"),
        Column("valid_from", "有效期起", "date"),
        Column("valid_to", "有效期止", "date"),
        SOURCE_AGENCY,
    ),
    "inspection": (
        SOURCE_ID,
        USCC,
        Column("level", "抽查级别", "choice", (catalog.INSPECTION_LEVELS, catalog.LEVELS)),
        Column("product", "产品名称"),
        Column("sampled_on", "抽样日期", "date"),
        Column("result", "检验结论", "choice", (catalog.INSPECTION_RESULTS,)),
        Column("report_no", "报告编号"),
        Column("failed_items", "不合格项目", "list", hint="多项以分号（；）分隔"),
        Column("product_category", "产品类别", "choice", (catalog.PRODUCT_CATEGORIES,)),
        Column("testing_institution", "检验机构"),
        SOURCE_AGENCY,
    ),
    "violation": (
        SOURCE_ID,
        USCC,
        Column("category", "违法类别", "choice", (catalog.VIOLATION_CATEGORIES,)),
        Column("severity", "严重程度", "choice", (catalog.SEVERITIES,)),
        Column("decided_on", "决定日期", "date"),
        Column("authority", "决定机关"),
        Column("decision_no", "决定书文号"),
        Column("fine_amount", "罚款金额（元）", "money"),
        Column("legal_basis", "法律依据"),
        Column("description", "违法事实"),
        SOURCE_AGENCY,
    ),
}


def by_heading(kind: str) -> dict[str, Column]:
    """Each heading a file may use for a column of this kind: its field name or its label."""
    found = {}
    for column in COLUMNS[kind]:
        found[column.field] = column
        found[column.label] = column
        found[column.field.lower()] = column
    return found
