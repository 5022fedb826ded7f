"""The quality blacklist over HTTP: every transition and refusal, and its effect on the public
list, the profile and the grade, with listing dates in the past to reach the 1- and 3-year marks."""

import datetime

import pytest
from sqlalchemy import func, select

from credit.models import AuditEvent, Listing
from credit.rules import listings, periods
from credit.services import audit
from tests.days import DEFAULT_TODAY, SOME_DAYS, days_before, first_start_inside, last_start_ended

BASIS = "《产品质量法》第五十条；《市场监督管理严重违法失信名单管理办法》第九条"


def years_ago(years: int, days: int = 0, today: datetime.date = DEFAULT_TODAY) -> str:
    return days_before(periods.months_before(today, 12 * years), -days).isoformat()


@pytest.fixture
def firm(make):
    return make.enterprise(
        region="321102", name="镇江市华东电气设备有限公司", registered_on=datetime.date(2001, 5, 1)
    )


@pytest.fixture
def own(make, firm):
    return make.headers("enterprise", uscc=firm)


def list_firm(client, headers, firm, **overrides):
    body = {
        "uscc": firm,
        "reason": "生产销售不合格电线电缆，货值金额巨大",
        "legal_basis": BASIS,
        "decision_no": "镇市监失信〔2026〕1号",
        "listed_on": years_ago(0),
    }
    body.update(overrides)
    return client.post("/api/v1/blacklist", json=body, headers=headers)


def public_ids(client, **query):
    return [
        item["id"]
        for item in client.get("/api/v1/blacklist", query_string=query).get_json()["items"]
    ]


def standing(client, firm, headers):
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    grade = client.get(f"/api/v1/enterprises/{firm}/grade", headers=headers).get_json()
    return profile["blacklisted"], profile["grade"], grade["grade"]


def test_listing_publishes_vetoes_the_grade_and_sets_the_dates(client, firm, regulator):
    response = list_firm(client, regulator, firm, listed_on="2024-02-29")
    assert response.status_code == 201, response.get_json()
    listing = response.get_json()
    assert listing["state"] == "listed"
    assert listing["repair_eligible_on"] == "2025-02-28"
    assert listing["expires_on"] == "2027-02-28"
    assert listing["authority"] == "镇江市市场监督管理局"
    assert listing["transitions"][0]["to_state"] == "listed"
    assert public_ids(client) == [listing["id"]]
    assert standing(client, firm, regulator) == (True, "D", "D")
    grade = client.get(f"/api/v1/enterprises/{firm}/grade", headers=regulator).get_json()
    assert grade["caps"][-1]["rule"] == "caps.blacklist"
    assert grade["risk_class"] == "D"
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert [item["id"] for item in profile["blacklist"]] == [listing["id"]]


def test_an_override_cannot_lift_the_veto(client, firm, regulator):
    list_firm(client, regulator, firm)
    response = client.post(
        f"/api/v1/enterprises/{firm}/grade/override",
        headers=regulator,
        json={"grade": "A", "reason": "复核", "valid_until": years_ago(0)},
    )
    assert response.get_json()["grade"] == "D"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"listed_on": days_before(DEFAULT_TODAY, -1).isoformat()}, "listed_on"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"uscc": "91321100700004117B"}, "uscc"),
        ({"violation_ids": [999999]}, "violation_ids.0"),
        ({"violation_ids": ["x"]}, "violation_ids.0"),
        ({"notified_on": years_ago(0, 1)}, "notified_on"),
        ({"state": "listed"}, "state"),
    ],
)
def test_bad_listings_are_refused_naming_the_field(
    client, session, firm, regulator, overrides, field
):
    response = list_firm(client, regulator, firm, **overrides)
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()
    assert session.scalar(select(func.count()).select_from(Listing)) == 0


