"""The public pages as a citizen sees them: status codes, the Chinese text, and nothing the API
would not show the public."""

from __future__ import annotations

import datetime
import re

import pytest
from sqlalchemy import update

from credit.models import Enterprise
from credit.services import state
from credit.uscc import with_check_character
from tests.days import DEFAULT_TODAY, days_before
from tests.web.firms import AUTHORITY, blacklisted_firm, rich_firm


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_the_front_page_is_in_chinese_with_the_search_box_and_latest_listings(client, make):
    listed = blacklisted_firm(make)
    response = client.get("/")
    page = text_of(response)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '<html lang="zh-CN">' in page
    assert 'action="/search"' in page and 'name="q"' in page
    # htmx runs the search on `input`, which an input method fires once characters are chosen.
    assert 'hx-trigger="input changed' in page
    assert "keyup" not in page
    assert listed["name"] in page
    assert f"/enterprises/{listed['uscc']}" in page


def test_a_warning_shows_on_the_front_page_and_the_warnings_page(client, regulator):
    published = client.post(
        "/api/v1/warnings",
        json={
            "title": "关于电动自行车充电器质量安全的预警",
            "product": "电动自行车充电器",
            "region_code": "321100",
            "body": "近期抽查发现部分充电器输出过压保护不合格。\n请消费者选购带有CCC标志的产品。",
            "published_on": days_before(DEFAULT_TODAY, 2).isoformat(),
        },
        headers=regulator,
    )
    assert published.status_code == 201
    assert "关于电动自行车充电器质量安全的预警" in text_of(client.get("/"))
    page = text_of(client.get("/warnings"))
    assert "请消费者选购带有CCC标志的产品。" in page
    assert "2026年6月13日" in page
    assert "镇江市" in page


def test_an_enterprise_page_shows_its_grade_and_each_record_with_date_authority_and_number(
    client, make
):
    firm = rich_firm(make)
    response = client.get(f"/enterprises/{firm['uscc']}")
    page = text_of(response)
    assert response.status_code == 200
    assert firm["name"] in page
    grade = client.get(f"/api/v1/enterprises/{firm['uscc']}").get_json()["grade"]
    assert f"质量信用{grade}级" in page
    assert "京口区（镇江市）" in page
    assert "镇江市市长质量奖" in page and "镇政发〔2025〕3号" in page and "2025年1月10日" in page
    assert "电线电缆" in page and "不合格" in page and "JS-2026-0417" in page
    assert "导体电阻" in page and "江苏省产品质量监督检验研究院" in page
    assert "镇市监罚〔2026〕18号" in page and AUTHORITY in page and "50,000.00元" in page
    assert "行政处罚（一般）" in page
    # A minor fine is public for 3 months; this one was decided 200 days ago.
    assert "镇市监罚〔2025〕99号" not in page
    assert f'href="/enterprises/{firm["uscc"]}/report.pdf"' in page
    assert "下载信用报告（PDF）" in page


def test_an_enterprise_page_shows_nothing_the_public_profile_leaves_out(client, make):
    firm = rich_firm(make)
    profile = client.get(f"/api/v1/enterprises/{firm['uscc']}").get_json()
    page = text_of(client.get(f"/enterprises/{firm['uscc']}"))
    numbers = set(re.findall(r"镇市监罚〔\d+〕\d+号", page))
    assert numbers == {v["decision_no"] for v in profile["violations"]}


def test_a_blacklisted_firm_is_marked_as_such_with_its_listing(client, make):
    firm = blacklisted_firm(make)
    page = text_of(client.get(f"/enterprises/{firm['uscc']}"))
    assert "该企业已列入质量失信黑名单" in page
    assert "生产销售不合格建材，情节严重" in page
    assert "镇市监黑〔2026〕2号" in page
    assert "质量信用D级" in page
    assert "高风险" in page


def test_an_ungraded_firm_says_so(client, firm):
    page = text_of(client.get(f"/enterprises/{firm}"))
    assert "未评级" in page
    assert "档案中尚无可供评价的信用记录" in page


def test_a_deregistered_firm_says_so(client, make):
    code = make.enterprise()
    # As a change of the register would: the firm's status, then its state row.
    with make.database.writing() as session:
        firm_id = session.execute(
            update(Enterprise)
            .where(Enterprise.uscc == code)
            .values(status="deregistered")
            .returning(Enterprise.id)
        ).scalar_one()
        state.refresh_states(session, [firm_id], trigger="enterprise_changed", actor="officer")
    response = client.get(f"/enterprises/{code}")
    assert response.status_code == 200
    assert "该企业已注销" in text_of(response)


