"""The package file: a zip, read as a stream under caps on every size.

A package is a zip holding the collection as SQLite: ``collection.anki21b`` (zstd-compressed,
schema 18), else ``collection.anki21`` or ``collection.anki2`` (schema 11). Newer packages also
hold a one-note placeholder ``collection.anki2``, so the newer members are read first
(`COLLECTION_MEMBERS`). A ``meta`` member says which layout the package uses; a version newer
than Mastery knows is refused. A ``media`` member lists the media files (JSON, or zstd
protobuf in the latest layout); they are the members named ``0``, ``1``, ...

Limits: a package is read as a stream, in chunks, never whole into memory, and refused (one
`DeckFormatError`, nothing imported) as soon as a member decompresses beyond its cap (the
``MAX_*`` values below): a zip or zstd bomb costs at most the cap in disk space and a few MiB
of memory. The caps are read at call time from this module, so a test (or a later settings
layer) can lower them here.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from struct import error as struct_error
from typing import IO

from mastery.decks.anki.protobuf import proto_fields
from mastery.errors import DeckFormatError, MasteryError

__all__ = [
    "APKG_SUFFIXES",
    "CHUNK",
    "COLLECTION_MEMBERS",
    "LATEST",
    "MAX_COLLECTION_BYTES",
    "MAX_MEDIA_FILE_BYTES",
    "MAX_MEDIA_LIST_BYTES",
    "MAX_MEDIA_TOTAL_BYTES",
    "MAX_MEMBERS",
    "MAX_META_BYTES",
    "MAX_ZSTD_WINDOW",
    "chunks",
    "media_entries",
    "open_zip",
    "package_version",
    "read_apkg_media",
    "size_text",
    "unpack_collection",
]

APKG_SUFFIXES = (".apkg", ".colpkg")
COLLECTION_MEMBERS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_PACKAGE_VERSIONS = range(0, 4)  # meta: 0 none, 1 legacy (.anki2), 2 legacy (.anki21), 3 latest
LATEST = 3
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_SQLITE_MAGIC = b"SQLite format 3\x00"

# Limits: what one package may hold once decompressed. Generous for real decks (the largest
# shared Anki decks have collections of a few hundred MiB and media files of a few MiB), small
# enough that a bomb is refused before it fills memory or the disk. Read at call time, so a
# test (or a later settings layer) can lower them.
_KIB, _MIB, _GIB = 1 << 10, 1 << 20, 1 << 30
MAX_MEMBERS = 100_000  # zip members, and entries in the media list
MAX_COLLECTION_BYTES = 512 * _MIB  # the collection database, decompressed
MAX_MEDIA_FILE_BYTES = 100 * _MIB  # each media file, decompressed
MAX_MEDIA_TOTAL_BYTES = 2 * _GIB  # all media files of one import, decompressed
MAX_MEDIA_LIST_BYTES = 32 * _MIB  # the ``media`` member (JSON or protobuf), decompressed
MAX_META_BYTES = 64 * _KIB  # the ``meta`` member (a few bytes of protobuf)
# zstd allocates the window a frame asks for: refuse frames wanting more than zstd's default
# limit (128 MiB; Anki's own frames use a few MiB).
MAX_ZSTD_WINDOW = 1 << 27
CHUNK = 1 << 20  # bytes read (and decompressed) at a time


def read_apkg_media(path: Path | str) -> dict[str, str]:
    """The package's media map: zip member name -> Anki file name."""
    path = Path(path)
    with open_zip(path) as zf:
        return dict(media_entries(zf, str(path)))


