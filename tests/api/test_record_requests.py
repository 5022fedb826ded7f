"""An enterprise's objections to its records and credit repair of its violations."""

import datetime

import pytest

from credit.rules import periods
from credit.services import audit
from tests.days import DEFAULT_TODAY, SOME_DAYS, first_start_inside, last_start_ended

AUTHORITY = "镇江市市场监督管理局"


def months_ago(months: int, today: datetime.date = DEFAULT_TODAY) -> str:
    return periods.months_before(today, months).isoformat()


@pytest.fixture
def own(make, firm):
    return make.headers("enterprise", uscc=firm)


def violation(client, regulator, firm, severity="general", decided=None, n="1"):
    response = client.post(
        f"/api/v1/enterprises/{firm}/violations",
        headers=regulator,
        json={
            "category": "administrative_penalty",
            "severity": severity,
            "decided_on": decided or months_ago(3),
            "authority": AUTHORITY,
            "decision_no": f"镇市监罚{n}",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def public_violations(client, firm):
    return [v["id"] for v in client.get(f"/api/v1/enterprises/{firm}").get_json()["violations"]]


def test_an_upheld_objection_rescinds_the_record(client, session, firm, regulator, own):
    record = violation(client, regulator, firm)
    filed = client.post(
        f"/api/v1/records/{record['id']}/objections",
        headers=own,
        json={"reason": "处罚决定已被行政复议撤销"},
    )
    assert filed.status_code == 201 and filed.get_json()["state"] == "pending"
    assert client.get(f"/api/v1/enterprises/{firm}").get_json()["violations"][0]["disputed"]
    buyer = client.post(
        "/api/v1/checks/procurement", json={"uscc": [firm]}, headers={**regulator}
    ).get_json()["results"][0]
    assert "record_disputed" in {r["code"] for r in buyer["reasons"]}
    twice = client.post(
        f"/api/v1/records/{record['id']}/objections", headers=own, json={"reason": "再次"}
    )
    assert twice.status_code == 409
    decided = client.post(
        f"/api/v1/records/{record['id']}/objections/{filed.get_json()['id']}/decision",
        headers=regulator,
        json={"upheld": True, "reason": "复议决定书镇政复〔2026〕3号"},
    )
    assert decided.status_code == 200
    body = decided.get_json()
    assert body["status"] == "rescinded" and body["objections"][0]["state"] == "upheld"
    assert public_violations(client, firm) == []
    assert list(audit.verify(session)) == []


def test_a_rejected_objection_leaves_the_record(client, firm, regulator, own):
    record = violation(client, regulator, firm)
    filed = client.post(
        f"/api/v1/records/{record['id']}/objections", headers=own, json={"reason": "不服"}
    ).get_json()
    decided = client.post(
        f"/api/v1/records/{record['id']}/objections/{filed['id']}/decision",
        headers=regulator,
        json={"upheld": False, "reason": "证据确凿"},
    ).get_json()
    assert decided["status"] == "active" and decided["disputed"] is False
    assert public_violations(client, firm) == [record["id"]]


def test_objection_refusals(client, make, firm, regulator, own):
    record = violation(client, regulator, firm)
    url = f"/api/v1/records/{record['id']}/objections"
    assert client.post(url, json={"reason": "x"}).status_code == 401
    assert (
        client.post(url, json={"reason": "x"}, headers=make.headers("enterprise")).status_code
        == 403
    )
    assert client.post(url, json={"reason": "x"}, headers=regulator).status_code == 403
    assert (
        client.post(
            "/api/v1/records/999999/objections", json={"reason": "x"}, headers=own
        ).status_code
        == 404
    )
    objection = client.post(url, json={"reason": "x"}, headers=own).get_json()
    decide = f"{url}/{objection['id']}/decision"
    assert client.post(decide, json={"upheld": True, "reason": "x"}, headers=own).status_code == 403
    assert (
        client.post(
            decide,
            json={"upheld": True, "reason": "x"},
            headers=make.headers("regulator", region="3501"),
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{url}/999/decision", json={"upheld": True, "reason": "x"}, headers=regulator
        ).status_code
        == 404
    )


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
@pytest.mark.parametrize(
    "severity, months", [("general", 3), ("serious", 12), ("especially_serious", 12)]
)
def test_repair_is_allowed_from_its_date_and_not_before(
    client, firm, regulator, own, today, severity, months
):
    early = violation(
        client, regulator, firm, severity, first_start_inside(today, months).isoformat(), n="early"
    )
    due = violation(
        client, regulator, firm, severity, last_start_ended(today, months).isoformat(), n="due"
    )
    refused = client.post(
        f"/api/v1/records/{early['id']}/repair", headers=own, json={"statement": "已整改"}
    )
    assert refused.status_code == 409
    allowed_from = periods.period_end(datetime.date.fromisoformat(early["decided_on"]), months)
    assert allowed_from > today
    assert refused.get_json()["repair_allowed_from"] == allowed_from.isoformat()
    assert allowed_from.isoformat() in refused.get_json()["detail"]
    applied = client.post(
        f"/api/v1/records/{due['id']}/repair",
        headers=own,
        json={"statement": "已缴清罚款并完成整改"},
    )
    assert applied.status_code == 201 and applied.get_json()["state"] == "pending"


def test_approved_repair_hides_from_the_public_only(client, firm, regulator, own):
    record = violation(client, regulator, firm, decided=months_ago(4))
    grade_before = client.get(f"/api/v1/enterprises/{firm}/grade", headers=regulator).get_json()
    client.post(f"/api/v1/records/{record['id']}/repair", headers=own, json={"statement": "整改"})
    doubled = client.post(
        f"/api/v1/records/{record['id']}/repair", headers=own, json={"statement": "再次"}
    )
    assert doubled.status_code == 409
    decided = client.post(
        f"/api/v1/records/{record['id']}/repair/decision",
        headers=regulator,
        json={"approved": True, "reason": "符合修复条件"},
    )
    assert decided.status_code == 200
    assert decided.get_json()["shown_publicly"] is False
    assert public_violations(client, firm) == []
    file = client.get(f"/api/v1/enterprises/{firm}/file", headers=own).get_json()
    assert [r["id"] for r in file["records"]] == [record["id"]]
    grade_after = client.get(f"/api/v1/enterprises/{firm}/grade", headers=regulator).get_json()
    assert grade_after["score"] == grade_before["score"] == "52.00"
    again = client.post(
        f"/api/v1/records/{record['id']}/repair/decision",
        headers=regulator,
        json={"approved": True, "reason": "x"},
    )
    assert again.status_code == 409


def test_repair_rejected_keeps_the_record_public(client, firm, regulator, own):
    record = violation(client, regulator, firm, decided=months_ago(4))
    client.post(f"/api/v1/records/{record['id']}/repair", headers=own, json={"statement": "整改"})
    client.post(
        f"/api/v1/records/{record['id']}/repair/decision",
        headers=regulator,
        json={"approved": False, "reason": "罚款未缴"},
    )
    assert public_violations(client, firm) == [record["id"]]


def test_repair_refusals(client, make, firm, regulator, own):
    minor = violation(client, regulator, firm, "minor", months_ago(1), n="minor")
    old = violation(client, regulator, firm, "general", months_ago(13), n="old")
    award = client.post(
        f"/api/v1/enterprises/{firm}/awards",
        headers=regulator,
        json={
            "kind": "famous_trademark",
            "level": "provincial",
            "title": "著名商标",
            "issuer": "省局",
            "awarded_on": "2025-01-01",
        },
    ).get_json()
    for record in (minor, old, award):
        response = client.post(
            f"/api/v1/records/{record['id']}/repair", headers=own, json={"statement": "x"}
        )
        assert response.status_code == 409, record
    due = violation(client, regulator, firm, "general", months_ago(5), n="due")
    url = f"/api/v1/records/{due['id']}/repair"
    assert client.post(url, json={"statement": "x"}).status_code == 401
    assert client.post(url, json={"statement": "x"}, headers=regulator).status_code == 403
    assert client.post(url, json={}, headers=own).status_code == 422
    assert (
        client.post(
            f"{url}/decision", json={"approved": True, "reason": "x"}, headers=regulator
        ).status_code
        == 409
    )
