"""Supervisory sampling results: the new fields, county level, the 3-year display period, the
public profile and the public list with its filters."""

import collections
import datetime

import pytest
import time_machine
from sqlalchemy import select, text

from credit import canonical, chain, clock, demo, policy
from credit.auth.caller import Caller
from credit.models import Enterprise, Inspection
from credit.rules import periods
from credit.services import audit
from credit.services.enterprises import NewEnterprise, register_enterprise
from credit.services.lookup import get_enterprise
from credit.services.state import record_change
from credit.uscc import with_check_character
from tests.days import DEFAULT_TODAY, SOME_DAYS, days_before, first_start_inside, last_start_ended

MONTHS = policy.INSPECTION_DISPLAY_MONTHS
INSTITUTION = "镇江市产品质量监督检验所（测试）"


@pytest.fixture
def regulator(make):
    return make.headers("regulator", region="3211")


@pytest.fixture
def firm(make):
    return make.enterprise(region="321102", name="镇江抽查测试电缆有限公司")


def inspection(sampled_on: datetime.date, n: int = 1, **overrides) -> dict:
    body = {
        "level": "municipal",
        "product": "电线电缆",
        "product_category": "electrical",
        "sampled_on": sampled_on.isoformat(),
        "result": "pass",
        "report_no": f"ZJ-CY-{n:04d}",
        "testing_institution": INSTITUTION,
    }
    body.update(overrides)
    return body


