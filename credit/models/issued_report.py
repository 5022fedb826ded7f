"""PDF credit reports the registry issued, found by the short code printed on each."""

from __future__ import annotations

import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from credit.models.base import Base, UTCDateTime, code_string


class IssuedReport(Base):
    """What a PDF report said, as its signed JWS, so that the verification page can show it to
    whoever holds the report's code; the PDF's own hash tells an issued file from any other."""

    __tablename__ = "issued_report"

    code: Mapped[str] = mapped_column(code_string(16), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(36))
    uscc: Mapped[str] = mapped_column(code_string(18))
    as_of: Mapped[datetime.date] = mapped_column()
    issued_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    kid: Mapped[str] = mapped_column(String(100))
    jws: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
