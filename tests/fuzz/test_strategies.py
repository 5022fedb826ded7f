"""The fuzzer's USCC strategy gives only codes the registry accepts, known firms' codes among them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from credit import uscc
from tests.fuzz.conftest import KNOWN_FIRMS
from tests.fuzz.strategies import VECTORS, valid_usccs

pytestmark = pytest.mark.fuzz


@settings(max_examples=300, derandomize=True, database=None)
@given(valid_usccs(KNOWN_FIRMS))
def test_every_generated_code_is_valid(code):
    assert uscc.validate(code) == code


def test_the_known_firms_and_the_published_vectors_are_valid():
    for code in (*KNOWN_FIRMS, *VECTORS["valid"]):
        assert uscc.is_valid(code), code
