"""The firm's own area `/me`: what it shows, its forms (objection, credit repair with evidence),
what changed since the last visit, and who may open it."""

from __future__ import annotations

import hashlib
import io
import re

import pytest

from credit.rules import periods
from tests.conftest import TEST_PASSWORD
from tests.days import DEFAULT_TODAY, days_before
from tests.web.firms import AUTHORITY, PDF, fined_firm


def text_of(response) -> str:
    return response.get_data(as_text=True)


def csrf_token(client, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text_of(client.get(path))).group(1)


def sign_in(client, username: str):
    response = client.post(
        "/login",
        data={"username": username, "password": TEST_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303, text_of(response)
    return response


@pytest.fixture
def firm(make):
    return fined_firm(make)


@pytest.fixture
def signed_in(client, make, firm):
    account = make.account("enterprise", uscc=firm["uscc"])
    sign_in(client, account.username)
    return account


def post_form(client, path, data, **kw):
    return client.post(path, data={"csrf_token": csrf_token(client, "/me"), **data}, **kw)


def section(page: str, anchor: str) -> str:
    """The part of the page from an entry's block to the next one."""
    start = page.index(f'id="{anchor}"')
    end = page.find('<div class="record', start + 1)
    return page[start : end if end != -1 else len(page)]


def test_the_area_shows_the_whole_file_with_the_grade_explained(client, make, firm, signed_in):
    make.record(
        firm["uscc"],
        "violation",
        category="administrative_penalty",
        severity="minor",
        decided_on=days_before(DEFAULT_TODAY, 200),
        authority=AUTHORITY,
        decision_no="镇市监罚〔2025〕99号",
    )
    response = client.get("/me")
    page = text_of(response)
    assert response.status_code == 200
    assert "镇江华东电缆有限公司" in page and firm["uscc"] in page
    assert "京口区" in page  # the region by its name
    assert "质量信用D级" in page and "评分 35.00 分" in page
    assert "评分规则" in page and "质量管理体系认证加分" in page and "一般违法扣分" in page
    assert f'href="#record-{firm["general"]}"' in page  # the record behind a line
    assert "行政处罚（一般）镇市监罚〔2026〕18号" in page
    assert "行政处罚（轻微）镇市监罚〔2025〕99号" in page  # past its display period, still here
    assert "不再向社会公示" in page
    assert f'href="/enterprises/{firm["uscc"]}/report.pdf"' in page
    assert "50,000.00元" in page


def test_repair_that_is_not_yet_allowed_says_from_when(client, firm, signed_in):
    page = text_of(client.get("/me"))
    serious = section(page, f"record-{firm['serious']}")
    allowed = periods.period_end(periods.months_before(DEFAULT_TODAY, 2), 12)
    assert f"可于 {allowed.year}年{allowed.month}月{allowed.day}日 起申请" in serious
    assert "/repair" not in serious
    general = section(page, f"record-{firm['general']}")
    assert f'action="/me/record/{firm["general"]}/repair"' in general
    assert f'action="/me/record/{firm["general"]}/objection"' in general


def test_an_objection_is_filed_and_its_state_shown(client, make, firm, signed_in, regulator):
    path = f"/me/record/{firm['general']}/objection"
    empty = post_form(client, path, {"reason": "  "})
    assert empty.status_code == 422
    assert "请填写异议理由。" in section(text_of(empty), f"record-{firm['general']}")
    filed = post_form(client, path, {"reason": "处罚决定已被行政复议撤销"})
    assert filed.status_code == 303
    assert filed.headers["Location"].endswith(f"/me#record-{firm['general']}")
    page = text_of(client.get("/me"))
    entry = section(page, f"record-{firm['general']}")
    assert "异议已提交" in page
    assert "异议处理中" in entry and "待处理" in entry and "处罚决定已被行政复议撤销" in entry
    assert "/objection" not in entry  # one pending objection at a time
    again = post_form(client, path, {"reason": "再次"})
    assert again.status_code == 422 and "当前状态下不能提交" in text_of(again)


def test_a_post_without_its_csrf_token_is_refused(client, firm, signed_in):
    response = client.post(f"/me/record/{firm['general']}/objection", data={"reason": "不服"})
    assert response.status_code == 400


def test_repair_with_an_attachment_lists_its_hash(client, firm, signed_in, regulator):
    path = f"/me/record/{firm['general']}/repair"
    applied = post_form(
        client,
        path,
        {"statement": "已整改并缴清罚款", "attachments": (io.BytesIO(PDF), "缴款凭证.pdf")},
        content_type="multipart/form-data",
    )
    assert applied.status_code == 303, text_of(applied)
    entry = section(text_of(client.get("/me")), f"record-{firm['general']}")
    assert "信用修复申请" in entry and "审核中" in entry and "缴款凭证.pdf" in entry
    assert hashlib.sha256(PDF).hexdigest() in entry
    link = re.search(r'href="(/me/record/\d+/attachments/\d+)"', entry).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    file = client.get(f"/api/v1/enterprises/{firm['uscc']}/file", headers=regulator).get_json()
    repair = next(r for r in file["records"] if r["id"] == firm["general"])["repairs"][0]
    assert repair["attachments"][0]["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_a_repair_with_no_file_chosen_is_accepted(client, firm, signed_in):
    applied = post_form(
        client,
        f"/me/record/{firm['general']}/repair",
        {"statement": "已整改", "attachments": (io.BytesIO(b""), "")},
        content_type="multipart/form-data",
    )
    assert applied.status_code == 303, text_of(applied)


def test_a_wrong_file_is_refused_in_chinese_next_to_the_field(client, firm, signed_in):
    refused = post_form(
        client,
        f"/me/record/{firm['general']}/repair",
        {"statement": "已整改", "attachments": (io.BytesIO(b"plain text"), "说明.pdf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    entry = section(text_of(refused), f"record-{firm['general']}")
    assert "说明.pdf：文件不是 PDF、PNG 或 JPEG" in entry
    assert f'id="record-{firm["general"]}-attachments-problem"' in entry
    assert "已整改" in entry  # what was typed is kept
    assert '<details class="ask" open>' in entry


def test_what_changed_since_the_last_visit(client, make, firm, signed_in, regulator):
    first = text_of(client.get("/me"))
    assert "自上次访问以来，档案没有新的变化。" in first
    post_form(client, f"/me/record/{firm['general']}/objection", {"reason": "有误"})
    make.record(
        firm["uscc"],
        "inspection",
        level="provincial",
        product="电线电缆",
        sampled_on=days_before(DEFAULT_TODAY, 5),
        result="pass",
        report_no="JS-1",
    )
    page = text_of(client.get("/me"))
    news = page[page.index("自上次访问以来的变化") : page.index("质量信用等级及评分说明")]
    assert "新增监督抽查结果" in news
    assert "对记录提出异议" not in news  # the firm's own doing is not news to it
    assert "自上次访问以来，档案没有新的变化。" in text_of(client.get("/me"))


@pytest.mark.parametrize("role", ["bank", "procurement", "regulator", "admin"])
def test_other_roles_get_403(client, make, role):
    account = make.account(role, region="3211" if role == "regulator" else None)
    sign_in(client, account.username)
    response = client.get("/me")
    assert response.status_code == 403 and response.mimetype == "text/html"


def test_a_visitor_not_signed_in_is_sent_to_sign_in(client):
    response = client.get("/me")
    assert response.status_code in (302, 303)
    assert "/login?next=/me" in response.headers["Location"].replace("%2F", "/")


def test_another_firms_record_is_refused(client, make, firm, signed_in):
    other = make.enterprise()
    record = make.record(
        other,
        "violation",
        category="administrative_penalty",
        severity="general",
        decided_on=periods.months_before(DEFAULT_TODAY, 3),
        authority=AUTHORITY,
        decision_no="他企业罚1",
    )
    response = post_form(client, f"/me/record/{record}/objection", {"reason": "不是我"})
    assert response.status_code == 403


def test_a_listing_can_be_objected_to_and_repaired_from_its_date(client, make):
    code = make.graded_enterprise()
    listing = make.listing(code, listed_on=periods.months_before(DEFAULT_TODAY, 12))
    sign_in(client, make.account("enterprise", uscc=code).username)
    entry = section(text_of(client.get("/me")), f"listing-{listing}")
    assert "列入中" in entry and f"/me/listing/{listing}/objection" in entry
    applied = post_form(
        client,
        f"/me/listing/{listing}/repair",
        {"statement": "已履行处罚", "attachments": (io.BytesIO(PDF), "履行证明.pdf")},
        content_type="multipart/form-data",
    )
    assert applied.status_code == 303, text_of(applied)
    entry = section(text_of(client.get("/me")), f"listing-{listing}")
    assert "列入中（信用修复申请中）" in entry and "履行证明.pdf" in entry


def test_a_listing_followed_by_a_serious_violation_says_why_it_cannot_be_repaired(
    client, make, firm, signed_in
):
    listing = make.listing(firm["uscc"], listed_on=periods.months_before(DEFAULT_TODAY, 13))
    entry = section(text_of(client.get("/me")), f"listing-{listing}")
    assert "列入后又有严重违法记录" in entry and f'href="#record-{firm["serious"]}"' in entry
    assert f"/me/listing/{listing}/repair" not in entry


def test_the_query_log_says_who_looked_and_why(client, make, firm, signed_in, bank):
    client.get(
        f"/api/v1/enterprises/{firm['uscc']}/file",
        headers=bank,
        query_string={"purpose": "流动资金贷款贷前调查"},
    )
    page = text_of(client.get("/me"))
    queries = page[page.index("谁查询了本企业") :]
    assert "金融机构" in queries and "查阅信用档案" in queries and "流动资金贷款贷前调查" in queries


@pytest.mark.parametrize(
    "path", ["/me/grade/1/objection", "/me/record/1099511627776/objection", "/me/listing/0/repair"]
)
def test_an_unknown_entry_is_a_404_page(client, firm, signed_in, path):
    response = post_form(client, path, {"reason": "不服", "statement": "已整改"})
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_another_firms_evidence_is_refused(client, make, firm, signed_in):
    post_form(
        client,
        f"/me/record/{firm['general']}/repair",
        {"statement": "已整改", "attachments": (io.BytesIO(PDF), "凭证.pdf")},
        content_type="multipart/form-data",
    )
    link = re.search(r'href="(/me/record/\d+/attachments/\d+)"', text_of(client.get("/me")))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    sign_in(client, make.account("enterprise", uscc=make.enterprise()).username)
    assert client.get(link.group(1)).status_code == 403
