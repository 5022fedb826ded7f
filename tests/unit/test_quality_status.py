"""The quality-status report's figures, assembled from hand-made statistics of a region."""

from __future__ import annotations

import datetime

import pytest

from credit.auth.caller import PUBLIC, Caller
from credit.errors import Forbidden, InvalidInput, Unauthorized
from credit.services.quality_status import parse_period, quality_status
from tests import statistics_fake

AFTER_Q3 = datetime.date(2026, 10, 15)
OFFICER = Caller("officer", "regulator", region="3211")


@pytest.fixture
def calls(monkeypatch):
    return statistics_fake.install(monkeypatch, statistics_fake.zhenjiang)


def by_code(rows, key="code"):
    return {row[key]: row for row in rows}


@pytest.mark.parametrize(
    "text, first, last, previous",
    [
        ("2026Q3", datetime.date(2026, 7, 1), datetime.date(2026, 9, 30), "2026Q2"),
        ("2026q1", datetime.date(2026, 1, 1), datetime.date(2026, 3, 31), "2025Q4"),
        ("2024Q1", datetime.date(2024, 1, 1), datetime.date(2024, 3, 31), "2023Q4"),
        ("2025Q4", datetime.date(2025, 10, 1), datetime.date(2025, 12, 31), "2025Q3"),
        ("2026", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), "2025"),
    ],
)
def test_a_period_is_a_quarter_or_a_year_with_the_one_before(text, first, last, previous):
    period = parse_period(text)
    assert (period.first_day, period.last_day, period.previous().code) == (first, last, previous)


@pytest.mark.parametrize(
    "text", ["2026Q5", "2026Q0", "26Q3", "2026-Q3", "Q3", "", "２０２６", "0999"]
)
def test_a_malformed_period_is_refused_naming_it(text):
    with pytest.raises(InvalidInput) as refused:
        parse_period(text)
    assert list(refused.value.errors) == ["period"]


@pytest.mark.today(AFTER_Q3)
def test_the_figures_come_from_three_calls_of_the_statistics(calls):
    report = quality_status(None, OFFICER, "3211", "2026Q3")
    asked = [(c["region"], c["date_from"], c["date_to"], c["by"]) for c in calls]
    assert sorted(asked) == sorted(
        [
            ("3211", datetime.date(2026, 7, 1), datetime.date(2026, 9, 30), "region"),
            ("3211", datetime.date(2026, 7, 1), datetime.date(2026, 9, 30), "product"),
            ("3211", datetime.date(2026, 4, 1), datetime.date(2026, 6, 30), "region"),
        ]
    )
    assert all(c["caller"] == OFFICER and c["industry"] is None for c in calls)
    assert report["region"] == "3211"
    assert report["region_name"] == "镇江市"
    assert report["period"]["label_zh"] == "2026年第三季度"
    assert report["period"]["complete"] is True
    assert report["previous_period"]["code"] == "2026Q2"


@pytest.mark.today(AFTER_Q3)
def test_the_summary_grades_and_products(calls):
    report = quality_status(None, OFFICER, "3211", "2026Q3")
    summary = report["summary"]
    assert summary["enterprises"] == 100
    assert summary["graded"] == 95
    assert summary["a_or_better"] == 27
    assert summary["a_or_better_share"] == "0.2700"
    assert (summary["batches"], summary["passed"], summary["failed"]) == (20, 17, 3)
    assert summary["pass_rate"] == "0.8500"
    assert summary["fines"] == "605000.50"
    assert (summary["targets_set"], summary["targets_met"], summary["warnings"]) == (3, 1, 1)
    grades = by_code(report["grades"], "grade")
    assert list(grades) == ["AAA", "AA", "A", "B", "C", "D", "ungraded"]
    assert grades["B"] == {"grade": "B", "label_zh": "质量信用B级", "count": 55, "share": "0.5500"}
    assert grades["ungraded"]["count"] == 5
    # The national sampling target (Zhenjiang 2014) is the one products are set against.
    assert report["product_target"]["code"] == "pass_rate_national"
    products = by_code(report["products"], "product")
    assert [row["product"] for row in report["products"]] == ["食用植物油", "儿童玩具", "电线电缆"]
    assert products["食用植物油"]["met"] is True
    assert products["儿童玩具"]["met"] is False
    assert products["电线电缆"]["warning"] is True
    assert report["warnings"][0]["region_name"] == "镇江市"


