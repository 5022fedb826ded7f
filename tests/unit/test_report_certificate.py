"""The certificate that signs PDF reports: the registry's own, made once in the key folder, or one
the operator configures (issued by a certificate authority), and what a configuration that
cannot work says."""

from __future__ import annotations

import asyncio
import datetime
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from credit import clock
from credit.auth import certificates
from credit.web import pdf, pdf_signature
from tests.pdf_tools import needs_pdf


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def issued_by_an_authority(tmp_path):
    """A certificate authority, and a signing certificate it issued with its key, as PEM files."""
    now = clock.utcnow()
    authority_key = ec.generate_private_key(ec.SECP256R1())
    authority = (
        x509.CertificateBuilder()
        .subject_name(_name("镇江市电子认证中心"))
        .issuer_name(_name("镇江市电子认证中心"))
        .public_key(authority_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(authority_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("镇江市市场监督管理局 信用报告签章"))
        .issuer_name(authority.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(authority_key, hashes.SHA256())
    )
    chain = tmp_path / "signing-chain.pem"
    chain.write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + authority.public_bytes(serialization.Encoding.PEM)
    )
    private = tmp_path / "signing-key.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return authority, chain, private


def test_the_registry_makes_its_own_once_and_keeps_it(tmp_path):
    first = certificates.load(tmp_path)
    again = certificates.load(tmp_path)
    assert first.certificate == again.certificate
    assert first.anchor == first.certificate
    pem = tmp_path / certificates.FOLDER / certificates.FILE
    assert pem.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / certificates.FOLDER).stat().st_mode & 0o777 == 0o700
    usage = first.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert [p.name for p in (tmp_path / certificates.FOLDER).iterdir()] == [certificates.FILE]


def test_a_configured_certificate_signs_and_its_authority_is_trusted(tmp_path):
    authority, chain, private = issued_by_an_authority(tmp_path)
    configured = certificates.load(tmp_path / "keys", chain, private)
    assert configured.anchor == authority
    assert "信用报告签章" in configured.certificate.subject.rfc4514_string()
    # Reports signed before with the registry's own stay trusted beside the authority.
    own = certificates.ensure(tmp_path / "keys" / certificates.FOLDER)
    assert certificates.trusted(tmp_path / "keys", configured) == [authority, own.certificate]


@needs_pdf
def test_a_pdf_signed_with_a_configured_certificate_verifies_against_its_authority(tmp_path):
    authority, chain, private = issued_by_an_authority(tmp_path)
    configured = certificates.load(tmp_path / "keys", chain, private)
    signed = pdf_signature.sign(pdf.render("<p lang='zh-CN'>报告</p>"), configured)
    signature = pdf_signature.check(signed, [authority])
    assert signature.fingerprint == configured.fingerprint()
    with pytest.raises(pdf_signature.SignatureProblem):
        pdf_signature.check(signed, [certificates.ensure(tmp_path / "other").certificate])


def test_a_configuration_that_cannot_work_says_which_file(tmp_path):
    _, chain, private = issued_by_an_authority(tmp_path)
    with pytest.raises(certificates.CertificateProblem, match="set both"):
        certificates.load(tmp_path, chain, None)
    with pytest.raises(certificates.CertificateProblem, match="set both"):
        certificates.load(tmp_path, None, private)
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(certificates.CertificateProblem, match="does not belong"):
        certificates.load(tmp_path, chain, stranger)
    with pytest.raises(certificates.CertificateProblem, match=str(private)):
        certificates.load(tmp_path, private, private)
    with pytest.raises(certificates.CertificateProblem, match="unencrypted PEM private key"):
        certificates.load(tmp_path, chain, chain)


@needs_pdf
def test_signing_and_checking_work_where_an_event_loop_runs(tmp_path):
    certificate = certificates.ensure(tmp_path)

    async def inside_a_loop():
        signed = pdf_signature.sign(pdf.render("<p lang='zh-CN'>报告</p>"), certificate)
        return pdf_signature.check(signed, [certificate.certificate])

    # A thread of its own, since this one may hold a loop already (the browser tests' driver).
    checked = []
    thread = threading.Thread(target=lambda: checked.append(asyncio.run(inside_a_loop())))
    thread.start()
    thread.join()
    assert [signature.fingerprint for signature in checked] == [certificate.fingerprint()]
