"""Credit records over HTTP: each kind, validation, permissions, corrections, display periods, the file."""

import pytest
from sqlalchemy import select

from credit.demo import TRADES
from credit.models import EnterpriseState, Record
from tests.days import SOME_DAYS, first_start_inside
from tests.factories import AWARD, CERT, INSPECTION, days_ago, post, violation


@pytest.mark.parametrize(
    "kind, body, fields",
    [
        (
            "awards",
            AWARD,
            {"kind": "award", "award_kind": "mayor_quality_award", "level": "municipal"},
        ),
        (
            "certifications",
            CERT,
            {"kind": "certification", "scheme": "iso_9001", "valid_to": "2027-12-31"},
        ),
        (
            "inspections",
            INSPECTION,
            {"kind": "inspection", "result": "fail", "failed_items": ["导体电阻"]},
        ),
        (
            "violations",
            violation(),
            {"kind": "violation", "fine_amount": "50000.00", "severity": "general"},
        ),
    ],
)
def test_each_kind_is_recorded_with_its_source(
    client, session, firm, regulator, kind, body, fields
):
    response = post(client, firm, kind, body, regulator)
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    for key, value in fields.items():
        assert record[key] == value
    assert record["status"] == "active"
    assert record["uscc"] == firm
    assert record["source"]["recorded_by"].startswith("regulator-")
    assert record["source"]["agency"]
    assert session.get(Record, record["id"]).kind == fields["kind"]


def test_record_ids_are_unique_across_kinds(client, firm, regulator):
    ids = [
        post(client, firm, kind, body, regulator).get_json()["id"]
        for kind, body in (
            ("awards", AWARD),
            ("certifications", CERT),
            ("inspections", INSPECTION),
            ("violations", violation()),
        )
    ]
    assert len(set(ids)) == 4


@pytest.mark.parametrize(
    "kind, body, field",
    [
        ("awards", {**AWARD, "kind": "nobel_prize"}, "kind"),
        ("awards", {**AWARD, "level": "galactic"}, "level"),
        ("awards", {**AWARD, "awarded_on": days_ago(-1)}, "awarded_on"),
        ("awards", {**AWARD, "expires_on": "2024-12-31"}, "expires_on"),
        ("awards", {**AWARD, "awarded_on": "2025-02-30"}, "awarded_on"),
        ("certifications", {**CERT, "valid_to": "2023-12-31"}, "valid_to"),
        ("certifications", {**CERT, "scheme": "iso_0000"}, "scheme"),
        ("inspections", {**INSPECTION, "result": "maybe"}, "result"),
        ("inspections", {**INSPECTION, "sampled_on": days_ago(-1)}, "sampled_on"),
        ("inspections", {**INSPECTION, "result": "pass"}, "failed_items"),
        ("violations", violation(severity="catastrophic"), "severity"),
        ("violations", violation(category="jaywalking"), "category"),
        ("violations", violation(decided_on=days_ago(-1)), "decided_on"),
        ("violations", violation(fine_amount="-1.00"), "fine_amount"),
        ("violations", violation(fine_amount="10.001"), "fine_amount"),
        ("violations", violation(fine_amount="lots"), "fine_amount"),
        ("violations", violation(fine_amount=True), "fine_amount"),
        ("violations", {k: v for k, v in violation().items() if k != "decision_no"}, "decision_no"),
        ("violations", {k: v for k, v in violation().items() if k != "authority"}, "authority"),
        ("violations", violation(colour="red"), "colour"),
    ],
)
def test_invalid_records_are_refused_naming_the_field(
    client, session, firm, regulator, kind, body, field
):
    response = post(client, firm, kind, body, regulator)
    assert response.status_code == 422
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in problem["errors"], problem
    assert session.scalar(select(Record.id)) is None


def test_fine_accepts_two_decimals_and_whole_numbers(client, firm, regulator):
    first = post(client, firm, "violations", violation(fine_amount="1999999.99"), regulator)
    second = post(
        client,
        firm,
        "violations",
        violation(fine_amount=2000000, decision_no="镇市监罚〔2026〕19号"),
        regulator,
    )
    assert first.get_json()["fine_amount"] == "1999999.99"
    assert second.get_json()["fine_amount"] == "2000000.00"


def test_same_authority_and_decision_number_twice_is_a_conflict_until_rescinded(
    client, firm, regulator
):
    first = post(client, firm, "violations", violation(), regulator)
    again = post(client, firm, "violations", violation(), regulator)
    assert again.status_code == 409
    assert again.get_json()["record_id"] == first.get_json()["id"]
    client.post(
        f"/api/v1/records/{first.get_json()['id']}/rescind",
        json={"reason": "录入错误"},
        headers=regulator,
    )
    assert post(client, firm, "violations", violation(), regulator).status_code == 201


