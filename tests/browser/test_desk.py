"""The desk in a real browser: a bank checking a pasted batch with one malformed code and taking
the spreadsheet, a purchaser producing the tender evidence PDF, accessibility of the desk pages,
and how they look on a phone and a desktop."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.browser.conftest import screenshot
from tests.conftest import TEST_PASSWORD
from tests.pdf_tools import needs_pdf
from tests.web.firms import blacklisted_firm, rich_firm

SHORT = "91321102MA1X2Y3Z4"
SERIOUS = {"serious", "critical"}


def sign_in(page, username: str) -> None:
    page.goto("/login?next=/desk")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/desk")


@pytest.fixture
def firms(live_make) -> dict:
    return {"rich": rich_firm(live_make), "listed": blacklisted_firm(live_make)}


def test_a_bank_checks_a_pasted_batch_and_downloads_the_spreadsheet(page, live_make, firms):
    bank = live_make.account("bank")
    sign_in(page, bank.username)
    page.get_by_label("查询用途（必填）").fill("流动资金贷款贷前审查")
    codes = f"{firms['rich']['uscc']}\n{SHORT}\n{firms['listed']['uscc']}"
    page.get_by_label("统一社会信用代码").fill(codes)
    page.get_by_role("button", name="开始核查").click()
    page.wait_for_url("**/desk/checks/*")
    assert page.get_by_role("link", name=firms["rich"]["name"]).is_visible()
    refused = page.get_by_role("row").filter(has_text=SHORT)
    assert "代码有误" in refused.inner_text() and "应为18位" in refused.inner_text()
    screenshot(page, "desk-lending-results-1280")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Excel 表格").click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    cells = [[cell for cell in row if cell is not None] for row in book.active.values]
    assert ["核查人", bank.username] in cells
    assert any(firms["listed"]["uscc"] in row and "是" in row for row in cells)


@needs_pdf
def test_a_purchaser_produces_the_tender_evidence_pdf(page, live_make, firms):
    buyer = live_make.account("procurement")
    sign_in(page, buyer.username)
    page.get_by_label("招标编号（选填）").fill("ZJ-2026-031")
    page.get_by_label("统一社会信用代码").fill(f"{firms['rich']['uscc']} {firms['listed']['uscc']}")
    page.get_by_role("button", name="开始核查").click()
    page.wait_for_url("**/desk/checks/*")
    assert page.get_by_text("存在禁止参加政府采购活动的情形").first.is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载招标档案核查证明（PDF）").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith(".pdf")


def desk_pages(page, live_make, firms) -> dict[str, str]:
    """Signs a purchaser in and makes a check and a watchlist; the desk's pages by name."""
    buyer = live_make.account("procurement")
    sign_in(page, buyer.username)
    page.get_by_label("招标编号（选填）").fill("ZJ-2026-032")
    codes = f"{firms['rich']['uscc']}\n{SHORT}\n{firms['listed']['uscc']}"
    page.get_by_label("统一社会信用代码").fill(codes)
    page.get_by_role("button", name="开始核查").click()
    page.wait_for_url("**/desk/checks/*")
    check = page.url
    page.goto("/desk/watchlists")
    page.get_by_label("名单名称").fill("在履约供应商")
    page.get_by_label("统一社会信用代码").fill(codes.replace(f"\n{SHORT}", ""))
    page.get_by_role("button", name="建立名单").click()
    page.wait_for_url("**/desk/watchlists/*")
    return {
        "desk": "/desk",
        "desk-check": check,
        "desk-evidence": f"{check}/evidence",
        "desk-watchlists": "/desk/watchlists",
        "desk-watchlist": page.url,
    }


def test_no_serious_accessibility_violation_on_the_desk(page, live_make, firms):
    from axe_playwright_python.sync_playwright import Axe

    for name, path in desk_pages(page, live_make, firms).items():
        page.goto(path)
        results = Axe().run(page)
        serious = [
            (name, v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in SERIOUS
        ]
        assert serious == []


def test_the_desk_on_a_phone_and_a_desktop(page, phone_page, live_make, firms):
    pages = desk_pages(page, live_make, firms)
    cookies = page.context.cookies()
    phone_page.context.add_cookies(cookies)
    for name, path in pages.items():
        for shown, width in ((page, 1280), (phone_page, 375)):
            shown.goto(path)
            assert shown.evaluate("document.documentElement.scrollWidth") <= width, name
            screenshot(shown, f"{name}-{width}")
