"""A thousand-firm procurement or lending check gives, firm by firm, the answer of grading each firm
from its whole file; the answer sent is the one the schema documents."""

import datetime
import json

import pytest
from sqlalchemy import select, update

from credit import clock
from credit.api.checks import checked
from credit.auth.caller import Caller
from credit.grading import evidence
from credit.grading import ruleset as rulesets
from credit.grading.engine import assess
from credit.models import Enterprise, EnterpriseState
from credit.rules import display, periods
from credit.services import checks, grading, requests
from credit.services.enterprises import NewEnterprise, register_many
from credit.services.records import add_record, rescind_record
from schemas.checks import (
    LendingCheckOut,
    LendingResultOut,
    ProcurementCheckOut,
    ProcurementResultOut,
)
from tests.days import DEFAULT_TODAY, days_before

PROCUREMENT = "/api/v1/checks/procurement"
LENDING = "/api/v1/checks/lending"
AUTHORITY = "镇江市市场监督管理局"
FIRMS = 960


def years_ago(years: int, days: int = 0) -> datetime.date:
    return days_before(periods.months_before(DEFAULT_TODAY, 12 * years), days)


def violation(n: int, **fields) -> dict:
    return {
        "category": "administrative_penalty",
        "severity": "general",
        "decided_on": days_before(DEFAULT_TODAY, 20),
        "authority": AUTHORITY,
        "decision_no": f"镇市监罚〔2026〕{n}号",
        **fields,
    }


def inspection(n: int, **fields) -> dict:
    return {
        "level": "provincial",
        "product": "电线电缆",
        "sampled_on": days_before(DEFAULT_TODAY, 40),
        "result": "fail",
        "report_no": f"JS-2026-{n:04d}",
        "failed_items": ["导体电阻"],
        **fields,
    }


def award(n: int, **fields) -> dict:
    return {
        "award_kind": "famous_trademark",
        "level": "provincial",
        "title": f"江苏省著名商标{n}",
        "issuer": "江苏省市场监督管理局",
        "awarded_on": years_ago(1),
        **fields,
    }


OFFICER = Caller("officer", "regulator", region="3211")


def add(database, uscc: str, kind: str, fields: dict) -> int:
    with database.writing() as session:
        record, _ = add_record(session, OFFICER, uscc, kind, fields)
        return record.id


def certificate(n: int) -> dict:
    return {
        "scheme": "iso_9001",
        "certificate_no": f"CERT-{n}",
        "issuer": "中国质量认证中心",
        "valid_from": datetime.date(2000, 1, 1),
        "valid_to": datetime.date(2199, 12, 31),
    }


