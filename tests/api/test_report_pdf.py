"""GET /api/v1/enterprises/{uscc}/report.pdf: the signed report as a PDF in Chinese, its attached
JWS and PAdES signature, who may fetch it, and that each download is logged."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
import time_machine

from credit.auth import certificates
from credit.services import reports
from credit.web import pdf_signature
from credit.web.credit_report import ATTACHMENT
from tests.api.problems import assert_problem
from tests.pdf_tools import needs_pdf, pdf_text
from tests.report_pdfs import fetch, page_size

A4 = (595.28, 841.89)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def convicted(make) -> str:
    """A firm in 京口区, industry C38, with an ISO 9001 certificate and a criminal penalty."""
    # Registered with the registry long before, so that a report may speak of an earlier day.
    with time_machine.travel(datetime.datetime(2024, 1, 2, 4, tzinfo=datetime.UTC)):
        firm = make.enterprise(
            name="镇江京口电气有限公司",
            industry_code="C3811",
            registered_on=datetime.date(2010, 1, 1),
        )
    make.record(firm)
    make.record(
        firm,
        "violation",
        category="criminal_penalty",
        severity="serious",
        decided_on=datetime.date(2025, 6, 1),
        authority="镇江市京口区人民法院",
        decision_no="（2025）苏1102刑初1号",
    )
    return firm


@needs_pdf
def test_the_pdf_says_what_the_report_says_in_chinese_on_a4(client, make, app):
    firm = convicted(make)
    response = fetch(client, firm, make.headers("procurement"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    content = response.data
    width, height = page_size(content)
    assert (round(width, 1), round(height, 1)) == (round(A4[0], 1), round(A4[1], 1))
    text = flat(pdf_text(content))
    for expected in (
        "企业质量信用报告",
        "镇江京口电气有限公司",
        firm,
        "京口区（镇江市）",
        "登记状态存续",
        "电气机械和器材制造业",
        "质量信用C级",
        "存在禁止参加政府采购活动的情形",
        "三年内受过刑事处罚",
        "《政府采购法实施条例》第十九条",
        "刑事处罚",
        "（2025）苏1102刑初1号",
        "信用状况截至：2026年6月15日",
        "出具时间：2026年6月15日",
    ):
        assert expected in text, (expected, text)
    token = pdf_signature.attachments(content)[ATTACHMENT].decode("ascii")
    said = reports.verify(token, client.get("/.well-known/jwks.json").get_json())
    assert said["enterprise"]["uscc"] == firm and said["grade"] == "C"
    code = reports.printed_code(said["verification_code"])
    assert f"验证码{code}" in text
    assert f"/verify?code={said['verification_code']}" in text


@needs_pdf
def test_the_pdf_carries_a_pades_signature_by_the_registry_certificate(client, make, app, tmp_path):
    firm = make.graded_enterprise()
    content = fetch(client, firm, make.headers("bank")).data
    certificate = app.extensions["credit.report_certificate"]
    signature = pdf_signature.check(content, [certificate.anchor])
    assert signature.fingerprint == certificate.fingerprint()
    assert signature.signed_at is not None
    assert b"/SubFilter /ETSI.CAdES.detached" in content
    # Another certificate, however well made, is not the registry's.
    stranger = certificates.ensure(tmp_path)
    with pytest.raises(pdf_signature.SignatureProblem) as refused:
        pdf_signature.check(content, [stranger.certificate])
    assert refused.value.code == "untrusted"


@needs_pdf
def test_an_ungraded_firm_is_said_to_be_so(client, make):
    firm = make.enterprise(name="镇江新设有限公司")
    text = flat(pdf_text(fetch(client, firm, make.headers("bank")).data))
    assert "未评级" in text and "未发现禁止参加政府采购活动的情形" in text


@needs_pdf
def test_as_of_is_the_day_the_report_speaks_of(client, make):
    firm = convicted(make)
    response = fetch(client, firm, make.headers("procurement"), as_of="2025-05-31")
    assert response.status_code == 200
    text = flat(pdf_text(response.data))
    assert "信用状况截至：2025年5月31日" in text
    assert "三年内受过刑事处罚" not in text


@needs_pdf
@pytest.mark.parametrize("role", ["procurement", "bank", "regulator", "own firm"])
def test_who_may_fetch_a_pdf(client, make, role):
    firm = make.graded_enterprise()
    headers = make.headers("enterprise", uscc=firm) if role == "own firm" else make.headers(role)
    response = fetch(client, firm, headers)
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


@pytest.mark.parametrize("role", ["another firm", "admin", "agency"])
def test_others_may_not_and_nothing_is_logged(client, make, role):
    firm = make.graded_enterprise()
    headers = (
        make.headers("enterprise", uscc=make.enterprise())
        if role == "another firm"
        else make.headers(role)
    )
    response = fetch(client, firm, headers)
    assert_problem(response, 403)
    assert not response.data.startswith(b"%PDF-")
    log = client.get(
        f"/api/v1/enterprises/{firm}/queries", headers=make.headers("enterprise", uscc=firm)
    ).get_json()["items"]
    assert log == []


def test_no_token_unknown_firm_and_bad_dates(client, make, today):
    firm = make.enterprise()
    assert_problem(fetch(client, firm, {}), 401)
    assert_problem(fetch(client, make.uscc(), make.headers("bank")), 404)
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert_problem(fetch(client, firm, make.headers("bank"), as_of=tomorrow), 422, "as_of")
    assert_problem(fetch(client, "91321102MA1X", make.headers("bank")), 422, "uscc")


@needs_pdf
def test_downloads_are_logged_and_each_pdf_is_kept_under_its_code(client, make, session):
    firm = make.graded_enterprise()
    first = fetch(client, firm, make.headers("procurement")).data
    second = fetch(client, firm, make.headers("bank")).data
    log = client.get(
        f"/api/v1/enterprises/{firm}/queries", headers=make.headers("enterprise", uscc=firm)
    ).get_json()["items"]
    assert sorted(e["kind"] for e in log) == ["report_download", "report_download"]
    codes = [
        reports.verify(
            pdf_signature.attachments(pdf)[ATTACHMENT].decode(),
            client.get("/.well-known/jwks.json").get_json(),
        )["verification_code"]
        for pdf in (first, second)
    ]
    assert codes[0] != codes[1]
    for code, pdf in zip(codes, (first, second), strict=True):
        issued = reports.issued(session, reports.printed_code(code).lower())
        assert issued.uscc == firm
        assert issued.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
