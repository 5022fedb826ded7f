"""The public site in a real browser: searching as one types Chinese, a blacklisted firm's page,
accessibility of every public page, and how each looks on a phone and a desktop."""

from __future__ import annotations

import pytest

from credit.uscc import with_check_character
from tests.browser.conftest import screenshot
from tests.web.firms import blacklisted_firm, rich_firm

PUBLIC_PAGES = {
    "home": "/",
    "search": "/search?q=%E9%95%87%E6%B1%9F",  # 镇江
    "enterprise": None,  # the rich firm's page
    "blacklisted": None,  # the blacklisted firm's page
    "blacklist": "/blacklist",
    "inspections": "/inspections",
    "warnings": "/warnings",
    "unknown-firm": f"/enterprises/{with_check_character('91321102999999990')}",
    "malformed-code": "/enterprises/913211020000000000",
    "login": "/login",
}
SERIOUS = {"serious", "critical"}


@pytest.fixture
def firms(live_make) -> dict:
    """A firm with records, a blacklisted firm, some others to search through, and a warning."""
    from credit.auth.caller import Caller
    from credit.services.statistics.warnings import publish
    from tests.days import DEFAULT_TODAY

    made = {"rich": rich_firm(live_make), "listed": blacklisted_firm(live_make)}
    for n in range(3):
        live_make.enterprise(name=f"镇江演示第{n + 1}机械厂")
    with live_make.database.writing() as session:
        publish(
            session,
            Caller("officer", "regulator", region="3211"),
            title="关于电动自行车充电器质量安全的预警",
            product="电动自行车充电器",
            region_code="321100",
            body="近期抽查发现部分充电器输出过压保护不合格，请消费者选购带有CCC标志的产品。",
            published_on=DEFAULT_TODAY,
        )
    return made


def address(name: str, firms: dict) -> str:
    if name == "enterprise":
        return f"/enterprises/{firms['rich']['uscc']}"
    if name == "blacklisted":
        return f"/enterprises/{firms['listed']['uscc']}"
    return PUBLIC_PAGES[name]


def test_a_citizen_types_two_chinese_characters_and_opens_the_firm(page, firms):
    firm = firms["rich"]
    page.goto("/")
    box = page.get_by_role("searchbox", name="企业名称或统一社会信用代码")
    box.click()
    # What an input method does once the characters are chosen: text inserted, `input` fired.
    page.keyboard.insert_text("华东")
    result = page.get_by_role("link", name=firm["name"])
    result.wait_for()
    assert page.url.endswith("/")  # still on the front page: the results came in place
    result.click()
    page.wait_for_url(f"**/enterprises/{firm['uscc']}")
    assert page.get_by_role("heading", level=1, name=firm["name"]).is_visible()
    assert page.get_by_role("link", name="下载信用报告（PDF）").is_visible()


def test_the_search_form_works_without_scripts(browser, site_url, firms):
    context = browser.new_context(java_script_enabled=False, base_url=site_url)
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_role("searchbox", name="企业名称或统一社会信用代码").fill("华东")
        page.get_by_role("button", name="查询").click()
        page.wait_for_url("**/search?q=*")
        page.get_by_role("link", name=firms["rich"]["name"]).click()
        page.wait_for_url(f"**/enterprises/{firms['rich']['uscc']}")
    finally:
        context.close()


def test_a_blacklisted_firms_page_says_so_first(page, firms):
    firm = firms["listed"]
    page.goto(f"/enterprises/{firm['uscc']}")
    notice = page.get_by_role("note").filter(has_text="该企业已列入质量失信黑名单")
    assert notice.is_visible()
    assert page.get_by_text("镇市监黑〔2026〕2号").is_visible()
    assert page.get_by_text("质量信用D级").is_visible()


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_no_serious_accessibility_violation(page, firms, name):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(address(name, firms))
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]
    assert serious == []


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_screenshots_on_a_phone_and_a_desktop(page, phone_page, firms, name):
    for shown, width in ((page, 1280), (phone_page, 375)):
        shown.goto(address(name, firms))
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert shown.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(shown, f"{name}-{width}")
