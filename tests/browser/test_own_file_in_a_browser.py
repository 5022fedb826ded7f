"""A firm in Chromium: signing in, objecting to a record, applying for credit repair with a
scanned document, and finding its report PDF; screenshots at phone and desktop widths."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import TEST_PASSWORD
from tests.days import DEFAULT_TODAY, days_before
from tests.web.firms import PDF, fined_firm


@pytest.fixture
def firm(live_make):
    made = fined_firm(live_make, "镇江演示华东电缆有限公司")
    live_make.record(
        made["uscc"],
        "inspection",
        level="provincial",
        product="电线电缆",
        sampled_on=days_before(DEFAULT_TODAY, 40),
        result="fail",
        report_no="JS-2026-0417",
        failed_items=["导体电阻"],
    )
    account = live_make.account("enterprise", uscc=made["uscc"])
    return {**made, "username": account.username}


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/me$"))


def test_a_firm_objects_and_applies_for_repair_with_a_scan(page, firm, tmp_path):
    sign_in(page, firm["username"])
    assert page.get_by_role("heading", level=1).inner_text() == "镇江演示华东电缆有限公司"
    report = page.get_by_role("link", name="下载本企业信用报告（PDF）")
    assert report.get_attribute("href") == f"/enterprises/{firm['uscc']}/report.pdf"
    assert page.get_by_role("table").first.get_by_text("一般违法扣分").count() == 1
    screenshot(page, "me-desktop-file")

    general = page.locator(f"#record-{firm['general']}")
    general.get_by_text("对此记录提出异议").click()
    general.get_by_label("异议理由").fill("处罚决定已被行政复议撤销，复议决定书随后补交")
    general.get_by_role("button", name="提交异议").click()
    page.wait_for_url(re.compile(r"/me#record-"))
    assert page.get_by_text("异议已提交").is_visible()
    general = page.locator(f"#record-{firm['general']}")
    assert general.get_by_text("待处理").is_visible()

    scan = tmp_path / "罚款缴纳凭证.pdf"
    scan.write_bytes(PDF)
    general.get_by_text("申请信用修复").click()
    general.get_by_label("申请说明").fill("已完成整改并缴清罚款")
    general.get_by_label("证明材料（可选）").set_input_files(str(scan))
    general.get_by_role("button", name="提交信用修复申请").click()
    page.wait_for_url(re.compile(r"/me#record-"))
    general = page.locator(f"#record-{firm['general']}")
    assert page.get_by_text("信用修复申请已提交").is_visible()
    assert general.get_by_text("罚款缴纳凭证.pdf").is_visible()
    assert general.get_by_text("审核中").is_visible()

    serious = page.locator(f"#record-{firm['serious']}")
    assert serious.get_by_text(re.compile("尚不能申请信用修复：可于 2027年")).is_visible()
    screenshot(page, "me-desktop-after-requests")


def test_the_next_visit_shows_what_others_changed(page, live_make, firm):
    sign_in(page, firm["username"])
    assert page.get_by_text("自上次访问以来，档案没有新的变化。").is_visible()
    live_make.record(
        firm["uscc"],
        "inspection",
        level="national",
        product="电力电缆",
        sampled_on=days_before(DEFAULT_TODAY, 3),
        result="pass",
        report_no="GJ-2026-0099",
    )
    page.reload()
    news = page.get_by_role("region", name="自上次访问以来的变化")
    assert news.get_by_text("新增监督抽查结果").is_visible()
    assert news.get_by_text("信用评分更新：34.50 分，等级仍为 D").is_visible()
    news.get_by_role("link", name="查看记录").click()
    screenshot(page, "me-desktop-news")
    page.reload()
    assert page.get_by_text("自上次访问以来，档案没有新的变化。").is_visible()


def test_the_area_reads_on_a_phone(phone_page, firm, tmp_path):
    sign_in(phone_page, firm["username"])
    general = phone_page.locator(f"#record-{firm['general']}")
    general.get_by_text("申请信用修复").click()
    general.get_by_role("button", name="提交信用修复申请").click()
    phone_page.wait_for_load_state()
    general = phone_page.locator(f"#record-{firm['general']}")
    assert general.get_by_text("请填写申请说明").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide on a 375px screen"
    screenshot(phone_page, "me-phone-refused-form")
    general.scroll_into_view_if_needed()
    phone_page.screenshot(
        path=str(screenshot(phone_page, "me-phone").with_name("me-phone-form.png"))
    )


def test_no_serious_accessibility_violation(page, firm):
    from axe_playwright_python.sync_playwright import Axe

    sign_in(page, firm["username"])
    for summary in page.locator("details.ask summary").all():
        summary.click()  # the folded forms too
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
