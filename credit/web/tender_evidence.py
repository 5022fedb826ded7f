"""The tender evidence as a signed document: every bidder's verdict as of the day, the same content
as a JWS attached inside, and the registry's PAdES signature, made as the credit report's are."""

from __future__ import annotations

from credit import clock
from credit.auth.certificates import ReportCertificate
from credit.auth.keys import KeyRing
from credit.models import DeskCheck
from credit.services import reports
from credit.web import pdf, pdf_signature

# The name the JWS travels under inside the PDF, beside the credit report's own name, so that a
# reader of either knows which document it holds.
ATTACHMENT = "tender-evidence.jws"
ATTACHMENT_DESCRIPTION = (
    "签名的政府采购供应商信用核查证明（JWS，可用平台公布的公钥 /.well-known/jwks.json 核验）"
)


def content(check: DeskCheck, rows: list[dict], checked_by: str) -> dict:
    """What the evidence says, as signed: the tender, the day, who checked, and each bidder."""
    return {
        "document": "tender_evidence",
        "project": check.project,
        "as_of": check.as_of.isoformat(),
        "checked_by": checked_by,
        "check_id": check.id,
        "issued_at": clock.utcnow().isoformat(),
        "bidders": [
            {
                "row": row["row"],
                "uscc": row.get("uscc"),
                "text": row.get("text"),
                "problem": row.get("problem"),
                "found": row.get("found"),
                "name": row.get("name"),
                "eligible": row.get("eligible"),
                "grade": row.get("grade"),
                "reasons": row.get("reasons", []),
            }
            for row in rows
        ],
    }


def signed_pdf(
    html: str, signed_content: dict, report_keys: KeyRing, certificate: ReportCertificate
) -> bytes:
    token = reports.sign(signed_content, report_keys)
    unsigned = pdf.render(
        html, attachments={ATTACHMENT: (token.encode("ascii"), ATTACHMENT_DESCRIPTION)}
    )
    return pdf_signature.sign(unsigned, certificate)
