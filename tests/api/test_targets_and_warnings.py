"""Policy targets and published quality warnings over HTTP: who may set and publish them, how
targets apply to a region and a range, whether they are met, and the demo cities' own targets."""

import datetime

import pytest
from sqlalchemy import func, select, text

from credit import demo
from credit.models import AuditEvent, Target
from credit.services import audit
from tests.api.problems import assert_problem
from tests.factories import inspection

D = datetime.date
ZHENJIANG = [
    {"code": "pass_rate_national", "target": "0.90", "source": "镇政办发〔2014〕85号"},
    {"code": "pass_rate_provincial", "target": "0.95", "source": "镇政办发〔2014〕85号"},
    {"code": "grade_a_or_better", "target": 20, "source": "镇政办发〔2014〕85号"},
]


@pytest.fixture
def regulator(make):
    return make.headers("regulator", region="3211")


def put(client, headers, region, year, targets):
    return client.put(
        f"/api/v1/targets/{region}/{year}", json={"targets": targets}, headers=headers
    )


def stats(client, headers=None, **query):
    response = client.get("/api/v1/statistics", query_string=query, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_regulator_sets_its_regions_targets_and_anyone_reads_them(client, regulator):
    response = put(client, regulator, "3211", 2026, ZHENJIANG)
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [(i["code"], i["target"]) for i in items] == [
        ("pass_rate_national", "0.90"),
        ("pass_rate_provincial", "0.95"),
        ("grade_a_or_better", 20),
    ]
    assert items[0]["label_zh"] == "国家监督抽查合格率"
    listed = client.get("/api/v1/targets", query_string={"region": "32"}).get_json()["items"]
    assert [(i["region"], i["year"], i["code"]) for i in listed] == [
        ("3211", 2026, "pass_rate_national"),
        ("3211", 2026, "pass_rate_provincial"),
        ("3211", 2026, "grade_a_or_better"),
    ]
    assert client.get("/api/v1/targets", query_string={"region": "3501"}).get_json() == {
        "items": []
    }


def test_a_new_set_replaces_the_old_and_the_audit_log_verifies(client, regulator, session):
    assert put(client, regulator, "3211", 2026, ZHENJIANG).status_code == 200
    again = put(client, regulator, "3211", 2026, ZHENJIANG[:1])
    assert [i["code"] for i in again.get_json()["items"]] == ["pass_rate_national"]
    listed = client.get("/api/v1/targets").get_json()["items"]
    assert [i["code"] for i in listed] == ["pass_rate_national"]
    kinds = session.scalars(
        select(AuditEvent.kind).where(AuditEvent.kind.in_(("target_set", "target_replaced")))
    ).all()
    assert sorted(kinds) == ["target_replaced"] * 3 + ["target_set"] * 4
    assert list(audit.verify(session)) == []


def test_an_edited_target_is_found_by_audit_verify(client, regulator, session):
    put(client, regulator, "3211", 2026, ZHENJIANG)
    session.execute(text("UPDATE target SET target = '0.50' WHERE code = 'pass_rate_national'"))
    found = [str(m) for m in audit.verify(session)]
    assert len(found) == 1 and found[0].startswith("target ") and "target" in found[0]


@pytest.mark.parametrize(
    "role, binding, status",
    [
        ("regulator", {"region": "3501"}, 403),
        ("regulator", {"region": "321102"}, 403),
        ("bank", {}, 403),
        ("procurement", {}, 403),
        ("admin", {}, 403),
        ("enterprise", {}, 403),
    ],
)
def test_only_the_regulator_of_the_region_sets_targets(make, client, role, binding, status):
    response = put(client, make.headers(role, **binding), "3211", 2026, ZHENJIANG)
    assert_problem(response, status)


def test_setting_targets_needs_a_token(client):
    assert_problem(put(client, {}, "3211", 2026, ZHENJIANG), 401)


@pytest.mark.parametrize(
    "targets, field",
    [
        ([{"code": "pass_rate_national", "target": "1.5", "source": "x"}], "targets.0.target"),
        ([{"code": "pass_rate_national", "target": 0.9, "source": "x"}], "targets.0.target"),
        ([{"code": "pass_rate_national", "target": "九成", "source": "x"}], "targets.0.target"),
        ([{"code": "grade_a_or_better", "target": "20", "source": "x"}], "targets.0.target"),
        ([{"code": "grade_a_or_better", "target": -1, "source": "x"}], "targets.0.target"),
        ([{"code": "pass_rate_everything", "target": "0.9", "source": "x"}], "targets.0.code"),
        ([{"code": "filing_rate", "target": "1"}], "targets.0.source"),
        (ZHENJIANG[:1] * 2, "targets.1.code"),
    ],
)
def test_bad_targets_name_the_field(client, regulator, targets, field):
    assert_problem(put(client, regulator, "3211", 2026, targets), 422, field)


def test_bad_region_or_year_in_the_path(client, regulator):
    assert_problem(put(client, regulator, "3299", 2026, ZHENJIANG), 422, "region")
    assert_problem(put(client, regulator, "3211", "twenty", ZHENJIANG), 422, "year")


def test_targets_of_the_year_of_to_apply_most_specific_prefix_first(make, client, regulator):
    put(client, regulator, "3211", 2026, ZHENJIANG)
    put(
        client,
        regulator,
        "321102",
        2026,
        [{"code": "pass_rate_national", "target": "0.80", "source": "京口区"}],
    )
    put(
        client,
        regulator,
        "3211",
        2025,
        [{"code": "filing_rate", "target": "1", "source": "2025"}],
    )
    firm = make.enterprise("321102", registered_on=D(2010, 1, 1))
    for result in ("pass", "pass", "pass", "pass", "fail"):
        inspection(make, firm, "national", "电线电缆", D(2026, 5, 5), result)
    inspection(make, firm, "provincial", "电线电缆", D(2026, 5, 6))
    city = stats(client, regulator, region="3211", **{"from": "2026-04-01", "to": "2026-06-15"})
    assert [(t["code"], t["target"], t["actual"], t["met"]) for t in city["targets"]] == [
        ("pass_rate_national", "0.90", "0.8000", False),
        ("pass_rate_provincial", "0.95", "1.0000", True),
        ("grade_a_or_better", 20, 0, False),
    ]
    district = stats(
        client, regulator, region="321102", **{"from": "2026-04-01", "to": "2026-06-15"}
    )
    national = district["targets"][0]
    assert (national["target"], national["source"], national["met"]) == ("0.80", "京口区", True)
    last_year = stats(
        client, regulator, region="3211", **{"from": "2025-01-01", "to": "2025-12-31"}
    )
    assert [(t["code"], t["actual"], t["met"]) for t in last_year["targets"]] == [
        ("filing_rate", "0.0000", False)
    ]
    # A rate over no inspections measures nothing.
    empty = stats(client, regulator, region="3211", **{"from": "2026-01-01", "to": "2026-01-31"})
    assert empty["targets"][0]["actual"] is None and empty["targets"][0]["met"] is None


def test_the_demo_cities_targets_met_or_missed_as_built(make, client, database):
    """Zhangye's policy: comparable sampling at least 90 % and every firm on file; Zhenjiang's:
    national 90 %, provincial 95 %, 20 firms A or better and 6 AA or better."""
    assert demo.load_policy_targets(database, 2026) == 11
    zhangye = make.enterprise("620702", registered_on=D(2010, 1, 1))
    for result in ["pass"] * 9 + ["fail"]:
        inspection(make, zhangye, "provincial", "面粉", D(2026, 5, 5), result)
    make.enterprise("620721", registered_on=D(2010, 1, 1))  # no credit file
    body = stats(client, None, region="6207", **{"from": "2026-04-01", "to": "2026-06-15"})
    assert [(t["code"], t["target"], t["actual"], t["met"]) for t in body["targets"]] == [
        ("pass_rate_comparable", "0.90", "0.9000", True),
        ("filing_rate", "1", "0.5000", False),
    ]
    assert "张政办发〔2011〕187号" in body["targets"][0]["source"]
    zhenjiang = make.enterprise("321102", registered_on=D(2010, 1, 1))
    make.record(zhenjiang)  # ISO 9001
    inspection(make, zhenjiang, "national", "电线电缆", D(2026, 5, 5))
    inspection(make, zhenjiang, "provincial", "电线电缆", D(2026, 5, 6), "fail")
    bakery = make.enterprise("321102", registered_on=D(2010, 1, 1))
    for result in ["pass"] * 13 + ["fail"]:  # 13 of 14: 92.86 %, under Zhenjiang's 93 %
        inspection(
            make, bakery, "municipal", "糕点", D(2026, 5, 7), result, product_category="food"
        )
    body = stats(client, None, region="3211", **{"from": "2026-04-01", "to": "2026-06-15"})
    assert [(t["code"], t["actual"], t["met"]) for t in body["targets"]] == [
        ("pass_rate_national", "1.0000", True),
        ("pass_rate_provincial", "0.0000", False),
        ("pass_rate_food", "0.9286", False),
        ("grade_a_or_better", 0, False),
        ("grade_aa_or_better", 0, False),
    ]


def test_demo_targets_are_set_for_each_city(database, session):
    demo.load_policy_targets(database, 2026)
    regions = session.execute(
        select(Target.region, func.count()).group_by(Target.region).order_by(Target.region)
    ).all()
    assert regions == [("1529", 1), ("3211", 5), ("3304", 1), ("3501", 2), ("6207", 2)]


WARNING = {
    "title": "电动自行车质量安全预警",
    "product": "电动自行车",
    "region_code": "321102",
    "body": "近期抽查发现部分电动自行车充电器不合格，请消费者注意。",
    "published_on": "2026-06-10",
}


def test_a_regulator_publishes_warnings_anyone_lists_them_newest_first(
    make, client, regulator, session
):
    first = client.post("/api/v1/warnings", json=WARNING, headers=regulator)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["published_by"].startswith("regulator-")
    newer = {
        **WARNING,
        "title": "儿童玩具预警",
        "product": "儿童玩具",
        "published_on": "2026-06-12",
    }
    assert client.post("/api/v1/warnings", json=newer, headers=regulator).status_code == 201
    other = make.headers("regulator", region="3501")
    fuzhou = {**WARNING, "region_code": "350102", "published_on": "2026-06-01"}
    assert client.post("/api/v1/warnings", json=fuzhou, headers=other).status_code == 201
    page = client.get("/api/v1/warnings").get_json()
    assert page["total"] == 3
    assert [w["product"] for w in page["items"]] == ["儿童玩具", "电动自行车", "电动自行车"]
    local = client.get("/api/v1/warnings", query_string={"region": "3211", "per_page": 1})
    body = local.get_json()
    assert (body["total"], body["per_page"], body["items"][0]["title"]) == (2, 1, "儿童玩具预警")
    second = client.get(
        "/api/v1/warnings", query_string={"region": "3211", "per_page": 1, "page": 2}
    )
    assert second.get_json()["items"][0]["title"] == WARNING["title"]
    assert list(audit.verify(session)) == []


@pytest.mark.parametrize(
    "role, binding, status",
    [
        ("regulator", {"region": "3501"}, 403),
        ("bank", {}, 403),
        ("enterprise", {}, 403),
        ("admin", {}, 403),
    ],
)
def test_only_the_regulator_of_the_region_publishes(make, client, role, binding, status):
    response = client.post("/api/v1/warnings", json=WARNING, headers=make.headers(role, **binding))
    assert_problem(response, status)
    assert_problem(client.post("/api/v1/warnings", json=WARNING), 401)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"region_code": "3211"}, "region_code"),
        ({"published_on": "2026-06-16"}, "published_on"),
        ({"title": ""}, "title"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_warnings_name_the_field(client, regulator, change, field):
    response = client.post("/api/v1/warnings", json={**WARNING, **change}, headers=regulator)
    assert_problem(response, 422, field)
