"""The regulator's console in a real browser: deciding an objection and a repair from the inbox,
registering a firm and recording a failed inspection that then shows in the statistics,
accessibility of each console page, and how each looks on a phone and a desktop."""

from __future__ import annotations

import pytest

from credit.uscc import with_check_character
from tests.browser.conftest import screenshot
from tests.browser.test_sign_in import fill_in
from tests.conftest import TEST_PASSWORD
from tests.web.firms import rich_firm, waiting_requests

SERIOUS = {"serious", "critical"}
CONSOLE_PAGES = {
    "console-inbox": "/console",
    "console-firms": "/console/firms",
    "console-new-firm": "/console/firms/new",
    "console-firm": None,  # the rich firm's file
    "console-new-inspection": None,  # the form for a sampling result
    "console-edit-firm": None,  # the rich firm's register entry
    "console-blacklist": "/console/blacklist",
    "console-listing": None,  # a listing with a pending objection
    "console-statistics": "/console/statistics?by=product",
    "console-plan": "/console/plan?date=2026-07-01&seed=20260701",
}


@pytest.fixture
def waiting(live_make) -> dict:
    made = waiting_requests(live_make)
    made["rich"] = rich_firm(live_make)
    return made


def signed_in(page, live_make, path: str = "/console"):
    account = live_make.account("regulator", region="3211")
    page.goto(f"/login?next={path}")
    fill_in(page, account.username, TEST_PASSWORD)
    page.wait_for_url(f"**{path}")
    return account


def address(name: str, made: dict) -> str:
    if name == "console-firm":
        return f"/console/firms/{made['rich']['uscc']}"
    if name == "console-edit-firm":
        return f"/console/firms/{made['rich']['uscc']}/edit"
    if name == "console-new-inspection":
        return f"/console/firms/{made['rich']['uscc']}/records/new?kind=inspection"
    if name == "console-listing":
        return f"/console/blacklist/{made['listings']['disputed']}"
    return CONSOLE_PAGES[name]


def test_a_regulator_decides_an_objection_and_a_repair_from_the_inbox(page, live_make, waiting):
    signed_in(page, live_make)
    counts = page.get_by_role("list", name="各类待办数量")
    assert "记录异议 1" in counts.inner_text()
    objection = page.get_by_role("listitem").filter(has_text="证书编号录入有误")
    objection.get_by_label("异议成立（撤回该记录）").check()
    objection.get_by_label("决定理由").fill("经核对证书原件，编号录入有误")
    objection.get_by_role("button", name="提交决定").click()
    page.get_by_role("status").filter(has_text="已对记录异议作出决定").wait_for()
    assert page.get_by_text("证书编号录入有误").count() == 0
    assert "记录异议 0" in page.get_by_role("list", name="各类待办数量").inner_text()

    repair = page.get_by_role("listitem").filter(has_text="已履行处罚，申请提前移出")
    repair.get_by_role("button", name="提交决定").click()  # no choice, no reason
    problem = page.locator(".problem").first
    problem.wait_for()
    assert "请选择决定" in page.locator("main").inner_text()
    repair = page.get_by_role("listitem").filter(has_text="已履行处罚，申请提前移出")
    repair.get_by_label("准予修复（停止公示）").check()
    repair.get_by_label("决定理由").fill("罚款已缴清，整改已验收")
    repair.get_by_role("button", name="提交决定").click()
    page.get_by_role("status").filter(has_text="已对黑名单信用修复作出决定").wait_for()
    screenshot(page, "console-decided-1280")
    page.goto(f"/console/blacklist/{waiting['listings']['repairing']}")
    assert page.get_by_text("罚款已缴清，整改已验收").first.is_visible()
    assert page.get_by_text("已提前移出").first.is_visible()


def test_registering_a_firm_and_a_failed_inspection_that_shows_in_the_statistics(page, live_make):
    signed_in(page, live_make, "/console/firms/new")
    code = with_check_character("91321102MA1BR0WER")
    field = page.get_by_label("统一社会信用代码")
    field.press_sequentially(code[:-1] + ("0" if code[-1] != "0" else "1"))
    page.locator("#uscc-check.problem").wait_for()  # the htmx check, as typed
    assert "校验码" in page.locator("#uscc-check").inner_text()
    field.fill("")
    field.press_sequentially(code)
    page.get_by_text("代码有效，可以登记。").wait_for()
    page.get_by_label("企业名称").fill("镇江浏览器测试电器有限公司")
    page.get_by_label("所属行业").fill("C38")
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(f"**/console/firms/{code}")
    assert page.get_by_role("heading", level=1, name="镇江浏览器测试电器有限公司").is_visible()

    page.get_by_role("link", name="录入监督抽查结果").click()
    page.get_by_label("抽查级别").select_option(label="省级监督抽查")
    page.get_by_label("产品名称").fill("电热水壶")
    page.get_by_label("抽样日期").fill("2026-06-02")
    page.get_by_label("检验结论").select_option("fail")
    page.get_by_label("不合格项目").fill("泄漏电流\n标志和说明")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/console/firms/{code}")
    assert page.get_by_text("电热水壶（不合格）").is_visible()

    page.get_by_role("link", name="统计分析").click()
    page.get_by_label("产品").fill("电热水壶")
    page.get_by_role("button", name="统计").click()
    row = page.get_by_role("row").filter(has_text="电热水壶")
    assert "0.00%" in row.inner_text()
    assert page.locator("figure.chart svg").count() >= 1
    screenshot(page, "console-statistics-after-1280")


def test_an_inspection_form_left_empty_names_each_field(page, live_make):
    firm = live_make.enterprise()
    signed_in(page, live_make, f"/console/firms/{firm}/records/new?kind=inspection")
    page.get_by_role("button", name="保存").click()
    page.locator("#product-problem").wait_for()
    assert "请填写产品名称" in page.locator("#product-problem").inner_text()
    assert page.get_by_label("产品名称").get_attribute("aria-invalid") == "true"


@pytest.mark.parametrize("name", list(CONSOLE_PAGES))
def test_no_serious_accessibility_violation(page, live_make, waiting, name):
    from axe_playwright_python.sync_playwright import Axe

    signed_in(page, live_make)
    page.goto(address(name, waiting))
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]
    assert serious == []


@pytest.mark.parametrize("name", list(CONSOLE_PAGES))
def test_screenshots_on_a_phone_and_a_desktop(page, phone_page, live_make, waiting, name):
    for shown, width in ((page, 1280), (phone_page, 375)):
        signed_in(shown, live_make)
        shown.goto(address(name, waiting))
        assert shown.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(shown, f"{name}-{width}")
