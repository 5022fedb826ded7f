"""The signed credit report as a PDF in Chinese: what the JWS report says, a QR code and short code
leading to the verification page, the JWS attached inside, and the registry's PAdES signature."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import segno
from sqlalchemy.orm import Session

from credit import clock
from credit.auth.caller import Caller
from credit.auth.certificates import ReportCertificate
from credit.auth.keys import KeyRing
from credit.services import reports
from credit.web import pdf, pdf_signature
from credit.web.templating import (
    NO_VALUE,
    environment,
    grade_label,
    industry_name,
    label,
    region_name,
    status_label,
)

MIMETYPE = pdf.MIMETYPE
# The name the JWS travels under inside the PDF; the verifier reads it back by this name.
ATTACHMENT = "credit-report.jws"
ATTACHMENT_DESCRIPTION = "签名的信用报告（JWS，可用平台公布的公钥 /.well-known/jwks.json 核验）"


@dataclass(frozen=True)
class IssuedPdf:
    content: bytes
    filename: str
    code: str


def verify_link(base_url: str, code: str) -> str:
    """Where the QR code leads: the verification page opened with the report's code."""
    return f"{base_url.rstrip('/')}/verify?code={code}"


def issue_pdf(
    session: Session,
    caller: Caller,
    uscc: str,
    as_of: datetime.date | None,
    *,
    report_keys: KeyRing,
    certificate: ReportCertificate,
    base_url: str,
) -> IssuedPdf:
    """A signed PDF report of a firm as of a day, for a caller who may have it; the download is
    logged and the report kept under its code. Flushes, never commits."""
    report = reports.build(session, caller, uscc, as_of)
    code = reports.new_code()
    # The code is signed with the rest, so the JWS inside names the PDF it travels in.
    report["verification_code"] = code
    token = reports.sign(report, report_keys)
    signed = pdf_signature.sign(render_pdf(report, token, verify_link(base_url, code)), certificate)
    reports.record_issued(session, code, report, token, signed)
    name = f"credit-report-{report['enterprise']['uscc']}-{report['as_of']}.pdf"
    return IssuedPdf(signed, name, code)


def _day(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def issued_at_zh(value: str) -> str:
    """When a report was issued, on the registry's clock (2026年6月15日 12:00)."""
    local = clock.local_time(datetime.datetime.fromisoformat(value))
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def summary(report: dict) -> dict:
    """What a report says, in Chinese: the firm, its grade, the procurement verdict with its
    reasons, and the records shown. The PDF and the verification page show the same."""
    firm = report.get("enterprise", {})
    verdict = report.get("procurement", {})
    return {
        "name": firm.get("name"),
        "uscc": firm.get("uscc"),
        "region": region_name(firm.get("region_code")),
        "industry": industry_name(firm.get("industry_code")),
        "status": status_label(firm.get("status")),
        "grade": grade_label(report.get("grade")),
        "risk_class": label(report.get("risk_class"), "risk_classes"),
        "blacklisted": bool(report.get("blacklisted")),
        "eligible": bool(verdict.get("eligible")),
        "reasons": [
            {
                "label": label(reason.get("code"), "check_reasons"),
                "blocks": reason.get("severity") == "block",
                "detail": reason.get("detail"),
                "legal_basis": reason.get("legal_basis") or NO_VALUE,
            }
            for reason in verdict.get("reasons", [])
        ],
        "honours": [
            {
                "kind": label(award.get("award_kind"), "award_kinds"),
                "level": label(award.get("level"), "levels"),
                "title": award.get("title"),
                "issuer": award.get("issuer"),
                "awarded_on": _day(award.get("awarded_on")),
                "expires_on": _day(award.get("expires_on")),
            }
            for award in report.get("honours", [])
        ],
        "violations": [
            {
                "category": label(violation.get("category"), "violation_categories"),
                "severity": label(violation.get("severity"), "severities"),
                "decided_on": _day(violation.get("decided_on")),
                "authority": violation.get("authority"),
                "decision_no": violation.get("decision_no"),
                "fine_amount": violation.get("fine_amount"),
            }
            for violation in report.get("violations", [])
        ],
        "as_of": _day(report.get("as_of")),
        "issued_at": issued_at_zh(report["issued_at"]) if report.get("issued_at") else NO_VALUE,
        "report_id": report.get("report_id"),
        "ruleset": report.get("ruleset"),
        "code": reports.printed_code(report["verification_code"])
        if report.get("verification_code")
        else None,
    }


def qr_svg(link: str) -> str:
    """The link as a QR code, inline SVG (medium error correction: it survives a smudged print)."""
    return segno.make(link, error="m").svg_inline(scale=3, dark="#1f2933")


def render_html(report: dict, link: str, families: list[str] | None = None) -> str:
    families = pdf.cjk_families() if families is None else families
    return (
        environment()
        .get_template("reports/credit_report.html")
        .render(
            report=summary(report),
            link=link,
            qr=qr_svg(link),
            attachment=ATTACHMENT,
            font_families=families,
        )
    )


def render_pdf(report: dict, token: str, link: str) -> bytes:
    """The report as an unsigned PDF with the JWS attached (refused with what to install when the
    machine cannot draw it)."""
    return pdf.render(
        render_html(report, link),
        attachments={ATTACHMENT: (token.encode("ascii"), ATTACHMENT_DESCRIPTION)},
    )
