"""Media files of Anki packages: copied beside the profile, linked from the cards, never outside
the media folder, never duplicated, never left half-done by a failed import."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from anki_package import AnkiPackage

from conftest import NOW
from mastery.decks.anki import copy_apkg_media, read_apkg_media, safe_media_name
from mastery.decks.csv import _guid_key
from mastery.errors import DeckFormatError

PNG = b"\x89PNG\r\n\x1a\n" + b"dot" * 20
MP3 = b"ID3" + b"\x00" * 40


def media_package() -> AnkiPackage:
    pkg = AnkiPackage()
    pkg.add_note(
        "Basic",
        ['What colour? <img src="dot.png">', "red [sound:hello.mp3]"],
        deck="Media",
        guid="dot",
    )
    pkg.add_note("Basic", ['<img src="my pic.png" alt="x">', "a picture"], deck="Media", guid="pic")
    pkg.add_media("dot.png", PNG)
    pkg.add_media("hello.mp3", MP3)
    pkg.add_media("my pic.png", PNG + b"2")
    return pkg


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("layout", ["latest", "legacy"])
def test_media_is_copied_beside_the_profile_and_linked(col, tmp_path: Path, layout: str) -> None:
    pkg = media_package()
    path = (
        pkg.write_latest(tmp_path / "m.apkg")
        if layout == "latest"
        else pkg.write_legacy(tmp_path / "m.apkg")
    )
    col.import_files([path], now=NOW)
    media = col.db.path.parent / "media"
    assert col.media_dir == media
    assert files_in(media) == ["dot.png", "hello.mp3", "my pic.png"]
    assert (media / "dot.png").read_bytes() == PNG  # zstd members come out decompressed
    assert (media / "hello.mp3").read_bytes() == MP3
    dot = col.card(f"media/{_guid_key('dot')}")
    assert dot.front == "What colour? ![dot.png](media/dot.png)"
    assert dot.back == "red [sound: hello.mp3](media/hello.mp3)"
    pic = col.card(f"media/{_guid_key('pic')}")
    assert pic.front == "![my pic.png](<media/my pic.png>)"


def test_media_names_cannot_escape_the_media_folder(col, tmp_path: Path) -> None:
    pkg = AnkiPackage()
    pkg.add_note("Basic", ['<img src="../../evil.png">', "back"], deck="Evil", guid="evil")
    pkg.add_media("../../evil.png", b"evil")
    pkg.add_media("..\\..\\win.png", b"win")
    pkg.add_media("/etc/passwd", b"root")
    pkg.add_media("..", b"dots")
    path = pkg.write_latest(tmp_path / "evil.apkg")
    col.import_files([path], now=NOW)
    media = col.media_dir
    names = files_in(media)
    hashed = [n for n in names if n.startswith("media-")]  # ".." leaves no name at all
    assert sorted(set(names) - set(hashed)) == ["evil.png", "passwd", "win.png"]
    assert len(hashed) == 1
    everything = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()}
    written = {p for p in everything if p.read_bytes() in (b"evil", b"win", b"root", b"dots")}
    assert written and all(p.parent == media.resolve() for p in written)
    assert col.card(f"evil/{_guid_key('evil')}").front == "![../../evil.png](media/evil.png)"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("dot.png", "dot.png"),
        ("../../evil", "evil"),
        ("a/b\\c.png", "c.png"),
        ("what?.png", "what_.png"),
        ('a<b>:"|*.gif', "a_b_____.gif"),
        (".hidden", "hidden"),
        ("trailing. ", "trailing"),
        ("CON.txt", "_CON.txt"),
        ("Größe.png", "Größe.png"),
        ("x" * 300 + ".png", "x" * 116 + ".png"),
    ],
)
def test_safe_media_name(name: str, safe: str) -> None:
    assert safe_media_name(name) == safe


def test_safe_media_name_of_nothing_is_a_stable_hash() -> None:
    assert safe_media_name("..") == safe_media_name("..")
    assert safe_media_name("..").startswith("media-")
    assert safe_media_name("..") != safe_media_name("/")


def test_identical_media_is_not_duplicated_and_clashing_names_are_kept_apart(
    col, tmp_path: Path
) -> None:
    first = AnkiPackage()
    first.add_note("Basic", ['<img src="dot.png">', "first"], deck="One", guid="one")
    first.add_media("dot.png", PNG)
    col.import_files([first.write_latest(tmp_path / "one.apkg")], now=NOW)
    same = AnkiPackage()
    same.add_note("Basic", ['<img src="dot.png">', "same"], deck="Two", guid="two")
    same.add_media("dot.png", PNG)
    col.import_files([same.write_legacy(tmp_path / "two.apkg")], now=NOW)
    assert files_in(col.media_dir) == ["dot.png"]

    other = AnkiPackage()
    other.add_note("Basic", ['<img src="dot.png">', "other"], deck="Three", guid="three")
    other.add_media("dot.png", b"a different picture")
    col.import_files([other.write_latest(tmp_path / "three.apkg")], now=NOW)
    names = files_in(col.media_dir)
    assert len(names) == 2 and "dot.png" in names
    [renamed] = [n for n in names if n != "dot.png"]
    assert renamed.startswith("dot-") and renamed.endswith(".png")
    assert (col.media_dir / "dot.png").read_bytes() == PNG
    assert (col.media_dir / renamed).read_bytes() == b"a different picture"
    assert col.card(f"three/{_guid_key('three')}").front == f"![dot.png](media/{renamed})"
    assert col.card(f"one/{_guid_key('one')}").front == "![dot.png](media/dot.png)"
    # Importing the clashing package again reuses its renamed copy.
    col.import_files([other.write_latest(tmp_path / "three.apkg")], now=NOW)
    assert files_in(col.media_dir) == names


def test_failed_import_leaves_no_media_behind(col, tmp_path: Path) -> None:
    good = media_package().write_latest(tmp_path / "good.apkg")
    broken = tmp_path / "broken.apkg"
    broken.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(DeckFormatError, match="broken.apkg"):
        col.import_files([good, broken], now=NOW)
    assert files_in(col.media_dir) == []
    assert col.decks(now=NOW) == []


def test_import_failing_in_the_database_removes_the_media_it_copied(col, tmp_path: Path) -> None:
    # Two packages whose decks get the same key: refused inside the transaction.
    a = media_package().write_latest(tmp_path / "a.apkg")
    other = AnkiPackage()
    other.add_note("Basic", ['<img src="new.png">', "b"], deck="media", guid="b")
    other.add_media("new.png", b"new")
    b = other.write_latest(tmp_path / "b.apkg")
    with pytest.raises(DeckFormatError, match="also used by"):
        col.import_files([a, b], now=NOW)
    assert files_in(col.media_dir) == []
    assert col.decks(now=NOW) == []


def test_a_damaged_media_file_stops_the_copy_and_removes_what_it_wrote(tmp_path: Path) -> None:
    pkg = media_package()
    path = pkg.write_latest(tmp_path / "m.apkg")
    damaged = tmp_path / "damaged.apkg"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(info, b"\x28\xb5\x2f\xfd garbage" if info.filename == "1" else data)
    media = tmp_path / "media"
    with pytest.raises(DeckFormatError, match="media file 'hello.mp3'"):
        copy_apkg_media(damaged, media)
    assert files_in(media) == []


def test_media_the_zip_lacks_is_skipped_and_no_temp_files_stay(tmp_path: Path) -> None:
    pkg = media_package()
    path = pkg.write_legacy(tmp_path / "m.apkg")
    partial = tmp_path / "partial.apkg"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(partial, "w") as out:
        for info in src.infolist():
            if info.filename != "0":
                out.writestr(info, src.read(info))
    copied = copy_apkg_media(partial, tmp_path / "media")
    assert set(copied.links) == {"hello.mp3", "my pic.png"}
    assert files_in(tmp_path / "media") == ["hello.mp3", "my pic.png"]
    assert read_apkg_media(partial) == {"0": "dot.png", "1": "hello.mp3", "2": "my pic.png"}