def add(client, firm, body, headers) -> dict:
    response = client.post(f"/api/v1/enterprises/{firm}/inspections", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def listed(client, **query) -> dict:
    response = client.get("/api/v1/inspections", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def report_numbers(page: dict) -> list[str]:
    return [item["report_no"] for item in page["items"]]


def profile(client, firm) -> dict:
    response = client.get(f"/api/v1/enterprises/{firm}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_inspection_carries_its_category_and_testing_institution(client, firm, regulator):
    record = add(
        client, firm, inspection(days_before(DEFAULT_TODAY, 10), level="county"), regulator
    )
    assert record["level"] == "county"
    assert record["product_category"] == "electrical"
    assert record["testing_institution"] == INSTITUTION
    assert record["source"]["issuer"] == INSTITUTION
    last = periods.last_day(days_before(DEFAULT_TODAY, 10), MONTHS)
    assert record["display_until"] == last.isoformat()


def test_category_and_institution_are_optional_and_null_when_not_given(client, firm, regulator):
    body = inspection(days_before(DEFAULT_TODAY, 10))
    del body["product_category"], body["testing_institution"]
    record = add(client, firm, body, regulator)
    assert record["product_category"] is None and record["testing_institution"] is None
    assert record["source"].get("issuer") is None


@pytest.mark.parametrize(
    "override, field",
    [
        ({"product_category": "toys"}, "product_category"),
        ({"level": "township"}, "level"),
        ({"testing_institution": ""}, "testing_institution"),
        ({"testing_institution": "所" * 201}, "testing_institution"),
    ],
)
def test_bad_inspection_fields_are_named(client, firm, regulator, override, field):
    body = {**inspection(days_before(DEFAULT_TODAY, 10)), **override}
    response = client.post(f"/api/v1/enterprises/{firm}/inspections", json=body, headers=regulator)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_the_catalog_lists_product_categories_and_the_county_level(client):
    catalog = client.get("/api/v1/catalog").get_json()
    assert {"code": "food", "label_zh": "食品"}.items() <= catalog["product_categories"][0].items()
    assert "county" in {e["code"] for e in catalog["inspection_levels"]}


@pytest.mark.parametrize("result, points", [("pass", "0.8"), ("fail", "-3")])
def test_a_county_result_is_graded_by_the_default_ruleset(client, firm, regulator, result, points):
    body = inspection(days_before(DEFAULT_TODAY, 10), level="county", result=result)
    if result == "fail":
        body["failed_items"] = ["导体电阻"]
    record = add(client, firm, body, regulator)
    grade = client.get(f"/api/v1/enterprises/{firm}/grade", headers=regulator).get_json()
    assert grade["ruleset"] == "qc-2026.4"
    [line] = [e for e in grade["explanation"] if e.get("record_id") == record["id"]]
    assert line["rule"] == f"inspections.{result}"
    assert line["points"] == points
    assert "县级监督抽查" in line["detail"]


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
def test_a_result_is_public_for_three_years_from_sampling(client, firm, regulator, today):
    inside = first_start_inside(today, MONTHS)
    ended = last_start_ended(today, MONTHS)
    add(client, firm, inspection(inside, 1), regulator)
    add(client, firm, inspection(ended, 2), regulator)
    add(client, firm, inspection(today, 3, result="fail", failed_items=["绝缘厚度"]), regulator)

    shown = profile(client, firm)["inspections"]
    assert sorted(r["report_no"] for r in shown) == ["ZJ-CY-0001", "ZJ-CY-0003"]
    assert report_numbers(listed(client)) == ["ZJ-CY-0003", "ZJ-CY-0001"]
    # The regulator's file keeps the one no longer shown.
    file = client.get(f"/api/v1/enterprises/{firm}/file", headers=regulator).get_json()
    flags = {r["report_no"]: r["shown_publicly"] for r in file["records"]}
    assert flags == {"ZJ-CY-0001": True, "ZJ-CY-0002": False, "ZJ-CY-0003": True}


def on(day: datetime.date):
    """The clock moved to midday of `day` in the registry's zone."""
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(12), tzinfo=clock.DEFAULT_ZONE)
    )


def test_a_stored_profile_drops_a_result_on_the_day_its_period_ends(client, firm, regulator):
    sampled = days_before(DEFAULT_TODAY, 30)
    add(client, firm, inspection(sampled), regulator)
    [shown] = profile(client, firm)["inspections"]
    last = periods.last_day(sampled, MONTHS)
    assert shown["display_until"] == last.isoformat()
    with on(last):
        assert len(profile(client, firm)["inspections"]) == 1
        assert listed(client)["total"] == 1
    with on(periods.day_after(last)):
        assert profile(client, firm)["inspections"] == []
        assert listed(client)["total"] == 0


def test_a_rescinded_result_is_not_shown(client, firm, regulator):
    record = add(client, firm, inspection(days_before(DEFAULT_TODAY, 10)), regulator)
    add(client, firm, inspection(days_before(DEFAULT_TODAY, 5), 2), regulator)
    response = client.post(
        f"/api/v1/records/{record['id']}/rescind", json={"reason": "录入错误"}, headers=regulator
    )
    assert response.status_code == 200, response.get_json()
    assert [r["report_no"] for r in profile(client, firm)["inspections"]] == ["ZJ-CY-0002"]
    assert report_numbers(listed(client)) == ["ZJ-CY-0002"]


def test_each_listed_result_names_the_firm_and_the_test(client, firm, regulator):
    sampled = days_before(DEFAULT_TODAY, 3)
    body = inspection(sampled, level="county", result="fail", failed_items=["导体电阻"])
    record = add(client, firm, body, regulator)
    page = listed(client)
    assert page["page"] == 1 and page["per_page"] == 50 and page["total"] == 1
    assert page["items"] == [
        {
            "id": record["id"],
            "uscc": firm,
            "name": "镇江抽查测试电缆有限公司",
            "region_code": "321102",
            "product": "电线电缆",
            "product_category": "electrical",
            "level": "county",
            "result": "fail",
            "failed_items": ["导体电阻"],
            "report_no": "ZJ-CY-0001",
            "testing_institution": INSTITUTION,
            "sampled_on": sampled.isoformat(),
            "display_until": record["display_until"],
        }
    ]


@pytest.fixture
def sampled(client, make, regulator):
    """Results of two cities' firms: Zhenjiang cables and cakes, a Fuzhou cable."""
    zhenjiang = make.enterprise(region="321102")
    danyang = make.enterprise(region="321181")
    fuzhou = make.enterprise(region="350102")
    fuzhou_regulator = make.headers("regulator", region="3501")
    rows = [
        (zhenjiang, regulator, inspection(days_before(DEFAULT_TODAY, 1), 1)),
        (
            zhenjiang,
            regulator,
            inspection(
                days_before(DEFAULT_TODAY, 40),
                2,
                level="provincial",
                result="fail",
                failed_items=["绝缘厚度"],
            ),
        ),
        (
            danyang,
            regulator,
            inspection(
                days_before(DEFAULT_TODAY, 400),
                3,
                product="糕点",
                product_category="food",
                level="county",
            ),
        ),
        (
            fuzhou,
            fuzhou_regulator,
            inspection(days_before(DEFAULT_TODAY, 800), 4, level="national"),
        ),
    ]
    for code, headers, body in rows:
        add(client, code, body, headers)


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ["ZJ-CY-0001", "ZJ-CY-0002", "ZJ-CY-0003", "ZJ-CY-0004"]),
        ({"region": "3211"}, ["ZJ-CY-0001", "ZJ-CY-0002", "ZJ-CY-0003"]),
        ({"region": "321181"}, ["ZJ-CY-0003"]),
        ({"region": "35"}, ["ZJ-CY-0004"]),
        ({"product": "电缆"}, ["ZJ-CY-0001", "ZJ-CY-0002", "ZJ-CY-0004"]),
        ({"product": "糕点"}, ["ZJ-CY-0003"]),
        ({"product": "%"}, []),
        ({"result": "fail"}, ["ZJ-CY-0002"]),
        ({"result": "pass", "region": "3211"}, ["ZJ-CY-0001", "ZJ-CY-0003"]),
        ({"level": "county"}, ["ZJ-CY-0003"]),
        ({"level": "national"}, ["ZJ-CY-0004"]),
        ({"category": "food"}, ["ZJ-CY-0003"]),
        ({"category": "electrical"}, ["ZJ-CY-0001", "ZJ-CY-0002", "ZJ-CY-0004"]),
        ({"from": days_before(DEFAULT_TODAY, 40).isoformat()}, ["ZJ-CY-0001", "ZJ-CY-0002"]),
        ({"to": days_before(DEFAULT_TODAY, 41).isoformat()}, ["ZJ-CY-0003", "ZJ-CY-0004"]),
        (
            {
                "from": days_before(DEFAULT_TODAY, 400).isoformat(),
                "to": days_before(DEFAULT_TODAY, 40).isoformat(),
            },
            ["ZJ-CY-0002", "ZJ-CY-0003"],
        ),
        ({"from": DEFAULT_TODAY.isoformat(), "to": DEFAULT_TODAY.isoformat()}, []),
    ],
)
def test_the_public_list_filters_newest_sampling_first(client, sampled, query, expected):
    page = listed(client, **query)
    assert report_numbers(page) == expected
    assert page["total"] == len(expected)