@pytest.fixture
def batch(make, database) -> list[str]:
    """960 firms of every kind a check tells apart, most with nothing in their file, then 20
    codes the registry does not know and 20 repeats: 1,000 codes."""
    codes = [make.uscc() for _ in range(FIRMS)]
    with database.writing() as session:
        register_many(
            session,
            [NewEnterprise(uscc=c, name=f"镇江批量{i}有限公司") for i, c in enumerate(codes)],
        )
    kinds = [
        (
            "violation",
            violation,
            {"category": "criminal_penalty", "severity": "especially_serious"},
        ),
        ("violation", violation, {"fine_fen": 200_000_000}),
        ("violation", violation, {"fine_fen": 199_999_999}),
        ("violation", violation, {"severity": "serious"}),
        ("violation", violation, {"severity": "serious", "decided_on": years_ago(2)}),
        ("violation", violation, {"category": "licence_revoked", "decided_on": years_ago(3, 1)}),
        ("violation", violation, {"category": "licence_revoked", "decided_on": years_ago(3)}),
        ("inspection", inspection, {}),
        ("inspection", inspection, {"sampled_on": years_ago(1, 1)}),
        ("inspection", inspection, {"result": "pass", "failed_items": []}),
        ("award", award, {}),
        ("award", award, {"awarded_on": years_ago(6), "expires_on": years_ago(1)}),
        ("certification", None, {}),
    ]
    firm = iter(codes)
    serial = iter(range(1, 1000))
    for kind, body, fields in kinds:
        for _ in range(3):
            if body is None:
                make.record(next(firm))
            else:
                add(database, next(firm), kind, body(next(serial), **fields))
    # Several records in one file, a low grade among them.
    crowded = next(firm)
    for n in range(4):
        add(database, crowded, "violation", violation(100 + n, severity="serious"))
    add(database, crowded, "award", award(110))
    # Listed on the blacklist; listed and objecting; a record under objection.
    make.listing(next(firm))
    objecting = next(firm)
    listing_id = make.listing(objecting)
    disputed = next(firm)
    record_id = add(database, disputed, "violation", violation(120, severity="serious"))
    with database.writing() as session:
        for uscc, kind, entry in (
            (objecting, "listing", listing_id),
            (disputed, "record", record_id),
        ):
            requests.file_objection(
                session, Caller("firm", "enterprise", uscc=uscc), kind, entry, "决定有误"
            )
    # A regulator's override to a low grade; another whose firm's one record was then rescinded.
    overridden = [next(firm), next(firm)]
    certificates = [
        add(database, uscc, "certification", certificate(n)) for n, uscc in enumerate(overridden)
    ]
    with database.writing() as session:
        for uscc, grade in zip(overridden, "CA", strict=True):
            grading.set_override(
                session, OFFICER, uscc, grade, "复核", DEFAULT_TODAY + datetime.timedelta(days=30)
            )
        rescind_record(session, OFFICER, certificates[1], "录入错误")
    # A closed firm, with and without records.
    closed = [next(firm), next(firm)]
    add(database, closed[1], "violation", violation(130))
    with database.writing() as session:
        session.execute(
            update(Enterprise).where(Enterprise.uscc.in_(closed)).values(status="deregistered")
        )
        # Rows that may not be served today: each firm is graded afresh from its file.
        stale = codes[-40:-20] + codes[:3]
        ids = select(Enterprise.id).where(Enterprise.uscc.in_(stale))
        session.execute(
            update(EnterpriseState)
            .where(EnterpriseState.enterprise_id.in_(ids))
            .values(next_change_on=DEFAULT_TODAY)
        )
    unknown = [make.uscc() for _ in range(20)]
    return codes + unknown + codes[:10] + codes[-10:]


def graded_from_file(session, codes, day):
    """Each code's standing, each firm read and graded from its whole file alone, one by one:
    what a check answered before it read state rows."""
    standings = {}
    for code in codes:
        firm = session.scalar(select(Enterprise).where(Enterprise.uscc == code))
        if firm is None or clock.business_date(firm.created_at) > day:
            continue
        facts = evidence.gather(session, [firm.id], disputes=True)[firm.id]
        inputs = facts.on(day)
        result = assess(inputs, rulesets.current(), day)
        standings[code] = checks.Standing.of(firm, result, inputs, facts.listings)
    return standings


def test_a_thousand_firm_procurement_check_answers_each_firm_as_its_file_does(
    client, database, batch, make
):
    buyer = make.headers("procurement")
    response = client.post(PROCUREMENT, json={"uscc": batch, "project": "ZJCG-1"}, headers=buyer)
    assert response.status_code == 200
    results = response.get_json()["results"]
    with database.reading() as session:
        reference = graded_from_file(session, batch, DEFAULT_TODAY)
    expected = []
    for code in batch:
        if code not in reference:
            expected.append(
                {"uscc": code, "found": False, "eligible": None, "grade": None, "graded": None}
                | {"reasons": []}
            )
            continue
        standing = reference[code]
        reasons = checks.procurement_reasons(standing, DEFAULT_TODAY)
        expected.append(
            ProcurementResultOut().dump(
                {
                    "uscc": code,
                    "found": True,
                    "name": standing.enterprise.name,
                    "status": checks.status_on(standing.enterprise, DEFAULT_TODAY),
                    "eligible": not any(r.severity == "block" for r in reasons),
                    "grade": standing.grade,
                    "risk_class": standing.risk_class,
                    "graded": standing.grade is not None,
                    "reasons": [r.__dict__ for r in reasons],
                }
            )
        )
    assert len(results) == len(expected) == 1000
    for got, want in zip(results, expected, strict=True):
        assert got == want
    assert sum(not r["found"] for r in results) == 20
    assert sum(r["eligible"] is False for r in results) >= 10
    assert {r["grade"] for r in results if r["found"]} >= {None, "B", "C", "D"}