@contextmanager
def open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """The package as a zip; any failure to open it, or too many members, is one error."""
    name = str(path)
    try:
        with open(path, "rb") as fh:
            count = _member_count(fh)
        if count is not None and count > MAX_MEMBERS:
            raise DeckFormatError(
                name, None, f"holds more than {MAX_MEMBERS} members; not imported"
            )
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise DeckFormatError(name, None, "no such file") from None
    except IsADirectoryError:
        raise DeckFormatError(name, None, "is a directory, not an Anki package") from None
    except zipfile.BadZipFile:
        raise DeckFormatError(
            name, None, "not an Anki package (not a zip file, or cut short)"
        ) from None
    except OSError as exc:
        raise DeckFormatError(name, None, f"cannot read the file: {exc.strerror or exc}") from None
    with zf:
        if len(zf.infolist()) > MAX_MEMBERS:  # in case the end record undercounted
            raise DeckFormatError(
                name, None, f"holds more than {MAX_MEMBERS} members; not imported"
            )
        yield zf


def _member_count(fh: IO[bytes]) -> int | None:
    """The member count the zip's end record claims, read before `ZipFile` builds an entry for
    each (a directory of millions of members would fill memory first); None if unknown."""
    end_record = getattr(zipfile, "_EndRecData", None)
    total = getattr(zipfile, "_ECD_ENTRIES_TOTAL", None)
    if end_record is None or total is None:
        return None
    try:
        end = end_record(fh)
    except (OSError, zipfile.BadZipFile, struct_error):
        return None
    return int(end[total]) if end else None


