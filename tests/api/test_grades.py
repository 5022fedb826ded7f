"""Grades over HTTP: moving with every write, history, as-of, overrides, privacy, the plan."""

import csv
import datetime
import io

import pytest
from sqlalchemy import select

from credit.models import Assessment, EnterpriseState
from credit.rules import periods
from tests.days import DEFAULT_TODAY, SOME_DAYS, days_before, first_start_inside, last_start_ended

AUTHORITY = "镇江市市场监督管理局"


def day(offset: int, today: datetime.date = DEFAULT_TODAY) -> str:
    return days_before(today, -offset).isoformat()


@pytest.fixture
def firm(make):
    return make.enterprise(region="321102", registered_on=datetime.date(2010, 1, 1))


def add(client, firm, kind, body, headers):
    response = client.post(f"/api/v1/enterprises/{firm}/{kind}", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def iso_9001(n="1"):
    return {
        "scheme": "iso_9001",
        "certificate_no": f"Q{n}",
        "issuer": "中国质量认证中心",
        "valid_from": day(-400),
        "valid_to": day(700),
    }


def national_award(today: datetime.date = DEFAULT_TODAY):
    return {
        "kind": "china_quality_award",
        "level": "national",
        "title": "中国质量奖",
        "issuer": "国务院",
        "awarded_on": day(-100, today),
        "document_no": "国质奖1",
    }


def fine(severity="general", decided=-30, n="1", **kw):
    return {
        "category": "administrative_penalty",
        "severity": severity,
        "decided_on": day(decided),
        "authority": AUTHORITY,
        "decision_no": f"镇市监罚{n}",
        **kw,
    }


def grade(client, firm, headers=None, **query):
    response = client.get(
        f"/api/v1/enterprises/{firm}/grade", headers=headers or {}, query_string=query
    )
    return response


def test_a_firm_without_records_is_not_graded(client, firm, regulator):
    body = grade(client, firm, regulator).get_json()
    assert (body["grade"], body["score"], body["risk_class"]) == (None, None, None)
    assert body["graded"] is False and body["ruleset"] == "qc-2026.4"
    assert body["explanation"] == [] and body["caps"] == []
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert (profile["grade"], profile["risk_class"], profile["graded"]) == (None, None, False)
    file = client.get(f"/api/v1/enterprises/{firm}/file", headers=regulator).get_json()
    assert (file["grade"], file["graded"]) == (None, False)


def test_one_record_grades_a_firm_from_the_base_score(client, firm, regulator):
    add(
        client,
        firm,
        "inspections",
        {"level": "municipal", "product": "电缆", "sampled_on": day(-5), "result": "pass"},
        regulator,
    )
    body = grade(client, firm, regulator).get_json()
    assert (body["grade"], body["score"], body["risk_class"]) == ("B", "61.00", "B")
    assert body["graded"] is True
    assert body["explanation"][0] == {
        "rule": "base",
        "points": "60",
        "record_id": None,
        "detail": "基础分",
    }
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert (profile["grade"], profile["risk_class"], profile["graded"]) == ("B", "B", True)


def test_a_rescinded_only_record_leaves_the_firm_ungraded_again(client, firm, regulator):
    record = add(client, firm, "certifications", iso_9001(), regulator)
    assert grade(client, firm, regulator).get_json()["grade"] == "B"
    client.post(
        f"/api/v1/records/{record['id']}/rescind", json={"reason": "录入错误"}, headers=regulator
    )
    assert grade(client, firm, regulator).get_json()["graded"] is False


def test_an_ungraded_firm_cannot_be_overridden(client, firm, regulator):
    response = client.post(
        f"/api/v1/enterprises/{firm}/grade/override",
        headers=regulator,
        json={"grade": "A", "reason": "复核", "valid_until": day(3)},
    )
    assert response.status_code == 409 and "not graded" in response.get_json()["detail"]


def test_assessments_under_the_earlier_ruleset_still_reproduce():
    from credit.grading import ruleset as rulesets
    from credit.grading.engine import Inputs, assess

    earlier = assess(Inputs(), rulesets.load("qc-2026.1"), datetime.date(2026, 6, 15))
    assert (earlier.grade, str(earlier.score)) == ("B", "60.00")
    now = assess(Inputs(), rulesets.load("qc-2026.2"), datetime.date(2026, 6, 15))
    assert (now.grade, now.score, now.graded) == (None, None, False)


def test_the_grade_moves_with_every_kind_of_write(client, firm, regulator):
    cert = add(client, firm, "certifications", iso_9001(), regulator)
    assert grade(client, firm, regulator).get_json()["score"] == "66.00"
    add(client, firm, "awards", national_award(), regulator)
    body = grade(client, firm, regulator).get_json()
    assert (body["grade"], body["score"]) == ("AA", "80.00")
    assert {line["record_id"] for line in body["explanation"][1:]} == {cert["id"], cert["id"] + 1}
    add(
        client,
        firm,
        "inspections",
        {"level": "municipal", "product": "电缆", "sampled_on": day(-5), "result": "pass"},
        regulator,
    )
    assert grade(client, firm, regulator).get_json()["score"] == "81.00"
    violation = add(client, firm, "violations", fine("serious"), regulator)
    body = grade(client, firm, regulator).get_json()
    assert (body["score"], body["grade"]) == ("61.00", "B")
    assert body["caps"][0]["rule"] == "caps.serious_violation"
    client.post(
        f"/api/v1/records/{violation['id']}/rescind", json={"reason": "错"}, headers=regulator
    )
    assert grade(client, firm, regulator).get_json()["grade"] == "AA"
    client.post(
        f"/api/v1/records/{cert['id']}/revoke",
        headers=regulator,
        json={"reason": "证书撤销", "revoked_on": day(0)},
    )
    assert grade(client, firm, regulator).get_json()["score"] == "75.00"


def test_history_lists_each_change_newest_first_and_skips_non_changes(
    client, session, firm, regulator
):
    add(client, firm, "certifications", iso_9001(), regulator)
    add(client, firm, "certifications", iso_9001("2"), regulator)  # ISO 9001 counts once
    body = client.get(f"/api/v1/enterprises/{firm}/grades", headers=regulator).get_json()
    assert [(a["grade"], a["score"], a["trigger"]) for a in body["items"]] == [
        ("B", "66.00", "record_added"),
        (None, None, "enterprise_registered"),
    ]
    assert body["total"] == 2
    assert len(body["items"][0]["fingerprint"]) == 64


def test_the_explanation_is_for_the_regulator_and_the_firm_only(client, make, firm, regulator):
    add(client, firm, "awards", national_award(), regulator)
    public = grade(client, firm).get_json()
    assert set(public) >= {"grade", "risk_class", "as_of", "valid_until", "assessed_at"}
    assert not {"explanation", "caps", "score"} & set(public)
    own = grade(client, firm, make.headers("enterprise", uscc=firm)).get_json()
    assert own["explanation"]
    for headers in (
        make.headers("enterprise"),
        make.headers("regulator", region="3501"),
        make.headers("procurement"),
    ):
        assert "explanation" not in grade(client, firm, headers).get_json()
    history = f"/api/v1/enterprises/{firm}/grades"
    assert client.get(history).status_code == 401
    assert client.get(history, headers=make.headers("bank")).status_code == 403
    assert client.get(history, headers=make.headers("enterprise", uscc=firm)).status_code == 200


def test_as_of_answers_with_what_the_registry_knew_that_day(client, firm, regulator):
    add(client, firm, "violations", fine("general", decided=-400), regulator)
    today = grade(client, firm, regulator).get_json()
    assert today["score"] == "56.00"  # half weight after 12 months
    earlier = grade(client, firm, regulator, as_of=day(-1)).get_json()
    assert earlier["as_of"] == day(-1)
    assert earlier["graded"] is False  # the record was not known yesterday


def test_as_of_windows_are_measured_from_that_day(client, firm, regulator):
    add(client, firm, "violations", fine("general", decided=-3), regulator)
    assert grade(client, firm, regulator, as_of=day(0)).get_json()["score"] == "52.00"


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
def test_a_violation_counts_in_full_for_12_months_then_half_up_to_36(
    client, firm, regulator, today
):
    decided = {
        "full": first_start_inside(today, 12),
        "half": last_start_ended(today, 12),
        "still_half": first_start_inside(today, 36),
        "gone": last_start_ended(today, 36),
    }
    names = {
        add(client, firm, "violations", fine(n=name, decided_on=on.isoformat()), regulator)[
            "id"
        ]: name
        for name, on in decided.items()
    }
    body = grade(client, firm, regulator).get_json()
    assert {
        names[line["record_id"]]: line["rule"] for line in body["explanation"] if line["record_id"]
    } == {
        "full": "violations.general",
        "half": "violations.general.half_weight",
        "still_half": "violations.general.half_weight",
    }
    assert body["score"] == "44.00"


@pytest.mark.parametrize(
    "as_of, status", [(day(1), 422), ("2026-13-01", 422), ("yesterday", 422), ("2009-12-31", 404)]
)
def test_bad_as_of(client, firm, as_of, status):
    response = grade(client, firm, as_of=as_of)
    assert response.status_code == status
    if status == 422:
        assert "as_of" in response.get_json()["errors"]
    else:
        assert "registered on 2010-01-01" in response.get_json()["detail"]


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
def test_an_override_shows_with_its_reason_and_ends_at_its_expiry(
    client, session, firm, regulator, today
):
    add(
        client,
        firm,
        "inspections",
        {"level": "municipal", "product": "电缆", "sampled_on": day(-5), "result": "pass"},
        regulator,
    )
    response = client.post(
        f"/api/v1/enterprises/{firm}/grade/override",
        headers=regulator,
        json={"grade": "C", "reason": "重大质量事故调查中", "valid_until": day(30, today)},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["grade"], body["computed_grade"], body["risk_class"]) == ("C", "B", "C")
    assert body["override"] == {
        "grade": "C",
        "reason": "重大质量事故调查中",
        "valid_until": day(30, today),
    }
    public = grade(client, firm).get_json()
    assert public["grade"] == "C" and public["override"]["reason"] == "重大质量事故调查中"
    state = session.scalar(select(EnterpriseState).where(EnterpriseState.grade == "C"))
    assert state.next_change_on.isoformat() == day(31, today)


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
def test_an_override_lasts_at_most_as_long_as_a_grade_is_valid(
    client, make, firm, regulator, today
):
    make.record(firm)  # an ungraded firm cannot be overridden
    url = f"/api/v1/enterprises/{firm}/grade/override"
    latest = periods.last_day(today, 12)
    too_long = client.post(
        url,
        headers=regulator,
        json={"grade": "A", "reason": "复核", "valid_until": periods.day_after(latest).isoformat()},
    )
    assert too_long.status_code == 422
    assert latest.isoformat() in str(too_long.get_json()["errors"]["valid_until"])
    longest = client.post(
        url,
        headers=regulator,
        json={"grade": "A", "reason": "复核", "valid_until": latest.isoformat()},
    )
    assert longest.status_code == 201, longest.get_json()
    body = longest.get_json()
    assert body["override"]["valid_until"] == body["valid_until"] == latest.isoformat()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"grade": "E", "reason": "x", "valid_until": day(3)}, "grade"),
        ({"grade": "A", "reason": "", "valid_until": day(3)}, "reason"),
        ({"grade": "A", "reason": "x", "valid_until": day(-1)}, "valid_until"),
        ({"grade": "A", "reason": "x", "valid_until": day(400)}, "valid_until"),
        ({"grade": "A", "reason": "x"}, "valid_until"),
    ],
)
def test_override_validation(client, firm, regulator, body, field):
    response = client.post(
        f"/api/v1/enterprises/{firm}/grade/override", headers=regulator, json=body
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_only_the_regional_regulator_overrides(client, make, firm):
    body = {"grade": "A", "reason": "复核", "valid_until": day(3)}
    url = f"/api/v1/enterprises/{firm}/grade/override"
    assert client.post(url, json=body).status_code == 401
    assert (
        client.post(url, json=body, headers=make.headers("regulator", region="3304")).status_code
        == 403
    )
    assert (
        client.post(url, json=body, headers=make.headers("enterprise", uscc=firm)).status_code
        == 403
    )


def test_a_stale_stored_grade_is_recomputed_on_read(client, session, firm, regulator, today):
    add(client, firm, "violations", fine("general", decided=-30), regulator)
    state = session.scalar(
        select(EnterpriseState)
        .where(EnterpriseState.grade.is_not(None))
        .where(EnterpriseState.active_records == 1)
    )
    # Pretend the stored grade was computed long ago and its next change has come.
    state.next_change_on = today
    state.grade = "AAA"
    session.flush()
    assert grade(client, firm).get_json()["grade"] == "C"
    assert client.get(f"/api/v1/enterprises/{firm}").get_json()["grade"] == "C"


def test_the_inspection_plan_is_reproducible_and_weighted_by_risk(client, make, regulator):
    firms = [make.graded_enterprise(region="321102") for _ in range(30)]
    headers = make.headers("regulator", region="3211")
    query = {"region": "321102", "date": day(0), "seed": 42}
    first = client.get("/api/v1/inspection-plan", headers=headers, query_string=query)
    assert first.status_code == 200
    plan = first.get_json()
    again = client.get("/api/v1/inspection-plan", headers=headers, query_string=query).get_json()
    assert plan == again
    b_class = next(c for c in plan["classes"] if c["risk_class"] == "B")
    assert b_class["population"] == 30 and b_class["sample_size"] == 5  # ceil(30 × 15 %)
    assert {f["uscc"] for f in b_class["enterprises"]} <= set(firms)
    other_seed = client.get(
        "/api/v1/inspection-plan", headers=headers, query_string={**query, "seed": 43}
    ).get_json()
    assert other_seed != plan
    as_csv = client.get(
        "/api/v1/inspection-plan", headers={**headers, "Accept": "text/csv"}, query_string=query
    )
    assert as_csv.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert len(rows) == 5 and {r["risk_class"] for r in rows} == {"B"}


def test_the_inspection_plan_is_for_regulators_of_the_region(client, make):
    query = {"region": "3211", "date": day(0), "seed": 1}
    assert client.get("/api/v1/inspection-plan", query_string=query).status_code == 401
    other = make.headers("regulator", region="3501")
    assert (
        client.get("/api/v1/inspection-plan", headers=other, query_string=query).status_code == 403
    )
    bad = client.get("/api/v1/inspection-plan", headers=other, query_string={"region": "x"})
    assert bad.status_code == 422 and {"region", "date", "seed"} <= bad.get_json()["errors"].keys()


@pytest.mark.parametrize("today", SOME_DAYS, indirect=True)
def test_every_assessment_records_its_ruleset_and_inputs(client, session, firm, regulator, today):
    add(client, firm, "awards", national_award(today), regulator)
    latest = session.scalars(select(Assessment).order_by(Assessment.id.desc())).first()
    assert latest.ruleset == "qc-2026.4"
    assert latest.trigger == "record_added"
    assert latest.valid_until == periods.last_day(today, 12)
    assert periods.within(latest.valid_until, today, 12)
    assert not periods.within(periods.day_after(latest.valid_until), today, 12)


def test_search_filters_by_grade(client, make, regulator):
    graded = make.enterprise(region="321102", name="镇江市优等电气有限公司")
    plain = make.graded_enterprise(region="321102", name="镇江市普通电气有限公司")
    add(client, graded, "certifications", iso_9001(), regulator)
    add(client, graded, "awards", national_award(), regulator)
    found = client.get("/api/v1/enterprises", query_string={"q": "电气", "grade": "AA"}).get_json()
    assert [i["uscc"] for i in found["items"]] == [graded]
    b_grade = client.get("/api/v1/enterprises", query_string={"q": "电气", "grade": "B"}).get_json()
    assert [i["uscc"] for i in b_grade["items"]] == [plain]
    bad = client.get("/api/v1/enterprises", query_string={"grade": "AAAA"})
    assert bad.status_code == 422 and "grade" in bad.get_json()["errors"]


def test_firms_not_yet_graded_are_sampled_as_a_stratum_of_their_own(client, make, regulator):
    graded = [make.graded_enterprise(region="321102") for _ in range(3)]
    ungraded = [make.enterprise(region="321102") for _ in range(7)]
    query = {"region": "321102", "date": day(0), "seed": 7}
    plan = client.get("/api/v1/inspection-plan", headers=regulator, query_string=query).get_json()
    strata = {c["risk_class"]: c for c in plan["classes"]}
    assert strata["B"]["population"] == 3 and strata["ungraded"]["population"] == 7
    assert strata["ungraded"]["ratio"] == "0.15" and strata["ungraded"]["sample_size"] == 2
    assert {f["uscc"] for f in strata["ungraded"]["enterprises"]} <= set(ungraded)
    assert {f["uscc"] for f in strata["B"]["enterprises"]} <= set(graded)
