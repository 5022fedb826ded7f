"""Every file the site vendors is the one its manifest names, byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "credit" / "web" / "static"


def manifest() -> list[list[str]]:
    lines = (STATIC / "VENDORED.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("entry", manifest(), ids=lambda entry: entry[0])
def test_a_vendored_file_has_its_recorded_checksum(entry):
    name, version, _source, sha256 = entry
    assert version in name, "the file name carries its version"
    assert hashlib.sha256((STATIC / name).read_bytes()).hexdigest() == sha256


def test_every_script_in_the_folder_is_listed():
    listed = {entry[0] for entry in manifest()}
    assert {path.name for path in STATIC.glob("*.js")} == listed


def test_the_layout_loads_the_listed_htmx():
    layout = (STATIC.parent / "templates" / "site.html").read_text(encoding="utf-8")
    (htmx,) = [entry[0] for entry in manifest() if entry[0].startswith("htmx-")]
    assert f"filename='{htmx}'" in layout
