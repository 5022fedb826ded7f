"""Changing a firm's register entry: renames kept as former names and found by search, register
details, industry codes, deregistration and what every answer then says of the firm."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from sqlalchemy import select

from credit.clock import DEFAULT_ZONE as ZONE
from credit.models import AuditEvent
from credit.services import audit
from tests.days import DEFAULT_TODAY

YESTERDAY = DEFAULT_TODAY - datetime.timedelta(days=1)
OLD_NAME = "镇江华东演示电缆有限公司"
NEW_NAME = "江苏远航演示线缆股份有限公司"


@pytest.fixture
def firm(make):
    return make.graded_enterprise(region="321102", name=OLD_NAME)


def patch(client, uscc, headers, **body):
    return client.patch(f"/api/v1/enterprises/{uscc}", headers=headers, json=body)


def found_by(client, q) -> list[str]:
    response = client.get("/api/v1/enterprises", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return [item["uscc"] for item in response.get_json()["items"]]


def test_a_rename_keeps_the_old_name_and_search_finds_either(client, firm, regulator):
    response = patch(client, firm, regulator, name=NEW_NAME, reason="企业名称变更登记")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["name"] == NEW_NAME
    assert body["former_names"] == [{"name": OLD_NAME, "until": YESTERDAY.isoformat()}]
    assert firm in found_by(client, "远航")  # the new name
    assert firm in found_by(client, "华东")  # the old name, two characters
    assert firm in found_by(client, "华东演示电缆")
    # Every gram of a query present across the two names is not a match of either.
    assert firm not in found_by(client, "华东线缆")
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert profile["name"] == NEW_NAME


def test_two_renames_keep_both_former_names_oldest_first(client, firm, regulator):
    patch(client, firm, regulator, name="镇江第二演示名称有限公司", reason="更名")
    body = patch(client, firm, regulator, name=NEW_NAME, reason="再次更名").get_json()
    assert [item["name"] for item in body["former_names"]] == [
        OLD_NAME,
        "镇江第二演示名称有限公司",
    ]
    assert firm in found_by(client, "第二演示")


def test_register_details_and_industry_are_changed_and_shown(client, firm, regulator):
    response = patch(
        client,
        firm,
        regulator,
        address="江苏省镇江市京口区演示路1号",
        legal_representative="王演示",
        chief_quality_officer="李质量",
        industry_code="3811",
        reason="登记事项变更",
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["industry_code"] == "C3811"
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert profile["address"] == "江苏省镇江市京口区演示路1号"
    assert profile["chief_quality_officer"] == "李质量"
    assert profile["industry_code"] == "C3811"
    cleared = patch(client, firm, regulator, chief_quality_officer=None, reason="离任")
    assert cleared.get_json()["chief_quality_officer"] is None


def test_each_change_is_an_audit_event_in_the_feed(client, firm, regulator, session):
    before = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    patch(client, firm, regulator, name=NEW_NAME, reason="企业名称变更登记")
    patch(client, firm, regulator, status="deregistered", reason="注销登记")
    feed = client.get(
        "/api/v1/changes", headers=regulator, query_string={"since": before, "uscc": firm}
    ).get_json()
    updates = [item for item in feed["items"] if item["kind"] == "enterprise_updated"]
    assert [item["changes"] for item in updates] == [
        {"name": NEW_NAME},
        {"status": "deregistered", "status_since": DEFAULT_TODAY.isoformat()},
    ]
    assert [item["reason"] for item in updates] == ["企业名称变更登记", "注销登记"]
    assert list(audit.verify(session)) == []


def test_a_request_that_changes_nothing_writes_nothing(client, firm, regulator, session):
    before = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    response = patch(client, firm, regulator, name=OLD_NAME, reason="核对")
    assert response.status_code == 200
    assert response.get_json()["former_names"] == []
    after = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    assert after == before


def test_a_deregistered_firm_stays_readable_and_is_marked_everywhere(
    client, make, firm, regulator, buyer, bank
):
    since = DEFAULT_TODAY - datetime.timedelta(days=10)
    response = patch(
        client,
        firm,
        regulator,
        status="deregistered",
        status_since=since.isoformat(),
        reason="注销",
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "deregistered"
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert (profile["status"], profile["status_since"]) == ("deregistered", since.isoformat())
    assert profile["grade"] == "B"  # the file stays as it was
    file = client.get(f"/api/v1/enterprises/{firm}/file", headers=regulator).get_json()
    assert file["status"] == "deregistered" and len(file["records"]) == 1
    [item] = client.get("/api/v1/enterprises", query_string={"q": firm}).get_json()["items"]
    assert item["status"] == "deregistered"
    lending = client.post(
        "/api/v1/checks/lending", headers=bank, json={"uscc": [firm], "purpose": "贷后检查"}
    ).get_json()["results"][0]
    assert lending["status"] == "deregistered" and "deregistered" in lending["flags"]


def test_a_purchaser_is_told_a_deregistered_firm_cannot_supply(client, make, firm):
    later = DEFAULT_TODAY + datetime.timedelta(days=30)
    since = later - datetime.timedelta(days=10)
    with time_machine.travel(datetime.datetime.combine(later, datetime.time(12), tzinfo=ZONE)):
        regulator, buyer = make.headers("regulator"), make.headers("procurement")
        done = patch(
            client,
            firm,
            regulator,
            status="deregistered",
            status_since=since.isoformat(),
            reason="注销",
        )
        assert done.status_code == 200, done.get_json()

        def verdict(as_of):
            response = client.post(
                "/api/v1/checks/procurement",
                headers=buyer,
                json={"uscc": [firm], "as_of": as_of.isoformat()},
            )
            assert response.status_code == 200, response.get_json()
            return response.get_json()["results"][0]

        now = verdict(later)
        assert now["status"] == "deregistered" and now["eligible"] is False
        [reason] = now["reasons"]
        assert reason["code"] == "deregistered" and reason["severity"] == "block"
        assert "第二十二条" in reason["legal_basis"]
        # Asked about a day before the deregistration, the firm was still in business.
        before = verdict(since - datetime.timedelta(days=1))
        assert before["status"] == "in_business" and before["eligible"] is True


def test_only_the_regulator_of_the_region_changes_the_register(client, make, firm):
    body = {"name": NEW_NAME, "reason": "更名"}
    assert client.patch(f"/api/v1/enterprises/{firm}", json=body).status_code == 401
    other = make.headers("regulator", region="3501")
    assert client.patch(f"/api/v1/enterprises/{firm}", headers=other, json=body).status_code == 403
    owner = make.headers("enterprise", uscc=firm)
    assert client.patch(f"/api/v1/enterprises/{firm}", headers=owner, json=body).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": NEW_NAME}, "reason"),
        ({"name": "", "reason": "更名"}, "name"),
        ({"name": None, "reason": "更名"}, "name"),
        ({"status": "closed", "reason": "注销"}, "status"),
        (
            {"status": "deregistered", "status_since": "2999-01-01", "reason": "注销"},
            "status_since",
        ),
        ({"status_since": "2026-01-01", "reason": "注销"}, "status_since"),
        ({"industry_code": "Z99", "reason": "变更"}, "industry_code"),
        ({"uscc": "91320000000000000X", "reason": "变更"}, "uscc"),
        ({"region_code": "320000", "reason": "变更"}, "region_code"),
    ],
)
def test_bad_input_is_refused_naming_the_field(client, firm, regulator, body, field):
    response = client.patch(f"/api/v1/enterprises/{firm}", headers=regulator, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_a_deregistration_cannot_predate_the_registration(client, make, regulator):
    firm = make.enterprise(registered_on=datetime.date(2020, 5, 1))
    response = patch(
        client, firm, regulator, status="deregistered", status_since="2019-01-01", reason="注销"
    )
    assert response.status_code == 422
    assert "status_since" in response.get_json()["errors"]


def test_an_unknown_or_malformed_code_is_refused(client, make, regulator):
    unknown = make.uscc("321102")
    body = {"name": NEW_NAME, "reason": "更名"}
    assert (
        client.patch(f"/api/v1/enterprises/{unknown}", headers=regulator, json=body).status_code
        == 404
    )
    malformed = client.patch("/api/v1/enterprises/123", headers=regulator, json=body)
    assert malformed.status_code == 422 and "uscc" in malformed.get_json()["errors"]