@pytest.mark.today(AFTER_Q3)
def test_violations_honours_levels_and_districts_carry_catalog_labels(calls):
    report = quality_status(None, OFFICER, "3211", "2026Q3")
    assert [row["code"] for row in report["violations"]["by_severity"]] == [
        "minor",
        "general",
        "serious",
    ]
    assert by_code(report["violations"]["by_category"])["recall"]["label_zh"] == "缺陷产品召回"
    assert by_code(report["honours"])["mayor_quality_award"] == {
        "code": "mayor_quality_award",
        "label_zh": "市长质量奖",
        "count": 2,
    }
    levels = {row["level"]: row for row in report["inspections"]["by_level"]}
    assert levels["provincial"]["label_zh"] == "省级监督抽查"
    assert levels["provincial"]["pass_rate"] == "0.7500"
    districts = by_code(report["districts"])
    assert list(districts) == ["321102", "321112"]
    assert districts["321112"]["name"] == "丹徒区"
    assert districts["321112"]["low_grades"] == 8
    assert districts["321102"]["a_or_better"] == 22
    assert districts["321102"]["fines"] == "125000.00"


@pytest.mark.today(AFTER_Q3)
def test_the_comparison_with_the_quarter_before(calls):
    comparison = by_code(quality_status(None, OFFICER, "3211", "2026Q3")["comparison"])
    assert comparison["enterprises"] == {
        "code": "enterprises",
        "current": 100,
        "previous": 98,
        "change": 2,
    }
    assert comparison["pass_rate"]["previous"] == "1.0000"
    assert comparison["pass_rate"]["change"] == "-0.1500"
    assert comparison["fines"]["change"] == "105000.00"
    assert comparison["violations"]["change"] == 2


@pytest.mark.today(AFTER_Q3)
def test_a_period_without_data_is_still_a_report(calls):
    report = quality_status(None, OFFICER, "3211", "2025")
    assert report["summary"]["batches"] == 0
    assert report["summary"]["pass_rate"] is None
    assert report["products"] == [] and report["districts"] == [] and report["targets"] == []
    assert report["product_target"] is None
    assert report["comparison"][0]["change"] == 0


@pytest.mark.today(datetime.date(2026, 8, 20))
def test_a_period_not_yet_over_runs_to_today(calls):
    report = quality_status(None, OFFICER, "3211", "2026Q3")
    assert report["period"]["date_to"] == datetime.date(2026, 8, 20)
    assert report["period"]["complete"] is False
    assert {c["date_to"] for c in calls if c["date_from"].month == 7} == {
        datetime.date(2026, 8, 20)
    }


@pytest.mark.today(AFTER_Q3)
def test_a_city_code_and_a_district_are_read_as_regions(calls):
    assert quality_status(None, OFFICER, "321100", "2026Q3")["region"] == "3211"
    district = quality_status(None, OFFICER, "321112", "2026Q3")
    assert (district["region"], district["region_name"]) == ("321112", "丹徒区")
    province = Caller("officer", "regulator", region="32")
    assert quality_status(None, province, "32", "2026Q3")["region_name"] == "江苏省"


@pytest.mark.today(AFTER_Q3)
@pytest.mark.parametrize(
    "region, period, fields",
    [
        ("3211", "2026Q5", {"period"}),
        ("9911", "2026Q3", {"region"}),
        ("3299", "2026Q3", {"region"}),
        ("321", "2026Q3", {"region"}),
        ("镇江", "2026", {"region"}),
        ("abc", "2026Q9", {"region", "period"}),
        ("3211", "2027", {"period"}),
    ],
)
def test_bad_input_is_refused_naming_each_field(calls, region, period, fields):
    with pytest.raises(InvalidInput) as refused:
        quality_status(None, Caller("officer", "regulator", region="32"), region, period)
    assert set(refused.value.errors) == fields
    assert calls == []


@pytest.mark.today(AFTER_Q3)
def test_only_the_regulator_of_the_region_has_the_report(calls):
    with pytest.raises(Unauthorized):
        quality_status(None, PUBLIC, "3211", "2026Q3")
    for caller in (
        Caller("bank", "bank"),
        Caller("admin", "admin"),
        Caller("firm", "enterprise", uscc="91321102000000001X"),
        Caller("fuzhou", "regulator", region="3501"),
        Caller("district", "regulator", region="321102"),
    ):
        with pytest.raises(Forbidden):
            quality_status(None, caller, "3211", "2026Q3")
    assert calls == []
