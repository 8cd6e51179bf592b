"""The domain is a plain package: nothing below mastery/ except tui/ may import textual."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from typing import Any

import pytest

from conftest import ROOT

HEADLESS = [
    "mastery.backup",
    "mastery.calibration",
    "mastery.check",
    "mastery.cli",
    "mastery.collection",
    "mastery.cram",
    "mastery.db",
    "mastery.days",
    "mastery.decks",
    "mastery.decks.apkg",
    "mastery.decks.importer",
    "mastery.mentor",
    "mastery.mentor.formats",
    "mastery.team",
    "mastery.team_formats",
    "mastery.text",
    "mastery.models",
    "mastery.optimize",
    "mastery.paths",
    "mastery.present",
    "mastery.query",
    "mastery.scheduler",
    "mastery.settings",
    "mastery.stats",
]


@pytest.mark.parametrize("module", HEADLESS)
def test_domain_module_does_not_import_textual(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{module} pulled in {out}"


def _importers(package: str) -> list[str]:
    """Modules with an `import package` / `from package[.x] import` line."""
    pattern = re.compile(rf"^\s*(import|from)\s+{package}(\.|\s|$)", re.MULTILINE)
    return sorted(
        str(p.relative_to(ROOT / "src" / "mastery"))
        for p in (ROOT / "src" / "mastery").rglob("*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    )


def test_only_scheduler_imports_fsrs() -> None:
    """py-fsrs (scheduling) lives in scheduler.py, fsrs-rs-python (fitting, simulating) in
    optimize.py: two engines, each behind one module."""
    assert _importers("fsrs") == ["scheduler.py"]
    assert _importers("fsrs_rs_python") == ["optimize.py"]


def test_opening_an_existing_profile_does_not_import_sqlmodel(tmp_path) -> None:
    """sqlmodel costs ~0.4 s to import; it is only needed to create or migrate a schema."""
    setup = (
        "from mastery.collection import Collection; "
        f"Collection.open(home={str(tmp_path)!r}, bundled=False).close()"
    )
    subprocess.run([sys.executable, "-c", setup], check=True)
    code = (
        "import sys; from mastery.collection import Collection; "
        f"c = Collection.open(home={str(tmp_path)!r}); c.next_card(); c.close(); "
        "print('sqlmodel' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def _contract(name_start: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    [contract] = [c for c in contracts if c["name"].startswith(name_start)]
    return contract


def test_import_contracts_cover_every_domain_module() -> None:
    """import-linter has no "every module but cli and tui": the headless contract lists the
    domain modules by name, so a new module must join that list (and the layers' domain layer,
    which `exhaustive` already enforces) or it would escape the no-textual rule unnoticed."""
    package = ROOT / "src" / "mastery"
    domain = {
        f"mastery.{p.stem if p.is_file() else p.name}"
        for p in package.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists())
        and p.stem not in ("__init__", "__main__", "cli", "tui")
    }
    headless = _contract("The domain never imports")
    assert set(headless["source_modules"]) == domain
    assert {"textual", "rich", "mastery.tui", "mastery.cli"} <= set(headless["forbidden_modules"])
    layers = _contract("Layers:")
    lowest = {f"mastery.{m.strip()}" for m in layers["layers"][-1].split(":")}
    assert lowest == domain and layers["exhaustive"] is True
