"""Deck files (TOML, CSV/TSV) too large to read are refused with one line before being read;
long fields are bounded with a message that says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import NOW
from mastery.cli import main
from mastery.collection import Collection
from mastery.decks import check, check_deck

TOML = """id = "big"
name = "Big"

[[cards]]
id = "one"
front = "Q"
back = '''{back}'''
"""


def deck(tmp_path: Path, kind: str, back: str) -> Path:
    if kind == "toml":
        path = tmp_path / "big.toml"
        path.write_text(TOML.format(back=back), encoding="utf-8")
    else:
        path = tmp_path / f"big.{kind}"
        sep = "\t" if kind == "tsv" else ","
        path.write_text(f"Q{sep}{back}\n", encoding="utf-8")
    return path


def imports(capsys, path: Path) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--no-bundled-decks", "import", str(path)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("kind", ["toml", "csv", "tsv"])
def test_a_deck_file_beyond_the_cap_is_refused_unread(capsys, monkeypatch, tmp_path, kind):
    monkeypatch.setattr(check, "MAX_DECK_FILE_BYTES", 1024)
    path = deck(tmp_path, kind, "x" * 2000)
    code, err = imports(capsys, path)
    assert code == 2
    assert err.count("\n") == 1
    assert err.endswith(f"{path}: larger than 1024 bytes; not imported\n")
    [problem] = check_deck(path)
    assert problem.reason == "larger than 1024 bytes; not imported"
    with Collection.open(bundled=False) as col:
        assert col.decks(now=NOW) == []


def test_the_deck_file_cap_is_generous() -> None:
    assert check.MAX_DECK_FILE_BYTES == 256 * 1024 * 1024


@pytest.mark.parametrize("kind", ["toml", "csv"])
def test_a_deck_just_under_the_cap_imports(capsys, monkeypatch, tmp_path, kind) -> None:
    path = deck(tmp_path, kind, "x" * 900)
    monkeypatch.setattr(check, "MAX_DECK_FILE_BYTES", path.stat().st_size)
    code, err = imports(capsys, path)
    assert (code, err) == (0, "")


def test_a_long_toml_field_imports_whole(capsys, tmp_path) -> None:
    path = deck(tmp_path, "toml", "y" * 300_000)
    assert imports(capsys, path) == (0, "")
    with Collection.open(bundled=False) as col:
        assert col.card("big/one").back == "y" * 300_000


def test_a_csv_field_beyond_the_field_limit_is_one_clear_line(capsys, tmp_path) -> None:
    path = deck(tmp_path, "csv", '"' + "z" * 300_000)  # a quote never closed: one long field
    code, err = imports(capsys, path)
    assert code == 2
    assert err.count("\n") == 1
    assert "a field is longer than 131072 characters" in err
    assert "bad quoting" not in err
