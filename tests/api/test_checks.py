"""Procurement and lending checks: each eligibility rule at its boundary, order, as-of, bad input,
roles, and the query log."""

import datetime

import pytest
from sqlalchemy import update

from credit.models import Enterprise, Record
from credit.rules import periods
from tests.days import DEFAULT_TODAY, SOME_DAYS, days_before

PROCUREMENT = "/api/v1/checks/procurement"
LENDING = "/api/v1/checks/lending"
AUTHORITY = "镇江市市场监督管理局"


def years_ago(years: int, days: int = 0, today: datetime.date = DEFAULT_TODAY) -> str:
    return days_before(periods.months_before(today, 12 * years), days).isoformat()


def fine(client, headers, firm, n, **fields):
    body = {
        "category": "administrative_penalty",
        "severity": "general",
        "decided_on": years_ago(0, 10),
        "authority": AUTHORITY,
        "decision_no": f"罚{n}",
    }
    body.update(fields)
    response = client.post(f"/api/v1/enterprises/{firm}/violations", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def check(client, headers, codes, **body):
    return client.post(PROCUREMENT, json={"uscc": codes, **body}, headers=headers)


def verdict(client, headers, firm, **body):
    return check(client, headers, [firm], **body).get_json()["results"][0]


@pytest.mark.parametrize("amount, eligible", [("1999999.99", True), ("2000000.00", False)])
def test_a_fine_of_two_million_yuan_is_a_major_record(
    client, make, regulator, buyer, amount, eligible
):
    firm = make.enterprise()
    record = fine(client, regulator, firm, 1, fine_amount=amount)
    result = verdict(client, buyer, firm)
    assert result["eligible"] is eligible
    if not eligible:
        (reason,) = [r for r in result["reasons"] if r["severity"] == "block"]
        assert (reason["code"], reason["record_id"]) == ("major_fine", record["id"])
        assert "第十九条" in reason["legal_basis"]
        assert "2000000.00" in reason["detail"]


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
@pytest.mark.parametrize(
    "category", ["criminal_penalty", "production_suspended", "licence_revoked"]
)
def test_major_violation_categories_block_for_three_years(
    client, make, regulator, buyer, category, today
):
    exactly = make.enterprise()
    fine(
        client,
        regulator,
        exactly,
        1,
        category=category,
        severity="serious",
        decided_on=years_ago(3, today=today),
    )
    older = make.enterprise()
    fine(
        client,
        regulator,
        older,
        2,
        category=category,
        severity="serious",
        decided_on=years_ago(3, days=1, today=today),
    )
    blocked, clear = check(client, buyer, [exactly, older]).get_json()["results"]
    assert blocked["eligible"] is False
    assert [r["code"] for r in blocked["reasons"] if r["severity"] == "block"] == [category]
    assert clear["eligible"] is True
    assert not [r for r in clear["reasons"] if r["severity"] == "block"]


def test_a_blacklisted_supplier_is_blocked_citing_the_listings_own_basis(
    client, make, regulator, buyer
):
    firm = make.enterprise()
    listing = client.post(
        "/api/v1/blacklist",
        headers=regulator,
        json={
            "uscc": firm,
            "reason": "制售假冒伪劣产品",
            "legal_basis": "《产品质量法》第五十条（本市规定）",
            "decision_no": "镇失信1号",
            "listed_on": years_ago(0, 3),
        },
    ).get_json()
    result = verdict(client, buyer, firm)
    assert result["eligible"] is False and result["grade"] == "D"
    block = next(r for r in result["reasons"] if r["code"] == "blacklisted")
    assert block["legal_basis"] == "《产品质量法》第五十条（本市规定）"
    assert block["record_id"] == listing["id"]
    assert {r["code"] for r in result["reasons"]} >= {"blacklisted", "low_grade"}


def test_warnings_do_not_block(client, make, regulator, buyer):
    firm = make.enterprise()
    record = fine(client, regulator, firm, 1, severity="serious")
    result = verdict(client, buyer, firm)
    assert result["eligible"] is True
    assert {(r["code"], r["severity"]) for r in result["reasons"]} == {
        ("serious_violation", "warn"),
        ("low_grade", "warn"),
    }
    assert (
        next(r for r in result["reasons"] if r["code"] == "serious_violation")["record_id"]
        == record["id"]
    )


def test_a_disputed_listing_is_a_warning_besides_the_block(client, make, regulator, buyer):
    firm = make.enterprise()
    listing = client.post(
        "/api/v1/blacklist",
        headers=regulator,
        json={
            "uscc": firm,
            "reason": "x",
            "legal_basis": "y",
            "decision_no": "z",
            "listed_on": years_ago(0),
        },
    ).get_json()
    client.post(
        f"/api/v1/blacklist/{listing['id']}/objections",
        json={"reason": "异议"},
        headers=make.headers("enterprise", uscc=firm),
    )
    codes = {r["code"] for r in verdict(client, buyer, firm)["reasons"]}
    assert {"blacklisted", "listing_disputed"} <= codes


def test_results_come_in_the_order_asked_with_repeats_and_unknown_codes(client, make, buyer):
    first, second = make.enterprise(), make.enterprise()
    unknown = make.uscc()
    response = check(client, buyer, [second, unknown, first, second])
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["uscc"] for r in results] == [second, unknown, first, second]
    assert results[1] == {
        "uscc": unknown,
        "found": False,
        "eligible": None,
        "grade": None,
        "graded": None,
        "reasons": [],
    }
    # a firm with no credit record is eligible, and not graded
    assert results[0]["eligible"] is True and results[0]["grade"] is None
    assert results[0]["graded"] is False