def test_linked_violations_must_be_this_firms(client, make, firm, regulator):
    other = make.enterprise(region="321102")
    fine = client.post(
        f"/api/v1/enterprises/{other}/violations",
        headers=regulator,
        json={
            "category": "counterfeit",
            "severity": "serious",
            "decided_on": years_ago(0),
            "authority": "镇江市市场监督管理局",
            "decision_no": "罚9",
        },
    ).get_json()
    response = list_firm(client, regulator, firm, violation_ids=[fine["id"]])
    assert response.status_code == 422 and "violation_ids.0" in response.get_json()["errors"]
    own_fine = client.post(
        f"/api/v1/enterprises/{firm}/violations",
        headers=regulator,
        json={
            "category": "counterfeit",
            "severity": "serious",
            "decided_on": years_ago(0),
            "authority": "镇江市市场监督管理局",
            "decision_no": "罚10",
        },
    ).get_json()
    listed = list_firm(client, regulator, firm, violation_ids=[own_fine["id"]])
    assert listed.get_json()["violation_ids"] == [own_fine["id"]]


def test_listing_refusals(client, make, firm, regulator):
    assert list_firm(client, {}, firm).status_code == 401
    assert list_firm(client, make.headers("regulator", region="3501"), firm).status_code == 403
    assert list_firm(client, make.headers("bank"), firm).status_code == 403
    assert list_firm(client, make.headers("enterprise", uscc=firm), firm).status_code == 403
    assert list_firm(client, regulator, make.uscc()).status_code == 404
    assert list_firm(client, regulator, firm).status_code == 201
    again = list_firm(client, regulator, firm, decision_no="另一个")
    assert again.status_code == 409


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
def test_a_listing_more_than_3_years_old_is_already_expired(client, firm, regulator, today):
    listed_on = last_start_ended(today, 36)
    listing = list_firm(client, regulator, firm, listed_on=listed_on.isoformat()).get_json()
    assert listing["state"] == "expired"
    assert listing["expires_on"] <= today.isoformat()
    assert public_ids(client) == []
    assert standing(client, firm, regulator) == (False, None, None)  # no record: not graded
    assert client.get(f"/api/v1/blacklist/{listing['id']}").status_code == 404
    # an expired listing does not stop a new one
    assert (
        list_firm(
            client, regulator, firm, decision_no="新", listed_on=today.isoformat()
        ).status_code
        == 201
    )


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
def test_a_listing_expires_on_its_expiry_day_without_any_job(
    client, session, firm, regulator, today
):
    listed_on = first_start_inside(today, 36)
    listing = list_firm(client, regulator, firm, listed_on=listed_on.isoformat()).get_json()
    expires_on = datetime.date.fromisoformat(listing["expires_on"])
    assert listing["state"] == "listed" and expires_on > today
    assert expires_on == periods.period_end(listed_on, 36)
    stored = session.get(Listing, listing["id"])
    assert listings.state_on(stored, expires_on) == "expired"
    assert listings.is_active_on(stored, days_before(expires_on, 1))
    assert listings.is_active_on(stored, today)
    as_of_yesterday = client.get(
        f"/api/v1/enterprises/{firm}/grade",
        headers=regulator,
        query_string={"as_of": days_before(today, 1).isoformat()},
    ).get_json()
    # the registry did not hold the listing yesterday, nor any record: the firm was not graded
    assert as_of_yesterday["grade"] is None and as_of_yesterday["graded"] is False


def test_objection_upheld_rescinds_the_listing(client, firm, regulator, own):
    listing = list_firm(client, regulator, firm).get_json()
    url = f"/api/v1/blacklist/{listing['id']}"
    objection = client.post(
        f"{url}/objections", json={"reason": "检验报告样品非本企业产品"}, headers=own
    )
    assert objection.status_code == 201
    assert objection.get_json()["state"] == "pending"
    disputed = client.get(url).get_json()
    assert disputed["state"] == "objection_pending" and disputed["disputed"] is True
    assert "transitions" not in disputed  # the public sees the dispute, not the history
    assert standing(client, firm, regulator) == (True, "D", "D")  # an objection freezes nothing
    again = client.post(f"{url}/objections", json={"reason": "再次异议"}, headers=own)
    assert again.status_code == 409
    decided = client.post(
        f"{url}/objections/{objection.get_json()['id']}/decision",
        json={"upheld": True, "reason": "经复核，抽样程序违法"},
        headers=regulator,
    )
    assert decided.status_code == 200
    assert decided.get_json()["state"] == "rescinded"
    assert [t["to_state"] for t in decided.get_json()["transitions"]] == [
        "listed",
        "objection_pending",
        "rescinded",
    ]
    assert public_ids(client) == []
    assert client.get(url).status_code == 404
    assert client.get(url, headers=own).status_code == 200
    assert standing(client, firm, regulator) == (False, None, None)  # no record: not graded
    twice = client.post(
        f"{url}/objections/{objection.get_json()['id']}/decision",
        json={"upheld": False, "reason": "x"},
        headers=regulator,
    )
    assert twice.status_code == 409


