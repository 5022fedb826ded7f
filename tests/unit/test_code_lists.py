"""How the desk reads a list of codes: separators and full-width characters in pasted text, the
code column of a spreadsheet, and the row each entry is named by."""

from __future__ import annotations

import io

import openpyxl
import pytest

from credit.uscc import with_check_character
from credit.web.code_lists import UnreadableFile, from_file, from_text

A = with_check_character("91321102000000010")
B = with_check_character("91321102000000020")


def codes(entries) -> list[tuple[int, str | None]]:
    return [(entry.row, entry.code) for entry in entries]


def test_pasted_codes_may_be_separated_by_anything_people_use():
    text = f" {A}，{B}、{A};{B}\t{A}\u3000{B} | {A}\r\n\n"
    assert codes(from_text(text)) == [(n, [A, B][(n - 1) % 2]) for n in range(1, 8)]


def test_full_width_and_lower_case_codes_are_normalised():
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in A)
    assert codes(from_text(f"{full_width}\n{B.lower()}")) == [(1, A), (2, B)]


def test_a_malformed_code_keeps_its_place_and_says_what_is_wrong_in_chinese():
    entries = from_text(f"{A}\n{A[:-1]}\n{A[:-1]}X\n{B}")
    assert codes(entries) == [(1, A), (2, None), (3, None), (4, B)]
    assert "应为18位" in entries[1].problem and "校验码" in entries[2].problem
    assert entries[1].text == A[:-1]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_spreadsheet_is_read_from_the_column_headed_as_codes_with_its_row_numbers():
    data = xlsx([["名称", "USCC"], ["甲", A], ["乙", None], ["丙", B]])
    assert codes(from_file("bidders.xlsx", data)) == [(2, A), (4, B)]


def test_without_a_known_header_the_first_column_is_read_and_a_wordy_first_row_skipped():
    assert codes(from_file("a.xlsx", xlsx([["代码"], [A], [B]]))) == [(2, A), (3, B)]
    assert codes(from_file("a.csv", f"{A}\n{B}\n".encode())) == [(1, A), (2, B)]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_in_either_encoding_is_read(encoding):
    data = f"统一社会信用代码;名称\n{A};镇江甲有限公司\n".encode(encoding)
    assert codes(from_file("list.csv", data)) == [(2, A)]


def test_a_damaged_workbook_and_a_binary_file_are_refused_in_words():
    with pytest.raises(UnreadableFile, match="Excel"):
        from_file("x.xlsx", b"PK\x03\x04garbage")
    with pytest.raises(UnreadableFile):
        from_file("x.csv", b"\x00\x01\x02\xff\xfe")