def size_text(n: int) -> str:
    """A limit as people read it: ``512 MiB``, ``2 GiB``."""
    for unit, factor in (("GiB", _GIB), ("MiB", _MIB), ("KiB", _KIB)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"


@contextmanager
def _member_errors(name: str, member: str, what: str) -> Iterator[None]:
    """Reading a member: each way it can fail becomes one `DeckFormatError`."""
    import zstandard

    try:
        yield
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise DeckFormatError(
            name, None, f"the package is damaged ({member} cannot be read: {exc})"
        ) from None
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encryption
        raise DeckFormatError(name, None, f"cannot read {member}: {exc}") from None
    except zstandard.ZstdError as exc:
        raise DeckFormatError(name, None, f"cannot decompress {what}: {exc}") from None
    except OSError as exc:
        raise DeckFormatError(name, None, f"cannot read the file: {exc.strerror or exc}") from None


def _is_zstd(zf: zipfile.ZipFile, member: str, name: str) -> bool:
    with _member_errors(name, member, member), zf.open(member) as src:
        return src.read(4) == _ZSTD_MAGIC


def chunks(
    zf: zipfile.ZipFile,
    member: str,
    name: str,
    cap: int,
    *,
    zstd: bool | None = None,
    what: str = "",
    label: bool = False,
) -> Iterator[bytes]:
    """A member's bytes, decompressed (zstd too: `zstd` None means "if it starts like it"), in
    chunks of at most `CHUNK`; refused with one `DeckFormatError` once beyond `cap` bytes.

    zipfile never yields more than the size the zip's directory declares, so a declared size
    beyond the cap is refused before anything is decompressed; zstd output is counted as it
    comes. `what` names the member in errors (`label`: in the "beyond" one too).
    """
    import zstandard

    what = what or member
    info = zf.getinfo(member)
    # zstd frames of incompressible data are a little larger than what they hold.
    stored_cap = cap if zstd is False else cap + cap // 64 + 4096
    too_big = DeckFormatError(
        name,
        None,
        f"member {member}{f' ({what})' if label else ''} decompresses beyond {size_text(cap)}; "
        "not imported",
    )
    if info.file_size > stored_cap:
        raise too_big
    if zstd is None:
        zstd = _is_zstd(zf, member, name)
    total = 0
    with _member_errors(name, member, what), zf.open(info) as src:
        reader: IO[bytes] = (
            zstandard.ZstdDecompressor(max_window_size=MAX_ZSTD_WINDOW).stream_reader(
                src, read_size=CHUNK, closefd=False
            )
            if zstd
            else src
        )
        while chunk := reader.read(CHUNK):
            total += len(chunk)
            if total > cap:
                raise too_big
            yield chunk


def _read_small(zf: zipfile.ZipFile, member: str, name: str, cap: int, what: str) -> bytes:
    """A small member (``meta``, ``media``) whole, decompressed if zstd, at most `cap` bytes."""
    return b"".join(chunks(zf, member, name, cap, what=what))


def unpack_collection(zf: zipfile.ZipFile, member: str, name: str, dest: Path) -> None:
    """Write the collection member, decompressed, to `dest` in chunks (never whole in memory).

    Anything that does not start like an SQLite database is refused at its first bytes.
    """
    not_sqlite = DeckFormatError(name, None, f"the package's {member} is not an SQLite database")
    head = b""
    try:
        with open(dest, "wb") as out:
            for chunk in chunks(zf, member, name, MAX_COLLECTION_BYTES, what="the collection"):
                if len(head) < len(_SQLITE_MAGIC):
                    head += chunk[: len(_SQLITE_MAGIC) - len(head)]
                    if not _SQLITE_MAGIC.startswith(head):
                        raise not_sqlite
                out.write(chunk)
    except OSError as exc:  # reading errors are DeckFormatErrors already: this is the disk
        raise MasteryError(
            f"{name}: cannot unpack the collection to {dest.parent} ({exc.strerror or exc})"
        ) from None
    if head != _SQLITE_MAGIC:
        raise not_sqlite


def package_version(zf: zipfile.ZipFile, name: str) -> int:
    """The ``meta`` member's PackageMetadata.version (0 when there is none: old packages)."""
    if "meta" not in zf.namelist():
        return 0
    fields = proto_fields(
        b"".join(chunks(zf, "meta", name, MAX_META_BYTES, zstd=False, what="the package's meta"))
    )
    version = next((v for f, v in fields if f == 1 and isinstance(v, int)), 0)
    if version not in _PACKAGE_VERSIONS:
        raise DeckFormatError(
            name,
            None,
            f"made by a newer Anki (package version {version}); export it again with "
            "'Support older Anki versions' ticked",
        )
    return version


def media_entries(zf: zipfile.ZipFile, name: str) -> list[tuple[str, str]]:
    """(zip member, Anki file name) for every media file the package lists."""
    if "media" not in zf.namelist():
        return []
    unreadable = DeckFormatError(name, None, "the package's media list is unreadable")
    too_many = DeckFormatError(
        name, None, f"the package's media list has more than {MAX_MEMBERS} entries; not imported"
    )
    if _is_zstd(zf, "media", name):
        # MediaEntries { repeated MediaEntry entries = 1 }
        # MediaEntry { string name = 1; uint32 size = 2; bytes sha1 = 3;
        #              optional uint32 legacy_zip_filename = 255 }
        raw = _read_small(zf, "media", name, MAX_MEDIA_LIST_BYTES, "the media list")
        out = []
        try:
            for index, entry in enumerate(v for f, v in proto_fields(raw) if f == 1):
                if index >= MAX_MEMBERS:
                    raise too_many
                fields = proto_fields(entry) if isinstance(entry, bytes) else []
                file = next((v for f, v in fields if f == 1 and isinstance(v, bytes)), b"")
                member = next((v for f, v in fields if f == 255 and isinstance(v, int)), index)
                out.append((str(member), file.decode("utf-8")))
        except UnicodeDecodeError:
            raise unreadable from None
        return out
    raw = _read_small(zf, "media", name, MAX_MEDIA_LIST_BYTES, "the media list")
    try:
        mapping = json.loads(raw.decode("utf-8") or "{}")
    except RecursionError:  # Anki's list is one flat object: any nesting is not one
        raise DeckFormatError(
            name, None, "the package's media list is nested too deeply; not imported"
        ) from None
    except (UnicodeDecodeError, ValueError):
        raise unreadable from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise unreadable
    if len(mapping) > MAX_MEMBERS:
        raise too_many
    return [(str(k), v) for k, v in mapping.items()]