def test_objection_rejected_keeps_the_listing(client, firm, regulator, own):
    listing = list_firm(client, regulator, firm).get_json()
    url = f"/api/v1/blacklist/{listing['id']}"
    objection = client.post(f"{url}/objections", json={"reason": "不服"}, headers=own).get_json()
    decided = client.post(
        f"{url}/objections/{objection['id']}/decision",
        json={"upheld": False, "reason": "事实清楚，证据确凿"},
        headers=regulator,
    )
    body = decided.get_json()
    assert (
        body["state"] == "listed"
        and body["objections"][0]["decision_reason"] == "事实清楚，证据确凿"
    )
    assert public_ids(client) == [listing["id"]]


def test_objection_and_decision_refusals(client, make, firm, regulator, own):
    listing = list_firm(client, regulator, firm).get_json()
    url = f"/api/v1/blacklist/{listing['id']}/objections"
    assert client.post(url, json={"reason": "x"}).status_code == 401
    assert (
        client.post(url, json={"reason": "x"}, headers=make.headers("enterprise")).status_code
        == 403
    )
    assert client.post(url, json={"reason": "x"}, headers=regulator).status_code == 403
    assert client.post(url, json={}, headers=own).status_code == 422
    assert (
        client.post(
            "/api/v1/blacklist/999999/objections", json={"reason": "x"}, headers=own
        ).status_code
        == 404
    )
    objection = client.post(url, json={"reason": "x"}, headers=own).get_json()
    decide = f"{url}/{objection['id']}/decision"
    body = {"upheld": True, "reason": "x"}
    assert client.post(decide, json=body, headers=own).status_code == 403
    assert (
        client.post(decide, json=body, headers=make.headers("regulator", region="3304")).status_code
        == 403
    )
    assert client.post(f"{url}/999999/decision", json=body, headers=regulator).status_code == 404
    assert (
        client.post(decide, json={"upheld": "yes", "reason": "x"}, headers=regulator).status_code
        == 422
    )


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
def test_repair_before_the_one_year_mark_is_409_naming_the_date(
    client, firm, regulator, own, today
):
    listed_on = first_start_inside(today, 12)
    listing = list_firm(client, regulator, firm, listed_on=listed_on.isoformat()).get_json()
    assert listing["repair_eligible_on"] == periods.period_end(listed_on, 12).isoformat()
    response = client.post(
        f"/api/v1/blacklist/{listing['id']}/repair", json={"statement": "已整改"}, headers=own
    )
    assert response.status_code == 409
    assert listing["repair_eligible_on"] in response.get_json()["detail"]


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
def test_repair_approved_removes_early_from_public_view_only(client, firm, regulator, own, today):
    listed_on = last_start_ended(today, 12)
    listing = list_firm(client, regulator, firm, listed_on=listed_on.isoformat()).get_json()
    assert listing["repair_eligible_on"] <= today.isoformat()
    url = f"/api/v1/blacklist/{listing['id']}"
    applied = client.post(
        f"{url}/repair",
        headers=own,
        json={"statement": "已缴清罚款并完成整改", "evidence": "缴款凭证"},
    )
    assert applied.status_code == 201 and applied.get_json()["state"] == "pending"
    assert client.get(url).get_json()["state"] == "repair_pending"
    doubled = client.post(f"{url}/repair", json={"statement": "再次申请"}, headers=own)
    assert doubled.status_code == 409
    decided = client.post(
        f"{url}/repair/decision",
        headers=regulator,
        json={"approved": True, "reason": "符合信用修复条件"},
    )
    assert decided.status_code == 200 and decided.get_json()["state"] == "removed_early"
    assert public_ids(client) == []
    assert client.get(url).status_code == 404
    assert client.get(url, headers=regulator).get_json()["state"] == "removed_early"
    assert standing(client, firm, regulator) == (False, None, None)  # no record: not graded
    assert (
        client.post(
            f"{url}/repair/decision", headers=regulator, json={"approved": True, "reason": "x"}
        ).status_code
        == 409
    )


