"""The regulator's inbox: what waits for a decision in the officer's region, oldest first."""

from __future__ import annotations

import pytest

from tests.web.firms import waiting_requests

KINDS = {"record_objection", "listing_objection", "record_repair", "listing_repair", "listing_due"}


def test_every_kind_of_waiting_item_is_listed_oldest_first(client, make, regulator):
    made = waiting_requests(make)
    response = client.get("/api/v1/inbox", headers=regulator)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 5 and {item["kind"] for item in body["items"]} == KINDS
    assert body["counts"] == {**dict.fromkeys(KINDS, 1), "import_rejected": 0}
    since = [item["since"] for item in body["items"]]
    assert since == sorted(since)
    by_kind = {item["kind"]: item for item in body["items"]}
    objection = by_kind["record_objection"]
    assert objection["id"] == made["ids"]["record_objection"]
    assert objection["record_id"] == made["records"]["certificate"]
    assert objection["uscc"] == made["firms"]["objected"]
    assert objection["name"] == "镇江异议电器有限公司"
    assert objection["summary"] == "证书编号录入有误"
    assert by_kind["listing_repair"]["evidence"] == "缴款凭证"
    assert by_kind["listing_repair"]["listing_id"] == made["listings"]["repairing"]
    due = by_kind["listing_due"]
    assert due["listing_id"] == made["listings"]["due"] and due["due"] == "repair_eligible_on"


def test_a_kind_and_a_page_narrow_the_list(client, make, regulator):
    waiting_requests(make)
    only = client.get("/api/v1/inbox?kind=listing_repair", headers=regulator).get_json()
    assert [item["kind"] for item in only["items"]] == ["listing_repair"]
    assert only["total"] == 1 and only["counts"]["record_objection"] == 1
    paged = client.get("/api/v1/inbox?per_page=2&page=3", headers=regulator).get_json()
    assert len(paged["items"]) == 1 and paged["total"] == 5


def test_decided_items_leave_the_inbox(client, make, regulator):
    made = waiting_requests(make)
    record = made["records"]["certificate"]
    objection = made["ids"]["record_objection"]
    decided = client.post(
        f"/api/v1/records/{record}/objections/{objection}/decision",
        headers=regulator,
        json={"upheld": False, "reason": "证书编号核对无误"},
    )
    assert decided.status_code == 200
    repair = client.post(
        f"/api/v1/records/{made['records']['violation']}/repair/decision",
        headers=regulator,
        json={"approved": True, "reason": "已整改"},
    )
    assert repair.status_code == 200
    body = client.get("/api/v1/inbox", headers=regulator).get_json()
    assert {item["kind"] for item in body["items"]} == KINDS - {"record_objection", "record_repair"}


def test_another_regions_officer_sees_none_of_it(client, make):
    waiting_requests(make)
    elsewhere = make.headers("regulator", region="3201")
    body = client.get("/api/v1/inbox", headers=elsewhere).get_json()
    assert body["total"] == 0 and body["items"] == []


@pytest.mark.parametrize("role", ["bank", "procurement", "enterprise", "admin"])
def test_other_roles_are_refused(client, make, role):
    assert client.get("/api/v1/inbox", headers=make.headers(role)).status_code == 403


def test_without_a_token_it_is_401(client):
    assert client.get("/api/v1/inbox").status_code == 401


def test_an_unknown_kind_is_refused_naming_the_field(client, regulator):
    response = client.get("/api/v1/inbox?kind=everything", headers=regulator)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "kind" in response.get_json()["errors"]


def test_a_listing_whose_expiry_is_near_is_due(client, make, regulator, today):
    from credit.rules import periods
    from tests.days import days_before

    firm = make.enterprise()
    listing = make.listing(firm, listed_on=days_before(periods.months_before(today, 36), -5))
    body = client.get("/api/v1/inbox?kind=listing_due", headers=regulator).get_json()
    assert [(item["listing_id"], item["due"]) for item in body["items"]] == [
        (listing, "expires_on")
    ]


def test_a_rejected_upload_waits_until_its_supplier_resends_it_applied(
    client, make, firm, regulator
):
    from tests.api.test_imports import HEADER_ZH, inspection_rows, upload

    bad = f"{HEADER_ZH}\nB1,{firm},省级监督抽查,电线,2026-02-30,合格,R1,\n"
    assert upload(client, regulator, bad).get_json()["state"] == "rejected"
    assert upload(client, regulator, bad, dry_run="true").get_json()["state"] == "rejected"
    body = client.get("/api/v1/inbox?kind=import_rejected", headers=regulator).get_json()
    (item,) = body["items"]
    assert item["uscc"] is None and item["name"] == "regulator:3211"
    assert item["import_kind"] == "inspection" and "1行，1处错误" in item["summary"]
    assert item["errors"][0]["row"] == 2
    elsewhere = make.headers("regulator", region="3201")
    assert (
        client.get("/api/v1/inbox?kind=import_rejected", headers=elsewhere).get_json()["total"] == 0
    )
    assert upload(client, regulator, inspection_rows(firm)).get_json()["state"] == "applied"
    body = client.get("/api/v1/inbox?kind=import_rejected", headers=regulator).get_json()
    assert body["total"] == 0
