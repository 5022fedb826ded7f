"""Reference data: GB/T 2260 region codes and GB/T 4754-2017 industry codes."""

from __future__ import annotations

import pytest

from credit import reference


@pytest.mark.parametrize("code", ["321102", "321100", "350100", "110000", "820000", "659001"])
def test_county_level_codes_are_regions(code):
    assert reference.region_problem(code) is None


@pytest.mark.parametrize("code, words", [
    ("3211", "6-digit"), ("3211020", "6-digit"), ("32110A", "6-digit"), ("", "6-digit"),
    (" 321102", "6-digit"), ("991102", "99"), ("001102", "00"), ("101102", "10"),
])
def test_other_codes_are_not_regions_and_say_why(code, words):
    problem = reference.region_problem(code)
    assert problem is not None and words in problem


@pytest.mark.parametrize("code", ["A", "C", "T", "01", "05", "13", "38", "43", "97", "383",
                                  "3831"])
def test_sections_divisions_groups_and_classes_are_industries(code):
    assert reference.industry_problem(code) is None


@pytest.mark.parametrize("code, words", [
    ("U", "A-T"), ("c", "A-T"), ("1", "2- to 4-digit"), ("38311", "2- to 4-digit"),
    ("C38", "A-T"), ("00", "division 00"), ("98", "division 98"), ("9931", "division 99"),
])
def test_other_codes_are_not_industries_and_say_why(code, words):
    problem = reference.industry_problem(code)
    assert problem is not None and words in problem


@pytest.mark.parametrize("division, section", [
    (1, "A"), (5, "A"), (6, "B"), (13, "C"), (38, "C"), (43, "C"), (44, "D"), (70, "K"),
    (83, "P"), (97, "T"), (0, None), (98, None),
])
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


def test_every_industry_in_the_table_is_a_valid_code():
    names = reference.industry_names()
    assert names["C"] == "制造业"
    for code in names:
        assert reference.industry_problem(code) is None, code
