"""Reading an uploaded table (CSV, XLSX or JSON Lines) into a header and numbered rows of cells.

Row numbers are the ones a spreadsheet shows: the header is row 1. A JSON Lines file has no
header; its line numbers are its row numbers, and each line's keys are its columns.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an old .xls workbook, or another OLE document


class FileProblem(ValueError):
    """The file as a whole cannot be read as a table: said in Chinese, for the one who sent it."""


@dataclass
class Table:
    file_format: str
    header: list[str] | None  # None for JSON Lines: each row names its own columns
    rows: Iterator[tuple[int, list | dict]]
    formulas: dict[tuple[int, int], str]  # (row, column index) of each formula cell in a workbook


def format_of(filename: str) -> str:
    lowered = filename.lower()
    for suffix, name in FORMATS.items():
        if lowered.endswith(suffix):
            return name
    raise FileProblem(
        f"不支持的文件类型“{filename}”：请上传 .csv、.xlsx 或 .jsonl 文件（可从模板下载）。"
    )


def read_table(data: bytes, filename: str) -> Table:
    """The table a file holds, or FileProblem when it is empty or not what its name says."""
    file_format = format_of(filename)
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileProblem("文件为空：没有表头，也没有数据行。")
    looks_like = _looks_like(data)
    if file_format != "xlsx" and looks_like:
        raise FileProblem(
            f"文件名是 {filename}，但内容是{looks_like}，不是 {file_format.upper()} 文本；"
            "请按文件的实际格式命名，或另存为 CSV（UTF-8）。"
        )
    if file_format == "csv":
        return _csv_table(_decode(data))
    if file_format == "jsonl":
        return Table("jsonl", None, _jsonl_rows(_decode(data)), {})
    if not data.startswith(ZIP_MAGIC):
        raise FileProblem(
            f"文件名是 {filename}，但内容不是 XLSX 工作簿"
            f"{'（是旧版 .xls 格式，请另存为 .xlsx）' if data.startswith(OLE_MAGIC) else '（看起来是文本）'}。"
        )
    return _xlsx_table(data)


def _looks_like(data: bytes) -> str | None:
    if data.startswith(ZIP_MAGIC):
        return "一个压缩包（如 XLSX 工作簿）"
    if data.startswith(OLE_MAGIC):
        return "一个旧版 Office 文档（如 .xls）"
    if b"\x00" in data[:65536]:
        return "二进制数据"
    return None


def _decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else GB18030, as Chinese offices save CSV."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise FileProblem(
            f"文件的第 {error.start + 1} 个字节起无法按 UTF-8 或 GB18030 读出文字；"
            "请另存为 CSV（UTF-8）。"
        ) from None


def _csv_table(text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem("文件为空：没有表头，也没有数据行。") from None
    except csv.Error as error:
        raise FileProblem(f"第 1 行不是有效的 CSV：{error}。") from None

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as error:
            raise FileProblem(f"第 {reader.line_num} 行不是有效的 CSV：{error}。") from None

    # A quoted cell may span lines; a spreadsheet shows it as one row, so rows are counted, not
    # lines.
    return Table("csv", [cell.strip() for cell in header], _numbered(rows()), {})


def _numbered(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    for number, (_, row) in enumerate(rows, start=2):
        yield number, row


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise FileProblem(
                f"第 {number} 行不是有效的 JSON：{error.msg}（第 {error.colno} 列）。"
            ) from None
        if not isinstance(value, dict):
            raise FileProblem(f'第 {number} 行不是 JSON 对象：每行应为一个 {{"字段": 值}} 对象。')
        yield number, value


def first_sheet(data: bytes, max_rows: int | None = None) -> list[list]:
    """The first sheet's cells, row by row, empty leading rows kept (so that each row's number is
    the one the sheet shows). Its extent is checked before it is read: a sheet is read as the
    rectangle up to its last used cell, so two cells far apart in a few bytes of file would
    otherwise fill the memory."""
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        width, height = sheet.width, sheet.height
    except Exception as error:  # calamine raises its own types for each way a workbook breaks
        raise FileProblem(UNREADABLE) from error
    if width > MAX_SHEET_COLUMNS:
        raise FileProblem(f"工作表用到第 {width} 列，超过 {MAX_SHEET_COLUMNS} 列；请删去多余的列。")
    if max_rows is not None and height > max_rows + 1:
        raise FileProblem(f"工作表用到第 {height} 行，超过 {max_rows} 行数据的上限。")
    try:
        return sheet.to_python(skip_empty_area=False)
    except Exception as error:
        raise FileProblem(UNREADABLE) from error


def _xlsx_table(data: bytes) -> Table:
    cells = first_sheet(data)
    if not cells or not any(_filled(c) for c in cells[0]):
        raise FileProblem("工作簿的第一个工作表为空，或第 1 行不是表头。")
    header = [_text(cell) for cell in cells[0]]
    rows = ((number, list(row)) for number, row in enumerate(cells[1:], start=2))
    return Table("xlsx", header, rows, _formulas(data))


def _filled(cell) -> bool:
    return cell is not None and cell != ""


def _text(cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return "" if cell is None else str(cell).strip()


UNREADABLE = "无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密。"
# A template has about fifteen columns; a sheet used past this many is not a table of records.
MAX_SHEET_COLUMNS = 200
# Spreadsheet XML packs about tenfold; a sheet unpacking to far more is built to fill memory.
MAX_UNPACKED_RATIO = 100
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CELL = re.compile(r"([A-Z]+)([0-9]+)")


def _formulas(data: bytes) -> dict[tuple[int, int], str]:
    """Each formula cell of the first sheet: an import takes values, never what a formula would
    compute (its cached result may be stale, or the formula may fetch from elsewhere)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            path = _first_sheet_path(archive)
            if archive.getinfo(path).file_size > MAX_UNPACKED_RATIO * len(data) + 2**20:
                raise FileProblem("工作簿解压后异常庞大，不像是正常的表格文件。")
            xml = archive.read(path)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}
    if not re.search(rb"<(?:\w+:)?f[ >/]", xml):
        return {}
    found = {}
    for _, element in ElementTree.iterparse(io.BytesIO(xml)):
        if element.tag == f"{_NS}c":
            formula = element.find(f"{_NS}f")
            if formula is not None:
                match = _CELL.fullmatch(element.get("r", ""))
                if match:
                    column = 0
                    for letter in match.group(1):
                        column = column * 26 + ord(letter) - 64
                    found[(int(match.group(2)), column - 1)] = "=" + (formula.text or "")
            element.clear()
    return found


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = workbook.find(f"{_NS}sheets/{_NS}sheet")
    relation = sheet.get(f"{_REL}id") if sheet is not None else None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Id") == relation:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return "xl/worksheets/sheet1.xml"
