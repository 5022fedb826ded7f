"""The bank and procurement desk as its users see it: batch checks from pasted codes and
spreadsheets, the results as a table and as XLSX, the tender evidence, watchlists and their
changes, and who may use which form."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from credit.auth import certificates
from credit.models import DeskCheck, QueryLogEntry
from credit.services import reports
from credit.web import pdf_signature, tender_evidence
from tests.pdf_tools import needs_pdf, pdf_text
from tests.report_pdfs import with_a_byte_changed
from tests.web.firms import blacklisted_firm
from tests.web.test_sign_in import csrf_token, sign_in, text_of

PURPOSE = "流动资金贷款贷前审查"
# A code one character short, and one with a wrong check character.
SHORT = "91321102MA1X2Y3Z4"
WRONG_CHECK = "91321102000000019X"


def signed_in(client, make, role: str, **binding):
    account = make.account(role, **binding)
    assert sign_in(client, account.username).status_code == 303
    return account


def check(client, **form):
    """Posts the desk's check form with its CSRF token; returns the answer, not followed."""
    files = form.pop("file", None)
    data = {"csrf_token": csrf_token(client, "/desk"), **form}
    if files:
        data["file"] = files
    return client.post("/desk/checks", data=data, content_type="multipart/form-data")


def follow(client, response):
    assert response.status_code == 303, text_of(response)
    return client.get(response.headers["Location"])


def queries(session) -> int:
    return session.scalar(select(func.count()).select_from(QueryLogEntry))


def xlsx(rows: list[list]) -> io.BytesIO:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_a_bank_checks_a_pasted_batch_and_sees_the_malformed_code_in_its_place(
    client, make, session
):
    signed_in(client, make, "bank")
    first = make.graded_enterprise(name="镇江甲电器有限公司")
    second = make.enterprise(name="镇江乙机械有限公司")
    # A full-width comma and an ideographic space between codes; one code lower-cased.
    pasted = f"{first}，{SHORT}\u3000{second.lower()}\n"
    page = text_of(follow(client, check(client, codes=pasted, purpose=PURPOSE)))
    assert "镇江甲电器有限公司" in page and "镇江乙机械有限公司" in page
    assert "贷款审查核查结果" in page and "2026年6月15日" in page
    assert PURPOSE in page
    refused = re.search(r'<tr class="refused-row">(.*?)</tr>', page, re.S).group(1)
    assert ">2<" in refused and SHORT in refused and "应为18位" in refused
    assert "无风险提示 2 家" in page and "代码有误 1 项" in page
    assert queries(session) == 2  # the two firms, logged as the API logs a lending check


def test_a_bank_must_state_its_purpose_and_nothing_is_checked_without_it(client, make, session):
    signed_in(client, make, "bank")
    code = make.enterprise()
    response = check(client, codes=code, purpose="  ")
    page = text_of(response)
    assert response.status_code == 422
    assert re.search(r'id="purpose-problem">请填写查询用途', page)
    assert code in page  # the pasted codes are kept in the form
    assert queries(session) == 0
    assert session.scalar(select(func.count()).select_from(DeskCheck)) == 0


def test_a_batch_of_nothing_but_malformed_codes_is_refused_with_each_named(client, make):
    signed_in(client, make, "procurement")
    response = check(client, codes=f"{SHORT}\n{WRONG_CHECK}")
    page = text_of(response)
    assert response.status_code == 422
    assert "没有格式正确的统一社会信用代码" in page
    assert "校验码" in page and "应为18位" in page


def test_more_than_a_thousand_codes_are_refused(client, make):
    signed_in(client, make, "procurement")
    code = make.enterprise()
    response = check(client, codes="\n".join([code] * 1001))
    assert response.status_code == 422
    assert "一次最多提交 1,000 个代码，这里有 1,001 个" in text_of(response)


