"""The enterprise register over HTTP: registering a firm, its public profile, search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from credit.models import Enterprise
from tests.api.problems import assert_problem

ENTERPRISES = "/api/v1/enterprises"
NAME = "镇江市华东电气设备有限公司"
VECTORS = json.loads(
    (Path(__file__).parent.parent / "data" / "uscc_vectors.json").read_text(encoding="utf-8")
)


def row(session, code) -> Enterprise | None:
    session.expire_all()
    return session.scalar(select(Enterprise).where(Enterprise.uscc == code))


def search(client, **params):
    response = client.get(ENTERPRISES, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def names(page) -> list[str]:
    return [item["name"] for item in page["items"]]


# Registering


def test_a_regulator_of_the_region_registers_a_firm(client, make, session):
    code = make.uscc("321181")
    response = client.post(
        ENTERPRISES,
        headers=make.headers("regulator", region="3211"),
        json={"uscc": code, "name": NAME},
    )
    assert response.status_code == 201
    assert response.get_json() == {
        "uscc": code,
        "name": NAME,
        "region_code": "321181",
        "industry_code": None,
        "registered_on": None,
        "status": "in_business",
        "status_since": None,
    }
    stored = row(session, code)
    assert (
        stored.name,
        stored.region_code,
        stored.industry_code,
        stored.registered_on,
        stored.status,
    ) == (NAME, "321181", None, None, "in_business")


def test_region_code_defaults_to_uscc_positions_3_to_8(client, make, session):
    code = "91321102" + make.uscc("321102")[8:]
    response = client.post(
        ENTERPRISES, headers=make.headers("regulator"), json={"uscc": code, "name": NAME}
    )
    assert response.get_json()["region_code"] == code[2:8] == "321102"
    assert row(session, code).region_code == "321102"


def test_every_field_given_is_stored(client, make, session):
    code = make.uscc("321102")
    response = client.post(
        ENTERPRISES,
        headers=make.headers("regulator"),
        json={
            "uscc": code,
            "name": NAME,
            "region_code": "321111",
            "industry_code": "3831",
            "registered_on": "2003-05-20",
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["region_code"], body["industry_code"], body["registered_on"]) == (
        "321111",
        "C3831",
        "2003-05-20",
    )
    stored = row(session, code)
    assert (stored.region_code, stored.industry_code, stored.registered_on.isoformat()) == (
        "321111",
        "C3831",
        "2003-05-20",
    )


def test_the_uscc_and_name_are_stored_normalised(client, make, session):
    code = make.uscc("321102")
    typed = f" {code[:6].lower()}-{code[6:12].lower()}-{code[12:].lower()} "
    response = client.post(
        ENTERPRISES,
        headers=make.headers("regulator"),
        json={"uscc": typed, "name": "  镇江市  华东电气\t有限公司 "},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["uscc"] == code
    assert row(session, code).name == "镇江市 华东电气 有限公司"


@pytest.mark.parametrize("code", VECTORS["valid"])
def test_every_valid_vector_can_be_registered_in_its_region(client, make, session, code):
    response = client.post(
        ENTERPRISES,
        headers=make.headers("regulator", region=code[2:4]),
        json={"uscc": code, "name": NAME},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["region_code"] == code[2:8]
    assert row(session, code) is not None


def test_a_registered_firm_is_found_and_shown_at_once(client, make):
    code = make.uscc("321102")
    client.post(ENTERPRISES, headers=make.headers("regulator"), json={"uscc": code, "name": NAME})
    assert client.get(f"{ENTERPRISES}/{code}").get_json()["name"] == NAME
    assert [item["uscc"] for item in search(client, q="华东电气")["items"]] == [code]


@pytest.mark.parametrize(
    "region, allowed",
    [
        ("32", True),
        ("3211", True),
        ("321102", True),
        ("321111", False),
        ("3201", False),
        ("35", False),
    ],
)
def test_a_regulator_registers_only_inside_its_region(client, make, session, region, allowed):
    headers = make.headers("regulator", region=region)
    code = make.uscc("321102")
    response = client.post(ENTERPRISES, headers=headers, json={"uscc": code, "name": NAME})
    if allowed:
        assert response.status_code == 201
        assert row(session, code) is not None
    else:
        assert_problem(response, 403)
        assert row(session, code) is None


def test_the_region_code_given_decides_whose_region_it_is(client, make, session):
    # A Zhenjiang regulator may not place a firm in Nanjing by naming a Nanjing region code.
    code = make.uscc("321102")
    response = client.post(
        ENTERPRISES,
        headers=make.headers("regulator", region="3211"),
        json={"uscc": code, "name": NAME, "region_code": "320102"},
    )
    assert_problem(response, 403)
    assert row(session, code) is None


@pytest.mark.parametrize(
    "role, status",
    [("bank", 403), ("procurement", 403), ("enterprise", 403), ("admin", 403), ("public", 401)],
)
def test_other_callers_may_not_register(client, make, session, role, status):
    headers = {} if role == "public" else make.headers(role)
    code = make.uscc("321102")
    response = client.post(ENTERPRISES, headers=headers, json={"uscc": code, "name": NAME})
    assert_problem(response, status)
    assert row(session, code) is None


def test_a_duplicate_is_409_and_keeps_the_first(client, make, session):
    headers = make.headers("regulator")
    code = make.uscc("321102")
    assert (
        client.post(ENTERPRISES, headers=headers, json={"uscc": code, "name": NAME}).status_code
        == 201
    )
    assert_problem(
        client.post(ENTERPRISES, headers=headers, json={"uscc": code, "name": "另一家公司"}), 409
    )
    assert row(session, code).name == NAME


# Public profile


def test_the_public_profile_of_an_ungraded_firm(client, make):
    code = make.enterprise("321102", name=NAME, industry_code="C38")
    response = client.get(f"{ENTERPRISES}/{code}")
    assert response.status_code == 200
    profile = response.get_json()
    expected = {
        "uscc": code,
        "name": NAME,
        "region_code": "321102",
        "industry_code": "C38",
        "status": "in_business",
        "blacklisted": False,
        "awards": [],
        "violations": [],
    }
    assert {key: profile[key] for key in expected} == expected
    # Null until graded; a firm without records grades B, risk class B.
    assert (profile["grade"], profile["risk_class"]) in {(None, None), ("B", "B")}


def test_the_profile_is_found_by_a_lower_case_code(client, make):
    code = make.enterprise("321102", name=NAME)
    response = client.get(f"{ENTERPRISES}/{code.lower()}")
    assert response.status_code == 200
    assert response.get_json()["uscc"] == code


@pytest.mark.parametrize("role", ["bank", "enterprise", "regulator"])
def test_the_profile_is_the_same_for_a_signed_in_caller(client, make, role):
    code = make.enterprise("321102", name=NAME)
    public = client.get(f"{ENTERPRISES}/{code}").get_json()
    signed_in = client.get(f"{ENTERPRISES}/{code}", headers=make.headers(role))
    assert signed_in.status_code == 200
    assert signed_in.get_json()["name"] == public["name"]


def test_an_unknown_firm_is_404(client, make):
    make.enterprise("321102")
    assert_problem(client.get(f"{ENTERPRISES}/{make.uscc('321102')}"), 404)


@pytest.mark.parametrize("code", ["91321100700004117B", "9132110070000411", "not-a-code"])
def test_a_malformed_code_is_422(client, code):
    assert_problem(client.get(f"{ENTERPRISES}/{code}"), 422, "uscc")


# Search


@pytest.fixture
def huadong(make):
    """Firms around 华东电气; the last two have every pair of it (华东, 东电, 电气) but not the run."""
    return {
        name: make.enterprise(region, name=name)
        for name, region in [
            ("镇江市华东电气设备有限公司", "321102"),
            ("华东电气集团有限公司", "321111"),
            ("华东电气安装有限公司", "320102"),
            ("常州华东电气有限公司", "320402"),
            ("上海华东电气股份有限公司", "310101"),
            ("华东精密电气有限公司", "321102"),
            ("电气华东电子有限公司", "330102"),
        ]
    }


def test_a_chinese_substring_finds_the_firm(client, huadong):
    found = names(search(client, q="华东电气"))
    assert "镇江市华东电气设备有限公司" in found
    assert "华东精密电气有限公司" not in found
    assert "电气华东电子有限公司" not in found


@pytest.mark.parametrize(
    "q", ["东电", "电气设备", "江市华", "设备有限", "镇江市华东电气设备有限公司"]
)
def test_any_run_of_two_or_more_characters_matches(client, huadong, q):
    assert "镇江市华东电气设备有限公司" in names(search(client, q=q))


def test_two_characters_apart_do_not_match(client, huadong):
    found = names(search(client, q="东电"))
    assert "华东精密电气有限公司" not in found
    assert len(found) == 6
    assert "华东精密电气有限公司" in names(search(client, q="华东"))
    assert names(search(client, q="密电")) == ["华东精密电气有限公司"]


def test_no_match_is_an_empty_page(client, huadong):
    assert search(client, q="电子科技") == {
        "items": [],
        "page": 1,
        "per_page": 50,
        "total": 0,
        "total_exact": True,
    }


def test_names_starting_with_q_come_first_then_the_rest_by_name(client, huadong):
    assert names(search(client, q="华东电气")) == [
        "华东电气安装有限公司",
        "华东电气集团有限公司",
        "上海华东电气股份有限公司",
        "常州华东电气有限公司",
        "镇江市华东电气设备有限公司",
    ]


def test_an_exact_uscc_comes_first(client, make):
    code = make.uscc("321102")
    make.enterprise("321102", name=f"甲{code}仓储有限公司")
    make.enterprise("321102", name=f"{code}号物流有限公司")
    make.enterprise("321102", name="镇江乙有限公司", uscc=code)
    assert names(search(client, q=code)) == [
        "镇江乙有限公司",
        f"{code}号物流有限公司",
        f"甲{code}仓储有限公司",
    ]


def test_a_uscc_prefix_finds_the_firms_whose_code_starts_with_it(client, make):
    jingkou = {make.enterprise("321102", name=f"京口{i}有限公司") for i in range(3)}
    runzhou = make.enterprise("321111", name="润州有限公司")
    nanjing = make.enterprise("320102", name="南京有限公司")
    assert {i["uscc"] for i in search(client, q="91321102")["items"]} == jingkou
    assert {i["uscc"] for i in search(client, q="913211")["items"]} == jingkou | {runzhou}
    assert {i["uscc"] for i in search(client, q="9")["items"]} == jingkou | {runzhou, nanjing}
    one = sorted(jingkou)[0]
    assert [i["uscc"] for i in search(client, q=one[:17])["items"]] == [one]


def test_a_uscc_prefix_is_normalised(client, make):
    code = make.enterprise("321102", name="京口有限公司")
    typed = f"{code[:4]}-{code[4:10]}".lower()
    assert [i["uscc"] for i in search(client, q=typed)["items"]] == [code]


def test_a_search_result_carries_the_firms_fields(client, make):
    code = make.enterprise("321102", name=NAME, industry_code="C")
    item = search(client, q="华东电气")["items"][0]
    assert {k: item[k] for k in ("uscc", "name", "region_code", "industry_code", "status")} == {
        "uscc": code,
        "name": NAME,
        "region_code": "321102",
        "industry_code": "C",
        "status": "in_business",
    }


def test_a_latin_name_is_found_whatever_the_case(client, make):
    make.enterprise("321102", name="ABB（镇江）电气有限公司")
    assert names(search(client, q="abb")) == ["ABB（镇江）电气有限公司"]
    assert names(search(client, q="Bb（镇")) == ["ABB（镇江）电气有限公司"]


@pytest.mark.parametrize(
    "region, expected",
    [
        (
            "32",
            {
                "镇江市华东电气设备有限公司",
                "华东电气集团有限公司",
                "华东电气安装有限公司",
                "常州华东电气有限公司",
            },
        ),
        ("3211", {"镇江市华东电气设备有限公司", "华东电气集团有限公司"}),
        ("321102", {"镇江市华东电气设备有限公司"}),
        ("31", {"上海华东电气股份有限公司"}),
        ("44", set()),
    ],
)
def test_the_region_filter_keeps_firms_under_the_prefix(client, huadong, region, expected):
    assert set(names(search(client, q="华东电气", region=region))) == expected


def test_the_region_filter_works_without_q(client, huadong):
    assert set(names(search(client, region="3211"))) == {
        "镇江市华东电气设备有限公司",
        "华东电气集团有限公司",
        "华东精密电气有限公司",
    }


@pytest.mark.parametrize("region", ["3", "abc", "3211020"])
def test_a_bad_region_filter_is_422(client, region):
    assert_problem(client.get(ENTERPRISES, query_string={"region": region}), 422, "region")


@pytest.fixture
def seven(make):
    return [make.enterprise("321102", name=f"分页测试{i}有限公司") for i in range(1, 8)]


def test_pages_split_the_results_in_order(client, seven):
    first = search(client, q="分页测试", per_page=3)
    assert set(first) == {"items", "page", "per_page", "total", "total_exact"}
    assert (first["page"], first["per_page"], first["total"]) == (1, 3, 7)
    assert names(first) == [f"分页测试{i}有限公司" for i in (1, 2, 3)]
    second = search(client, q="分页测试", per_page=3, page=2)
    assert names(second) == [f"分页测试{i}有限公司" for i in (4, 5, 6)]
    assert (second["page"], second["total"]) == (2, 7)
    assert names(search(client, q="分页测试", per_page=3, page=3)) == ["分页测试7有限公司"]


def test_a_page_past_the_end_is_empty_but_counts_the_total(client, seven):
    assert search(client, q="分页测试", per_page=3, page=9) == {
        "items": [],
        "page": 9,
        "per_page": 3,
        "total": 7,
        "total_exact": True,
    }


def test_the_default_page_is_the_first_fifty(client, seven):
    page = search(client, q="分页测试")
    assert (page["page"], page["per_page"], page["total"], len(page["items"])) == (1, 50, 7, 7)


@pytest.mark.parametrize("q", ["华", "%", "_", "（", " 华 "])
def test_a_one_character_query_that_is_no_code_is_422_naming_q(client, huadong, q):
    body = assert_problem(client.get(ENTERPRISES, query_string={"q": q}), 422, "q")
    assert "2" in body["errors"]["q"][0]


def test_a_one_character_code_prefix_is_a_search(client, make):
    code = make.enterprise("321102")
    assert [i["uscc"] for i in search(client, q="9")["items"]] == [code]
    assert search(client, q="1")["total"] == 0


@pytest.fixture
def wildcards(make):
    return {
        name: make.enterprise("321102", name=name)
        for name in [
            "镇江100%纯净水有限公司",
            "镇江1000纯净水有限公司",
            "镇江1000纯净水0%%纯有限公司",
            "镇江A_C电子有限公司",
            "镇江ABC电子有限公司",
            "镇江ABC-A__C有限公司",
            "镇江百分百有限公司",
        ]
    }


@pytest.mark.parametrize(
    "q, expected",
    [
        ("0%", ["镇江100%纯净水有限公司", "镇江1000纯净水0%%纯有限公司"]),
        ("%纯", ["镇江100%纯净水有限公司", "镇江1000纯净水0%%纯有限公司"]),
        ("0%纯", ["镇江100%纯净水有限公司"]),
        ("%%", ["镇江1000纯净水0%%纯有限公司"]),
        ("a_c", ["镇江A_C电子有限公司"]),
        ("_c电", ["镇江A_C电子有限公司"]),
        ("__", ["镇江ABC-A__C有限公司"]),
        ("江%", []),
        ("江_", []),
    ],
)
def test_like_wildcards_in_q_are_literal(client, wildcards, q, expected):
    assert names(search(client, q=q)) == expected


def test_a_wildcard_in_q_counts_literally_when_ranking_names_that_start_with_q(client, make):
    make.enterprise("321102", name="百分_分有限公司")  # as a LIKE pattern, '_分%' would match it
    make.enterprise("321102", name="乙_分有限公司")
    make.enterprise("321102", name="_分甲有限公司")
    assert names(search(client, q="_分")) == ["_分甲有限公司", "乙_分有限公司", "百分_分有限公司"]


def test_a_registered_firm_is_read_and_found_by_name(client, make):
    headers = make.headers("regulator")
    response = client.post(
        "/api/v1/enterprises",
        headers=headers,
        json={"uscc": make.uscc(), "name": "镇江市华东电气设备有限公司"},
    )
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["uscc"]
    profile = client.get(f"/api/v1/enterprises/{code}").get_json()
    assert profile["name"] == "镇江市华东电气设备有限公司"
    found = client.get("/api/v1/enterprises", query_string={"q": "华东电气"}).get_json()
    assert [item["uscc"] for item in found["items"]] == [code]