def test_the_same_decision_number_from_another_authority_is_not_a_duplicate(
    client, firm, regulator
):
    post(client, firm, "violations", violation(), regulator)
    other = post(client, firm, "violations", violation(authority="丹阳市市场监督管理局"), regulator)
    assert other.status_code == 201


@pytest.mark.parametrize(
    "role, binding, status",
    [
        ("regulator", {"region": "3501"}, 403),
        ("regulator", {"region": "321111"}, 403),
        ("bank", {}, 403),
        ("procurement", {}, 403),
        ("admin", {}, 403),
    ],
)
def test_only_a_regulator_of_the_region_writes(client, make, session, firm, role, binding, status):
    response = post(client, firm, "violations", violation(), make.headers(role, **binding))
    assert response.status_code == status
    assert session.scalar(select(Record.id)) is None


def test_the_enterprise_itself_cannot_write_its_records(client, make, firm):
    headers = make.headers("enterprise", uscc=firm)
    assert post(client, firm, "awards", AWARD, headers).status_code == 403


def test_writing_without_a_token_is_401(client, firm):
    assert post(client, firm, "awards", AWARD, {}).status_code == 401


def test_records_for_an_unknown_firm_are_404(client, make, regulator):
    assert post(client, make.uscc(), "awards", AWARD, regulator).status_code == 404


