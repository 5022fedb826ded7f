"""Statistics over HTTP: figures counted by hand for each grouping, as of `to`, the public subset,
bad input, and the automatic warnings at their threshold."""

import datetime

import pytest
import time_machine

from tests.api.problems import assert_problem
from tests.conftest import _noon
from tests.factories import inspection

D = datetime.date
Q2 = {"region": "3211", "from": "2026-04-01", "to": "2026-06-15"}
LEVELS = ("national", "provincial", "municipal", "county")


def violation(make, firm, decided_on, severity="general", category="administrative_penalty", **kw):
    return make.record(
        firm,
        "violation",
        category=category,
        severity=severity,
        decided_on=decided_on,
        authority="镇江市市场监督管理局",
        decision_no=f"镇市监罚-{make.uscc()}",
        **kw,
    )


def award(make, firm, awarded_on, kind="china_quality_award", level="national", **kw):
    return make.record(
        firm,
        "award",
        award_kind=kind,
        level=level,
        title="质量奖",
        issuer="人民政府",
        awarded_on=awarded_on,
        document_no=f"奖-{make.uscc()}",
        **kw,
    )


@pytest.fixture
def regulator(make):
    return make.headers("regulator", region="3211")


@pytest.fixture
def city(make, client, regulator):
    """Four Zhenjiang firms and one in Fuzhou, with records inside and outside the second
    quarter of 2026, counted by hand in the tests below."""
    cables = make.enterprise("321102", industry_code="C3831", registered_on=D(2010, 1, 1))
    make.record(cables)  # ISO 9001, passes and a fine below: 60 + 6 + 1.5 - 5 - 8 = 54.5, C
    inspection(make, cables, "national", "电线电缆", D(2026, 4, 10))
    inspection(make, cables, "provincial", "电线电缆", D(2026, 5, 1), "fail")
    inspection(make, cables, "national", "电线电缆", D(2026, 3, 31))  # before the range
    violation(make, cables, D(2026, 4, 15), fine_fen=500_000)
    violation(make, cables, D(2025, 4, 15), severity="minor")  # before the range
    dairy = make.enterprise("321111", industry_code="C14", registered_on=D(2012, 3, 1))
    award(make, dairy, D(2026, 1, 1))  # 60 + 14 (national quality award) + 1 = 75: A
    inspection(make, dairy, "municipal", "乳制品", D(2026, 4, 20))
    award(
        make,
        dairy,
        D(2020, 1, 1),
        kind="famous_trademark",
        level="provincial",
        expires_on=D(2023, 1, 1),
    )  # expired
    offender = make.enterprise("321102", industry_code="C", registered_on=D(2026, 5, 10))
    serious = violation(make, offender, D(2026, 5, 12), severity="serious", category="counterfeit")
    listed = client.post(
        "/api/v1/blacklist",
        json={
            "uscc": offender,
            "reason": "制假售假",
            "legal_basis": "《产品质量法》第五十条",
            "decision_no": "镇市监失信〔2026〕1号",
            "listed_on": "2026-05-20",
            "violation_ids": [serious],
        },
        headers=regulator,
    )
    assert listed.status_code == 201, listed.get_json()
    quiet = make.enterprise("321102", registered_on=D(2015, 1, 1))  # no records: ungraded
    elsewhere = make.enterprise("350102", industry_code="C14", registered_on=D(2015, 1, 1))
    inspection(make, elsewhere, "national", "乳制品", D(2026, 4, 2), "fail")
    return {"cables": cables, "dairy": dairy, "offender": offender, "quiet": quiet}


