"""The console's imports page in a real browser: an upload with one bad row, the row named in the
error table, accessibility, and how the pages look on a phone and a desktop."""

from __future__ import annotations

from tests.api.test_imports import inspection_rows
from tests.browser.conftest import screenshot
from tests.conftest import TEST_PASSWORD
from tests.web.test_import_pages import agency

SERIOUS = {"serious", "critical"}


def test_an_upload_with_one_bad_row_names_it(page, phone_page, live_make, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    firm = live_make.enterprise()
    username = agency(live_make)
    page.goto("/login?next=/console/imports")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/imports")
    path = tmp_path / "抽查结果.csv"
    bad = f"S9,{firm},省级监督抽查,电线电缆,2026-02-30,合格,R9,\n"
    path.write_text(inspection_rows(firm, 2) + bad, encoding="utf-8")
    page.get_by_label("数据类型").select_option(label="监督抽查结果")
    page.get_by_label("文件").set_input_files(str(path))
    page.get_by_role("button", name="上传").click()
    page.wait_for_url("**/console/imports/*")
    row = page.get_by_role("row").filter(has_text="抽样日期")
    assert row.get_by_role("cell").first.inner_text() == "4"
    phone_page.context.add_cookies(page.context.cookies())
    for name, address in (("console-imports", "/console/imports"), ("console-import", page.url)):
        for shown, width in ((page, 1280), (phone_page, 375)):
            shown.goto(address)
            assert shown.evaluate("document.documentElement.scrollWidth") <= width, name
            screenshot(shown, f"{name}-{width}")
        results = Axe().run(page)
        serious = [
            (name, v["id"], [node["target"] for node in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in SERIOUS
        ]
        assert serious == []
