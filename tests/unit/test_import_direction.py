"""Imports run one way: models → record rules → grading → the current-state projector → write
services → read services → the interfaces (API, web pages, command line). Nothing imports a
module of a later layer; a new module must be given its layer here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("credit", "schemas")

# Each module's layer by its longest matching prefix; a higher number is later.
LAYERS = {
    # what every layer may use: settings, the clock, policy numbers, codes, errors, encodings
    "credit.clock": 0,
    "credit.config": 0,
    "credit.policy": 0,
    "credit.catalog": 0,
    "credit.reference": 0,
    "credit.uscc": 0,
    "credit.errors": 0,
    "credit.logs": 0,
    "credit.canonical": 0,
    "credit.db": 0,
    "credit.standbys": 0,
    "credit.dbschema": 0,
    "credit.auth": 0,
    "credit.private_files": 0,
    "credit.csvfiles": 0,
    "credit.models": 1,
    "credit.chain": 2,
    "credit.services.lookup": 2,
    "credit.rules": 3,
    "credit.grading": 4,
    "credit.services.state": 5,
    "credit.services": 6,  # the package itself
    # write services: records, listings, requests, the register, accounts
    "credit.services.records": 6,
    "credit.services.blacklist": 6,
    "credit.services.requests": 6,
    "credit.services.enterprises": 6,
    "credit.services.users": 6,
    "credit.services.query_log": 6,
    "credit.services.seals": 6,
    "credit.services.regrading": 6,
    "credit.services.grading": 6,
    "credit.services.watchlists": 6,
    "credit.services.statistics.targets": 6,
    "credit.services.statistics.warnings": 6,
    # data exchange: reading files, their columns and templates, bulk imports (exports read, below)
    "credit.services.exchange": 6,
    # read services
    "credit.services.profiles": 7,
    "credit.services.checks": 7,
    "credit.services.desk": 7,
    "credit.services.changes": 7,
    "credit.services.reports": 7,
    "credit.services.inspection_plan": 7,
    "credit.services.inspections": 7,
    "credit.services.inbox": 7,
    "credit.services.audit": 7,
    "credit.services.quality_status": 7,
    "credit.services.statistics": 7,
    "credit.services.statistics.figures": 7,
    "credit.services.exchange.exports": 7,
    "credit.services.exchange.writers": 7,
    # interfaces: the wire format, the API, pages, the command line, demo data, the server
    "schemas": 8,
    "credit.api": 8,
    "credit.web": 8,
    "credit.cli": 8,
    "credit.demo": 8,
    "credit.server": 8,
    "credit": 8,  # the package itself: the app factory
}

EXACT = frozenset({"credit", "credit.services"})


def layer(module: str) -> int:
    """The layer of the module's longest listed prefix; the packages `credit` and
    `credit.services` name only themselves, so each module directly in them is listed."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS and (prefix not in EXACT or prefix == module):
            return LAYERS[prefix]
    raise KeyError(module)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports_of(path: Path, name: str) -> set[str]:
    """The project's modules a file imports, anywhere in it (a deferred import counts too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [
                f"{base}.{alias.name}" if is_module(f"{base}.{alias.name}") else base
                for alias in node.names
            ]
        else:
            continue
        found |= {t for t in targets if t.split(".")[0] in PACKAGES and t != name}
    return found


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


MODULES = project_modules()


def test_every_module_has_a_layer():
    assert [name for name in MODULES if not _has_layer(name)] == []


def _has_layer(name: str) -> bool:
    try:
        layer(name)
    except KeyError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_a_later_layer(name):
    upward = sorted(
        target for target in imports_of(MODULES[name], name) if layer(target) > layer(name)
    )
    assert upward == [], f"{name} (layer {layer(name)}) imports later layers: {upward}"


def test_the_checker_sees_an_upward_import(tmp_path):
    engine = MODULES["credit.grading.engine"].read_text(encoding="utf-8")
    copy = tmp_path / "engine.py"
    copy.write_text(
        engine + "\n\ndef later():\n    from credit.services import records\n", encoding="utf-8"
    )
    found = imports_of(copy, "credit.grading.engine")
    assert "credit.services.records" in found
    assert layer("credit.services.records") > layer("credit.grading.engine")


def test_no_two_modules_import_each_other():
    graph = {name: imports_of(path, name) for name, path in MODULES.items()}
    cycles = sorted(
        {
            tuple(sorted((a, b)))
            for a, targets in graph.items()
            for b in targets
            if a in graph.get(b, set())
        }
    )
    assert cycles == []


def test_a_module_nobody_placed_has_no_layer():
    for unplaced in ("credit.somewhere_new", "credit.services.something_new"):
        with pytest.raises(KeyError):
            layer(unplaced)
    assert layer("credit.services.statistics.targets") == 6  # listed itself
    assert layer("credit.api.anything") == 8  # a package's modules share its layer
