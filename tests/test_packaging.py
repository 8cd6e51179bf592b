"""A non-editable install must carry the bundled decks and the journal prompts."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT


def test_wheel_contains_bundled_decks_and_prompts(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("mastery-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    decks = sorted(p.name for p in (ROOT / "decks").glob("*.toml"))
    assert len(decks) >= 2
    for deck in decks:
        assert f"mastery/_bundled_decks/{deck}" in names
    assert "mastery/prompts.toml" in names
    for sheet in sorted((ROOT / "src/mastery/tui").glob("*.tcss")):  # each screen's styles
        assert f"mastery/tui/{sheet.name}" in names
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)