def test_an_unknown_code_gets_a_404_page_in_chinese(client, make):
    code = make.uscc()
    response = client.get(f"/enterprises/{code}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "未找到该企业" in text_of(response) and code in text_of(response)


@pytest.mark.parametrize(
    "code, says",
    [
        ("913211", "应为18位，这里是6位"),
        ("91321102000000010I", "不能有字符“I”"),
        ("9132110200000001X1", "校验码（第18位）不正确"),
    ],
)
def test_a_malformed_code_gets_a_page_saying_what_is_wrong(client, code, says):
    response = client.get(f"/enterprises/{code}")
    assert response.status_code == 404
    assert "统一社会信用代码有误" in text_of(response)
    assert says in text_of(response)


def test_a_code_typed_in_lower_case_finds_the_firm(client, make):
    code = make.enterprise(uscc=with_check_character("91321102MA1Q00001"))
    response = client.get(f"/enterprises/{code.lower()}")
    assert response.status_code == 200 and code in text_of(response)


def test_search_finds_a_firm_by_two_chinese_characters_and_links_to_it(client, make):
    firm = rich_firm(make)
    make.enterprise(name="南京无关贸易有限公司")
    response = client.get("/search", query_string={"q": "华东"})
    page = text_of(response)
    assert response.status_code == 200
    assert firm["name"] in page and "南京无关贸易有限公司" not in page
    assert f'href="/enterprises/{firm["uscc"]}"' in page
    assert "找到 1 家企业" in page


def test_the_live_results_are_a_fragment(client, make):
    firm = rich_firm(make)
    response = client.get("/search", query_string={"q": "华东"}, headers={"HX-Request": "true"})
    page = text_of(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert firm["name"] in page and firm["uscc"] in page


def test_one_character_asks_for_more_in_the_live_results_and_the_page(client):
    live = client.get("/search", query_string={"q": "华"}, headers={"HX-Request": "true"})
    assert live.status_code == 200 and "至少2个字" in text_of(live)
    page = client.get("/search", query_string={"q": "华"})
    assert page.status_code == 422 and "至少2个字" in text_of(page)


def test_search_pages_through_many_firms_and_filters_by_region_and_grade(client, make):
    for n in range(23):
        make.enterprise(region="321102", name=f"镇江分页{n:02d}号有限公司")
    graded = make.graded_enterprise(region="321111", name="镇江分页评级有限公司")
    first = text_of(client.get("/search", query_string={"q": "分页"}))
    assert "第 1 / 2 页，共 24 条" in first
    assert 'href="/search?q=%E5%88%86%E9%A1%B5&amp;page=2"' in first
    second = text_of(client.get("/search", query_string={"q": "分页", "page": 2}))
    assert "第 2 / 2 页" in second and "上一页" in second
    by_region = text_of(client.get("/search", query_string={"q": "分页", "region": "321111"}))
    assert "找到 1 家企业" in by_region and graded in by_region
    by_grade = text_of(client.get("/search", query_string={"q": "分页", "grade": "B"}))
    assert "找到 1 家企业" in by_grade and graded in by_grade


def test_a_bad_filter_is_named_in_chinese_and_never_a_500(client):
    response = client.get("/search", query_string={"q": "镇江", "region": "abc", "page": "x"})
    page = text_of(response)
    assert response.status_code == 422
    assert "地区代码应为2至6位数字" in page and "页码应为正整数" in page
    assert 'aria-invalid="true"' in page


def test_the_blacklist_lists_active_listings_with_their_documents(client, make):
    firm = blacklisted_firm(make)
    page = text_of(client.get("/blacklist"))
    assert firm["name"] in page and "镇市监黑〔2026〕2号" in page and AUTHORITY in page
    assert "2026年6月5日" in page  # listed 10 days before 15 June
    other_region = text_of(client.get("/blacklist", query_string={"region": "3201"}))
    assert firm["name"] not in other_region


def test_a_listing_removed_early_leaves_the_public_blacklist(client, make, regulator):
    firm = blacklisted_firm(make)
    # An upheld objection rescinds the listing; the public no longer sees it.
    enterprise_headers = make.headers("enterprise", uscc=firm["uscc"])
    objection = client.post(
        f"/api/v1/blacklist/{firm['listing']}/objections",
        json={"reason": "决定所依据的抽查报告有误"},
        headers=enterprise_headers,
    ).get_json()
    decided = client.post(
        f"/api/v1/blacklist/{firm['listing']}/objections/{objection['id']}/decision",
        json={"upheld": True, "reason": "复核属实"},
        headers=regulator,
    )
    assert decided.status_code == 200
    assert firm["name"] not in text_of(client.get("/blacklist"))
    assert "未列入质量失信黑名单" in text_of(client.get(f"/enterprises/{firm['uscc']}"))


def test_the_inspections_page_lists_results_and_filters_them(client, make):
    rich_firm(make)
    page = text_of(client.get("/inspections"))
    assert "电线电缆" in page and "JS-2026-0417" in page and "省级监督抽查" in page
    passed_only = text_of(client.get("/inspections", query_string={"result": "pass"}))
    assert "JS-2026-0417" not in passed_only
    bad = client.get("/inspections", query_string={"result": "maybe"})
    assert bad.status_code == 422 and "请选择“合格”或“不合格”" in text_of(bad)


@pytest.mark.parametrize("path", ["/", "/search", "/blacklist", "/inspections", "/warnings"])
def test_every_public_page_works_without_scripts_and_loads_nothing_from_elsewhere(client, path):
    response = client.get(path)
    page = text_of(response)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script>" not in page  # no inline script


def test_the_stylesheet_and_htmx_are_served(client):
    assert client.get("/static/site.css").status_code == 200
    assert client.get("/static/htmx-2.0.11.min.js").status_code == 200


def test_the_dates_are_written_the_chinese_way(client, make):
    code = make.enterprise(registered_on=datetime.date(2019, 9, 30))
    assert "2019年9月30日" in text_of(client.get(f"/enterprises/{code}"))


def test_a_region_alone_lists_its_firms(client, make):
    code = make.enterprise(region="321183", name="句容演示食品有限公司")
    page = text_of(client.get("/search", query_string={"region": "321183"}))
    assert "找到 1 家企业" in page and code in page and "句容市（镇江市）" in page
