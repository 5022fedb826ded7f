"""`credit report verify FILE` on PDF reports: both signatures checked, and every kind of tampering
refused with a non-zero exit and a message saying what is wrong."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from credit.auth import certificates
from credit.cli import main
from tests.pdf_tools import needs_pdf
from tests.report_pdfs import (
    fetch,
    with_a_byte_changed,
    with_a_stream_byte_changed,
    with_attachment_swapped,
)


@pytest.fixture
def verify(settings, tmp_path):
    """Runs `credit report verify` on content written to a file, against this registry's keys."""
    env = {
        "CREDIT_INSTANCE_DIR": str(settings.instance_dir),
        "CREDIT_DATABASE_URL": settings.database,
    }

    def run(content: bytes, *options: str, name: str = "report.pdf"):
        path = tmp_path / name
        path.write_bytes(content)
        return CliRunner().invoke(main, ["report", "verify", str(path), *options], env=env)

    return run


@pytest.fixture
def report_pdf(client, make):
    firm = make.enterprise(name="镇江核验测试有限公司")
    make.record(firm)
    response = fetch(client, firm, make.headers("procurement"))
    assert response.status_code == 200
    return firm, response.data


@needs_pdf
def test_a_pdf_report_verifies_by_both_signatures(verify, report_pdf, app):
    firm, content = report_pdf
    result = verify(content)
    assert result.exit_code == 0, result.output
    certificate = app.extensions["credit.report_certificate"]
    assert "valid PDF: signed by" in result.output
    assert certificate.fingerprint() in result.output
    assert "valid report" in result.output and firm in result.output
    kid = app.extensions["credit.report_keys"].current().kid
    assert f"key {kid}" in result.output
    assert "grade B" in result.output and "eligible for procurement" in result.output


@needs_pdf
@pytest.mark.parametrize(
    "tamper", [with_a_byte_changed, with_a_stream_byte_changed], ids=["producer", "page"]
)
def test_a_byte_changed_in_the_signed_content_fails(verify, report_pdf, tamper):
    _, content = report_pdf
    forged = tamper(content)
    assert forged != content and len(forged) == len(content)
    result = verify(forged)
    assert result.exit_code == 1
    assert "INVALID" in result.output
    assert "changed" in result.output or "cannot be read" in result.output


@needs_pdf
def test_an_attachment_swapped_for_another_valid_report_fails(verify, report_pdf, client, make):
    _, content = report_pdf
    # A genuine report of another firm, rated better, put in the place of the one signed.
    other = make.enterprise(name="镇江另一有限公司")
    genuine = client.get(
        f"/api/v1/enterprises/{other}/report", headers=make.headers("procurement")
    ).get_data(as_text=True)
    forged = with_attachment_swapped(content, genuine)
    result = verify(forged)
    assert result.exit_code == 1
    assert "INVALID: the file was changed after it was signed" in result.output


@needs_pdf
def test_a_pdf_signed_by_another_certificate_fails(verify, report_pdf, tmp_path):
    _, content = report_pdf
    stranger = certificates.ensure(tmp_path / "stranger")
    pem = tmp_path / "stranger.pem"
    pem.write_bytes(stranger.certificate.public_bytes(serialization.Encoding.PEM))
    result = verify(content, "--certificate", str(pem))
    assert result.exit_code == 1
    assert "INVALID: signed by a certificate the registry does not know" in result.output


@needs_pdf
def test_a_jws_still_verifies_and_garbage_is_named(verify, client, make):
    firm = make.enterprise()
    token = client.get(f"/api/v1/enterprises/{firm}/report", headers=make.headers("bank")).get_data(
        as_text=True
    )
    assert verify(token.encode(), name="report.jws").exit_code == 0
    for garbage in (b"hello", b"\x89PNG\r\n\x1a\n\x00\x00", b"%PDF-1.7\nnot really"):
        result = verify(garbage, name="garbage.bin")
        assert result.exit_code == 1, garbage
        assert "INVALID" in result.output