def test_a_thousand_firm_lending_check_answers_each_firm_as_its_file_does(
    client, database, batch, make
):
    bank = make.headers("bank")
    response = client.post(LENDING, json={"uscc": batch, "purpose": "贷后监控"}, headers=bank)
    assert response.status_code == 200
    results = response.get_json()["results"]
    with database.reading() as session:
        reference = graded_from_file(session, batch, DEFAULT_TODAY)
    day = DEFAULT_TODAY
    expected = []
    for code in batch:
        if code not in reference:
            expected.append(
                {"uscc": code, "found": False, "grade": None, "graded": None, "score": None}
                | {"risk_class": None, "blacklisted": None, "flags": [], "awards": []}
                | {"violations_36m": None, "failed_inspections_12m": None}
            )
            continue
        standing = reference[code]
        flags = checks.lending_flags(standing, day)
        in_force = [
            r
            for r in standing.inputs.records
            if r.kind == "award"
            and display.status(r, day) != "rescinded"
            and display.in_force(r, day)
        ]
        expected.append(
            LendingResultOut().dump(
                {
                    "uscc": code,
                    "found": True,
                    "name": standing.enterprise.name,
                    "status": checks.status_on(standing.enterprise, DEFAULT_TODAY),
                    "grade": standing.grade,
                    "graded": standing.grade is not None,
                    "score": None if standing.score is None else str(standing.score),
                    "risk_class": standing.risk_class,
                    "blacklisted": standing.blacklisted,
                    **flags,
                    "awards": [display.describe(a, day, uscc=code) for a in in_force],
                }
            )
        )
    assert len(results) == len(expected) == 1000
    for got, want in zip(results, expected, strict=True):
        assert got == want
    flagged = {flag for r in results for flag in r["flags"]}
    assert flagged >= {
        "blacklisted",
        "listing_disputed",
        "major_violation_3y",
        "serious_violation_12m",
        "failed_inspection_12m",
        "low_grade",
        "grade_overridden",
        "deregistered",
    }
    assert any(r["awards"] for r in results)


@pytest.mark.parametrize(
    "service, schema, extra",
    [
        (checks.procurement_check, ProcurementCheckOut, {"project": "ZJCG-2"}),
        (checks.lending_check, LendingCheckOut, {"purpose": "授信"}),
    ],
)
def test_the_answer_sent_is_the_one_the_schema_documents(database, batch, service, schema, extra):
    with database.writing() as session:
        answer = service(session, Caller("checker", "bank"), batch, **extra)
        sent = json.loads(checked(answer).get_data())
    documented = schema()
    assert documented.validate(sent) == {}  # every field sent is documented, as documented
    assert documented.dump(documented.load(sent)) == sent
    assert any(r.get("reasons") or r.get("awards") for r in sent["results"])


def test_a_thousand_firm_check_logs_each_firm_once_in_one_statement(
    client, database, batch, make, count_statements
):
    buyer = make.headers("procurement")
    with count_statements(database) as counted:
        response = client.post(PROCUREMENT, json={"uscc": batch}, headers=buyer)
    assert response.status_code == 200
    inserts = [s for s in counted.statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1 and "query_log" in inserts[0]
    firm = batch[0]
    regulator = make.headers("regulator", region="3211")
    log = client.get(f"/api/v1/enterprises/{firm}/queries", headers=regulator).get_json()
    assert log["total"] == 1 and log["items"][0]["kind"] == "procurement_check"
