"""The domain is a plain package: nothing below mastery/ except tui/ may import textual."""

from __future__ import annotations

import re
import subprocess
import sys

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
    "mastery.mentor_formats",
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
