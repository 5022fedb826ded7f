"""The USCC check (GB 32100) against the published vectors, and its messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from credit import uscc

VECTORS = json.loads(
    (Path(__file__).parent.parent / "data" / "uscc_vectors.json").read_text(encoding="utf-8")
)
INVALID = {vector["why"]: vector for vector in VECTORS["invalid"]}


@pytest.mark.parametrize("code", VECTORS["valid"])
def test_valid_codes_pass_unchanged(code):
    assert uscc.validate(code) == code
    assert uscc.is_valid(code)


@pytest.mark.parametrize("code", [c for c in VECTORS["valid"] if not c[:8].isdigit()])
def test_letters_in_the_first_eight_characters_are_allowed(code):
    # Registration authorities such as Y (trade unions), N (agriculture) and A put a letter first.
    assert uscc.validate(code) == code


def test_the_vectors_include_codes_with_a_letter_first():
    assert {code[0] for code in VECTORS["valid"]} >= {"Y", "N", "A"}


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=lambda v: v["why"])
def test_invalid_codes_are_refused(vector):
    assert not uscc.is_valid(vector["input"])
    with pytest.raises(uscc.InvalidUscc):
        uscc.validate(vector["input"])


def _message(raw: str) -> str:
    with pytest.raises(uscc.InvalidUscc) as caught:
        uscc.validate(raw)
    return str(caught.value)


def test_wrong_check_character_names_the_expected_one():
    vector = INVALID["check character"]
    message = _message(vector["input"])
    assert "check character" in message
    assert repr(vector["expected_check"]) in message
    assert "'B'" in message


@pytest.mark.parametrize("why, count", [("length 17", 17), ("length 19", 19)])
def test_wrong_length_says_how_many_characters(why, count):
    message = _message(INVALID[why]["input"])
    assert f"has {count} characters" in message
    assert "18" in message


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_a_character_outside_the_alphabet_is_named_with_its_position(letter):
    message = _message(INVALID[f"character {letter} is not in the alphabet"]["input"])
    assert f"'{letter}'" in message
    assert "position 10" in message


def test_an_empty_code_is_called_empty():
    assert "empty" in _message(INVALID["empty"]["input"])


def test_a_letter_in_the_region_code_is_refused():
    code = uscc.with_check_character("9132A100700004117")
    assert "positions 3-8" in _message(code)


@pytest.mark.parametrize("vector", VECTORS["normalise"], ids=lambda v: v["input"])
def test_normalisation_trims_upper_cases_and_drops_hyphens(vector):
    assert uscc.normalise(vector["input"]) == vector["normalised"]
    assert uscc.validate(vector["input"]) == vector["normalised"]


def test_a_lower_case_code_is_accepted_upper_cased():
    assert uscc.validate("91321100700004117a") == "91321100700004117A"


def test_hyphens_and_spaces_anywhere_are_dropped():
    assert uscc.validate("9132 1100-7000 0411-7A") == "91321100700004117A"


@pytest.mark.parametrize(
    "raw", ["91321100700004117A\n", "91321100700004117A\r\n", "\n91321100700004117A"]
)
def test_a_pasted_line_ending_is_trimmed(raw):
    assert uscc.validate(raw) == "91321100700004117A"


@pytest.mark.parametrize("code", VECTORS["valid"])
def test_with_check_character_completes_the_first_seventeen(code):
    assert uscc.with_check_character(code[:17]) == code


def test_region_of_is_positions_three_to_eight():
    assert uscc.region_of("91321100700004117A") == "321100"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("9", True),
        ("91321100", True),
        ("Y132", True),
        ("91321100700004117A", True),
        ("", False),
        ("华东", False),
        ("91I", False),
        ("91321100700004117A0", False),
    ],
)
def test_is_prefix(text, expected):
    assert uscc.is_prefix(text) is expected


ALPHABET_TEXT = st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17)


@given(ALPHABET_TEXT)
def test_the_check_character_tables_agree_with_python_stdnum(first17):
    assert uscc.check_character(first17) == stdnum_uscc.calc_check_digit(first17)


@given(ALPHABET_TEXT, st.sampled_from(uscc.ALPHABET))
def test_a_code_is_valid_exactly_when_its_last_character_is_the_check_character(first17, last):
    code = first17  # positions 3-8 may hold letters here: such codes are refused
    valid = code[2:8].isdigit() and last == stdnum_uscc.calc_check_digit(code)
    assert uscc.is_valid(code + last) is valid
