"""GET /api/v1/reports/quality-status: the report as JSON, a page and a PDF, for its regulators."""

from __future__ import annotations

import datetime
import re
import time

import pytest

from credit.web import pdf
from tests import statistics_fake
from tests.api.problems import assert_problem
from tests.pdf_tools import first_page_png, needs_pdf, pdf_fonts, pdf_text

URL = "/api/v1/reports/quality-status"
Q3 = {"region": "3211", "period": "2026Q3"}
HEADINGS = (
    "镇江市2026年第三季度质量状况分析报告",
    "一、总体情况",
    "二、质量信用等级分布",
    "三、监督抽查情况",
    "四、质量目标完成情况",
    "五、质量安全预警",
    "六、违法违规与行政处罚",
    "七、质量失信黑名单变动",
    "八、质量荣誉",
    "九、与上期对比",
    "十、分区县情况",
)
# Figures the report states, as a reader sees them.
FIGURES = (
    "统计期间：2026年7月1日至2026年9月30日",
    "本区域登记企业100家",
    "合格率85.00%",
    "罚没金额605,000.50元",
    "国家监督抽查合格率不低于90%",
    "丹徒区",
    "电线电缆",
    "-15.00个百分点",
)
pytestmark = pytest.mark.today(datetime.date(2026, 10, 15))


@pytest.fixture
def calls(monkeypatch):
    return statistics_fake.install(monkeypatch, statistics_fake.zhenjiang)


@pytest.fixture
def officer(make):
    return make.headers("regulator", region="3211")


def flat(text: str) -> str:
    """Text without the spaces and line breaks a layout puts between words."""
    return re.sub(r"\s+", "", text)


def test_json_gives_the_figures(client, calls, officer):
    response = client.get(URL, query_string=Q3, headers=officer)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/json"
    report = response.get_json()
    assert report["region_name"] == "镇江市"
    assert report["period"] == {
        "code": "2026Q3",
        "label_zh": "2026年第三季度",
        "date_from": "2026-07-01",
        "date_to": "2026-09-30",
        "complete": True,
    }
    assert report["previous_period"]["code"] == "2026Q2"
    assert report["summary"]["pass_rate"] == "0.8500"
    assert [d["name"] for d in report["districts"]] == ["京口区", "丹徒区"]
    assert response.headers["Cache-Control"] == "no-store"
    assert len(calls) == 3


def test_the_page_has_the_headings_figures_and_charts(client, calls, officer):
    response = client.get(URL, query_string=Q3, headers={**officer, "Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    text = flat(re.sub(r"<[^>]+>", "", html))
    for expected in HEADINGS + FIGURES:
        assert flat(expected) in text, expected
    assert html.count("<svg") == 3
    assert "<script" not in html
    assert "本期无监督抽查数据" not in html


def test_a_browser_gets_the_page(client, calls, officer):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get(URL, query_string=Q3, headers={**officer, "Accept": browser})
    assert response.mimetype == "text/html"


def test_a_period_without_data_says_so(client, calls, officer):
    response = client.get(
        URL,
        query_string={"region": "3211", "period": "2025"},
        headers={**officer, "Accept": "text/html"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for sentence in ("本期无监督抽查数据", "本期无违法违规记录", "本期未触发质量安全预警"):
        assert sentence in html


@needs_pdf
def test_the_pdf_holds_the_chinese_headings_and_figures(client, calls, officer, tmp_path):
    started = time.perf_counter()
    response = client.get(URL, query_string=Q3, headers={**officer, "Accept": "application/pdf"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="quality-status-3211-2026Q3.pdf"'
    )
    assert response.data.startswith(b"%PDF-")
    # Every character drawn is one the reader can copy back: none is missing from the font.
    text = flat(pdf_text(response.data))
    for expected in HEADINGS + FIGURES:
        assert flat(expected) in text, expected
    assert "\ufffd" not in text
    fonts = pdf_fonts(response.data, tmp_path)
    assert "CJK" in fonts or "Zen" in fonts, fonts
    assert first_page_png(response.data, tmp_path).stat().st_size > 10_000
    assert elapsed < 30  # the timed figure is in the README; this only catches a runaway


@needs_pdf
def test_the_pdf_of_a_period_without_data_says_so(client, calls, officer):
    response = client.get(
        URL,
        query_string={"region": "3211", "period": "2025"},
        headers={**officer, "Accept": "application/pdf"},
    )
    assert response.status_code == 200
    assert "本期无监督抽查数据" in flat(pdf_text(response.data))


def test_without_a_chinese_font_the_pdf_is_refused_saying_what_to_install(
    client, calls, officer, monkeypatch
):
    monkeypatch.setattr(pdf, "cjk_families", lambda: [])
    response = client.get(URL, query_string=Q3, headers={**officer, "Accept": "application/pdf"})
    body = assert_problem(response, 503)
    assert "fonts-noto-cjk" in body["detail"]


def test_no_token_is_401(client, calls):
    assert_problem(client.get(URL, query_string=Q3), 401)


@pytest.mark.parametrize(
    "role, binding",
    [
        ("enterprise", {}),
        ("bank", {}),
        ("procurement", {}),
        ("admin", {}),
        ("regulator", {"region": "3501"}),
        ("regulator", {"region": "321102"}),
    ],
)
def test_anyone_but_the_regions_regulator_is_refused(client, calls, make, role, binding):
    response = client.get(URL, query_string=Q3, headers=make.headers(role, **binding))
    assert_problem(response, 403)
    assert calls == []


def test_a_provincial_regulator_covers_the_city(client, calls, make):
    response = client.get(URL, query_string=Q3, headers=make.headers("regulator", region="32"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query, fields",
    [
        ({"region": "3211", "period": "2026Q5"}, ["period"]),
        ({"region": "9911", "period": "2026Q3"}, ["region"]),
        ({"region": "x", "period": "y"}, ["region", "period"]),
        ({"region": "3211"}, ["period"]),
        ({"period": "2026Q3"}, ["region"]),
        ({"region": "3211", "period": "2027Q1"}, ["period"]),
    ],
)
def test_bad_input_is_422_naming_the_field(client, calls, officer, query, fields):
    assert_problem(client.get(URL, query_string=query, headers=officer), 422, *fields)


def test_the_document_declares_json_the_page_the_pdf_and_the_errors(client):
    document = client.get("/api/v1/openapi.json").get_json()
    responses = document["paths"][URL]["get"]["responses"]
    content = responses["200"]["content"]
    assert {"application/json", "text/html", "application/pdf"} <= set(content)
    for status in ("401", "403", "422", "503"):
        response = responses[status]
        if "$ref" in response:
            response = document["components"]["responses"][response["$ref"].split("/")[-1]]
        assert set(response["content"]) == {"application/problem+json"}, status
