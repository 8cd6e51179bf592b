"""Malformed or unsupported Anki packages: one clear line, exit status 2, nothing imported."""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard
from anki_package import AnkiPackage

from conftest import NOW
from mastery.cli import main
from mastery.collection import Collection
from mastery.decks.anki import read_apkg
from mastery.decks.check import check_deck
from mastery.errors import DeckFormatError


def package() -> AnkiPackage:
    pkg = AnkiPackage()
    pkg.add_note("Basic", ['Q <img src="dot.png">', "A"], deck="Deck", guid="q")
    pkg.add_media("dot.png", b"\x89PNG dot")
    return pkg


def replace_member(src: Path, dest: Path, member: str, data: bytes | None) -> Path:
    """A copy of a package with one member's bytes replaced (or left out, for None)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info, zin.read(info))
        if data is not None:
            zout.writestr(member, data)
    return dest


def with_sql(tmp_path: Path, latest: bool, sql: str) -> Path:
    """A package whose collection had `sql` run on it."""
    pkg = package()
    path = (
        pkg.write_latest(tmp_path / "ok.apkg") if latest else pkg.write_legacy(tmp_path / "ok.apkg")
    )
    member = "collection.anki21b" if latest else "collection.anki21"
    with zipfile.ZipFile(path) as zf:
        data = zf.read(member)
    if latest:
        data = zstandard.ZstdDecompressor().stream_reader(data).read()
    db = tmp_path / "edit.db"
    db.write_bytes(data)
    conn = sqlite3.connect(db)
    conn.executescript(sql)
    conn.close()
    data = db.read_bytes()
    if latest:
        data = zstandard.ZstdCompressor().compress(data)
    return replace_member(path, tmp_path / "bad.apkg", member, data)


def truncated(tmp_path: Path) -> Path:
    whole = package().write_latest(tmp_path / "whole.apkg").read_bytes()
    path = tmp_path / "bad.apkg"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def damaged_member(tmp_path: Path) -> Path:
    """The zip's directory is fine, but the collection's compressed bytes are not."""
    path = package().write_legacy(tmp_path / "bad.apkg")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("collection.anki21")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 100, start + 400):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "not a zip": (
        lambda t: (t / "bad.apkg", (t / "bad.apkg").write_text("hello"))[0],
        "not an Anki package (not a zip file, or cut short)",
    ),
    "truncated zip": (truncated, "not a zip file, or cut short"),
    "damaged member": (damaged_member, "the package is damaged (collection.anki21"),
    "no collection": (
        lambda t: replace_member(
            package().write_legacy(t / "ok.apkg"), t / "bad.apkg", "collection.anki21", None
        ),
        "not an Anki package: no collection inside",
    ),
    "garbage collection member": (
        lambda t: replace_member(
            package().write_legacy(t / "ok.apkg"),
            t / "bad.apkg",
            "collection.anki21",
            b"this is not a database at all",
        ),
        "the package's collection.anki21 is not an SQLite database",
    ),
    "sqlite header then garbage": (
        lambda t: replace_member(
            package().write_legacy(t / "ok.apkg"),
            t / "bad.apkg",
            "collection.anki21",
            b"SQLite format 3\x00" + b"\x07" * 500,
        ),
        "cannot read the Anki collection",
    ),
    "zstd garbage": (
        lambda t: replace_member(
            package().write_latest(t / "ok.apkg"),
            t / "bad.apkg",
            "collection.anki21b",
            b"\x28\xb5\x2f\xfd garbage",
        ),
        "cannot decompress the collection",
    ),
    "missing tables": (
        lambda t: with_sql(t, False, "DROP TABLE notes; DROP TABLE cards;"),
        "not an Anki collection (no notes or cards table)",
    ),
    "schema 18 without decks": (
        lambda t: with_sql(t, True, "DROP TABLE decks;"),
        "not an Anki collection (no decks table)",
    ),
    "unknown schema version": (
        lambda t: with_sql(t, True, "UPDATE col SET ver = 19;"),
        "unsupported Anki collection schema 19 (Mastery reads 11 to 18)",
    ),
    "ancient schema version": (
        lambda t: with_sql(t, False, "UPDATE col SET ver = 5;"),
        "unsupported Anki collection schema 5",
    ),
    "empty col table": (
        lambda t: with_sql(t, False, "DELETE FROM col;"),
        "unsupported Anki collection schema none",
    ),
    "unreadable note types": (
        lambda t: with_sql(t, False, "UPDATE col SET models = '{not json';"),
        "the collection's decks or note types are unreadable",
    ),
    "newer package version": (
        lambda t: replace_member(
            package().write_latest(t / "ok.apkg"), t / "bad.apkg", "meta", b"\x08\x04"
        ),
        "made by a newer Anki (package version 4)",
    ),
    "unreadable media list": (
        lambda t: replace_member(
            package().write_legacy(t / "ok.apkg"), t / "bad.apkg", "media", b"[1, 2"
        ),
        "the package's media list is unreadable",
    ),
    "broken cloze": (
        lambda t: _broken_cloze(t),
        "note 'broken'",
    ),
}


def _broken_cloze(tmp_path: Path) -> Path:
    pkg = AnkiPackage()
    pkg.add_note("Cloze", ["{{c1::never closed", ""], guid="broken")
    return pkg.write_latest(tmp_path / "bad.apkg")


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_package_is_one_error(tmp_path: Path, case: str) -> None:
    make, words = CASES[case]
    path = make(tmp_path)
    with pytest.raises(DeckFormatError) as info:
        read_apkg(path)
    assert words in str(info.value)
    assert str(info.value).startswith(f"{path}: ")
    assert "\n" not in str(info.value)
    [problem] = check_deck(path)
    assert problem.reason == info.value.reason


@pytest.mark.parametrize("case", list(CASES))
def test_cli_import_of_a_bad_package_exits_2_and_imports_nothing(
    capsys, tmp_path: Path, case: str
) -> None:
    make, words = CASES[case]
    good = package().write_latest(tmp_path / "good.apkg")
    path = make(tmp_path)
    code = main(["--no-bundled-decks", "import", "--with-history", str(good), str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and words in err and str(path) in err
    assert out == ""
    with Collection.open(bundled=False) as col:
        assert col.decks(now=NOW) == []
        assert not col.media_dir.exists() or not any(col.media_dir.iterdir())
