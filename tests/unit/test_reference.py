"""Reference data: GB/T 2260 region codes and GB/T 4754-2017 industry codes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from credit import reference


@pytest.mark.parametrize("code", ["321102", "321100", "350100", "110000", "820000", "659001"])
def test_county_level_codes_are_regions(code):
    assert reference.region_problem(code) is None


@pytest.mark.parametrize(
    "code, words",
    [
        ("3211", "6-digit"),
        ("3211020", "6-digit"),
        ("32110A", "6-digit"),
        ("", "6-digit"),
        (" 321102", "6-digit"),
        ("991102", "99"),
        ("001102", "00"),
        ("101102", "10"),
    ],
)
def test_other_codes_are_not_regions_and_say_why(code, words):
    problem = reference.region_problem(code)
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    "code",
    [
        "A",
        "C",
        "T",
        "01",
        "05",
        "13",
        "38",
        "43",
        "97",
        "383",
        "3831",
        "C38",
        "c38",
        "C383",
        "C3831",
        "A01",
        "T97",
    ],
)
def test_sections_divisions_groups_and_classes_are_industries(code):
    assert reference.industry_problem(code) is None


@pytest.mark.parametrize(
    "code, words",
    [
        ("U", "section U"),
        ("1", "2- to 4-digit"),
        ("38311", "2- to 4-digit"),
        ("", "A-T"),
        ("C38311", "2- to 4-digit"),
        ("CC38", "A-T"),
        ("38C", "A-T"),
        ("00", "division 00"),
        ("98", "division 98"),
        ("9931", "division 99"),
        ("D38", "belongs to section C, not D"),
        ("A3811", "belongs to section C, not A"),
        ("C01", "belongs to section A, not C"),
        ("ı", "A-T"),
        ("Ｃ38", "A-T"),
    ],
)
def test_other_codes_are_not_industries_and_say_why(code, words):
    problem = reference.industry_problem(code)
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    "code, normal",
    [
        ("C", "C"),
        ("c", "C"),
        ("38", "C38"),
        ("C38", "C38"),
        ("381", "C381"),
        ("C381", "C381"),
        ("3811", "C3811"),
        ("c3811", "C3811"),
        (" 3811 ", "C3811"),
        ("01", "A01"),
        ("4811", "E4811"),
    ],
)
def test_every_way_of_writing_a_code_has_one_normal_form(code, normal):
    assert reference.normal_industry_code(code) == normal
    assert reference.normal_industry_code(normal) == normal


def test_the_industry_table_agrees_with_the_sections_of_the_divisions():
    text = (Path(reference.__file__).parent / "data" / "industries.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        assert reference.normal_industry_code(row["code"])[0] == row["section"], row


@pytest.mark.parametrize(
    "division, section",
    [
        (1, "A"),
        (5, "A"),
        (6, "B"),
        (13, "C"),
        (38, "C"),
        (43, "C"),
        (44, "D"),
        (70, "K"),
        (83, "P"),
        (97, "T"),
        (0, None),
        (98, None),
    ],
)
def test_each_division_belongs_to_its_section(division, section):
    assert reference.section_of_division(division) == section


def test_every_division_from_01_to_97_has_a_section():
    assert all(reference.section_of_division(d) for d in range(1, 98))


def test_the_region_table_knows_zhenjiang():
    zhenjiang = reference.regions()["321102"]
    assert (zhenjiang.name, zhenjiang.city, zhenjiang.province) == ("京口区", "镇江市", "江苏省")


def test_every_region_in_the_table_is_a_valid_code():
    assert reference.regions()
    for code in reference.regions():
        assert reference.region_problem(code) is None, code


def test_every_industry_in_the_table_is_a_valid_code_kept_in_its_normal_form():
    names = reference.industry_names()
    assert names["C"] == "制造业" and names["C38"] == "电气机械和器材制造业"
    for code in names:
        assert reference.industry_problem(code) is None, code
        assert reference.normal_industry_code(code) == code
