"""Blank import templates: the header row each kind's upload expects, as XLSX or CSV, with the
meaning of each column and the values it takes."""

from __future__ import annotations

import io

from credit import csvfiles
from credit.services.exchange.columns import COLUMNS, Column


def _values(column: Column) -> str:
    if column.cell == "choice":
        entries = column.choices[0]
        return "；".join(f"{code}（{entry.label_zh}）" for code, entry in entries.items())
    return {
        "date": "日期，YYYY-MM-DD",
        "code": "代码（半角）",
        "list": "多项以分号分隔",
        "money": "金额（元），最多两位小数",
    }.get(column.cell, "文字")


def template_csv(kind: str) -> bytes:
    """The header row in Chinese, UTF-8 with the BOM Excel needs to read it."""
    return csvfiles.write([column.label for column in COLUMNS[kind]], []).encode("utf-8")


def template_xlsx(kind: str, required: frozenset[str]) -> bytes:
    """A workbook: the header row to fill in (text cells, so that codes keep their leading
    zeros and dates stay as written), and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "数据"
    columns = COLUMNS[kind]
    sheet.append([column.label for column in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(14, 2 * len(column.label) + 4)
        for row in range(2, 1002):
            sheet.cell(row=row, column=index).number_format = (
                "yyyy-mm-dd" if column.cell == "date" else "@"
            )
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "英文字段名", "是否必填", "取值", "说明"])
    for column in columns:
        notes.append(
            [
                column.label,
                column.field,
                "必填" if column.field in required else "选填",
                _values(column),
                column.hint,
            ]
        )
    notes.append([])
    notes.append(["第 1 行为表头，可用中文列名或英文字段名；每行一条，来源编号在贵单位内唯一。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
