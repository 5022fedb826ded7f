"""The /verify page (a PDF uploaded, a JWS pasted, a report's code) and the PDF report for
signed-in readers at /enterprises/{uscc}/report.pdf."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest

from credit.services import reports
from credit.web import pdf_signature
from credit.web.credit_report import ATTACHMENT
from tests.api.test_reports_and_changes import tampered
from tests.pdf_tools import needs_pdf
from tests.report_pdfs import fetch, with_a_byte_changed, with_attachment_swapped
from tests.web.test_sign_in import csrf_token, sign_in


def text_of(response) -> str:
    return response.get_data(as_text=True)


def visible(response) -> str:
    """The page's text without its markup, as a reader sees it."""
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", text_of(response)))


def problem(response, field: str) -> str | None:
    found = re.search(rf'<p class="problem" id="{field}-problem">([^<]*)</p>', text_of(response))
    return found.group(1) if found else None


@pytest.fixture
def firm(make) -> str:
    code = make.enterprise(name="镇江核验页测试有限公司", industry_code="C38")
    make.record(code)
    return code


@pytest.fixture
def report_pdf(client, make, firm) -> bytes:
    response = fetch(client, firm, make.headers("procurement"))
    assert response.status_code == 200
    return response.data


def upload(client, content: bytes, name: str = "report.pdf", **fields):
    data = {"csrf_token": csrf_token(client, "/verify"), **fields}
    if content is not None:
        data["file"] = (io.BytesIO(content), name)
    return client.post("/verify", data=data, content_type="multipart/form-data")


def paste(client, text: str):
    return client.post("/verify", data={"csrf_token": csrf_token(client, "/verify"), "jws": text})


def test_the_page_has_a_form_with_labelled_fields_and_a_csrf_token(client):
    response = client.get("/verify")
    assert response.status_code == 200
    page = text_of(response)
    assert 'name="csrf_token"' in page and 'enctype="multipart/form-data"' in page
    assert '<label for="file">' in page and '<label for="jws">' in page
    assert '<label for="code">验证码</label>' in page
    assert '<html lang="zh-CN">' in page


@needs_pdf
def test_a_genuine_pdf_is_said_to_be_the_registrys_and_what_it_says_is_shown(
    client, app, firm, report_pdf
):
    response = upload(client, report_pdf)
    assert response.status_code == 200
    page = visible(response)
    assert "验证通过：本平台签发，内容未被篡改" in page
    assert app.extensions["credit.report_keys"].current().kid in page
    assert "PAdES" in page and app.extensions["credit.report_certificate"].fingerprint() in page
    for expected in (
        "镇江核验页测试有限公司",
        firm,
        "京口区（镇江市）",
        "质量信用B级",
        "信用状况截至2026年6月15日",
        "签发时间2026年6月15日",
        "未发现禁止参加政府采购活动的情形",
    ):
        assert expected in page, expected


@needs_pdf
def test_a_pasted_jws_verifies_and_shows_its_key(client, app, make, firm):
    token = client.get(f"/api/v1/enterprises/{firm}/report", headers=make.headers("bank")).get_data(
        as_text=True
    )
    response = paste(client, token)
    assert response.status_code == 200
    page = visible(response)
    assert "验证通过" in page and "镇江核验页测试有限公司" in page
    assert app.extensions["credit.report_keys"].current().kid in page
    assert "PAdES" not in page
    # The same as a .jws file
    assert "验证通过" in visible(upload(client, token.encode(), "report.jws"))


@needs_pdf
@pytest.mark.parametrize(
    ("forge", "says"),
    [
        (with_a_byte_changed, "文件内容在签名后被篡改"),
        (lambda pdf: with_attachment_swapped(pdf, "a.b.c"), "文件在签名后被修改"),
    ],
    ids=["byte", "attachment"],
)
def test_a_tampered_pdf_is_called_so_plainly(client, report_pdf, forge, says):
    response = upload(client, forge(report_pdf))
    assert response.status_code == 200
    page = visible(response)
    assert "验证未通过：签名无效" in page and says in page
    assert "验证通过：" not in page and "镇江核验页测试有限公司" not in page
    assert 'role="alert"' in text_of(response)


def test_a_tampered_jws_is_called_so_plainly(client, make, firm):
    token = client.get(f"/api/v1/enterprises/{firm}/report", headers=make.headers("bank")).get_data(
        as_text=True
    )
    page = visible(paste(client, tampered(token, grade="AAA")))
    assert "签名无效" in page and "篡改" in page and "验证通过" not in page


