"""How pages write codes, dates, names and refusals for people (credit/web/templating.py)."""

from __future__ import annotations

import datetime

import pytest

from credit.uscc import with_check_character
from credit.web import templating
from credit.web.session import local_path


def test_dates_from_the_wire_and_dates_read_the_same():
    assert templating.date_zh("2026-09-30") == "2026年9月30日"
    assert templating.date_zh(datetime.date(2026, 9, 30)) == "2026年9月30日"
    assert templating.date_zh(None) == "—"


def test_labels_come_from_the_catalog_and_an_unknown_code_shows_as_written():
    assert templating.label("serious", "severities") == "严重"
    assert templating.label("something_new", "severities") == "something_new"
    assert templating.grade_label(None) == "未评级"
    assert templating.grade_label("AA") == "质量信用AA级"
    assert templating.grade_meaning("D").startswith("质量信用差")


def test_regions_and_industries_by_name():
    assert templating.region_name("321102") == "京口区（镇江市）"
    assert templating.region_name("321100") == "镇江市"
    assert templating.region_name("999999") == "999999"
    assert templating.industry_name("C38") == "电气机械和器材制造业"
    assert templating.industry_name("C3811") == "电气机械和器材制造业"
    assert templating.industry_name(None) == "未登记行业"


def test_the_next_page_keeps_the_other_arguments():
    assert templating.merge_query({"q": "镇江", "region": ""}, page=2) == (
        "q=%E9%95%87%E6%B1%9F&page=2"
    )


CODE = with_check_character("91321102MA1Q00001")


@pytest.mark.parametrize("text", [CODE, CODE.lower(), f" {CODE[:8]}-{CODE[8:]} "])
def test_a_code_from_an_address_is_read_as_typed(text):
    assert templating.read_uscc(text) == (CODE, None)


@pytest.mark.parametrize(
    "text, says",
    [
        ("9132", "应为18位，这里是4位"),
        (CODE[:17] + "I", "不能有字符“I”"),
        ("91ABCDEF" + CODE[8:], "第3至8位"),
        (CODE[:17] + ("0" if CODE[17] != "0" else "1"), "校验码"),
    ],
)
def test_a_wrong_code_is_explained_in_chinese(text, says):
    code, problem = templating.read_uscc(text)
    assert code is None and says in problem


@pytest.mark.parametrize(
    "target, kept",
    [
        ("/me", True),
        ("/search?q=%E9%95%87", True),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("/ok\r\nSet-Cookie: x", False),
        ("", False),
        (None, False),
    ],
)
def test_only_a_path_on_this_site_is_followed_after_signing_in(target, kept):
    assert local_path(target) == (target if kept else None)
