"""The record kinds the policies name, through the API: written, listed in the catalog with their
labels and legal basis, and graded by the default ruleset."""

from __future__ import annotations


def test_the_catalog_lists_the_new_kinds_with_labels_and_basis(client):
    catalog = client.get("/api/v1/catalog").get_json()
    schemes = {entry["code"]: entry for entry in catalog["certification_schemes"]}
    awards = {entry["code"]: entry for entry in catalog["award_kinds"]}
    assert schemes["green_food"]["label_zh"] == "绿色食品"
    assert "ISO 10012" in schemes["measurement_management"]["label_zh"]
    assert schemes["production_licence"]["legal_basis"].startswith("《工业产品生产许可证管理条例》")
    assert awards["geographical_indication"]["label_zh"] == "地理标志保护产品"


def test_new_kinds_are_recorded_and_graded(client, make, regulator):
    firm = make.enterprise()
    base = f"/api/v1/enterprises/{firm}"
    ids = {}
    for scheme in ("measurement_management", "production_licence", "zhejiang_made"):
        response = client.post(
            f"{base}/certifications",
            headers=regulator,
            json={
                "scheme": scheme,
                "certificate_no": f"{scheme}-001",
                "issuer": "演示认证机构",
                "valid_from": "2025-01-01",
                "valid_to": "2028-12-31",
            },
        )
        assert response.status_code == 201, response.get_json()
        ids[scheme] = response.get_json()["id"]
    award = client.post(
        f"{base}/awards",
        headers=regulator,
        json={
            "kind": "geographical_indication",
            "level": "national",
            "title": "镇江香醋",
            "issuer": "国家知识产权局",
            "awarded_on": "2024-05-01",
        },
    )
    assert award.status_code == 201, award.get_json()
    grade = client.get(f"{base}/grade", headers=regulator).get_json()
    assert grade["ruleset"] == "qc-2026.4"
    counted = {line["record_id"]: line["points"] for line in grade["explanation"]}
    assert counted[ids["measurement_management"]] == "2"
    assert counted[ids["zhejiang_made"]] == "2"
    assert counted[award.get_json()["id"]] == "4"
    assert ids["production_licence"] not in counted  # recorded, worth no points
    profile = client.get(base).get_json()
    assert {c["scheme"] for c in profile["certifications"]} == set(ids)