@pytest.mark.parametrize(
    "content", [b"hello", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "你好".encode()], ids=str
)
def test_a_file_that_is_no_report_gets_an_error_next_to_the_field(client, content):
    response = upload(client, content, "photo.png")
    assert response.status_code == 422
    assert "不是PDF信用报告或JWS签名报告" in problem(response, "file")
    assert 'aria-describedby="file-problem"' in text_of(response)


def test_pasted_text_that_is_no_jws_gets_an_error_next_to_its_field(client):
    response = paste(client, "这不是报告")
    assert response.status_code == 422
    assert "不是PDF信用报告或JWS签名报告" in problem(response, "jws")


def test_a_pdf_that_the_registry_did_not_sign_is_said_so(client):
    response = upload(client, b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page = visible(response)
    assert "验证未通过" in page and "签名无效" in page


def test_nothing_sent_asks_for_a_file(client):
    response = upload(client, None)
    assert response.status_code == 422
    assert problem(response, "file") == "请上传平台出具的PDF信用报告，或粘贴JWS签名报告文本。"


def test_a_file_over_the_limit_is_refused_next_to_the_field(client, app, monkeypatch):
    small = dataclasses.replace(app.extensions["credit.settings"], verify_upload_bytes=4096)
    monkeypatch.setitem(app.extensions, "credit.settings", small)
    response = upload(client, b"%PDF-" + b"0" * 8000)
    assert response.status_code == 413
    assert "文件过大" in problem(response, "file") and "4 KiB" in problem(response, "file")
    assert "不超过4KiB" in visible(response)


def test_a_post_without_its_csrf_token_is_refused(client):
    response = client.post("/verify", data={"jws": "a.b.c"})
    assert response.status_code == 400


@needs_pdf
def test_the_code_on_a_pdf_opens_what_it_said(client, firm, report_pdf):
    token = pdf_signature.attachments(report_pdf)[ATTACHMENT].decode()
    code = reports.verify(token, client.get("/.well-known/jwks.json").get_json())[
        "verification_code"
    ]
    for typed in (code, reports.printed_code(code).lower(), f" {reports.printed_code(code)} "):
        response = client.get("/verify", query_string={"code": typed})
        assert response.status_code == 200, typed
        page = visible(response)
        assert "验证码有效：这是本平台出具的报告" in page
        assert "镇江核验页测试有限公司" in page and firm in page and "质量信用B级" in page
        assert reports.printed_code(code) in page


def test_an_unknown_code_is_said_so(client):
    response = client.get("/verify", query_string={"code": "0000-0000-0000"})
    assert response.status_code == 404
    assert "验证码不存在" in visible(response)
    assert client.get("/verify", query_string={"code": "x" * 100}).status_code == 422


@needs_pdf
def test_a_signed_in_reader_downloads_the_pdf_from_the_site(client, make, firm):
    account = make.account("procurement")
    sign_in(client, account.username)
    response = client.get(f"/enterprises/{firm}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert "验证通过" in visible(upload(client, response.data))


@needs_pdf
def test_the_firm_itself_may_download_it_too(client, make, firm):
    sign_in(client, make.account("enterprise", uscc=firm).username)
    assert client.get(f"/enterprises/{firm}/report.pdf").status_code == 200


def test_a_visitor_is_sent_to_sign_in(client, firm):
    response = client.get(f"/enterprises/{firm}/report.pdf?as_of=2026-06-01")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert "report.pdf" in response.headers["Location"]


@pytest.mark.parametrize("role", ["another firm", "admin"])
def test_others_get_the_403_page(client, make, firm, role):
    other = (
        make.account("enterprise", uscc=make.enterprise())
        if role == "another firm"
        else make.account(role)
    )
    sign_in(client, other.username)
    response = client.get(f"/enterprises/{firm}/report.pdf")
    assert response.status_code == 403
    assert response.mimetype == "text/html"


def test_a_bad_code_or_date_gets_a_page(client, make, firm):
    sign_in(client, make.account("bank").username)
    assert client.get("/enterprises/91321102MA1X/report.pdf").status_code == 422
    assert client.get(f"/enterprises/{firm}/report.pdf?as_of=tomorrow").status_code == 422


def test_a_body_past_the_registrys_own_limit_is_refused_next_to_the_field_too(client, app):
    limit = app.extensions["credit.settings"].max_body_bytes
    response = upload(client, b"%PDF-" + b"0" * (limit + 10))
    assert response.status_code == 413
    assert "文件过大" in problem(response, "file")
    assert f"{limit // 1024} KiB" in problem(response, "file")