def test_repair_rejected_returns_to_listed(client, firm, regulator, own):
    listing = list_firm(client, regulator, firm, listed_on=years_ago(2)).get_json()
    url = f"/api/v1/blacklist/{listing['id']}"
    client.post(f"{url}/repair", json={"statement": "整改"}, headers=own)
    decided = client.post(
        f"{url}/repair/decision",
        headers=regulator,
        json={"approved": False, "reason": "罚款未缴清"},
    ).get_json()
    assert decided["state"] == "listed"
    assert decided["repairs"][0]["state"] == "rejected"
    assert public_ids(client) == [listing["id"]]


def test_repair_is_refused_after_a_new_serious_violation(client, firm, regulator, own):
    listing = list_firm(client, regulator, firm, listed_on=years_ago(2)).get_json()
    client.post(
        f"/api/v1/enterprises/{firm}/violations",
        headers=regulator,
        json={
            "category": "quality_accident",
            "severity": "serious",
            "decided_on": years_ago(1),
            "authority": "镇江市市场监督管理局",
            "decision_no": "罚11",
        },
    )
    response = client.post(
        f"/api/v1/blacklist/{listing['id']}/repair", json={"statement": "整改"}, headers=own
    )
    assert response.status_code == 409 and "罚11" in response.get_json()["detail"]


def test_repair_refusals_by_role_and_state(client, make, firm, regulator, own):
    listing = list_firm(client, regulator, firm, listed_on=years_ago(2)).get_json()
    url = f"/api/v1/blacklist/{listing['id']}/repair"
    assert client.post(url, json={"statement": "x"}).status_code == 401
    assert client.post(url, json={"statement": "x"}, headers=regulator).status_code == 403
    assert (
        client.post(url, json={"statement": "x"}, headers=make.headers("enterprise")).status_code
        == 403
    )
    objection = client.post(
        f"/api/v1/blacklist/{listing['id']}/objections", json={"reason": "不服"}, headers=own
    )
    assert objection.status_code == 201
    assert client.post(url, json={"statement": "x"}, headers=own).status_code == 409
    assert (
        client.post(
            f"{url}/decision",
            json={"approved": True, "reason": "x"},
            headers=make.headers("regulator", region="3501"),
        ).status_code
        == 403
    )


def test_public_list_filters_by_region_and_orders_newest_first(client, make, regulator):
    zhenjiang = [make.enterprise(region="321102") for _ in range(2)]
    fuzhou = make.enterprise(region="350102")
    older = list_firm(client, regulator, zhenjiang[0], listed_on=years_ago(1)).get_json()
    newer = list_firm(client, regulator, zhenjiang[1], listed_on=years_ago(0)).get_json()
    south = list_firm(
        client, make.headers("regulator", region="3501"), fuzhou, listed_on=years_ago(2)
    ).get_json()
    assert public_ids(client) == [newer["id"], older["id"], south["id"]]
    assert public_ids(client, region="3211") == [newer["id"], older["id"]]
    page = client.get("/api/v1/blacklist", query_string={"per_page": 1, "page": 2}).get_json()
    assert (page["total"], [i["id"] for i in page["items"]]) == (3, [older["id"]])
    assert "transitions" not in page["items"][0]


