"""The regulator's console through the test client: the inbox and its decisions, registering a
firm and adding records, the blacklist, statistics, the report and the inspection plan, and who
may not use any of it."""

from __future__ import annotations

import re

import pytest

from credit.uscc import with_check_character
from tests.pdf_tools import needs_pdf, pdf_text
from tests.web.firms import rich_firm, waiting_requests
from tests.web.test_sign_in import csrf_token, sign_in, text_of

CONSOLE_PAGES = (
    "/console",
    "/console/firms",
    "/console/firms/new",
    "/console/blacklist",
    "/console/statistics",
    "/console/plan",
)


@pytest.fixture
def officer(client, make):
    """The test client signed in as an officer of Zhenjiang (3211)."""
    account = make.account("regulator", region="3211")
    assert sign_in(client, account.username).status_code == 303
    return account


def token(client, path="/console") -> str:
    return csrf_token(client, path)


def post(client, path, form, page="/console"):
    return client.post(path, data={"csrf_token": token(client, page), **form})


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_every_console_page_shows_the_inbox_counts(client, make, officer, path):
    waiting_requests(make)
    response = client.get(path)
    assert response.status_code == 200, path
    page = text_of(response)
    assert 'aria-label="各类待办数量"' in page
    assert re.search(r"记录异议 <span class=\"count\">1</span>", page)
    assert re.search(r"待办事项 <span class=\"count\">5</span>", page)


def test_the_inbox_lists_each_waiting_item_with_its_firm(client, make, officer):
    made = waiting_requests(make)
    page = text_of(client.get("/console"))
    for name in ("镇江异议电器有限公司", "镇江争议食品有限公司", "镇江修复建材有限公司"):
        assert name in page
    assert "证书编号录入有误" in page and "缴款凭证" in page
    assert "镇江到期化工有限公司" in page and "起可申请信用修复" in page
    only = text_of(client.get("/console?kind=listing_repair"))
    assert "镇江修复建材有限公司" in only and "镇江异议电器有限公司" not in only
    assert made


