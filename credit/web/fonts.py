"""Whether the machine has a font that draws Chinese, which every page rendered as PDF needs."""

from __future__ import annotations

import subprocess

# Debian's packages: the font WeasyPrint is to draw Chinese with, fontconfig that finds it, and
# the Pango libraries WeasyPrint lays text out with.
CJK_FONT_PACKAGE = "fonts-noto-cjk"
INSTALL_FONT = f"apt-get install -y fontconfig {CJK_FONT_PACKAGE}"
INSTALL_PDF_LIBRARIES = "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0"


def cjk_families() -> list[str]:
    """The families fontconfig knows that cover Chinese (`fc-list :lang=zh`), sans-serif first."""
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "family"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    families = {line.split(",")[0].strip() for line in listed.splitlines() if line.strip()}
    return sorted(families, key=lambda name: ("Sans" not in name, " SC" not in name, name))


def cjk_font_problem() -> str | None:
    """What to install when no font can draw Chinese; None when one can."""
    if cjk_families():
        return None
    return (
        "No font that draws Chinese is installed (fontconfig finds none for :lang=zh), so a PDF "
        f"would be missing its Chinese characters. Install one: {INSTALL_FONT}"
    )