def test_the_audit_log_verifies_after_a_full_lifecycle(client, session, firm, regulator, own):
    listing = list_firm(client, regulator, firm, listed_on=years_ago(1)).get_json()
    url = f"/api/v1/blacklist/{listing['id']}"
    objection = client.post(f"{url}/objections", json={"reason": "异议"}, headers=own).get_json()
    client.post(
        f"{url}/objections/{objection['id']}/decision",
        headers=regulator,
        json={"upheld": False, "reason": "驳回"},
    )
    client.post(f"{url}/repair", json={"statement": "整改完成"}, headers=own)
    client.post(
        f"{url}/repair/decision", headers=regulator, json={"approved": True, "reason": "同意"}
    )
    kinds = session.scalars(
        select(AuditEvent.kind).where(AuditEvent.kind.like("listing_%")).order_by(AuditEvent.seq)
    ).all()
    assert kinds == [
        "listing_created",
        "listing_objection_filed",
        "listing_objection_decided",
        "listing_repair_applied",
        "listing_repair_decided",
    ]
    assert list(audit.verify(session)) == []


def test_the_firms_file_keeps_every_listing_with_its_history_the_profile_does_not(
    client, make, firm, regulator, own
):
    removed = list_firm(
        client, regulator, firm, listed_on=years_ago(2), decision_no="镇市监失信〔2024〕7号"
    ).get_json()
    removed_url = f"/api/v1/blacklist/{removed['id']}"
    client.post(
        f"{removed_url}/repair", json={"statement": "已整改", "evidence": "凭证"}, headers=own
    )
    assert (
        client.post(
            f"{removed_url}/repair/decision",
            headers=regulator,
            json={"approved": True, "reason": "符合信用修复条件"},
        ).get_json()["state"]
        == "removed_early"
    )
    rescinded = list_firm(client, regulator, firm).get_json()
    rescinded_url = f"/api/v1/blacklist/{rescinded['id']}"
    objection = client.post(
        f"{rescinded_url}/objections", json={"reason": "样品非本企业产品"}, headers=own
    ).get_json()
    assert (
        client.post(
            f"{rescinded_url}/objections/{objection['id']}/decision",
            headers=regulator,
            json={"upheld": True, "reason": "抽样程序违法"},
        ).get_json()["state"]
        == "rescinded"
    )

    readers = {
        "the firm": own,
        "its regulator": regulator,
        "a bank with a purpose": make.headers("bank"),
    }
    for reader, headers in readers.items():
        response = client.get(
            f"/api/v1/enterprises/{firm}/file",
            headers=headers,
            query_string={"purpose": "贷前调查"} if "bank" in reader else {},
        )
        assert response.status_code == 200, (reader, response.get_json())
        listed = {item["id"]: item for item in response.get_json()["listings"]}
        assert list(listed) == [removed["id"], rescinded["id"]], reader
        early, wrong = listed[removed["id"]], listed[rescinded["id"]]
        assert early["state"] == "removed_early"
        assert early["decision_no"] == "镇市监失信〔2024〕7号"
        assert [t["to_state"] for t in early["transitions"]] == [
            "listed",
            "repair_pending",
            "removed_early",
        ]
        assert early["transitions"][-1]["reason"] == "符合信用修复条件"
        assert [(r["state"], r["evidence"]) for r in early["repairs"]] == [("approved", "凭证")]
        assert wrong["state"] == "rescinded"
        assert [t["to_state"] for t in wrong["transitions"]] == [
            "listed",
            "objection_pending",
            "rescinded",
        ]
        assert [(o["state"], o["decision_reason"]) for o in wrong["objections"]] == [
            ("upheld", "抽样程序违法")
        ]

    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert profile["blacklisted"] is False and profile["blacklist"] == []
    assert "listings" not in profile
    assert public_ids(client) == []


def test_a_firm_never_listed_has_an_empty_list_of_listings_in_its_file(client, firm, own):
    assert client.get(f"/api/v1/enterprises/{firm}/file", headers=own).get_json()["listings"] == []


def test_an_active_listing_shows_in_the_file_and_on_the_profile(client, firm, regulator, own):
    listing = list_firm(client, regulator, firm).get_json()
    file = client.get(f"/api/v1/enterprises/{firm}/file", headers=own).get_json()
    assert [(item["id"], item["state"]) for item in file["listings"]] == [(listing["id"], "listed")]
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert [item["id"] for item in profile["blacklist"]] == [listing["id"]]