def test_an_objection_is_decided_in_place_and_leaves_the_inbox(client, make, officer):
    made = waiting_requests(make)
    response = post(
        client,
        "/console/decisions",
        {
            "kind": "record_objection",
            "entry_id": made["records"]["certificate"],
            "request_id": made["ids"]["record_objection"],
            "decision": "yes",
            "reason": "经核对，证书编号确有错误",
            "back": "/console",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/console"
    page = text_of(client.get("/console"))
    assert "已对记录异议作出决定" in page
    assert "证书编号录入有误" not in page
    firm = text_of(client.get(f"/console/firms/{made['firms']['objected']}"))
    assert "已撤回（记录有误）" in firm and "经核对，证书编号确有错误" in firm


def test_a_repair_decision_names_the_application_it_was_made_on(client, make, officer):
    made = waiting_requests(make)
    response = post(
        client,
        "/console/decisions",
        {
            "kind": "listing_repair",
            "entry_id": made["listings"]["repairing"],
            "request_id": made["ids"]["listing_repair"] + 1000,  # not the one pending
            "decision": "yes",
            "reason": "处罚已履行完毕",
        },
    )
    assert response.status_code == 303
    listing = text_of(client.get(f"/console/blacklist/{made['listings']['repairing']}"))
    assert "已提前移出" not in listing
    assert '黑名单信用修复 <span class="count">1</span>' in text_of(client.get("/console"))


def test_a_repair_is_approved_in_place(client, make, officer):
    made = waiting_requests(make)
    response = post(
        client,
        "/console/decisions",
        {
            "kind": "listing_repair",
            "entry_id": made["listings"]["repairing"],
            "request_id": made["ids"]["listing_repair"],
            "decision": "yes",
            "reason": "处罚已履行完毕",
        },
    )
    assert response.status_code == 303
    listing = text_of(client.get(f"/console/blacklist/{made['listings']['repairing']}"))
    assert "已提前移出" in listing and "处罚已履行完毕" in listing
    assert '黑名单信用修复 <span class="count">0</span>' in text_of(client.get("/console"))


def test_a_decision_without_a_reason_or_a_choice_is_refused_next_to_the_field(
    client, make, officer
):
    made = waiting_requests(make)
    form = {
        "kind": "record_repair",
        "entry_id": made["records"]["violation"],
        "request_id": made["ids"]["record_repair"],
    }
    response = post(client, "/console/decisions", {**form, "decision": "no", "reason": " "})
    assert response.status_code == 422
    assert 'id="reason-record_repair-' in text_of(response) and "请填写理由" in text_of(response)
    response = post(client, "/console/decisions", {**form, "reason": "材料不全"})
    assert response.status_code == 422 and "请选择决定" in text_of(response)
    assert "罚款已缴清" in text_of(client.get("/console"))  # still waiting


def test_a_decision_taken_twice_says_it_was_already_decided(client, make, officer):
    made = waiting_requests(make)
    form = {
        "kind": "record_repair",
        "entry_id": made["records"]["violation"],
        "request_id": made["ids"]["record_repair"],
        "decision": "no",
        "reason": "材料不全",
    }
    assert post(client, "/console/decisions", form).status_code == 303
    again = post(client, "/console/decisions", form)
    assert again.status_code == 303
    assert "已由他人处理" in text_of(client.get("/console"))


def test_a_decision_without_its_csrf_token_is_refused(client, make, officer):
    made = waiting_requests(make)
    response = client.post(
        "/console/decisions",
        data={
            "kind": "record_repair",
            "entry_id": made["records"]["violation"],
            "request_id": made["ids"]["record_repair"],
            "decision": "yes",
            "reason": "x",
        },
    )
    assert response.status_code == 400


def test_registering_a_firm_then_adding_a_failed_inspection(client, make, officer):
    code = with_check_character("91321102MA1TEAM01")
    response = post(
        client,
        "/console/firms/new",
        {"uscc": code.lower(), "name": "镇江新登记机械有限公司", "industry_code": "C34"},
        "/console/firms/new",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/console/firms/{code}"
    assert "已登记镇江新登记机械有限公司" in text_of(client.get(response.headers["Location"]))
    form = f"/console/firms/{code}/records/new?kind=inspection"
    assert "检验结论" in text_of(client.get(form))
    added = post(
        client,
        form,
        {
            "level": "provincial",
            "product": "起重机械",
            "sampled_on": "2026-06-01",
            "result": "fail",
            "failed_items": "安全保护装置\n标志标识",
            "report_no": "JS-2026-1234",
        },
        form,
    )
    assert added.status_code == 303
    page = text_of(client.get(f"/console/firms/{code}"))
    assert "起重机械（不合格）" in page and "安全保护装置、标志标识" in page
    stats = text_of(client.get("/console/statistics?product=起重机械&by=product"))
    assert "起重机械" in stats and "0.00%" in stats


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("91321102MA1TEST0", "应为18位"),
        ("91321102MA1TEST0IX", "不能有字符"),
        ("91320102MA1TEAM01X", "不在本辖区"),
    ],
)
def test_a_wrong_code_is_refused_as_typed(client, officer, typed, problem):
    if problem == "不在本辖区":
        typed = with_check_character(typed[:17])
    response = post(
        client, "/console/firms/new", {"uscc": typed, "name": "某公司"}, "/console/firms/new"
    )
    assert response.status_code == 422
    assert problem in text_of(response)
    assert 'aria-invalid="true"' in text_of(response)
    checked = client.get("/console/uscc-check", query_string={"uscc": typed})
    assert checked.status_code == 200 and problem in text_of(checked)


def test_the_code_check_says_a_good_code_may_be_registered_and_a_known_one_is_taken(
    client, make, officer
):
    taken = make.enterprise()
    fresh = with_check_character("91321102MA1FRE2H1")
    assert "可以登记" in text_of(client.get("/console/uscc-check", query_string={"uscc": fresh}))
    assert "已登记" in text_of(client.get("/console/uscc-check", query_string={"uscc": taken}))


def test_a_record_form_names_each_missing_field_in_chinese(client, make, officer):
    firm = make.enterprise()
    form = f"/console/firms/{firm}/records/new?kind=violation"
    response = post(client, form, {"category": "recall", "fine_amount": "-5"}, form)
    page = text_of(response)
    assert response.status_code == 422
    for text in ("请填写严重程度", "请填写决定日期", "请填写处罚机关", "请填写决定文号"):
        assert text in page
    assert "罚款金额应为不小于0" in page


def test_an_unknown_record_kind_is_404(client, make, officer):
    firm = make.enterprise()
    assert client.get(f"/console/firms/{firm}/records/new?kind=gossip").status_code == 404


def test_rescinding_and_revoking_records(client, make, officer):
    firm = rich_firm(make)["uscc"]
    page = text_of(client.get(f"/console/firms/{firm}"))
    award = int(re.search(r'action="/console/records/(\d+)/revoke"', page).group(1))
    refused = post(client, f"/console/records/{award}/revoke", {"reason": "撤销"})
    assert refused.status_code == 422 and "请填写撤销生效日期" in text_of(refused)
    revoked = post(
        client,
        f"/console/records/{award}/revoke",
        {"reason": "发证机关撤销", "revoked_on": "2026-06-01"},
    )
    assert revoked.status_code == 303
    violation = re.findall(r'action="/console/records/(\d+)/rescind"', page)[0]
    assert (
        post(client, f"/console/records/{violation}/rescind", {"reason": "录入错误"}).status_code
        == 303
    )
    page = text_of(client.get(f"/console/firms/{firm}"))
    assert "已撤销（发证机关）" in page and "已撤回（记录有误）" in page


def test_the_file_shows_the_grade_explanation_and_an_override(client, make, officer):
    firm = rich_firm(make)["uscc"]
    page = text_of(client.get(f"/console/firms/{firm}"))
    assert "得分说明" in page and "等级变化" in page
    refused = post(
        client,
        f"/console/firms/{firm}/override",
        {"grade": "A", "reason": "x", "valid_until": "2020-01-01"},
    )
    assert refused.status_code == 422 and 'id="override-valid_until-problem"' in text_of(refused)
    done = post(
        client,
        f"/console/firms/{firm}/override",
        {"grade": "A", "reason": "整改到位，经现场核查", "valid_until": "2026-12-31"},
    )
    assert done.status_code == 303
    page = text_of(client.get(f"/console/firms/{firm}"))
    assert "已人工调整为 A 级，至 2026年12月31日" in page


def test_listing_a_firm_with_its_violations_and_following_the_listing(client, make, officer):
    firm = rich_firm(make)["uscc"]
    form = text_of(client.get(f"/console/blacklist/new?uscc={firm}"))
    violation = re.findall(r'name="violation_ids" value="(\d+)"', form)[0]
    refused = post(client, "/console/blacklist/new", {"uscc": firm, "violation_ids": violation})
    assert refused.status_code == 422 and "请填写列入事由" in text_of(refused)
    response = post(
        client,
        "/console/blacklist/new",
        {
            "uscc": firm,
            "reason": "生产销售不合格产品，情节严重",
            "legal_basis": "《市场监督管理严重违法失信名单管理办法》第二条",
            "decision_no": "镇市监信〔2026〕1号",
            "listed_on": "2026-06-15",
            "violation_ids": violation,
        },
    )
    assert response.status_code == 303
    listing = text_of(client.get(response.headers["Location"]))
    assert "列入中" in listing and "2026年6月15日" in listing and "2029年6月15日" in listing
    assert f"#record-{violation}" in listing
    assert "镇江华东电缆有限公司" in text_of(client.get("/console/blacklist"))


def test_statistics_show_charts_targets_and_refuse_a_bad_filter(client, make, officer):
    rich_firm(make)
    page = text_of(client.get("/console/statistics?by=region"))
    assert "<svg" in page and "信用等级分布" in page and "目标完成情况" in page
    assert "<script" not in page.split("<main")[1]
    bad = client.get("/console/statistics?from=2026-13-01&district=110101")
    assert bad.status_code == 422
    assert "日期应为" in text_of(bad) and "本辖区内的区县" in text_of(bad)


def test_the_quality_status_report_as_page_and_pdf(client, make, officer):
    rich_firm(make)
    page = client.get("/console/report?period=2026Q2")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "质量状况分析报告" in text_of(page)
    bad = client.get("/console/report?period=someday")
    assert bad.status_code == 422 and "报告期应写作" in text_of(bad)


def test_the_inspection_plan_is_drawn_shown_and_downloaded(client, make, officer):
    for _ in range(3):
        make.graded_enterprise()
    page = client.get("/console/plan?date=2026-07-01&seed=42")
    assert page.status_code == 200 and "抽取" in text_of(page)
    csv = client.get("/console/plan.csv?date=2026-07-01&seed=42")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0].lstrip("\ufeff").startswith("risk_class")
    assert client.get("/console/plan.csv?date=2026-07-01&seed=42").data == csv.data
    bad = client.get("/console/plan?date=tomorrow&seed=-1")
    assert bad.status_code == 422
    assert "随机数种子应为非负整数" in text_of(bad)


