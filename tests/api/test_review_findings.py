"""Inputs at the edge of the calendar and of the digit classes, tampering with stored grades,
and what a past-date check or a purchaser's feed may reveal."""

import datetime

import pytest
from sqlalchemy import text, update

from credit.models import Enterprise, Record
from credit.services import audit
from tests.api.test_audit import history, mismatches, tamper  # noqa: F401


@pytest.fixture
def regulator(make):
    return make.headers("regulator", region="3211")


@pytest.mark.parametrize("field, value", [("valid_to", "9999-12-31"), ("valid_from", "0001-01-01")])
def test_dates_outside_the_calendar_the_registry_keeps_are_422(
    client, make, regulator, field, value
):
    firm = make.enterprise()
    body = {
        "scheme": "iso_9001",
        "certificate_no": "C1",
        "issuer": "CQC",
        "valid_from": "2024-01-01",
        "valid_to": "2027-01-01",
        field: value,
    }
    response = client.post(
        f"/api/v1/enterprises/{firm}/certifications", json=body, headers=regulator
    )
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_an_as_of_day_before_1900_is_422(client, make):
    response = client.post(
        "/api/v1/checks/procurement",
        headers=make.headers("procurement"),
        json={"uscc": [make.enterprise()], "as_of": "0001-01-01"},
    )
    assert response.status_code == 422 and "as_of" in response.get_json()["errors"]


@pytest.mark.parametrize("region", ["3211\n", "3211\u0663", "32\uff11"])
def test_region_prefixes_are_ascii_digits_only(client, make, region):
    headers = {**make.headers("regulator", region="32"), "Accept": "text/csv"}
    response = client.get(
        "/api/v1/inspection-plan",
        headers=headers,
        query_string={"region": region, "date": "2026-01-01", "seed": 1},
    )
    assert response.status_code == 422 and "region" in response.get_json()["errors"]
    search = client.get("/api/v1/enterprises", query_string={"region": region})
    assert search.status_code == 422


def test_an_edited_grade_is_found(history):  # noqa: F811
    tamper(
        history, "UPDATE assessment SET grade = 'AAA' WHERE id = (SELECT max(id) FROM assessment)"
    )
    assert any(m.startswith("assessment ") for m in mismatches(history))


def test_an_edited_current_grade_is_found(history):  # noqa: F811
    tamper(history, "UPDATE enterprise_state SET grade = 'AAA', risk_class = 'A'")
    assert any("current grade of enterprise" in m for m in mismatches(history))


def test_an_objection_filed_after_the_day_asked_is_not_reported(client, session, make, regulator):
    firm = make.enterprise()
    session.execute(
        update(Enterprise)
        .where(Enterprise.uscc == firm)
        .values(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    )
    record = client.post(
        f"/api/v1/enterprises/{firm}/violations",
        headers=regulator,
        json={
            "category": "administrative_penalty",
            "severity": "general",
            "decided_on": "2025-06-01",
            "authority": "镇江市市场监督管理局",
            "decision_no": "罚1",
        },
    ).get_json()
    session.execute(
        update(Record)
        .where(Record.id == record["id"])
        .values(created_at=datetime.datetime(2025, 6, 2, tzinfo=datetime.UTC))
    )
    session.flush()
    client.post(
        f"/api/v1/records/{record['id']}/objections",
        json={"reason": "异议"},
        headers=make.headers("enterprise", uscc=firm),
    )
    buyer = make.headers("procurement")
    then = client.post(
        "/api/v1/checks/procurement", headers=buyer, json={"uscc": [firm], "as_of": "2025-07-01"}
    ).get_json()["results"][0]
    assert "record_disputed" not in {r["code"] for r in then["reasons"]}
    now = client.post(
        "/api/v1/checks/procurement", headers=buyer, json={"uscc": [firm]}
    ).get_json()["results"][0]
    assert "record_disputed" in {r["code"] for r in now["reasons"]}


def test_a_purchasers_feed_carries_no_scores(client, make):
    firm = make.graded_enterprise()
    procurement = client.get(
        "/api/v1/changes", headers=make.headers("procurement"), query_string={"uscc": firm}
    ).get_json()["items"]
    bank = client.get(
        "/api/v1/changes", headers=make.headers("bank"), query_string={"uscc": firm}
    ).get_json()["items"]
    graded = [i for i in procurement if i["kind"] == "grade_changed"]
    assert graded and all("score" not in i for i in graded)
    assert [i["score"] for i in bank if i["kind"] == "grade_changed"] == [None, "66.00"]


def test_a_forged_listing_link_is_found(client, session, make, regulator, today):
    firm = make.enterprise()
    listing = client.post(
        "/api/v1/blacklist",
        headers=regulator,
        json={
            "uscc": firm,
            "reason": "x",
            "legal_basis": "y",
            "decision_no": "z",
            "listed_on": today.isoformat(),
        },
    ).get_json()
    other = make.enterprise()
    fine = client.post(
        f"/api/v1/enterprises/{other}/violations",
        headers=regulator,
        json={
            "category": "recall",
            "severity": "general",
            "decided_on": "2026-01-05",
            "authority": "镇江市市场监督管理局",
            "decision_no": "召9",
        },
    ).get_json()
    assert list(audit.verify(session)) == []
    session.execute(
        text("INSERT INTO listing_violation (listing_id, record_id) VALUES (:l, :r)"),
        {"l": listing["id"], "r": fine["id"]},
    )
    assert any(f"listing {listing['id']}" in m for m in map(str, audit.verify(session)))