def stats(client, headers=None, **query):
    response = client.get("/api/v1/statistics", query_string=query, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_totals_of_a_quarter_counted_by_hand(client, regulator, city):
    body = stats(client, regulator, **Q2)
    assert (body["region"], body["from"], body["to"], body["by"]) == (
        "3211",
        "2026-04-01",
        "2026-06-15",
        "region",
    )
    totals = body["totals"]
    assert totals["enterprises"] == 4
    assert totals["grades"] == {"AAA": 0, "AA": 0, "A": 1, "B": 0, "C": 1, "D": 1, "ungraded": 1}
    assert totals["risk_classes"] == {"A": 0, "B": 1, "C": 1, "D": 1, "ungraded": 1}
    assert totals["blacklist"] == {"active": 1, "listed": 1, "removed": 0}
    inspections = totals["inspections"]
    assert (inspections["batches"], inspections["passed"], inspections["pass_rate"]) == (
        3,
        2,
        "0.6667",
    )
    assert set(inspections["by_level"]) == set(LEVELS)
    assert inspections["by_level"]["national"] == {"batches": 1, "passed": 1, "pass_rate": "1.0000"}
    assert inspections["by_level"]["provincial"] == {
        "batches": 1,
        "passed": 0,
        "pass_rate": "0.0000",
    }
    assert inspections["by_level"]["county"] == {"batches": 0, "passed": 0, "pass_rate": None}
    violations = totals["violations"]
    assert violations["total"] == 2
    assert violations["by_severity"]["general"] == 1
    assert violations["by_severity"]["serious"] == 1
    assert violations["by_severity"]["minor"] == 0
    assert violations["by_category"]["counterfeit"] == 1
    assert violations["by_category"]["administrative_penalty"] == 1
    assert violations["fines"] == "5000.00"
    assert totals["awards_in_force"]["china_quality_award"] == 1
    assert totals["awards_in_force"]["famous_trademark"] == 0
    assert body["targets"] == [] and body["warnings"] == []


def test_by_region(client, regulator, city):
    groups = {g["key"]: g for g in stats(client, regulator, **Q2)["groups"]}
    assert set(groups) == {"321102", "321111"}
    assert groups["321102"]["label_zh"] == "京口区"
    assert groups["321102"]["enterprises"] == 3
    assert groups["321102"]["inspections"]["batches"] == 2
    assert groups["321102"]["violations"]["total"] == 2
    assert groups["321111"]["enterprises"] == 1
    assert groups["321111"]["grades"]["A"] == 1
    assert groups["321111"]["awards_in_force"]["china_quality_award"] == 1


def test_by_industry_groups_divisions_and_bare_sections(client, regulator, city):
    groups = {g["key"]: g for g in stats(client, regulator, by="industry", **Q2)["groups"]}
    assert set(groups) == {"C38", "C14", "C", None}
    assert groups["C38"]["label_zh"] == "电气机械和器材制造业"
    assert groups["C38"]["inspections"]["batches"] == 2
    assert groups["C"]["blacklist"]["active"] == 1
    assert groups[None]["grades"]["ungraded"] == 1


def test_by_product_counts_the_firms_sampled_for_it(client, regulator, city):
    groups = {g["key"]: g for g in stats(client, regulator, by="product", **Q2)["groups"]}
    assert set(groups) == {"电线电缆", "乳制品"}
    cables = groups["电线电缆"]
    assert (cables["enterprises"], cables["inspections"]["batches"]) == (1, 2)
    assert cables["violations"]["total"] == 1
    assert groups["乳制品"]["inspections"]["pass_rate"] == "1.0000"


def test_by_quarter_and_month_list_every_period(client, regulator, city):
    half_year = {"region": "3211", "from": "2026-01-01", "to": "2026-06-15"}
    by_quarter = stats(client, regulator, by="quarter", **half_year)
    assert by_quarter["totals"] == stats(client, regulator, **half_year)["totals"]
    assert by_quarter["totals"]["inspections"]["batches"] == 4
    quarters = by_quarter["groups"]
    assert [(q["key"], q["label_zh"]) for q in quarters] == [
        ("2026Q1", "2026年第1季度"),
        ("2026Q2", "2026年第2季度"),
    ]
    assert quarters[0]["inspections"]["batches"] == 1  # 31 March
    assert quarters[0]["enterprises"] == 3  # the offender registered in May
    assert quarters[1]["inspections"]["batches"] == 3
    assert quarters[1]["enterprises"] == 4
    months = stats(client, regulator, by="month", **Q2)["groups"]
    assert [m["key"] for m in months] == ["2026-04", "2026-05", "2026-06"]
    assert [m["inspections"]["batches"] for m in months] == [2, 1, 0]
    # Listed on 20 May but recorded today: at the end of May the registry did not know of it.
    assert months[1]["blacklist"] == {"active": 0, "listed": 1, "removed": 0}
    assert months[2]["blacklist"] == {"active": 1, "listed": 0, "removed": 0}


def test_industry_filter(client, regulator, city):
    totals = stats(client, regulator, industry="14", **Q2)["totals"]
    assert totals["enterprises"] == 1
    assert totals["inspections"]["batches"] == 1


def test_firms_and_grades_as_of_to(make, client, regulator):
    with time_machine.travel(_noon(D(2026, 3, 10)), tick=False):
        firm = make.enterprise("321102", registered_on=D(2010, 1, 1))
        make.record(firm)  # B from 10 March
    award(make, firm, D(2026, 6, 1))  # 60 + 6 + 14 = 80: AA from today
    make.enterprise("321102", registered_on=D(2026, 5, 10))
    march = stats(client, regulator, region="3211", **{"from": "2026-03-01", "to": "2026-03-31"})
    assert march["totals"]["enterprises"] == 1
    assert march["totals"]["grades"]["B"] == 1
    early = stats(client, regulator, region="3211", **{"from": "2026-01-01", "to": "2026-02-28"})
    assert early["totals"]["grades"]["ungraded"] == 1
    now = stats(client, regulator, **Q2)["totals"]
    assert now["enterprises"] == 2
    assert (now["grades"]["AA"], now["grades"]["ungraded"]) == (1, 1)


def test_the_public_and_other_regions_get_the_public_subset(make, client, regulator, city):
    for headers in (
        None,
        make.headers("regulator", region="3501"),
        make.headers("bank"),
        make.headers("procurement"),
    ):
        body = stats(client, headers, **Q2)
        assert "violations" not in body["totals"]
        assert all("violations" not in group for group in body["groups"])
        assert body["totals"]["enterprises"] == 4
    assert "violations" in stats(client, regulator, **Q2)["totals"]


def test_defaults_the_regulators_region_and_the_quarter_so_far(client, regulator, city):
    body = stats(client, regulator)
    assert (body["region"], body["from"], body["to"]) == ("3211", "2026-04-01", "2026-06-15")
    assert "violations" in body["totals"]
    public = stats(client)
    assert public["region"] is None
    assert public["totals"]["enterprises"] == 5


@pytest.mark.parametrize(
    "query, field",
    [
        ({"region": "3299"}, "region"),
        ({"region": "32110"}, "region"),
        ({"region": "990000"}, "region"),
        ({"industry": "Z"}, "industry"),
        ({"industry": "C99"}, "industry"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-06-02", "to": "2026-06-01"}, "to"),
        ({"from": "2016-06-15", "to": "2026-06-15"}, "from"),
        ({"by": "week"}, "by"),
    ],
)
def test_bad_input_names_the_field(client, regulator, query, field):
    response = client.get("/api/v1/statistics", query_string=query, headers=regulator)
    assert_problem(response, 422, field)


def test_a_range_of_just_under_ten_years_is_fine(client, regulator):
    body = stats(client, regulator, **{"from": "2016-06-16", "to": "2026-06-15"}, by="quarter")
    assert len(body["groups"]) == 41


def sampled(make, product, passed, failed):
    firm = make.enterprise("321182", registered_on=D(2010, 1, 1))
    for _ in range(passed):
        inspection(make, firm, "municipal", product, D(2026, 5, 5))
    for _ in range(failed):
        inspection(make, firm, "municipal", product, D(2026, 5, 6), "fail")


def test_automatic_warnings_at_the_threshold(make, client, regulator):
    sampled(make, "电动自行车", 4, 1)  # 5 batches, 0.80: warned
    sampled(make, "儿童玩具", 3, 1)  # 4 batches: too few to warn on
    sampled(make, "电热毯", 9, 1)  # 10 batches, exactly 0.90: not under
    sampled(make, "插座", 8, 2)  # 10 batches, 0.80: warned
    body = stats(client, None, **Q2)
    assert body["warnings"] == [
        {
            "product": "插座",
            "region_code": "3211",
            "batches": 10,
            "pass_rate": "0.8000",
            "threshold": "0.90",
        },
        {
            "product": "电动自行车",
            "region_code": "3211",
            "batches": 5,
            "pass_rate": "0.8000",
            "threshold": "0.90",
        },
    ]


def test_rescinded_records_revoked_honours_and_early_removals(make, client, regulator):
    firm = make.enterprise("321102", registered_on=D(2010, 1, 1))
    wrong = inspection(make, firm, "national", "电线电缆", D(2026, 4, 10), "fail")
    rescinded = client.post(
        f"/api/v1/records/{wrong}/rescind", json={"reason": "报告编号录错"}, headers=regulator
    )
    assert rescinded.status_code == 200, rescinded.get_json()
    honour = award(make, firm, D(2026, 1, 1))
    revoked = client.post(
        f"/api/v1/records/{honour}/revoke",
        json={"reason": "发证机关撤销", "revoked_on": "2026-05-01"},
        headers=regulator,
    )
    assert revoked.status_code == 200, revoked.get_json()
    listing = client.post(
        "/api/v1/blacklist",
        json={
            "uscc": firm,
            "reason": "制假售假",
            "legal_basis": "《产品质量法》第五十条",
            "decision_no": "镇市监失信〔2025〕7号",
            "listed_on": "2025-04-01",
        },
        headers=regulator,
    ).get_json()
    own = make.headers("enterprise", uscc=firm)
    url = f"/api/v1/blacklist/{listing['id']}"
    assert (
        client.post(f"{url}/repair", json={"statement": "已整改"}, headers=own).status_code == 201
    )
    decided = client.post(
        f"{url}/repair/decision", json={"approved": True, "reason": "符合条件"}, headers=regulator
    )
    assert decided.status_code == 200, decided.get_json()
    totals = stats(client, regulator, **Q2)["totals"]
    assert totals["inspections"]["batches"] == 0
    assert totals["awards_in_force"]["china_quality_award"] == 0
    assert totals["blacklist"] == {"active": 0, "listed": 0, "removed": 1}
    before = stats(client, regulator, region="3211", **{"from": "2026-01-01", "to": "2026-03-31"})
    assert before["totals"]["awards_in_force"]["china_quality_award"] == 1


@pytest.mark.parametrize("by", ["region", "industry", "product", "quarter"])
def test_the_statements_do_not_grow_with_the_firms(
    make, client, regulator, database, by, count_statements
):
    def counted_statements() -> int:
        with count_statements(database) as counted:
            stats(client, regulator, by=by, **Q2)
        return len(counted.statements)

    for n in range(2):
        firm = make.enterprise("321102", industry_code="C38", registered_on=D(2010, 1, 1))
        inspection(make, firm, "national", f"产品{n}", D(2026, 4, 10))
    few = counted_statements()
    for n in range(6):
        firm = make.enterprise(
            f"32111{n % 2 + 1}", industry_code="C14", registered_on=D(2011, 1, 1)
        )
        inspection(make, firm, "provincial", f"产品{n}", D(2026, 5, 10))
        violation(make, firm, D(2026, 5, 11))
    assert few > 5
    assert counted_statements() == few
