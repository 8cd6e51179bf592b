"""Hostile Anki packages: bombs and oversized parts are refused with one line and exit status 2,
before they fill memory or the disk; a failed or killed import leaves the profile and its media
folder as they were."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import zstandard
from anki_package import AnkiPackage

from conftest import NOW
from mastery import paths
from mastery.cli import main
from mastery.collection import Collection
from mastery.decks import anki
from mastery.decks.csv import _guid_key

PNG = b"\x89PNG\r\n\x1a\n" + b"dot" * 20
MIB = 1 << 20
SQLITE = b"SQLite format 3\x00"


def package(*, media: int = 1) -> AnkiPackage:
    pkg = AnkiPackage()
    pkg.add_note("Basic", ['Q <img src="dot.png">', "A"], deck="Deck", guid="q")
    pkg.add_media("dot.png", PNG)
    for i in range(1, media):
        pkg.add_media(f"extra{i}.png", PNG + str(i).encode())
    return pkg


def zeros(size: int) -> bytes:
    return bytes(size)


def rewrite(src: Path, dest: Path, replace: dict[str, bytes | None]) -> Path:
    """A copy of a package with some members' bytes replaced (None: left out); deflated."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename not in replace:
                zout.writestr(info.filename, zin.read(info))
        for member, data in replace.items():
            if data is not None:
                zout.writestr(member, data)
    return dest


def zstd_bomb(size: int, head: bytes = SQLITE) -> bytes:
    """`head`, then `size` zero bytes (a multiple of 128 KiB), as one zstd frame of RLE blocks:
    4 bytes per 128 KiB, so 2 GiB fit in 64 KiB, built in no time (compressing them takes
    seconds). The head makes it look like an SQLite database, so only the cap stops it."""
    block = 128 * 1024
    count = size // block
    # Magic, frame header: no content size, a 128 KiB window (exponent 7, mantissa 0).
    frame = bytearray(b"\x28\xb5\x2f\xfd\x00\x38")
    if head:
        frame += (len(head) << 3).to_bytes(3, "little") + head  # a raw block
    for i in range(count):
        header = (i == count - 1) | (1 << 1) | (block << 3)  # last?, RLE block, size
        frame += header.to_bytes(3, "little") + b"\x00"
    return bytes(frame)


def profile_state() -> tuple[list[str], dict[str, bytes]]:
    """Everything an import could change: the profile database's rows and the media files."""
    db = paths.database_path(paths.DEFAULT_PROFILE)
    conn = sqlite3.connect(db)
    try:
        rows = sorted(conn.iterdump())
    finally:
        conn.close()
    media = db.parent / anki.MEDIA_FOLDER
    files = {p.name: p.read_bytes() for p in media.iterdir()} if media.exists() else {}
    return rows, files


@pytest.fixture
def profile(tmp_path: Path) -> tuple[list[str], dict[str, bytes]]:
    """A profile that already imported a package with media; returns its state."""
    first = AnkiPackage()
    first.add_note("Basic", ['<img src="dot.png">', "first"], deck="Earlier", guid="one")
    first.add_media("dot.png", PNG)
    first.add_media("kept.png", b"kept")
    path = first.write_latest(tmp_path / "earlier.apkg")
    assert main(["--no-bundled-decks", "import", str(path)]) == 0
    state = profile_state()
    assert set(state[1]) == {"dot.png", "kept.png"}
    return state


