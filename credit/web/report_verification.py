"""Whether the registry signed a credit report, and what it says: a PDF (its PAdES signature and the
JWS attached inside), a JWS on its own, or the short code printed on a PDF."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import jwt
from cryptography import x509
from sqlalchemy.orm import Session

from credit.services import reports
from credit.web import pdf_signature
from credit.web.credit_report import ATTACHMENT

# Three base64url parts joined by dots: how a JWS compact serialisation looks, before any check.
_JWS_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+")

# Why a document does not verify, as the verification page says it to a person.
REASONS_ZH = {
    "not_a_report": "不是PDF信用报告或JWS签名报告：请上传平台出具的PDF文件，或粘贴JWS文本。",
    "damaged": "文件已损坏，无法读取：可能在出具后被篡改。",
    "unsigned": "此PDF没有平台的电子签名：不是本平台出具的信用报告，或签名已被去除。",
    "tampered": "签名无效：文件内容在签名后被篡改。",
    "modified": "签名无效：文件在签名后被修改（签名后追加了内容）。",
    "untrusted": "签名无效：签名证书不是本平台的证书。",
    "no_attachment": "签名无效：PDF中缺少所附的签名数据（JWS）。",
    "jws_tampered": "签名无效：报告内容与签名不符，已被篡改。",
    "unknown_key": "签名无效：签名密钥不在本平台公布的密钥中。",
    "unknown_code": "验证码不存在：请核对报告上印制的验证码。",
}


class NotVerified(ValueError):
    """A document that does not verify; `reason` keys REASONS_ZH, the message says it in
    English for the command line."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason

    @property
    def message_zh(self) -> str:
        return REASONS_ZH[self.reason]


@dataclass(frozen=True)
class Verified:
    """A report the registry signed: how it came (`pdf`, `jws` or `code`), what it says, the key
    that signed its JWS, and for a PDF who signed the file and when."""

    form: str
    content: dict
    kid: str
    pdf: pdf_signature.PdfSignature | None = None

    @property
    def issued_at(self) -> datetime.datetime | None:
        value = self.content.get("issued_at")
        return datetime.datetime.fromisoformat(value) if isinstance(value, str) else None


def verify_document(data: bytes, jwks: dict, trusted: list[x509.Certificate]) -> Verified:
    """A PDF or a JWS, told apart by its first bytes."""
    if data.lstrip()[:5] == pdf_signature.MAGIC:
        return verify_pdf(data, jwks, trusted)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotVerified("not_a_report", "neither a PDF nor a JWS") from None
    return verify_jws(text, jwks)


def verify_jws(text: str, jwks: dict, form: str = "jws") -> Verified:
    token = text.strip()
    if not _JWS_SHAPE.fullmatch(token):
        raise NotVerified("not_a_report", "neither a PDF nor a JWS compact serialisation")
    try:
        content = reports.verify(token, jwks)
    except reports.NotAReport as error:
        raise NotVerified("not_a_report", str(error)) from None
    except reports.UnknownKey as error:
        raise NotVerified("unknown_key", str(error)) from None
    except reports.ReportInvalid as error:
        raise NotVerified("jws_tampered", str(error)) from None
    if not isinstance(content, dict):
        raise NotVerified("not_a_report", "the signed content is not a report")
    return Verified(form, content, jwt.get_unverified_header(token)["kid"])


def verify_pdf(data: bytes, jwks: dict, trusted: list[x509.Certificate]) -> Verified:
    """Both signatures: the PAdES one over the whole file, by a certificate the registry trusts,
    and the JWS attached inside, by a key of the key set."""
    try:
        signature = pdf_signature.check(data, trusted)
    except pdf_signature.SignatureProblem as problem:
        raise NotVerified(problem.code, str(problem)) from None
    token = pdf_signature.attachments(data).get(ATTACHMENT)
    if token is None:
        raise NotVerified("no_attachment", f"the PDF has no attached {ATTACHMENT}")
    try:
        text = token.decode("ascii")
    except UnicodeDecodeError:
        raise NotVerified("jws_tampered", f"the attached {ATTACHMENT} is not a JWS") from None
    inner = verify_jws(text, jwks)
    return Verified("pdf", inner.content, inner.kid, signature)


def verify_code(session: Session, code: str, jwks: dict) -> Verified:
    """The report issued under a short code, its stored JWS checked again."""
    issued = reports.issued(session, code)
    if issued is None:
        raise NotVerified("unknown_code", "no report was issued with this code")
    return verify_jws(issued.jws, jwks, form="code")
