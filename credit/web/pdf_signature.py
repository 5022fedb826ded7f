"""PAdES signatures on the registry's PDFs (pyHanko): signing with the report certificate, checking
a file against the certificates the registry trusts, and reading the files attached inside."""

from __future__ import annotations

import asyncio
import datetime
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from credit.auth.certificates import ReportCertificate

FIELD_NAME = "RegistrySignature"
REASON = "企业质量信用报告"
LOCATION = "质量信用信息平台"
# The first bytes of every PDF; a file without them is not one, whatever its name says.
MAGIC = b"%PDF-"

log = logging.getLogger(__name__)


class SignatureProblem(ValueError):
    """Why a PDF's signature does not hold, in plain words (`code` names the kind)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PdfSignature:
    """A signature that holds: who signed (the certificate's subject and SHA-256 fingerprint) and
    when, as the signer said."""

    signer: str
    fingerprint: str
    signed_at: datetime.datetime | None


def _outside_event_loops(function, *args, **kwargs):
    """pyHanko's plain calls start an event loop of their own, which fails in a thread where one
    runs already (an asynchronous server, a browser driven by tests); there the call runs in a
    thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def sign(pdf: bytes, certificate: ReportCertificate) -> bytes:
    """The PDF with a PAdES baseline signature over all of it, made with the report
    certificate."""

    chain = [_asn1_certificate(c) for c in (certificate.certificate, *certificate.chain)]
    key = asn1_keys.PrivateKeyInfo.load(
        certificate.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=chain[0],
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=REASON,
        location=LOCATION,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return _outside_event_loops(signers.sign_pdf, writer, metadata, signer=signer).getvalue()


def check(data: bytes, trusted: list[x509.Certificate]) -> PdfSignature:
    """The signature of a PDF the registry signed, when it holds: the file is whole and unchanged
    since signing (nothing added after it either), and the certificate is one of `trusted` or
    issued under one. Otherwise SignatureProblem, saying what is wrong."""

    try:
        reader = PdfFileReader(io.BytesIO(data))
        signatures = reader.embedded_signatures
    except Exception as error:  # noqa: BLE001  (a forged file may break the parser anywhere)
        raise SignatureProblem("damaged", f"the PDF cannot be read: {error}") from None
    if not signatures:
        raise SignatureProblem("unsigned", "the PDF carries no signature")
    if len(signatures) > 1:
        raise SignatureProblem("modified", "the PDF carries more than the registry's signature")
    context = ValidationContext(
        trust_roots=[_asn1_certificate(c) for c in trusted], allow_fetching=False
    )
    try:
        status = _outside_event_loops(validate_pdf_signature, signatures[0], context)
    except Exception as error:  # noqa: BLE001  (as above: any failure means it does not hold)
        raise SignatureProblem("tampered", f"the signature cannot be checked: {error}") from None
    if not status.intact or not status.valid:
        raise SignatureProblem(
            "tampered", "the signature does not match the content: the file was changed"
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise SignatureProblem(
            "modified", "the file was changed after it was signed (content added after signing)"
        )
    if not status.trusted:
        raise SignatureProblem(
            "untrusted",
            "signed by a certificate the registry does not know: "
            + status.signing_cert.subject.human_friendly,
        )
    signed_at = status.signer_reported_dt
    return PdfSignature(
        signer=status.signing_cert.subject.human_friendly,
        fingerprint=status.signing_cert.sha256.hex(),
        signed_at=signed_at,
    )


def attachments(data: bytes) -> dict[str, bytes]:
    """The files attached to the document (its EmbeddedFiles name tree), by name."""

    found: dict[str, bytes] = {}
    try:
        root = PdfFileReader(io.BytesIO(data)).root
        names = root.get("/Names")
        tree = None if names is None else names.get_object().get("/EmbeddedFiles")
        nodes = [] if tree is None else [tree.get_object()]
        while nodes:
            node = nodes.pop()
            nodes.extend(kid.get_object() for kid in node.get("/Kids", ()))
            pairs = list(node.get("/Names", ()))
            for name, spec in zip(pairs[::2], pairs[1::2], strict=False):
                stream = spec.get_object()["/EF"]["/F"].get_object()
                found[str(name.get_object())] = stream.data
    except Exception as error:  # noqa: BLE001  (a damaged tree holds no attachment)
        log.info("cannot read the attachments of a PDF: %s", error)
    return found