def refused(capsys, path: Path, words: str, before: tuple[list[str], dict[str, bytes]]) -> None:
    """`mastery import path` exits 2 with one line naming the file, and changes nothing."""
    capsys.readouterr()
    code = main(["--no-bundled-decks", "import", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1, err
    assert err.startswith(f"{path}: ") or f"{path}: " in err
    assert words in err
    assert out == ""
    assert profile_state() == before
    staging = paths.database_path(paths.DEFAULT_PROFILE).parent / anki.MEDIA_STAGING
    leftovers = [p.name for p in staging.iterdir()] if staging.exists() else []
    assert leftovers in ([], ["lock"])


# --------------------------------------------------------------------------- bombs


def test_a_zip_deflate_bomb_collection_is_refused(capsys, monkeypatch, tmp_path, profile) -> None:
    monkeypatch.setattr(anki.package, "MAX_COLLECTION_BYTES", MIB)
    good = package().write_legacy(tmp_path / "ok.apkg", member="collection.anki2", meta=False)
    bomb = rewrite(good, tmp_path / "bomb.apkg", {"collection.anki2": SQLITE + zeros(8 * MIB)})
    assert bomb.stat().st_size < 64 * 1024
    refused(
        capsys, bomb, "member collection.anki2 decompresses beyond 1 MiB; not imported", profile
    )


def test_a_zstd_bomb_collection_is_refused(capsys, monkeypatch, tmp_path, profile) -> None:
    monkeypatch.setattr(anki.package, "MAX_COLLECTION_BYTES", MIB)
    good = package().write_latest(tmp_path / "ok.apkg")
    bomb = rewrite(good, tmp_path / "bomb.apkg", {"collection.anki21b": zstd_bomb(64 * MIB)})
    refused(
        capsys, bomb, "member collection.anki21b decompresses beyond 1 MiB; not imported", profile
    )


def test_a_bomb_that_is_no_database_is_refused_at_its_first_bytes(capsys, tmp_path, profile):
    good = package().write_latest(tmp_path / "ok.apkg")
    bomb = zstd_bomb(2 << 30, head=b"")  # 2 GiB of zeros: refused before the cap is reached
    path = rewrite(good, tmp_path / "bomb.apkg", {"collection.anki21b": bomb})
    refused(capsys, path, "the package's collection.anki21b is not an SQLite database", profile)


@pytest.mark.parametrize("layout", ["latest", "legacy"])
def test_a_media_file_bomb_is_refused(capsys, monkeypatch, tmp_path, profile, layout) -> None:
    monkeypatch.setattr(anki.package, "MAX_MEDIA_FILE_BYTES", MIB)
    pkg = package(media=2)
    if layout == "latest":
        good = pkg.write_latest(tmp_path / "ok.apkg")
        data = zstd_bomb(32 * MIB, head=b"")
    else:
        good = pkg.write_legacy(tmp_path / "ok.apkg")
        data = zeros(32 * MIB)
    bomb = rewrite(good, tmp_path / "bomb.apkg", {"1": data})
    refused(
        capsys,
        bomb,
        "member 1 (media file 'extra1.png') decompresses beyond 1 MiB; not imported",
        profile,
    )


def test_media_beyond_the_total_cap_are_refused(capsys, monkeypatch, tmp_path, profile) -> None:
    monkeypatch.setattr(anki.package, "MAX_MEDIA_TOTAL_BYTES", MIB)
    pkg = AnkiPackage()
    pkg.add_note("Basic", ['<img src="a.bin">', "A"], deck="Deck", guid="q")
    for i in range(3):
        pkg.add_media(f"{i}.bin", bytes([i]) * (MIB // 2))  # each under the per-file cap
    path = pkg.write_latest(tmp_path / "big.apkg")
    refused(capsys, path, "media files decompress beyond 1 MiB in total; not imported", profile)


def test_a_package_with_too_many_members_is_refused(capsys, monkeypatch, tmp_path, profile):
    monkeypatch.setattr(anki.package, "MAX_MEMBERS", 20)
    path = package(media=30).write_legacy(tmp_path / "many.apkg")
    refused(capsys, path, "holds more than 20 members; not imported", profile)


@pytest.mark.parametrize("layout", ["latest", "legacy"])
def test_an_oversized_media_list_is_refused(capsys, monkeypatch, tmp_path, profile, layout):
    monkeypatch.setattr(anki.package, "MAX_MEDIA_LIST_BYTES", 1024)
    pkg = package()
    pkg.add_media("x" * 2000 + ".png", b"long name")  # only the list grows
    path = (pkg.write_latest if layout == "latest" else pkg.write_legacy)(tmp_path / "l.apkg")
    refused(capsys, path, "member media decompresses beyond 1 KiB; not imported", profile)


def test_a_media_list_with_too_many_entries_is_refused(capsys, monkeypatch, tmp_path, profile):
    monkeypatch.setattr(anki.package, "MAX_MEMBERS", 50)
    good = package().write_legacy(tmp_path / "ok.apkg")
    listing = json.dumps({str(i): f"{i}.png" for i in range(51)}).encode()
    path = rewrite(good, tmp_path / "list.apkg", {"media": listing})
    refused(capsys, path, "the package's media list has more than 50 entries", profile)


@pytest.mark.parametrize(
    ("listing", "words"),
    [
        (b"[" * 200_000 + b"]" * 200_000, "the package's media list is nested too deeply"),
        (b'{"0": ' * 50_000 + b"1" + b"}" * 50_000, "the package's media list is nested too"),
        (b'{"0": {"name": "dot.png"}}', "the package's media list is unreadable"),
        (b'["dot.png"]', "the package's media list is unreadable"),
    ],
    ids=["deep array", "deep object", "nested value", "not an object"],
)
def test_a_malformed_media_list_is_refused(capsys, tmp_path, profile, listing, words) -> None:
    good = package().write_legacy(tmp_path / "ok.apkg")
    path = rewrite(good, tmp_path / "deep.apkg", {"media": listing})
    refused(capsys, path, words, profile)


def test_a_zstd_frame_asking_for_a_huge_window_is_refused(capsys, tmp_path, profile) -> None:
    # A 1 GiB window: zstd would allocate it before writing a byte.
    params = zstandard.ZstdCompressionParameters.from_level(
        1, window_log=30, write_content_size=False
    )
    frame = zstandard.ZstdCompressor(compression_params=params).compressobj()
    data = frame.compress(b"SQLite format 3\x00") + frame.flush()
    assert zstandard.get_frame_parameters(data).window_size == 1 << 30
    good = package().write_latest(tmp_path / "ok.apkg")
    path = rewrite(good, tmp_path / "window.apkg", {"collection.anki21b": data})
    refused(capsys, path, "cannot decompress the collection: ", profile)


def test_limits_are_generous_for_real_packages() -> None:
    assert anki.package.MAX_COLLECTION_BYTES == 512 * MIB
    assert anki.package.MAX_MEDIA_FILE_BYTES == 100 * MIB
    assert anki.package.MAX_MEDIA_TOTAL_BYTES == 2048 * MIB
    assert anki.package.MAX_MEMBERS == 100_000


# ----------------------------------------------------------------- a real-size bomb, measured

# The child's own peak (VmHWM, KiB), which starts afresh at exec: `ru_maxrss` would also count
# the forked copy of the pytest worker, so a worker grown past 200 MB by earlier tests (Anki's
# backend, loaded by the export oracle) failed this test with the worker's size, not the
# import's.
_MEASURE = textwrap.dedent(
    """
    import sys
    from mastery.cli import main
    code = main(["--no-bundled-decks", "import", sys.argv[1]])
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(code, peak)
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status (Linux only)")
def test_a_real_size_zstd_bomb_is_refused_in_little_memory(tmp_path: Path) -> None:
    """88 KiB that would decompress to 2 GiB: refused at the 512 MiB cap, in well under 200 MB
    of memory (the whole bomb used to be decompressed into memory first)."""
    good = package().write_latest(tmp_path / "ok.apkg")
    bomb = rewrite(good, tmp_path / "bomb.apkg", {"collection.anki21b": zstd_bomb(2 << 30)})
    assert bomb.stat().st_size < 200 * 1024
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(bomb)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    code, peak_kib = map(int, done.stdout.split())
    assert code == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.endswith(
        f"{bomb}: member collection.anki21b decompresses beyond 512 MiB; not imported\n"
    )
    assert peak_kib < 200 * 1024, f"peak memory {peak_kib // 1024} MiB"
    with Collection.open(bundled=False) as col:
        assert col.decks(now=NOW) == []


# --------------------------------------------------------------------------- failed imports


def test_a_failed_import_leaves_the_media_folder_as_it_was(capsys, tmp_path, profile) -> None:
    # The good package brings a file already there (dot.png, reused) and a new one; the second
    # package is refused, so the run imports nothing and adds no file.
    good = package(media=3).write_latest(tmp_path / "good.apkg")
    bad = tmp_path / "bad.apkg"
    bad.write_bytes(b"PK\x03\x04 cut short")
    capsys.readouterr()
    assert main(["--no-bundled-decks", "import", str(good), str(bad)]) == 2
    assert profile_state() == profile


def test_a_successful_import_keeps_earlier_media(tmp_path, profile) -> None:
    pkg = package(media=2)
    path = pkg.write_latest(tmp_path / "more.apkg")
    assert main(["--no-bundled-decks", "import", str(path)]) == 0
    _, files = profile_state()
    assert files == {**profile[1], "extra1.png": PNG + b"1"}
    with Collection.open(bundled=False) as col:
        assert col.card(f"deck/{_guid_key('q')}").front == "Q ![dot.png](media/dot.png)"


# --------------------------------------------------------------------------- killed imports

_KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from contextlib import contextmanager
    from mastery import db as db_module
    from mastery.decks import importer
    from mastery.cli import main

    when = sys.argv[1]
    importing = False
    real_import = importer.import_specs
    real_transaction = db_module.Database.transaction

    def import_specs(*args, **kwargs):
        global importing
        importing = True
        if when == "before commit":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_import(*args, **kwargs)

    @contextmanager
    def transaction(self):
        outer = self._depth == 0
        with real_transaction(self) as conn:
            yield conn
        if outer and importing and when == "after commit":
            os.kill(os.getpid(), signal.SIGKILL)

    importer.import_specs = import_specs
    db_module.Database.transaction = transaction
    main(["--no-bundled-decks", "import", sys.argv[2]])
    """
)


def run_killed(when: str, path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _KILLED, when, str(path)], capture_output=True, timeout=120
    )
    assert done.returncode == -9, done.stderr.decode()


def test_an_import_killed_before_its_commit_leaves_no_media(tmp_path, profile) -> None:
    path = package(media=3).write_latest(tmp_path / "new.apkg")
    run_killed("before commit", path)
    assert profile_state() == profile  # nothing new in media/, even before the next start
    staging = paths.database_path(paths.DEFAULT_PROFILE).parent / anki.MEDIA_STAGING
    assert any(p.name.startswith("import-") for p in staging.iterdir())  # what it left
    with Collection.open(bundled=False) as col:
        assert [d.key for d in col.decks(now=NOW)] == ["earlier"]
    assert profile_state() == profile
    assert [p.name for p in staging.iterdir()] == ["lock"]  # cleaned at the next start


def test_an_import_killed_after_its_commit_gets_its_media_at_the_next_start(
    tmp_path, profile
) -> None:
    path = package(media=3).write_latest(tmp_path / "new.apkg")
    run_killed("after commit", path)
    assert profile_state()[1] == profile[1]  # killed before the files were moved in
    with Collection.open(bundled=False) as col:
        assert sorted(d.key for d in col.decks(now=NOW)) == ["deck", "earlier"]
        assert col.meta("media_pending") is None
    _, files = profile_state()
    assert files == {**profile[1], "extra1.png": PNG + b"1", "extra2.png": PNG + b"2"}


def test_a_killed_import_is_cleaned_up_by_the_next_import(capsys, tmp_path, profile) -> None:
    path = package(media=3).write_latest(tmp_path / "new.apkg")
    run_killed("before commit", path)
    other = AnkiPackage()
    other.add_note("Basic", ['<img src="other.png">', "B"], deck="Other", guid="b")
    other.add_media("other.png", b"other")
    assert main(["--no-bundled-decks", "import", str(other.write_latest(tmp_path / "o.apkg"))]) == 0
    _, files = profile_state()
    assert files == {**profile[1], "other.png": b"other"}
    staging = paths.database_path(paths.DEFAULT_PROFILE).parent / anki.MEDIA_STAGING
    assert [p.name for p in staging.iterdir()] == ["lock"]


def test_an_import_waits_for_another_one_adding_media_then_says_so(
    capsys, monkeypatch, tmp_path, profile
) -> None:
    from filelock import FileLock

    monkeypatch.setattr(anki.media, "_LOCK_TIMEOUT", 0.05)
    staging = paths.database_path(paths.DEFAULT_PROFILE).parent / anki.MEDIA_STAGING
    path = package(media=2).write_latest(tmp_path / "new.apkg")
    with FileLock(str(staging / "lock")):  # another process in the middle of its import
        capsys.readouterr()
        assert main(["--no-bundled-decks", "import", str(path)]) == 2
        err = capsys.readouterr().err
    assert err.count("\n") == 1 and "another import is adding media files" in err
    assert profile_state() == profile
    assert main(["--no-bundled-decks", "import", str(path)]) == 0  # fine once it is done