def test_a_procurement_officer_uploads_a_spreadsheet_with_a_code_column(client, make):
    signed_in(client, make, "procurement")
    listed = blacklisted_firm(make)
    clean = make.graded_enterprise(name="镇江丙建材有限公司")
    sheet = xlsx(
        [
            ["投标人", "统一社会信用代码"],
            ["丙", clean],
            ["劣质", listed["uscc"]],
            ["写错", WRONG_CHECK],
        ]
    )
    page = text_of(
        follow(client, check(client, project="ZJ-2026-017", file=(sheet, "bidders.xlsx")))
    )
    assert "镇江丙建材有限公司" in page and listed["name"] in page
    assert "存在禁止参加政府采购活动的情形" in page
    assert "无禁止参加政府采购活动的情形" in page
    assert "《市场监督管理严重违法失信名单管理办法》" in page  # the listing's own basis
    refused = re.search(r'<tr class="refused-row">(.*?)</tr>', page, re.S).group(1)
    assert ">4<" in refused and "校验码" in refused  # the spreadsheet's own row number


def test_a_spreadsheet_of_nothing_but_malformed_codes_is_named_next_to_the_file_field(client, make):
    signed_in(client, make, "procurement")
    sheet = xlsx([["统一社会信用代码"], [SHORT]])
    response = check(client, file=(sheet, "bidders.xlsx"))
    assert response.status_code == 422
    assert re.search(r'id="file-problem">没有格式正确的统一社会信用代码', text_of(response))
    assert SHORT in text_of(response)


def test_a_csv_in_gb18030_without_a_known_header_is_read_from_its_first_column(client, make):
    signed_in(client, make, "procurement")
    code = make.enterprise(name="镇江丁有限公司")
    data = f"供应商代码,名称\n{code},镇江丁有限公司\n".encode("gb18030")
    page = text_of(follow(client, check(client, file=(io.BytesIO(data), "list.csv"))))
    assert "镇江丁有限公司" in page and "无禁止参加政府采购活动的情形" in page


def test_a_file_that_is_no_spreadsheet_is_refused_next_to_the_file_field(client, make):
    signed_in(client, make, "procurement")
    response = check(client, file=(io.BytesIO(b"PK\x03\x04 not a zip"), "codes.xlsx"))
    assert response.status_code == 422
    assert re.search(r'id="file-problem">无法读取该 Excel 文件', text_of(response))


def test_the_results_sort_by_verdict_through_the_address(client, make):
    signed_in(client, make, "procurement")
    clean = make.graded_enterprise(name="镇江戊有限公司")
    listed = blacklisted_firm(make)
    answer = check(client, codes=f"{clean}\n{listed['uscc']}")
    location = answer.headers["Location"]
    by_row = text_of(client.get(location))
    by_verdict = text_of(client.get(f"{location}?sort=verdict"))
    assert by_row.index("镇江戊有限公司") < by_row.index(listed["name"])
    assert by_verdict.index(listed["name"]) < by_verdict.index("镇江戊有限公司")
    assert client.get(f"{location}?sort=nonsense").status_code == 200


