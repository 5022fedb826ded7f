"""What tests of PDFs need: WeasyPrint's libraries, a Chinese font, and poppler to read the PDF
back. Without them those tests are skipped, saying what to install; with CREDIT_REQUIRE_PDF=1
(continuous integration) they fail instead."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from credit.web import pdf

INSTALL_POPPLER = "apt-get install -y poppler-utils"


def _missing() -> list[str]:
    missing = pdf.problems()
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        missing.append(
            f"poppler's pdftotext and pdftoppm are missing. Install them: {INSTALL_POPPLER}"
        )
    return missing


MISSING = _missing()
REQUIRED = os.environ.get("CREDIT_REQUIRE_PDF") == "1"


def needs_pdf(test):
    """Skips the test (or, where PDFs are required, fails it) when the machine cannot render and
    read PDFs."""
    if not MISSING or REQUIRED:
        return test
    return pytest.mark.skip(reason="PDF rendering unavailable: " + "; ".join(MISSING))(test)


def pdf_text(content: bytes) -> str:
    """The text of a PDF as poppler extracts it, in reading order."""
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")


def pdf_fonts(content: bytes, directory: Path) -> str:
    path = directory / "fonts-of.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout


def first_page_png(content: bytes, directory: Path) -> Path:
    path = directory / "report.pdf"
    path.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(path), str(directory / "page")],
        check=True,
    )
    return next(directory.glob("page*.png"))