# Who may not use the console ------------------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/console")
    assert response.status_code == 302 and "/login?next=/console" in response.headers["Location"]


@pytest.mark.parametrize("role", ["bank", "procurement", "enterprise", "admin"])
def test_other_roles_get_the_403_page(client, make, role):
    binding = {"uscc": make.enterprise()} if role == "enterprise" else {}
    account = make.account(role, **binding)
    sign_in(client, account.username)
    for path in CONSOLE_PAGES:
        response = client.get(path)
        assert response.status_code == 403 and "无权访问" in text_of(response), path


def test_another_regions_officer_sees_none_of_this_regions_firms(client, make):
    made = waiting_requests(make)
    account = make.account("regulator", region="3201")
    sign_in(client, account.username)
    page = text_of(client.get("/console"))
    assert "镇江异议电器有限公司" not in page and "没有等待决定的事项" in page
    firm = made["firms"]["objected"]
    assert client.get(f"/console/firms/{firm}").status_code == 404
    assert client.get(f"/console/firms/{firm}/edit").status_code == 404
    assert client.get(f"/console/blacklist/{made['listings']['disputed']}").status_code == 404
    assert client.get(f"/console/blacklist/new?uscc={firm}").status_code == 404
    decided = post(
        client,
        "/console/decisions",
        {
            "kind": "record_objection",
            "entry_id": made["records"]["certificate"],
            "request_id": made["ids"]["record_objection"],
            "decision": "yes",
            "reason": "越权",
        },
    )
    assert decided.status_code == 403
    added = post(
        client,
        f"/console/firms/{firm}/records/new?kind=inspection",
        {"level": "provincial", "product": "x", "sampled_on": "2026-06-01", "result": "pass"},
    )
    assert added.status_code == 404
    registered = post(
        client,
        "/console/firms/new",
        {"uscc": with_check_character("91321102MA1ANT2R1"), "name": "越权公司"},
    )
    assert registered.status_code == 422 and "不在本辖区" in text_of(registered)