def test_the_xlsx_holds_the_same_results_with_the_day_and_who_checked(client, make, session):
    account = signed_in(client, make, "procurement")
    listed = blacklisted_firm(make)
    answer = check(client, codes=f"{listed['uscc']}\n{SHORT}", project="ZJ-2026-018")
    logged = queries(session)
    response = client.get(answer.headers["Location"] + ".xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [[cell for cell in row if cell is not None] for row in book.active.values]
    assert ["核查日期", "2026年6月15日"] in cells
    assert ["核查人", account.username] in cells
    assert ["招标编号", "ZJ-2026-018"] in cells
    (firm_row,) = [row for row in cells if listed["uscc"] in row]
    assert firm_row[2] == listed["name"] and firm_row[4] == "存在禁止参加政府采购活动的情形"
    assert "列入质量失信黑名单" in firm_row[5]
    assert "《市场监督管理严重违法失信名单管理办法》" in firm_row[6]
    (bad_row,) = [row for row in cells if SHORT in row]
    assert bad_row[0] == 2 and "应为18位" in bad_row[2]
    assert queries(session) == logged  # reading the answer again asks nothing anew


def test_the_tender_evidence_names_each_bidder_with_verdict_and_basis(client, make):
    account = signed_in(client, make, "procurement")
    listed = blacklisted_firm(make)
    clean = make.graded_enterprise(name="镇江己有限公司")
    answer = check(client, codes=f"{clean} {listed['uscc']}", project="ZJ-2026-019")
    page = text_of(client.get(answer.headers["Location"] + "/evidence"))
    assert "政府采购供应商信用核查证明" in page and "ZJ-2026-019" in page
    assert "2026年6月15日" in page and account.username in page
    assert clean in page and "镇江己有限公司" in page and listed["name"] in page
    assert "《市场监督管理严重违法失信名单管理办法》" in page


@needs_pdf
def test_the_tender_evidence_pdf_says_the_same_in_chinese_and_is_signed(client, make, app):
    signed_in(client, make, "procurement")
    listed = blacklisted_firm(make)
    answer = check(client, codes=f"{listed['uscc']}\n{SHORT}", project="ZJ-2026-020")
    response = client.get(answer.headers["Location"] + "/evidence.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(pdf_text(response.data).split())  # a table cell wraps its text
    assert "政府采购供应商信用核查证明" in text and "ZJ-2026-020" in text
    assert listed["uscc"] in text and listed["name"] in text
    assert (
        "【禁止】列入质量失信黑名单" in text and "《市场监督管理严重违法失信名单管理办法》" in text
    )
    # The registry's PAdES signature over the whole file, as on its credit reports.
    settings = app.extensions["credit.settings"]
    trusted = certificates.trusted(settings.keys, app.extensions["credit.report_certificate"])
    assert pdf_signature.check(response.data, trusted).signer
    # The same content inside, as a JWS the published keys verify.
    token = pdf_signature.attachments(response.data)[tender_evidence.ATTACHMENT].decode()
    signed = reports.verify(token, app.extensions["credit.report_keys"].jwks())
    assert signed["project"] == "ZJ-2026-020" and signed["as_of"] == "2026-06-15"
    (bidder, bad) = signed["bidders"]
    assert bidder["uscc"] == listed["uscc"] and bidder["eligible"] is False
    assert bidder["reasons"][0]["legal_basis"] == "《市场监督管理严重违法失信名单管理办法》"
    assert bad["text"] == SHORT and "应为18位" in bad["problem"]


def test_a_changed_tender_evidence_pdf_no_longer_verifies(client, make, app):
    signed_in(client, make, "procurement")
    answer = check(client, codes=make.enterprise(), project="ZJ-2026-022")
    content = client.get(answer.headers["Location"] + "/evidence.pdf").data
    settings = app.extensions["credit.settings"]
    trusted = certificates.trusted(settings.keys, app.extensions["credit.report_certificate"])
    with pytest.raises(pdf_signature.SignatureProblem):
        pdf_signature.check(with_a_byte_changed(content), trusted)


def test_a_check_without_a_tender_number_has_no_evidence(client, make):
    signed_in(client, make, "procurement")
    answer = check(client, codes=make.enterprise())
    assert client.get(answer.headers["Location"] + "/evidence").status_code == 404
    assert "招标档案核查证明" not in text_of(client.get(answer.headers["Location"]))


@pytest.mark.parametrize("role", ["enterprise", "regulator", "admin"])
def test_accounts_other_than_banks_and_purchasers_are_refused_the_desk(client, make, role):
    binding = {"uscc": make.enterprise()} if role == "enterprise" else {}
    if role == "regulator":
        binding["region"] = "3211"
    signed_in(client, make, role, **binding)
    for path in ("/desk", "/desk/watchlists"):
        response = client.get(path)
        assert response.status_code == 403 and "无权访问" in text_of(response)
    assert "核查工作台" not in text_of(client.get("/"))


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/desk")
    assert response.status_code == 302 and "/login?next=/desk" in response.headers["Location"]


def test_a_bank_has_no_tender_form_and_no_tender_evidence(client, make):
    signed_in(client, make, "bank")
    page = text_of(client.get("/desk"))
    assert 'name="purpose"' in page and 'name="project"' not in page
    assert "核查工作台" in page
    answer = check(client, codes=make.enterprise(), purpose=PURPOSE, project="ZJ-2026-021")
    location = answer.headers["Location"]
    assert client.get(location + "/evidence").status_code == 403
    assert client.get(location + "/evidence.pdf").status_code == 403
    assert "ZJ-2026-021" not in text_of(client.get(location))


def test_a_check_is_its_own_accounts_alone(client, make):
    signed_in(client, make, "procurement")
    answer = check(client, codes=make.enterprise())
    location = answer.headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/desk")})
    signed_in(client, make, "procurement")
    assert client.get(location).status_code == 404
    assert client.get(location + ".xlsx").status_code == 404
    assert client.get("/desk/checks/99999999999").status_code == 404


def test_a_check_posted_without_its_csrf_token_is_refused(client, make, session):
    signed_in(client, make, "bank")
    response = client.post("/desk/checks", data={"codes": make.enterprise(), "purpose": PURPOSE})
    assert response.status_code == 400
    assert queries(session) == 0


def test_a_post_asking_for_json_still_needs_its_csrf_token(client, make, session):
    signed_in(client, make, "bank")
    response = client.post(
        "/desk/checks",
        data={"codes": make.enterprise(), "purpose": PURPOSE},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert queries(session) == 0


def test_a_sheet_used_far_beyond_its_cells_is_refused_before_it_is_read(client, make):
    signed_in(client, make, "procurement")
    book = openpyxl.Workbook()
    book.active["A1"] = "统一社会信用代码"
    book.active["ZZ20000"] = "x"  # two cells, a rectangle of fourteen million
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    response = check(client, file=(out, "codes.xlsx"))
    assert response.status_code == 422
    assert re.search(r'id="file-problem">工作表用到第 702 列', text_of(response))


def test_text_in_the_xlsx_is_never_a_formula(client, make):
    signed_in(client, make, "procurement")
    firm = make.graded_enterprise()
    answer = check(client, codes=f"{firm}\n9132\x02", project='=HYPERLINK("http://evil.example")')
    response = client.get(answer.headers["Location"] + ".xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    (tender,) = [row[1] for row in sheet.iter_rows() if row[0].value == "招标编号"]
    assert tender.data_type == "s" and tender.value == '=HYPERLINK("http://evil.example")'


def watch(client, path="/desk/watchlists", **form):
    data = {"csrf_token": csrf_token(client, "/desk/watchlists"), **form}
    return client.post(path, data=data, content_type="multipart/form-data")


def test_a_watchlist_shows_what_changed_since_it_was_last_seen(client, make):
    signed_in(client, make, "bank")
    watched = make.enterprise(name="镇江庚有限公司")
    unregistered = make.uscc()
    created = watch(client, name="贷后监测", codes=f"{watched}, {unregistered}")
    location = created.headers["Location"]
    page = text_of(follow(client, created))
    assert "贷后监测" in page and "关注 2 家企业" in page
    assert "没有新的变化" in page  # what happened before the list was made is not news
    make.record(watched)
    page = text_of(client.get(location))
    assert "新增认证" in page and watched in page
    cursor = re.search(r'name="cursor" value="(\d+)"', page).group(1)
    seen = watch(client, f"{location}/seen", cursor=cursor)
    assert "没有新的变化" in text_of(follow(client, seen))


def test_a_watchlists_members_are_replaced_and_a_malformed_code_refuses_the_list(client, make):
    signed_in(client, make, "procurement")
    first, second = make.enterprise(), make.enterprise()
    location = watch(client, name="在履约供应商", codes=first).headers["Location"]
    refused = watch(client, location, name="在履约供应商", codes=f"{second}\n{SHORT}")
    assert refused.status_code == 422
    assert "有 1 个代码格式不正确" in text_of(refused) and SHORT in text_of(refused)
    replaced = follow(client, watch(client, location, name="在履约供应商", codes=second))
    page = text_of(replaced)
    assert "关注 1 家企业" in page and second in page and first not in page


def test_a_watchlist_is_its_owners_alone(client, make):
    signed_in(client, make, "bank")
    location = watch(client, name="甲", codes=make.enterprise()).headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/desk")})
    signed_in(client, make, "bank")
    assert client.get(location).status_code == 404
    assert watch(client, location, name="乙", codes=make.enterprise()).status_code == 404


def test_a_check_as_of_a_past_day_answers_what_the_registry_knew_then(client, make):
    signed_in(client, make, "procurement")
    code = make.enterprise(name="镇江辛有限公司")  # registered today
    page = text_of(follow(client, check(client, codes=code, as_of="2026-01-05")))
    assert "2026年1月5日" in page and "核查日登记册中无此企业" in page
    future = check(client, codes=code, as_of="2026-06-16")
    assert future.status_code == 422
    assert re.search(r'id="as_of-problem">核查日期应为不晚于今天的有效日期', text_of(future))
    assert check(client, codes=code, as_of="2026-13-45").status_code == 422
