"""PDFs rendered from HTML by WeasyPrint, and whether this machine can render them: a font that
draws Chinese (found by fontconfig) and the Pango libraries WeasyPrint lays text out with."""

from __future__ import annotations

import subprocess

from credit.errors import CreditError

MIMETYPE = "application/pdf"
# Debian's packages for each need.
CJK_FONT_PACKAGE = "fonts-noto-cjk"
INSTALL_FONT = f"apt-get install -y fontconfig {CJK_FONT_PACKAGE}"
INSTALL_LIBRARIES = "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0"


class PdfUnavailable(CreditError):
    """The machine lacks what a PDF needs; the detail says what to install."""

    status, title = 503, "PDF rendering unavailable"


def cjk_families() -> list[str]:
    """The families fontconfig knows that cover Chinese (`fc-list :lang=zh`), sans-serif and
    Simplified Chinese first."""
    return list(_found_families or _list_families())


# What fontconfig found, kept once something was found: each PDF would otherwise start fc-list
# twice. Nothing found is asked again, so a font installed later is seen without a restart.
_found_families: tuple[str, ...] = ()


def _list_families() -> tuple[str, ...]:
    global _found_families
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "family"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    families = {line.split(",")[0].strip() for line in listed.splitlines() if line.strip()}
    _found_families = tuple(
        sorted(families, key=lambda name: ("Sans" not in name, " SC" not in name, name))
    )
    return _found_families


def font_problem() -> str | None:
    """What to install when no font can draw Chinese; None when one can."""
    if cjk_families():
        return None
    return (
        "No font that draws Chinese is installed (fontconfig finds none for :lang=zh), so a PDF "
        f"would be missing its Chinese characters. Install one: {INSTALL_FONT}"
    )


def libraries_problem() -> str | None:
    """What to install when WeasyPrint cannot load its libraries; None when it can."""
    try:
        import weasyprint  # noqa: F401  (loading it is the check)
    except (ImportError, OSError) as error:
        return (
            f"WeasyPrint cannot load the libraries it lays out text with ({error}). "
            f"Install them: {INSTALL_LIBRARIES}"
        )
    return None


def problems() -> list[str]:
    """Everything missing for rendering PDFs, each saying what to install."""
    return [problem for problem in (libraries_problem(), font_problem()) if problem]


def render(html: str, attachments: dict[str, tuple[bytes, str]] | None = None) -> bytes:
    """The page as a PDF; refused, never drawn with missing characters, when a need is missing.
    `attachments` maps a file name to its content and description, attached to the document."""
    missing = problems()
    if missing:
        raise PdfUnavailable("; ".join(missing))
    from weasyprint import HTML, Attachment

    files = [
        Attachment(string=content, name=name, description=description)
        for name, (content, description) in (attachments or {}).items()
    ]
    return HTML(string=html).write_pdf(attachments=files)
