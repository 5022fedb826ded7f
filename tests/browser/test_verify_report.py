"""A purchaser downloads a firm's PDF report from its page, and the verification page says it is
the registry's; a copy with one byte changed is called tampered."""

from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.conftest import TEST_PASSWORD
from tests.pdf_tools import needs_pdf
from tests.report_pdfs import with_a_byte_changed

UPLOAD = "上传PDF信用报告（或 .jws 文件）"


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/desk")


@needs_pdf
def test_a_downloaded_pdf_verifies_and_a_tampered_copy_fails(page, live_make, tmp_path):
    firm = live_make.enterprise(name="镇江浏览器核验有限公司", industry_code="C38")
    live_make.record(firm)
    sign_in(page, live_make.account("procurement").username)

    page.goto(f"/enterprises/{firm}")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="下载信用报告（PDF）").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".pdf")
    genuine = tmp_path / download.suggested_filename
    download.save_as(genuine)

    page.goto("/verify")
    page.get_by_label(UPLOAD).set_input_files(str(genuine))
    page.get_by_role("button", name="核验").click()
    verdict = page.get_by_role("heading", name="验证通过：本平台签发，内容未被篡改")
    verdict.wait_for()
    said = page.get_by_role("region", name="报告内容")
    assert said.get_by_text("镇江浏览器核验有限公司").is_visible()
    assert said.get_by_text("质量信用B级").is_visible()
    screenshot(page, "verify-genuine-1280")

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(with_a_byte_changed(genuine.read_bytes()))
    page.get_by_label(UPLOAD).set_input_files(str(forged))
    page.get_by_role("button", name="核验").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "签名无效" in alert.inner_text() and "篡改" in alert.inner_text()
    assert page.get_by_text("镇江浏览器核验有限公司").count() == 0
    screenshot(page, "verify-tampered-1280")


def test_a_file_that_is_no_report_is_refused_next_to_the_field(phone_page, tmp_path):
    page = phone_page
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page.goto("/verify")
    page.get_by_label(UPLOAD).set_input_files(str(photo))
    page.get_by_role("button", name="核验").click()
    problem = page.locator("#file-problem")
    problem.wait_for()
    assert "不是PDF信用报告或JWS签名报告" in problem.inner_text()
    assert page.get_by_label(UPLOAD).get_attribute("aria-invalid") == "true"
    screenshot(page, "verify-not-a-report-375")