def test_as_of_answers_what_the_registry_knew_that_day(
    client, session, make, regulator, buyer, today
):
    firm = make.enterprise()
    session.execute(
        update(Enterprise)
        .where(Enterprise.uscc == firm)
        .values(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    )
    session.flush()
    fine(client, regulator, firm, 1, category="criminal_penalty", decided_on=years_ago(1))
    yesterday = days_before(today, 1).isoformat()
    assert verdict(client, buyer, firm)["eligible"] is False
    earlier = check(client, buyer, [firm], as_of=yesterday).get_json()
    assert earlier["as_of"] == yesterday
    assert earlier["results"][0]["eligible"] is True
    before_known = check(client, buyer, [make.enterprise()], as_of=yesterday).get_json()
    assert before_known["results"][0]["found"] is False


@pytest.mark.parametrize(
    "body, field",
    [
        ({"uscc": []}, "uscc"),
        ({"uscc": "91321100700004117A"}, "uscc"),
        ({"uscc": ["91321100700004117A"] * 3 + ["91321100700004117B"]}, "uscc.3"),
        ({"uscc": ["91321100700004117A"], "as_of": "2999-01-01"}, "as_of"),
        ({"uscc": ["91321100700004117A"], "colour": "red"}, "colour"),
        ({"uscc": ["91321100700004117A"] * 11}, "uscc.10"),
    ],
)
def test_bad_checks_are_422_naming_the_field(client, buyer, body, field):
    response = client.post(PROCUREMENT, json=body, headers=buyer)
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()


def test_more_than_a_thousand_codes_is_422(client, make, buyer):
    codes = [make.uscc() for _ in range(1001)]
    response = check(client, buyer, codes)
    assert response.status_code == 422 and "uscc" in response.get_json()["errors"]


def test_a_thousand_codes_are_answered(client, make, buyer):
    codes = [make.uscc() for _ in range(999)] + [make.enterprise()]
    results = check(client, buyer, codes).get_json()["results"]
    assert len(results) == 1000 and results[-1]["found"] is True


def test_who_may_check(client, make, regulator, bank):
    firm = make.enterprise()
    assert check(client, {}, [firm]).status_code == 401
    assert check(client, make.headers("enterprise", uscc=firm), [firm]).status_code == 403
    for headers in (regulator, bank, make.headers("procurement")):
        assert check(client, headers, [firm]).status_code == 200
    lend = {"uscc": [firm], "purpose": "流动资金贷款贷前审查"}
    assert client.post(LENDING, json=lend, headers=make.headers("procurement")).status_code == 403
    assert client.post(LENDING, json=lend, headers=regulator).status_code == 403
    assert client.post(LENDING, json={"uscc": [firm]}, headers=bank).status_code == 422


def test_lending_check_gives_facts_and_signals(client, make, regulator, bank):
    firm = make.enterprise()
    fine(client, regulator, firm, 1, severity="serious", decided_on=years_ago(0, 30))
    fine(client, regulator, firm, 2, decided_on=years_ago(2))
    client.post(
        f"/api/v1/enterprises/{firm}/inspections",
        headers=regulator,
        json={
            "level": "provincial",
            "product": "电线",
            "sampled_on": years_ago(0, 5),
            "result": "fail",
            "failed_items": ["绝缘电阻"],
        },
    )
    client.post(
        f"/api/v1/enterprises/{firm}/awards",
        headers=regulator,
        json={
            "kind": "famous_trademark",
            "level": "provincial",
            "title": "江苏省著名商标",
            "issuer": "江苏省市场监督管理局",
            "awarded_on": years_ago(1),
        },
    )
    response = client.post(
        LENDING, headers=bank, json={"uscc": [firm, make.uscc()], "purpose": "贷后监控"}
    )
    assert response.status_code == 200
    known, unknown = response.get_json()["results"]
    assert known["found"] is True and unknown["found"] is False
    assert known["violations_36m"] == 2 and known["failed_inspections_12m"] == 1
    assert set(known["flags"]) == {"serious_violation_12m", "failed_inspection_12m", "low_grade"}
    assert [a["title"] for a in known["awards"]] == ["江苏省著名商标"]
    assert known["grade"] == "D" and known["blacklisted"] is False
    assert known["score"] == "35.00"  # 60 - 20 - 4 (half weight) - 5 + 4


def lend(client, bank, firm) -> dict:
    response = client.post(LENDING, headers=bank, json={"uscc": [firm], "purpose": "授信审批"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"][0]


def sampled(client, regulator, firm, day: str, result: str = "fail") -> None:
    body = {"level": "provincial", "product": "电线", "sampled_on": day, "result": result}
    if result == "fail":
        body["failed_items"] = ["绝缘电阻"]
    response = client.post(f"/api/v1/enterprises/{firm}/inspections", headers=regulator, json=body)
    assert response.status_code == 201, response.get_json()


def honoured(client, regulator, firm, awarded_on: str, expires_on: str | None) -> None:
    body = {
        "kind": "famous_trademark",
        "level": "provincial",
        "title": "江苏省著名商标",
        "issuer": "江苏省市场监督管理局",
        "awarded_on": awarded_on,
        "expires_on": expires_on,
    }
    response = client.post(f"/api/v1/enterprises/{firm}/awards", headers=regulator, json=body)
    assert response.status_code == 201, response.get_json()


def test_a_lender_is_told_nothing_of_records_outside_its_look_backs(client, make, regulator, bank):
    firm = make.enterprise()
    make.record(firm)
    fine(client, regulator, firm, 1, severity="serious", decided_on=years_ago(3, 1))
    sampled(client, regulator, firm, years_ago(1, 1))
    honoured(client, regulator, firm, years_ago(5), DEFAULT_TODAY.isoformat())
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    answer = lend(client, bank, firm)
    assert (answer["violations_36m"], answer["failed_inspections_12m"]) == (0, 0)
    assert answer["awards"] == [] and answer["flags"] == []
    assert (answer["grade"], answer["risk_class"]) == (profile["grade"], profile["risk_class"])


def test_a_lender_is_told_of_records_on_the_first_day_of_its_look_backs(
    client, make, regulator, bank
):
    tomorrow = (DEFAULT_TODAY + datetime.timedelta(days=1)).isoformat()
    violated, failed, honour = make.enterprise(), make.enterprise(), make.enterprise()
    for firm in (violated, failed, honour):
        make.record(firm)
    fine(client, regulator, violated, 1, severity="serious", decided_on=years_ago(3))
    sampled(client, regulator, failed, years_ago(1))
    honoured(client, regulator, honour, years_ago(5), tomorrow)
    assert lend(client, bank, violated)["violations_36m"] == 1
    assert lend(client, bank, failed)["flags"] == ["failed_inspection_12m"]
    assert [a["title"] for a in lend(client, bank, honour)["awards"]] == ["江苏省著名商标"]


def test_the_query_log_shows_who_looked_and_why_to_the_firm_and_its_regulator(
    client, make, regulator, bank, buyer
):
    firm = make.enterprise()
    client.post(LENDING, headers=bank, json={"uscc": [firm], "purpose": "授信审批"})
    check(client, buyer, [firm], project="ZJCG-2026-118")
    client.get(
        f"/api/v1/enterprises/{firm}/file", headers=bank, query_string={"purpose": "贷后检查"}
    )
    own = make.headers("enterprise", uscc=firm)
    log = client.get(f"/api/v1/enterprises/{firm}/queries", headers=own)
    assert log.status_code == 200
    entries = log.get_json()["items"]
    assert [(e["kind"], e["purpose"], e["project"]) for e in entries] == [
        ("file_read", "贷后检查", None),
        ("procurement_check", None, "ZJCG-2026-118"),
        ("lending_check", "授信审批", None),
    ]
    assert {e["role"] for e in entries} == {"bank", "procurement"}
    assert client.get(f"/api/v1/enterprises/{firm}/queries", headers=regulator).status_code == 200
    for headers, status in (
        (make.headers("enterprise"), 403),
        (bank, 403),
        (buyer, 403),
        (make.headers("regulator", region="3501"), 403),
        ({}, 401),
    ):
        assert (
            client.get(f"/api/v1/enterprises/{firm}/queries", headers=headers).status_code == status
        )


def test_a_bank_reads_a_file_only_with_a_purpose(client, make, bank):
    firm = make.enterprise()
    without = client.get(f"/api/v1/enterprises/{firm}/file", headers=bank)
    assert without.status_code == 422 and "purpose" in without.get_json()["errors"]
    with_purpose = client.get(
        f"/api/v1/enterprises/{firm}/file", headers=bank, query_string={"purpose": "贷前调查"}
    )
    assert with_purpose.status_code == 200 and with_purpose.get_json()["uscc"] == firm


def test_a_bank_sees_the_grade_explanation_with_a_purpose_and_is_logged(client, make, bank):
    firm = make.graded_enterprise()
    plain = client.get(f"/api/v1/enterprises/{firm}/grade", headers=bank).get_json()
    assert "explanation" not in plain
    explained = client.get(
        f"/api/v1/enterprises/{firm}/grade", headers=bank, query_string={"purpose": "授信评审"}
    ).get_json()
    assert explained["explanation"][0]["rule"] == "base"
    own = make.headers("enterprise", uscc=firm)
    log = client.get(f"/api/v1/enterprises/{firm}/queries", headers=own).get_json()["items"]
    assert [(e["kind"], e["purpose"]) for e in log] == [("grade_explanation", "授信评审")]


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