@needs_pdf
def test_the_quality_status_report_downloads_as_a_chinese_pdf(client, make, officer):
    rich_firm(make)
    response = client.get("/console/report?period=2026Q2&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "quality-status-3211-2026Q2.pdf" in response.headers["Content-Disposition"]
    assert "质量状况分析报告" in "".join(pdf_text(response.data).split())


@pytest.mark.parametrize(
    "path",
    [
        "/console/firms/not-a-code",
        "/console/firms/91321102000000000X",
        "/console/blacklist/99999999999999",
        "/console/blacklist/new?uscc=%00",
        "/console?page=abc&kind=everything",
        "/console/statistics?industry=ZZ9&by=week&to=2026-02-30",
        "/console/plan?date=2026-02-30&seed=1e9",
        "/console/plan.csv",
        "/console/report?period=2026Q9",
        "/console/uscc-check?uscc=%E9%95%87%E6%B1%9F",
    ],
)
def test_bad_input_never_gets_a_500(client, officer, path):
    response = client.get(path)
    assert response.status_code in (200, 404, 422), path
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/console/records/99999999999999/rescind", {"reason": "x"}),
        ("/console/records/1/erase", {"reason": "x"}),
        ("/console/decisions", {"kind": "record_objection", "entry_id": "x", "request_id": "1"}),
        (
            "/console/decisions",
            {"kind": "listing_repair", "entry_id": "99999999999999", "request_id": "1"},
        ),
        ("/console/decisions", {"kind": "nothing"}),
        ("/console/blacklist/new", {"uscc": "bad"}),
    ],
)
def test_bad_posts_never_get_a_500(client, officer, path, form):
    response = post(client, path, form)
    assert response.status_code in (303, 404, 409, 422), path