def test_the_public_list_is_paginated(client, sampled):
    first = listed(client, per_page=3)
    second = listed(client, per_page=3, page=2)
    assert (first["total"], second["total"]) == (4, 4)
    assert report_numbers(first) == ["ZJ-CY-0001", "ZJ-CY-0002", "ZJ-CY-0003"]
    assert report_numbers(second) == ["ZJ-CY-0004"]
    assert listed(client, page=3, per_page=3)["items"] == []


@pytest.mark.parametrize(
    "query, field",
    [
        ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
        ({"from": "2016-05-01", "to": "2026-05-01"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"region": "3"}, "region"),
        ({"region": "32110200"}, "region"),
        ({"region": "32a1"}, "region"),
        ({"result": "maybe"}, "result"),
        ({"level": "township"}, "level"),
        ({"category": "toys"}, "category"),
        ({"product": ""}, "product"),
        ({"per_page": "201"}, "per_page"),
        ({"page": "0"}, "page"),
    ],
)
def test_bad_list_parameters_are_named(client, query, field):
    response = client.get("/api/v1/inspections", query_string=query)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_a_range_of_just_under_ten_years_is_accepted(client):
    response = client.get(
        "/api/v1/inspections", query_string={"from": "2016-05-02", "to": "2026-05-01"}
    )
    assert response.status_code == 200


def test_the_list_is_one_query_and_its_count(client, make, regulator, database, count_statements):
    for n in range(1, 6):
        add(client, make.enterprise(region="321102"), inspection(DEFAULT_TODAY, n), regulator)
    with count_statements(database) as counted:
        assert listed(client, region="3211")["total"] == 5
    assert len(counted) == 2, counted.statements


def test_demo_data_samples_every_level_and_has_a_city_product_quarter_under_ninety_percent(
    database, session
):
    demo.seed_enterprises(database, 300, progress=False)
    assert demo.sample_demo_products(database) > 0
    rows = session.execute(
        select(
            Enterprise.region_code,
            Inspection.product,
            Inspection.product_category,
            Inspection.level,
            Inspection.result,
            Inspection.sampled_on,
            Inspection.testing_institution,
        ).join(Enterprise, Enterprise.id == Inspection.enterprise_id)
    ).all()
    assert {row.level for row in rows} == {"national", "provincial", "municipal", "county"}
    assert {"food", "electrical", "building_materials"} <= {row.product_category for row in rows}
    assert all("演示" in row.testing_institution for row in rows)
    cells = collections.defaultdict(list)
    for row in rows:
        quarter = f"{row.sampled_on.year}Q{(row.sampled_on.month - 1) // 3 + 1}"
        cells[(row.region_code[:4], row.product, quarter)].append(row.result == "pass")
    under = [
        cell
        for cell, results in cells.items()
        if len(results) >= 5 and sum(results) / len(results) < 0.9
    ]
    assert under
    assert {cell[0] for cell in cells} == set(demo.DEMO_CITIES)


def test_results_logged_before_category_and_institution_existed_still_verify(live):
    """A result recorded by an earlier version: its logged content lacks the two columns."""
    officer = Caller(username="officer", role="regulator", region="3211")
    code = with_check_character("91321102000007700")
    with live.writing() as session:
        register_enterprise(session, officer, NewEnterprise(uscc=code, name="镇江旧抽查有限公司"))
    with live.writing() as session:
        firm = get_enterprise(session, code)
        row = Inspection(
            enterprise_id=firm.id,
            source_agency="镇江市市场监督管理局",
            recorded_by="officer",
            level="municipal",
            product="电线电缆",
            sampled_on=days_before(DEFAULT_TODAY, 20),
            result="pass",
            report_no="ZJ-OLD-1",
            failed_items=[],
        )
        session.add(row)
        session.flush()
        content = canonical.row_content(row)
        del content["product_category"], content["testing_institution"]
        record_change(
            session,
            chain.NewEvent(
                actor="officer",
                kind="record_added",
                enterprise_id=firm.id,
                record_id=row.id,
                payload={"record": content, "uscc": code},
            ),
        )
    with live.reading() as session:
        assert [str(m) for m in audit.verify(session)] == []
    with live.engine.begin() as connection:
        connection.execute(text("UPDATE inspection SET testing_institution = '伪造检验所'"))
    with live.reading() as session:
        found = [str(m) for m in audit.verify(session)]
    assert found[0].startswith("record ") and found[0].endswith(" in: testing_institution")
