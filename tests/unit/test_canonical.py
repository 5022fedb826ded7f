"""The chain's JSON encoding: the fast encoder writes byte for byte what the standard library
writes, so hashes stored before it still verify."""

from __future__ import annotations

import datetime
import decimal
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit import canonical
from credit.db import json_text

LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # past 64 bits as well
    | st.text()
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(datetime.UTC))
    | st.decimals(allow_nan=False, allow_infinity=False)
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=20,
)


def standard(value) -> str:
    def plain(item):
        if isinstance(item, (datetime.date, datetime.datetime)):
            return item.isoformat()
        if isinstance(item, decimal.Decimal):
            return str(item)
        raise TypeError(type(item).__name__)

    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=plain
    )


@settings(max_examples=500)
@given(VALUES)
def test_encoding_is_the_standard_librarys(value):
    assert canonical.encode(value) == standard(value)
    assert canonical.encode_bytes(value) == standard(value).encode("utf-8")


@pytest.mark.parametrize(
    "value",
    [
        {"名称": '镇江演示\u0000\n\t\u2028\u007f/\\"', "b": [1, None, True]},
        {2: "a", 1: "b"},  # keys that are not text: handed to the standard library
        [2**64, -(2**63) - 1],
    ],
)
def test_values_at_the_edges(value):
    assert canonical.encode(value) == standard(value)


def test_a_dict_keeps_its_order_when_stored():
    value = {"z": 1, "a": "镇江", "m": [None]}
    assert json_text(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_what_neither_encodes_is_refused():
    with pytest.raises(TypeError):
        canonical.encode({"at": datetime.time(10, 0)})


def test_stored_json_refuses_what_the_standard_library_refuses():
    with pytest.raises(TypeError):
        json_text({"on": datetime.date(2026, 6, 15)})