def test_rescind_marks_the_record_and_keeps_it_in_the_file(client, firm, regulator):
    record = post(client, firm, "violations", violation(), regulator).get_json()
    response = client.post(
        f"/api/v1/records/{record['id']}/rescind",
        json={"reason": "决定书已被撤销"},
        headers=regulator,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "rescinded"
    assert body["corrections"][0]["reason"] == "决定书已被撤销"
    assert body["corrections"][0]["actor"].startswith("regulator-")
    again = client.post(
        f"/api/v1/records/{record['id']}/rescind", json={"reason": "x"}, headers=regulator
    )
    assert again.status_code == 409
    file = client.get(f"/api/v1/enterprises/{firm}/file", headers=regulator).get_json()
    assert [r["status"] for r in file["records"]] == ["rescinded"]
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert profile["violations"] == []


def test_rescind_needs_a_reason_the_region_and_a_known_record(client, make, firm, regulator):
    record = post(client, firm, "violations", violation(), regulator).get_json()
    url = f"/api/v1/records/{record['id']}/rescind"
    assert client.post(url, json={}, headers=regulator).status_code == 422
    assert client.post(url, json={"reason": "  "}, headers=regulator).status_code == 422
    other = make.headers("regulator", region="3304")
    assert client.post(url, json={"reason": "x"}, headers=other).status_code == 403
    assert (
        client.post(
            "/api/v1/records/999999/rescind", json={"reason": "x"}, headers=regulator
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/records/99999999999999999999/rescind", json={"reason": "x"}, headers=regulator
        ).status_code
        == 404
    )


def test_revoking_an_honour_takes_it_out_of_force_from_that_day(client, firm, regulator):
    award = post(client, firm, "awards", AWARD, regulator).get_json()
    response = client.post(
        f"/api/v1/records/{award['id']}/revoke",
        headers=regulator,
        json={
            "reason": "获奖企业发生重大质量事故",
            "revoked_on": days_ago(0),
            "document_no": "镇政发〔2026〕9号",
        },
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "revoked"
    assert client.get(f"/api/v1/enterprises/{firm}").get_json()["awards"] == []


def test_revocation_rules(client, firm, regulator):
    award = post(client, firm, "awards", AWARD, regulator).get_json()
    fine = post(client, firm, "violations", violation(), regulator).get_json()
    url = "/api/v1/records/{}/revoke"
    early = client.post(
        url.format(award["id"]), headers=regulator, json={"reason": "x", "revoked_on": "2024-12-31"}
    )
    assert early.status_code == 422 and "revoked_on" in early.get_json()["errors"]
    future = client.post(
        url.format(award["id"]), headers=regulator, json={"reason": "x", "revoked_on": days_ago(-1)}
    )
    assert future.status_code == 422
    not_revocable = client.post(
        url.format(fine["id"]), headers=regulator, json={"reason": "x", "revoked_on": days_ago(0)}
    )
    assert not_revocable.status_code == 409


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
@pytest.mark.parametrize(
    "severity, months", [("minor", 3), ("general", 12), ("serious", 36), ("especially_serious", 36)]
)
def test_public_profile_shows_a_violation_only_inside_its_display_period(
    client, firm, regulator, today, severity, months
):
    first_shown = first_start_inside(today, months)
    inside = violation(severity=severity, decided_on=first_shown.isoformat(), decision_no="inside")
    outside = violation(
        severity=severity, decided_on=days_ago(1, first_shown), decision_no="outside"
    )
    for body in (inside, outside):
        assert post(client, firm, "violations", body, regulator).status_code == 201
    shown = client.get(f"/api/v1/enterprises/{firm}").get_json()["violations"]
    assert [v["decision_no"] for v in shown] == ["inside"]
    assert shown[0]["display_until"] >= today.isoformat()
    file = client.get(f"/api/v1/enterprises/{firm}/file", headers=regulator).get_json()
    assert {r["decision_no"]: r["shown_publicly"] for r in file["records"]} == {
        "inside": True,
        "outside": False,
    }
    assert {r["decision_no"]: r["display_until"] < today.isoformat() for r in file["records"]} == {
        "inside": False,
        "outside": True,
    }


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
def test_public_profile_shows_honours_and_certificates_only_in_force(
    client, firm, regulator, today
):
    post(client, firm, "awards", {**AWARD, "expires_on": days_ago(0, today)}, regulator)
    post(
        client,
        firm,
        "awards",
        {**AWARD, "document_no": "2", "expires_on": days_ago(-1, today)},
        regulator,
    )
    post(client, firm, "certifications", {**CERT, "valid_to": days_ago(1, today)}, regulator)
    post(
        client,
        firm,
        "certifications",
        {**CERT, "certificate_no": "2", "valid_to": days_ago(0, today)},
        regulator,
    )
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert [a["document_no"] for a in profile["awards"]] == ["2"]
    assert [c["certificate_no"] for c in profile["certifications"]] == ["2"]


def test_the_credit_file_is_for_the_regulator_of_the_region_and_the_firm_itself(
    client, make, firm, regulator
):
    post(client, firm, "inspections", INSPECTION, regulator)
    own = make.headers("enterprise", uscc=firm)
    assert client.get(f"/api/v1/enterprises/{firm}/file", headers=own).status_code == 200
    body = client.get(f"/api/v1/enterprises/{firm}/file", headers=regulator).get_json()
    assert body["records"][0]["kind"] == "inspection"
    for headers, status in (
        (make.headers("enterprise"), 403),
        (make.headers("regulator", region="6207"), 403),
        (make.headers("procurement"), 403),
        ({}, 401),
    ):
        assert client.get(f"/api/v1/enterprises/{firm}/file", headers=headers).status_code == status


def test_every_write_updates_the_current_state_row(client, session, firm, regulator):
    record = post(
        client,
        firm,
        "violations",
        violation(fine_amount="2000000.00", decided_on=days_ago(10)),
        regulator,
    ).get_json()
    state = session.scalar(
        select(EnterpriseState).join(Record, Record.enterprise_id == EnterpriseState.enterprise_id)
    )
    assert state.last_major_violation_on.isoformat() == days_ago(10)
    assert state.active_records == 1
    client.post(f"/api/v1/records/{record['id']}/rescind", json={"reason": "错"}, headers=regulator)
    session.expire_all()
    state = session.get(EnterpriseState, state.enterprise_id)
    assert state.last_major_violation_on is None
    assert state.active_records == 0


def test_catalog_lists_every_enumeration_with_chinese_labels(client):
    catalog = client.get("/api/v1/catalog").get_json()
    assert {
        "grades",
        "risk_classes",
        "award_kinds",
        "violation_categories",
        "severities",
        "certification_schemes",
        "inspection_levels",
    } <= catalog.keys()
    assert {"code": "serious", "label_zh": "严重", "group": None, "legal_basis": None} in catalog[
        "severities"
    ]
    assert [g["code"] for g in catalog["grades"]] == ["AAA", "AA", "A", "B", "C", "D"]


def test_catalog_labels_the_industries_in_their_stored_form(client):
    industries = {
        entry["code"]: entry for entry in client.get("/api/v1/catalog").get_json()["industries"]
    }
    assert industries["C"] == {"code": "C", "label_zh": "制造业", "group": "C", "legal_basis": None}
    assert industries["C38"]["label_zh"] == "电气机械和器材制造业"
    assert industries["C38"]["group"] == "C"
    assert "38" not in industries
    assert all(code[0] == entry["group"] for code, entry in industries.items())


def test_every_demo_firms_industry_is_labelled_in_the_catalog(client):
    codes = {entry["code"] for entry in client.get("/api/v1/catalog").get_json()["industries"]}
    assert {code for code, _words in TRADES} <= codes
