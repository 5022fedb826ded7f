"""The X.509 certificate that signs PDF reports (PAdES): the registry's own, made in its key folder
on first start, or one the operator configures (CREDIT_REPORT_CERTIFICATE and _KEY)."""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from credit.clock import utcnow
from credit.private_files import private_folder

# The registry's own certificate: one PEM file holding the key and then the certificate, so that
# it appears whole or not at all.
FOLDER = "report-certificate"
FILE = "registry.pem"
SUBJECT = "企业质量信用报告签章"
ORGANISATION = "Quality Credit Registry"
# Long enough that a report keeps verifying for the years a tender file is kept; the start lies a
# day back so that a machine whose clock is a little behind still accepts it.
LIFETIME = datetime.timedelta(days=20 * 366)
BACKDATE = datetime.timedelta(days=1)


class CertificateProblem(ValueError):
    """A configured certificate or key that cannot be used; the message says which file."""


@dataclass(frozen=True)
class ReportCertificate:
    """The certificate that signs, its private key, and the certificates above it (none for the
    registry's own, which signs itself)."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | object
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def anchor(self) -> x509.Certificate:
        """The certificate a reader trusts: the top of the chain, or the certificate itself."""
        return self.chain[-1] if self.chain else self.certificate

    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()


def load(keys: Path, certificate: Path | None = None, key: Path | None = None) -> ReportCertificate:
    """The configured certificate when there is one, else the registry's own (made when
    missing)."""
    if certificate is None and key is None:
        return ensure(keys / FOLDER)
    if certificate is None or key is None:
        raise CertificateProblem(
            "CREDIT_REPORT_CERTIFICATE and CREDIT_REPORT_CERTIFICATE_KEY go together: set both"
        )
    try:
        found = x509.load_pem_x509_certificates(certificate.read_bytes())
    except (OSError, ValueError) as error:
        raise CertificateProblem(
            f"cannot read a PEM certificate from {certificate}: {error}"
        ) from None
    try:
        private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise CertificateProblem(
            f"cannot read an unencrypted PEM private key from {key}: {error}"
        ) from None
    if private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != found[0].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise CertificateProblem(
            f"the key in {key} does not belong to the certificate in {certificate}"
        )
    return ReportCertificate(found[0], private, tuple(found[1:]))


def ensure(folder: Path) -> ReportCertificate:
    """The registry's own certificate in `folder`, made on first use. Two processes starting at
    once both make one, and the first to put its file in place wins; the other reads that."""
    path = folder / FILE
    if not path.exists():
        private_folder(folder)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".new-", suffix=".pem")
        try:
            os.write(fd, _make())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # unlike a rename, never replaces a file another process made
        os.unlink(tmp)
    return _read(path)


def _read(path: Path) -> ReportCertificate:
    data = path.read_bytes()
    private = serialization.load_pem_private_key(data, password=None)
    return ReportCertificate(x509.load_pem_x509_certificate(data), private)


def _make() -> bytes:
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, SUBJECT),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        ]
    )
    now = utcnow()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + LIFETIME)
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
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(private.public_key()), critical=False
        )
        .sign(private, hashes.SHA256())
    )
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + certificate.public_bytes(serialization.Encoding.PEM)


def trusted(keys: Path, current: ReportCertificate | None) -> list[x509.Certificate]:
    """The certificates a PDF report's signature is checked against: the top of the chain that
    signs now (when one is configured), and the registry's own, which signed before that."""
    found = [] if current is None else [current.anchor]
    own = keys / FOLDER / FILE
    if own.exists():
        certificate = _read(own).certificate
        if certificate not in found:
            found.append(certificate)
    return found