def test_a_rejected_upload_shows_in_the_inbox_with_its_errors(client, make, officer, regulator):
    from tests.api.test_imports import HEADER_ZH, upload

    firm = make.enterprise()
    bad = f"{HEADER_ZH}\nB1,{firm},省级监督抽查,电线,2026-02-30,合格,R1,\n"
    assert upload(client, regulator, bad).get_json()["state"] == "rejected"
    page = text_of(client.get("/console?kind=import_rejected"))
    assert "未通过的导入" in page and "第 2 行“抽样日期”" in page and "不是存在的日期" in page


def test_editing_a_firms_register_entry_changes_only_what_differs(client, make, officer):
    firm = make.enterprise(name="镇江旧名称机械有限公司", industry_code="C34")
    form = text_of(client.get(f"/console/firms/{firm}/edit"))
    assert 'value="镇江旧名称机械有限公司"' in form and 'value="C34"' in form
    entry = {"name": "镇江旧名称机械有限公司", "industry_code": "C34", "status": "in_business"}
    refused = post(client, f"/console/firms/{firm}/edit", {**entry, "name": "", "reason": "更名"})
    assert refused.status_code == 422 and "请填写企业名称" in text_of(refused)
    no_reason = post(client, f"/console/firms/{firm}/edit", entry)
    assert no_reason.status_code == 422 and "请填写变更理由" in text_of(no_reason)
    done = post(
        client,
        f"/console/firms/{firm}/edit",
        {
            **entry,
            "name": "镇江新名称机械有限公司",
            "address": "镇江市京口区学府路1号",
            "reason": "变更登记",
        },
    )
    assert done.status_code == 303
    page = text_of(client.get(f"/console/firms/{firm}"))
    assert "镇江新名称机械有限公司" in page and "已更新登记信息" in page
    found = text_of(client.get("/console/firms?q=旧名称"))
    assert "镇江新名称机械有限公司" in found  # found by its former name


def test_a_repairs_evidence_file_is_listed_and_opened_from_the_inbox(client, make, officer):
    from credit.auth.caller import Caller
    from credit.services import requests

    made = waiting_requests(make)
    settings = make.app.extensions["credit.settings"]
    limits = requests.EvidenceLimits(
        settings.evidence,
        settings.repair_attachment_max_count,
        settings.repair_attachment_max_bytes,
    )
    firm = Caller("firm", "enterprise", uscc=made["firms"]["repairing"])
    content = b"%PDF-1.4 payment receipt"
    with make.database.writing() as session:
        requests.attach_evidence(
            session,
            firm,
            "listing",
            made["listings"]["repairing"],
            [requests.Upload("缴款凭证.pdf", content)],
            limits,
        )
    api = client.get("/api/v1/inbox?kind=listing_repair", headers=make.headers("regulator"))
    (item,) = api.get_json()["items"]
    (attached,) = item["attachments"]
    assert attached["filename"] == "缴款凭证.pdf" and attached["size"] == len(content)
    page = text_of(client.get("/console?kind=listing_repair"))
    link = f"/console/listing/{made['listings']['repairing']}/attachments/{attached['id']}"
    assert link in page and "缴款凭证.pdf" in page
    opened = client.get(link)
    assert opened.status_code == 200 and opened.data == content
    assert client.get(f"{link}0").status_code == 404
