"""Anki packages (``.apkg``, ``.colpkg``): decks, media files and review history.

A package is a zip holding the collection as SQLite: ``collection.anki21b`` (zstd-compressed,
schema 18), else ``collection.anki21`` or ``collection.anki2`` (schema 11, decks and note types
as JSON in the ``col`` row). Newer packages also hold a one-note placeholder ``collection.anki2``,
so the newer members are read first. A ``meta`` member says which layout the package uses; a
version newer than Mastery knows, or a collection schema outside 11-18, is refused.

How notes become cards:

- Basic: card 1 is field 1 -> field 2; "(and reversed card)" adds card 2, field 2 -> field 1;
- Cloze: the note's text is a Mastery cloze note (one card per ``{{cN::...}}`` number), its
  second field the extra text on the back;
- any other note type: the first field is the front, the other fields the back.

Fields are Anki's HTML, turned into Markdown (lists keep their ``-``/``1.`` markers). A sub-deck
becomes a deck named ``Parent::Child`` (key: the slugified full name), and the Anki deck's
description becomes the deck's description. Card keys come from the note's guid (and the card's
ordinal), so re-importing a package keeps review history.

Media: the package's files are copied into the ``media/`` folder beside the profile's database
(`copy_apkg_media`), under names made safe (no folders, so ``../../x`` stays inside); a file
already there with the same content is reused. An import stages them in ``.media-import/``
beside ``media/`` and moves them into place only once its transaction has committed (the
commit itself records the staged folder as pending), so a failed or killed import leaves no
new file in ``media/``; leftovers are rolled back, or forward if their import committed, at the
next import or start (`recover_media_imports`). ``<img src="x.png">`` becomes
``![x.png](media/x.png)`` and ``[sound:x.mp3]`` ``[sound: x.mp3](media/x.mp3)``: links relative
to the profile folder.

Limits: a package is read as a stream, in chunks, never whole into memory, and refused (one
`DeckFormatError`, nothing imported) as soon as a member decompresses beyond its cap (see
``MAX_*`` below): a zip or zstd bomb costs at most the cap in disk space and a few MiB of
memory.

Review history (`AnkiImport` with ``with_history``): Anki's answers (``revlog`` rows with a
button, 1-4) are replayed through Mastery's scheduler (`replay_history`). Skipped: entries
without a button (manual rescheduling, "set due date", resets; a reset also forgets the answers
before it, as the card started over), rescheduling entries, and filtered-deck reviews with
rescheduling off (cram: ``type`` 3 with ``factor`` 0), exactly the entries Anki's own FSRS leaves
out. Filtered-deck reviews that did reschedule count as reviews. Only answers newer than a
card's newest review in the profile are replayed, on top of its schedule: re-importing adds no
history twice and never undoes reviews made in Mastery since.
"""

from __future__ import annotations

import errno
import hashlib
import html
import json
import os
import re
import shutil
import sqlite3
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from struct import error as struct_error
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote

from mastery.decks.cloze import ClozeError
from mastery.decks.csv import _guid_key, deck_key_from_stem, html_to_markdown
from mastery.decks.spec import CardSpec, DeckSpec, merge_tags, note_cards
from mastery.errors import DeckFormatError, DiskFullError, MasteryError
from mastery.settings_store import read_meta, write_meta
from mastery.states import LogKind, scheduled
from mastery.storage import cards as card_rows
from mastery.storage import reviews as review_log
from mastery.storage.cards import Replayed
from mastery.storage.reviews import LogEntry

if TYPE_CHECKING:
    from mastery.db import Database
    from mastery.scheduler import Scheduler

__all__ = [
    "APKG_SUFFIXES",
    "MAX_COLLECTION_BYTES",
    "MAX_MEDIA_FILE_BYTES",
    "MAX_MEDIA_LIST_BYTES",
    "MAX_MEDIA_TOTAL_BYTES",
    "MAX_MEMBERS",
    "MAX_META_BYTES",
    "MEDIA_FOLDER",
    "MEDIA_STAGING",
    "AnkiImport",
    "AnkiReview",
    "ApkgContents",
    "MediaCopy",
    "copy_apkg_media",
    "field_markdown",
    "read_apkg",
    "read_apkg_contents",
    "read_apkg_media",
    "recover_media_imports",
    "replay_history",
    "safe_media_name",
]

APKG_SUFFIXES = (".apkg", ".colpkg")
MEDIA_FOLDER = "media"  # beside the profile's database; card text links are relative to it
_MEMBERS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_SCHEMAS = range(11, 19)  # Anki's collection schema versions this module reads
_PACKAGE_VERSIONS = range(0, 4)  # meta: 0 none, 1 legacy (.anki2), 2 legacy (.anki21), 3 latest
_LATEST = 3
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
_CHUNK = 1 << 20  # bytes read (and decompressed) at a time
MEDIA_STAGING = ".media-import"  # beside MEDIA_FOLDER: media of imports not yet committed
_PENDING = "media_pending"  # meta value: staged folders whose import has committed
# Anki's revlog types.
_FILTERED, _MANUAL, _RESCHEDULED = 3, 4, 5


@dataclass(frozen=True, slots=True)
class AnkiReview:
    """One answer from Anki's review log, as Mastery replays it."""

    reviewed_at: int  # ms UTC (the revlog id)
    rating: int  # 1 Again .. 4 Easy (Anki's ease)
    duration_ms: int


@dataclass(frozen=True)
class ApkgContents:
    """What a package holds: its decks, its cards' review history and its media files.

    `history` maps (deck key, card key) to that card's answers, oldest first, already
    filtered (see the module docstring). `media` maps each Anki file name to its zip member.
    """

    decks: list[DeckSpec]
    history: dict[tuple[str, str], tuple[AnkiReview, ...]]
    media: dict[str, str]


@dataclass(frozen=True)
class MediaCopy:
    """The media files of one package in the media folder.

    `links` maps each Anki file name to the path card text uses (``media/name``, relative to
    the profile folder); `created` lists the files this copy wrote (not those it reused).
    """

    links: dict[str, str]
    created: list[Path] = field(default_factory=list)


# --------------------------------------------------------------------------- public reading


def read_apkg(path: Path | str) -> list[DeckSpec]:
    """Every deck of an Anki package that has cards, in name order.

    Raises `DeckFormatError` (and reads nothing) if the file is not a zip, holds no collection,
    or the collection cannot be read.
    """
    return read_apkg_contents(path).decks


def read_apkg_contents(
    path: Path | str,
    *,
    media_links: Mapping[str, str] | None = None,
    workdir: Path | None = None,
) -> ApkgContents:
    """Decks, review history and media list of an Anki package.

    `media_links` maps Anki media names to the paths card text should link to (what
    `copy_apkg_media` returns); names not in it link to ``media/<safe name>``. The collection
    is unpacked into a temporary folder in `workdir` (the system's by default), in chunks.
    Raises `DeckFormatError` for any package that cannot be read whole or breaks a limit.
    """
    path = Path(path)
    name = str(path)
    with tempfile.TemporaryDirectory(prefix="mastery-apkg-", dir=workdir) as tmp:
        db = Path(tmp) / "collection.sqlite"
        with _open_zip(path) as zf:
            _package_version(zf, name)  # refuses packages from a newer Anki
            members = set(zf.namelist())
            member = next((m for m in _MEMBERS if m in members), None)
            if member is None:
                raise DeckFormatError(name, None, "not an Anki package: no collection inside")
            media = dict((n, m) for m, n in _media_entries(zf, name))
            _unpack(zf, member, name, db)
        try:
            with closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
                conn.create_collation("unicase", _unicase)
                decks, history = _Reader(conn, name, media_links or {}).read()
        except sqlite3.DatabaseError as exc:
            raise DeckFormatError(name, None, f"cannot read the Anki collection: {exc}") from None
    return ApkgContents(decks, history, media)


def _unpack(zf: zipfile.ZipFile, member: str, name: str, dest: Path) -> None:
    """Write the collection member, decompressed, to `dest` in chunks (never whole in memory).

    Anything that does not start like an SQLite database is refused at its first bytes.
    """
    not_sqlite = DeckFormatError(name, None, f"the package's {member} is not an SQLite database")
    head = b""
    try:
        with open(dest, "wb") as out:
            for chunk in _chunks(zf, member, name, MAX_COLLECTION_BYTES, what="the collection"):
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


def read_apkg_media(path: Path | str) -> dict[str, str]:
    """The package's media map: zip member name -> Anki file name."""
    path = Path(path)
    with _open_zip(path) as zf:
        return dict(_media_entries(zf, str(path)))


# --------------------------------------------------------------------------- media files

# Characters no file name should carry on any platform (Windows is the strictest).
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED_NAMES = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(10)
}
_MAX_NAME_BYTES = 120


def safe_media_name(name: str) -> str:
    """The name an Anki media file gets in the media folder.

    Only the last path component is kept (``../../evil`` -> ``evil``), characters that are
    unsafe on some platform become ``_``, leading and trailing dots and spaces go, and long
    names are shortened (extension kept). A name with nothing left becomes ``media-<hash>``.
    """
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_CHARS.sub("_", base).strip(" .")
    if not base:
        return "media-" + hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:12]
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        stem, ext = base, ""
    if stem.lower() in _RESERVED_NAMES:
        stem = "_" + stem
    suffix = "." + ext if ext else ""
    if len(suffix.encode()) > 16:  # not an extension, just a dot in a long name
        stem, suffix = base, ""
    while len((stem + suffix).encode()) > _MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def copy_apkg_media(path: Path | str, media_dir: Path) -> MediaCopy:
    """Copy a package's media files into `media_dir` and say how card text links to them.

    The files are staged beside `media_dir` (in `MEDIA_STAGING`) and moved into place only
    once all of them were read, so no file is ever half-written under its real name and a
    failure leaves `media_dir` as it was. A file already there with the same content is
    reused; one with the same name but other content makes the new one ``name-<hash>.ext``.
    Raises `DeckFormatError` for an unreadable package or media file, or one beyond the limits.
    """
    staging = _Staging(media_dir)
    staging.open(None)
    try:
        links = staging.copy(Path(path))
        created = staging.publish()
    except BaseException:
        staging.discard()
        raise
    finally:
        staging.close()
    return MediaCopy(links, created)


def recover_media_imports(media_dir: Path, db: Database) -> None:
    """Finish what a killed import left in the staging area beside `media_dir`.

    A staged folder the profile database lists as pending belonged to an import that committed:
    its files are moved into `media_dir` (rolled forward). Any other leftover belonged to an
    import that never committed: it is removed. Skipped while another import holds the staging
    lock (that import recovers when it starts). Best effort: a failure here never stops the
    profile from opening; the next import tries again and reports it.
    """
    from filelock import FileLock, Timeout

    root = media_dir.parent / MEDIA_STAGING
    if not root.is_dir():
        return
    lock = FileLock(str(root / _LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except (Timeout, OSError):
        return
    try:
        _recover(root, media_dir, db)
    except (OSError, sqlite3.Error):
        pass
    finally:
        lock.release()


_LOCK_NAME = "lock"
_LOCK_TIMEOUT = 30.0  # seconds another import may keep the staging area before we give up


class _Staging:
    """The media files of one import, staged beside the media folder until it commits.

    Holds the staging lock from `open` to `close`, so imports stage media one at a time and
    every other folder in the staging area belongs to an import that is over, committed or not
    (`_recover` tells which from the database). File names are decided here, against both the
    media folder and what this import staged: the dedup rules of `copy_apkg_media`.
    """

    def __init__(self, media_dir: Path) -> None:
        self.media_dir = media_dir
        self.root = media_dir.parent / MEDIA_STAGING
        self.folder: Path | None = None
        self.total = 0  # bytes of media staged so far, against MAX_MEDIA_TOTAL_BYTES
        self.count = 0  # files staged (not reused)
        self._lock: Any = None

    @property
    def token(self) -> str:
        """The staging folder's name, as the database records it once the import commits."""
        assert self.folder is not None
        return self.folder.name

    def open(self, db: Database | None) -> None:
        """Take the staging lock, recover leftovers of killed imports (with `db`), make a folder."""
        from filelock import FileLock, Timeout

        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.root / _LOCK_NAME), timeout=_LOCK_TIMEOUT)
            lock.acquire()
        except Timeout:
            raise MasteryError(
                f"{self.media_dir}: another import is adding media files; "
                "try again once it has finished"
            ) from None
        except OSError as exc:
            raise MasteryError(
                f"{self.root}: cannot prepare the media import ({exc.strerror or exc})"
            ) from None
        self._lock = lock
        try:
            if db is not None:
                _recover(self.root, self.media_dir, db)
            self.folder = Path(tempfile.mkdtemp(prefix="import-", dir=self.root))
        except (OSError, sqlite3.Error) as exc:
            self.close()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise MasteryError(f"{self.root}: cannot prepare the media import ({reason})") from None
        except BaseException:
            self.close()
            raise

    def copy(self, path: Path) -> dict[str, str]:
        """Stage a package's media files; returns {Anki file name: ``media/<name>``}."""
        name = str(path)
        links: dict[str, str] = {}
        with _open_zip(path) as zf:
            version = _package_version(zf, name)
            entries = _media_entries(zf, name)
            members = set(zf.namelist())
            for member, filename in entries:
                if member not in members:
                    continue  # Anki skips media its map names but the zip lacks
                stored = self._store(zf, member, name, filename, zstd=version == _LATEST)
                links[filename] = f"{MEDIA_FOLDER}/{stored}"
        return links

    def _store(
        self, zf: zipfile.ZipFile, member: str, name: str, filename: str, *, zstd: bool
    ) -> str:
        """Stage one media file (streamed, hashed as it goes); returns the name it gets."""
        assert self.folder is not None
        what = f"media file {filename!r}"
        digest = hashlib.sha256()
        size = 0
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".part-")
            part = Path(tmp)
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in _chunks(
                        zf, member, name, MAX_MEDIA_FILE_BYTES, zstd=zstd, what=what, label=True
                    ):
                        size += len(chunk)
                        self.total += len(chunk)
                        if self.total > MAX_MEDIA_TOTAL_BYTES:
                            raise DeckFormatError(
                                name,
                                None,
                                f"media files decompress beyond "
                                f"{_size(MAX_MEDIA_TOTAL_BYTES)} in total; not imported",
                            )
                        digest.update(chunk)
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(part, 0o644)  # mkstemp makes it private; media are ordinary files
                return self._place(part, safe_media_name(filename), digest.hexdigest(), size)
            finally:
                part.unlink(missing_ok=True)  # placed files were renamed away from it
        except OSError as exc:  # reading errors are DeckFormatErrors already: this is the disk
            if exc.errno == errno.ENOSPC:
                raise DiskFullError(self.media_dir) from None
            raise MasteryError(
                f"{self.media_dir}: cannot write {what} ({exc.strerror or exc})"
            ) from None

    def _place(self, part: Path, safe: str, digest: str, size: int) -> str:
        """Give a staged file its name: reuse an identical file, else the first free name."""
        assert self.folder is not None
        folder = self.media_dir
        stem, dot, ext = safe.rpartition(".")
        if not dot or not stem:
            stem, dot, ext = safe, "", ""
        for candidate in (safe, f"{stem}-{digest[:8]}{dot}{ext}", f"{stem}-{digest}{dot}{ext}"):
            target = folder / candidate
            if target.parent != folder:  # safe_media_name makes this impossible; never trust it
                raise DeckFormatError(str(target), None, "media file name leaves the media folder")
            staged = self.folder / candidate
            taken = [p for p in (staged, target) if p.exists() or p.is_symlink()]
            if taken:
                if all(p.is_file() and _same_content(p, digest, size) for p in taken):
                    return candidate
                continue
            os.replace(part, staged)
            self.count += 1
            return candidate
        raise DeckFormatError(str(folder / safe), None, "a different file already has this name")

    def publish(self) -> list[Path]:
        """Move the staged files into the media folder; returns those it added."""
        assert self.folder is not None
        return _publish(self.folder, self.media_dir)

    def discard(self) -> None:
        """Remove everything this import staged."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def _publish(folder: Path, media_dir: Path) -> list[Path]:
    """Move every staged file of `folder` into `media_dir`, then remove `folder`.

    A name taken in the meantime keeps its file (staging already reused identical ones; only a
    file put there by hand since could differ, and it is not ours to replace).
    """
    names = sorted(
        e.name
        for e in os.scandir(folder)
        if not e.name.startswith(".") and e.is_file(follow_symlinks=False)
    )
    created: list[Path] = []
    if names:
        media_dir.mkdir(parents=True, exist_ok=True)
    for file in names:
        target = media_dir / file
        if target.exists() or target.is_symlink():
            continue
        os.replace(folder / file, target)
        created.append(target)
    if created and hasattr(os, "O_DIRECTORY"):  # make the renames durable (POSIX)
        fd = os.open(media_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    shutil.rmtree(folder, ignore_errors=True)
    return created


def _recover(root: Path, media_dir: Path, db: Database) -> None:
    """With the staging lock held: roll committed leftovers forward, the rest back."""
    pending = set(_pending(db.conn))
    for entry in list(os.scandir(root)):
        if entry.name == _LOCK_NAME or entry.name.startswith(f"{_LOCK_NAME}."):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if entry.name in pending:
                _publish(path, media_dir)
            else:
                shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if pending:
        with db.transaction() as conn:
            _set_pending(conn, [t for t in _pending(conn) if t not in pending])


def _pending(conn: sqlite3.Connection) -> list[str]:
    """Staged folders whose import committed but whose files may not be in place yet."""
    try:
        value = read_meta(conn, _PENDING)
    except (TypeError, ValueError):
        return []
    return [str(t) for t in value] if isinstance(value, list) else []


def _set_pending(conn: sqlite3.Connection, tokens: Sequence[str]) -> None:
    write_meta(conn, _PENDING, list(tokens) or None)


def _same_content(target: Path, digest: str, size: int) -> bool:
    """Whether `target` holds exactly the bytes hashed as `digest` (read in chunks)."""
    if target.stat().st_size != size:
        return False
    h = hashlib.sha256()
    with open(target, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest() == digest


# --------------------------------------------------------------------------- one import run


class AnkiImport:
    """The Anki side of one `Collection.import_files` run.

    `read` stages a package's media and reads its decks (and, with `with_history`, its review
    history); `apply` replays that history inside the run's transaction, and `record` marks the
    staged media as pending in it. Used as a context manager around the whole run: on the way
    out, the staged media are moved into the media folder if the transaction committed and
    removed otherwise, so a failed import leaves no new files behind. With `db`, the commit
    itself is what decides (a kill between commit and move is rolled forward at the next
    start); without it, leaving the block without an error does.
    """

    def __init__(
        self, media_dir: Path, *, with_history: bool = False, db: Database | None = None
    ) -> None:
        self.media_dir = media_dir
        self.with_history = with_history
        self.db = db
        self.created: list[Path] = []
        self.history: dict[tuple[str, str], tuple[AnkiReview, ...]] = {}
        self._staging: _Staging | None = None
        self._recorded = False

    def __enter__(self) -> AnkiImport:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        staging = self._staging
        if staging is None:
            return
        try:
            if self._recorded and self.db is not None:
                committed = staging.token in _pending(self.db.conn)
            else:
                committed = exc_type is None
            if not committed:
                staging.discard()
                return
            try:
                self.created = staging.publish()
            except OSError as exc:  # committed: the next start moves them (recover_media_imports)
                raise MasteryError(
                    f"{self.media_dir}: imported, but its media files could not be moved in yet "
                    f"({exc.strerror or exc}); they will be at the next start"
                ) from None
            if self._recorded and self.db is not None:
                try:
                    with self.db.transaction() as conn:
                        _set_pending(conn, [t for t in _pending(conn) if t != staging.token])
                except sqlite3.Error:
                    pass  # harmless: the folder is gone, and the next recovery drops the token
        finally:
            staging.close()

    @staticmethod
    def accepts(path: Path | str) -> bool:
        """Whether `path` is an Anki package (by its suffix, as `load_decks` decides)."""
        return Path(path).suffix.lower() in APKG_SUFFIXES

    def read(self, path: Path | str) -> list[DeckSpec]:
        """The package's decks, with card text linking to its media (staged until commit)."""
        if self._staging is None:
            staging = _Staging(self.media_dir)
            staging.open(self.db)
            self._staging = staging
        links = self._staging.copy(Path(path))
        contents = read_apkg_contents(path, media_links=links, workdir=self._staging.root)
        if self.with_history:
            self.history.update(contents.history)
        return contents.decks

    def record(self, conn: sqlite3.Connection) -> None:
        """Inside the run's transaction: note the staged media as pending, so that the commit
        itself says they belong in the media folder (see `recover_media_imports`)."""
        if self._staging is not None and self._staging.count and not self._recorded:
            _set_pending(conn, [*_pending(conn), self._staging.token])
            self._recorded = True


def replay_history(
    conn: sqlite3.Connection,
    history: Mapping[tuple[str, str], Sequence[AnkiReview]],
    scheduler_for: Callable[[int], Scheduler],
    now_ms: int,
) -> dict[str, tuple[int, int]]:
    """Replay Anki answers through the scheduler of each card's deck (`scheduler_for(deck id)`,
    as `Collection.answer` picks it): new review log rows and recomputed schedules.

    For each card, only the answers later than its newest review in this profile (imported
    before, or made in Mastery) are replayed, on top of its current schedule. So importing
    the same package again adds nothing, and a card reviewed in Mastery since keeps its
    schedule; answers made in Anki after the last import are added. Fuzz is seeded as
    `Collection.answer` seeds it (card id * 1000 + reps), so a new card ends where
    `memory_from_reviews(..., seed=card_id * 1000)` ends. Writes with `executemany` in the
    caller's transaction; returns {deck key: (cards given history, answers replayed)}.
    """
    from mastery.days import from_ms, to_ms
    from mastery.scheduler import Memory

    # Only the cards `history` names (a chunk of a big package, see Collection.import_files),
    # looked up by their unique (deck, key), so a chunk costs its own size, not the deck's.
    by_deck: dict[str, list[str]] = {}
    for deck_key, card_key in history:
        by_deck.setdefault(deck_key, []).append(card_key)
    rows: list[Any] = []
    for deck_key, card_keys in sorted(by_deck.items()):
        for at in range(0, len(card_keys), 500):
            part = card_keys[at : at + 500]
            rows += conn.execute(
                "SELECT c.id, c.deck_id, d.key, c.key, c.state, c.step, c.stability, "
                "c.difficulty, c.due, c.last_review, c.reps, c.lapses, c.suspended, "
                "(SELECT max(r.reviewed_at) FROM reviewlog r WHERE r.card_id = c.id "
                f" AND {scheduled('r')}) "
                "FROM card c JOIN deck d ON d.id = c.deck_id "
                f"WHERE d.key = ? AND c.key IN ({', '.join('?' * len(part))}) ORDER BY c.id",
                [deck_key, *part],
            ).fetchall()
    logs: list[LogEntry] = []
    cards: list[Replayed] = []
    counts: dict[str, list[int]] = {}
    for (
        card_id,
        deck_id,
        deck_key,
        card_key,
        state,
        step,
        stab,
        diff,
        due,
        last,
        reps,
        lapses,
        suspended,
        newest,
    ) in rows:
        answers = history.get((deck_key, card_key))
        if not answers:
            continue
        if newest is not None:
            answers = [a for a in answers if a.reviewed_at > newest]
            if not answers:
                continue
        memory = Memory(
            state=state,
            step=step,
            stability=stab,
            difficulty=diff,
            due=from_ms(due) if due is not None else None,
            last_review=from_ms(last) if last is not None else None,
            reps=reps,
            lapses=lapses,
        )
        seed = card_id * 1000
        answer = scheduler_for(deck_id).answer
        for a in answers:
            outcome = answer(memory, a.rating, from_ms(a.reviewed_at), seed + memory.reps)
            after = outcome.memory
            assert after.due is not None  # an answer always schedules the card
            due_after = to_ms(after.due)
            logs.append(
                LogEntry(
                    card_id=card_id,
                    rating=a.rating,
                    reviewed_at=a.reviewed_at,
                    duration_ms=a.duration_ms,
                    kind=LogKind.REVIEW,
                    confidence=None,
                    state_before=memory.state,
                    state_after=after.state,
                    step_before=memory.step,
                    step_after=after.step,
                    due_before=due,
                    due_after=due_after,
                    stability_before=memory.stability,
                    stability_after=after.stability,
                    difficulty_before=memory.difficulty,
                    difficulty_after=after.difficulty,
                    last_review_before=last,
                    elapsed_days=outcome.elapsed_days,
                    scheduled_days=outcome.scheduled_days,
                    suspended_before=suspended,
                )
            )
            memory, due, last = after, due_after, a.reviewed_at
        cards.append(
            Replayed(
                state=memory.state,
                step=memory.step,
                stability=memory.stability,
                difficulty=memory.difficulty,
                due=due,
                last_review=last,
                reps=memory.reps,
                lapses=memory.lapses,
                updated_at=now_ms,
                id=card_id,
            )
        )
        count = counts.setdefault(deck_key, [0, 0])
        count[0] += 1
        count[1] += len(answers)
    review_log.log_reviews(conn, logs)
    card_rows.write_replayed(conn, cards)
    return {deck: (c[0], c[1]) for deck, c in counts.items()}


# --------------------------------------------------------------------------- reading the zip


@contextmanager
def _open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
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


def _size(n: int) -> str:
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


def _chunks(
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
    chunks of at most `_CHUNK`; refused with one `DeckFormatError` once beyond `cap` bytes.

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
        f"member {member}{f' ({what})' if label else ''} decompresses beyond {_size(cap)}; "
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
                src, read_size=_CHUNK, closefd=False
            )
            if zstd
            else src
        )
        while chunk := reader.read(_CHUNK):
            total += len(chunk)
            if total > cap:
                raise too_big
            yield chunk


def _read_small(zf: zipfile.ZipFile, member: str, name: str, cap: int, what: str) -> bytes:
    """A small member (``meta``, ``media``) whole, decompressed if zstd, at most `cap` bytes."""
    return b"".join(_chunks(zf, member, name, cap, what=what))


def _package_version(zf: zipfile.ZipFile, name: str) -> int:
    """The ``meta`` member's PackageMetadata.version (0 when there is none: old packages)."""
    if "meta" not in zf.namelist():
        return 0
    fields = _proto(
        b"".join(_chunks(zf, "meta", name, MAX_META_BYTES, zstd=False, what="the package's meta"))
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


def _media_entries(zf: zipfile.ZipFile, name: str) -> list[tuple[str, str]]:
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
            for index, entry in enumerate(v for f, v in _proto(raw) if f == 1):
                if index >= MAX_MEMBERS:
                    raise too_many
                fields = _proto(entry) if isinstance(entry, bytes) else []
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


def _unicase(a: str, b: str) -> int:
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


def _proto(data: bytes) -> list[tuple[int, bytes | int]]:
    """The top-level fields of a protobuf message as (number, value); enough for Anki's.

    Lenient: a damaged message yields the fields before the damage.
    """
    out: list[tuple[int, bytes | int]] = []
    pos = 0

    def varint() -> int:
        nonlocal pos
        shift = value = 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    try:
        while pos < len(data):
            key = varint()
            number, wire = key >> 3, key & 7
            if wire == 0:
                out.append((number, varint()))
            elif wire == 2:
                size = varint()
                out.append((number, data[pos : pos + size]))
                pos += size
            elif wire == 1:
                pos += 8
            elif wire == 5:
                pos += 4
            else:
                break
    except IndexError:
        pass
    return out


def _proto_field(data: bytes | int | None, number: int) -> bytes | int | None:
    if not isinstance(data, bytes):
        return None
    return next((v for f, v in _proto(data) if f == number), None)


# --------------------------------------------------------------------------- the collection


class _Reader:
    """Reads one open collection into deck specs and card histories."""

    def __init__(self, conn: sqlite3.Connection, name: str, links: Mapping[str, str]) -> None:
        self.conn = conn
        self.name = name
        self.links = links

    def read(self) -> tuple[list[DeckSpec], dict[tuple[str, str], tuple[AnkiReview, ...]]]:
        conn, name = self.conn, self.name
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in ("col", "notes", "cards") if t not in tables]
        if missing:
            raise DeckFormatError(
                name, None, f"not an Anki collection (no {' or '.join(missing)} table)"
            )
        row = conn.execute("SELECT ver FROM col").fetchone()
        if row is None or row[0] not in _SCHEMAS:
            version = "none" if row is None else row[0]
            raise DeckFormatError(
                name,
                None,
                f"unsupported Anki collection schema {version} (Mastery reads "
                f"{_SCHEMAS.start} to {_SCHEMAS.stop - 1})",
            )
        if "notetypes" in tables:
            if "decks" not in tables:
                raise DeckFormatError(name, None, "not an Anki collection (no decks table)")
            decks, kinds = self._tables()
        else:
            decks, kinds = self._col_json()
        specs, card_keys = self._cards(decks, kinds)
        history = self._history(card_keys) if "revlog" in tables else {}
        return specs, history

    # ---------------------------------------------------------------- decks and note types
    def _tables(self) -> tuple[dict[int, tuple[str, str]], dict[int, tuple[str, bool]]]:
        """Schema 18: decks and note types in their own tables, configs as protobuf."""
        decks = {}
        for did, deck_name, kind in self.conn.execute("SELECT id, name, kind FROM decks"):
            # Deck.KindContainer { Normal normal = 1 }; Normal { string description = 4;
            # bool markdown_description = 5 }
            normal = _proto_field(kind, 1)
            desc = _proto_field(normal, 4)
            text = desc.decode("utf-8", "replace") if isinstance(desc, bytes) else ""
            decks[did] = (
                deck_name.replace("\x1f", "::"),
                self._description(text, bool(_proto_field(normal, 5))),
            )
        kinds = {}
        for ntid, nt_name, config in self.conn.execute("SELECT id, name, config FROM notetypes"):
            kinds[ntid] = (nt_name, _proto_field(config or b"", 1) == 1)  # Config.kind: 1 cloze
        return decks, kinds

    def _col_json(self) -> tuple[dict[int, tuple[str, str]], dict[int, tuple[str, bool]]]:
        """Schema 11: decks and note types as JSON in the ``col`` row."""
        decks_json, models_json = self.conn.execute("SELECT decks, models FROM col").fetchone()
        try:
            decks = {
                int(k): (v["name"], self._description(str(v.get("desc") or ""), bool(v.get("md"))))
                for k, v in json.loads(decks_json).items()
            }
            kinds = {
                int(k): (v["name"], v.get("type") == 1) for k, v in json.loads(models_json).items()
            }
        except (TypeError, ValueError, KeyError, AttributeError):
            raise DeckFormatError(
                self.name, None, "the collection's decks or note types are unreadable"
            ) from None
        return decks, kinds

    def _description(self, text: str, markdown: bool) -> str:
        return text.strip() if markdown else self.markdown(text)

    # ---------------------------------------------------------------- notes and cards
    def _cards(
        self, decks: dict[int, tuple[str, str]], kinds: dict[int, tuple[str, bool]]
    ) -> tuple[list[DeckSpec], dict[int, tuple[str, str]]]:
        """The deck specs, and each Anki card id's (deck key, card key)."""
        conn, name = self.conn, self.name
        notes = {
            nid: (guid, mid, flds.split("\x1f"), tags.split())
            for nid, guid, mid, flds, tags in conn.execute(
                "SELECT id, guid, mid, flds, tags FROM notes"
            )
        }
        by_deck: dict[str, list[CardSpec]] = {}
        deck_keys: dict[str, str] = {}
        cloze_keys: dict[tuple[int, str], set[str]] = {}
        card_keys: dict[int, tuple[str, str]] = {}
        converted: dict[int, list[str]] = {}
        # A card in a filtered deck belongs to its original deck (odid).
        for cid, nid, ord_, did in conn.execute(
            "SELECT id, nid, ord, CASE WHEN odid != 0 THEN odid ELSE did END FROM cards "
            "ORDER BY nid, ord"
        ):
            if nid not in notes:
                continue
            guid, mid, fields, tags = notes[nid]
            deck_name = decks.get(did, ("Default", ""))[0]
            cards = by_deck.setdefault(deck_name, [])
            deck_key = deck_keys.get(deck_name)
            if deck_key is None:
                deck_key = deck_keys[deck_name] = deck_key_from_stem(deck_name)
            note_id = _guid_key(guid)
            nt_name, is_cloze = kinds.get(mid, ("", False))
            md = converted.get(nid)
            if md is None:
                md = converted[nid] = [self.markdown(f) for f in fields]
            tag_tuple = merge_tags(tags)
            if is_cloze:
                made = cloze_keys.get((nid, deck_name))
                if made is None:  # note_cards makes every cloze card of the note at once
                    new = self._cloze_cards(deck_key, note_id, md, tag_tuple, len(cards), guid)
                    cards.extend(new)
                    made = cloze_keys[(nid, deck_name)] = {c.key for c in new}
                key = f"{note_id}::c{ord_ + 1}"
                if key in made:
                    card_keys[cid] = (deck_key, key)
                elif ord_ == 0 and note_id in made:
                    card_keys[cid] = (deck_key, note_id)
                continue
            if ord_ == 1 and "revers" in nt_name.lower() and len(md) >= 2:
                key, front, back = f"{note_id}.reverse", md[1], md[0]
            else:
                key = note_id if ord_ == 0 else f"{note_id}.card{ord_ + 1}"
                front, back = md[0], "\n\n".join(f for f in md[1:] if f)
            cards.append(CardSpec(key, f"{deck_key}/{note_id}", front, back, tag_tuple, len(cards)))
            card_keys[cid] = (deck_key, key)
        descriptions = {deck_name: desc for deck_name, desc in decks.values()}
        specs = [
            DeckSpec(deck_keys[deck], deck, descriptions.get(deck, ""), "", (), tuple(cards), name)
            for deck, cards in sorted(by_deck.items())
            if cards
        ]
        return specs, card_keys

    def _cloze_cards(
        self,
        deck_key: str,
        note_id: str,
        md: list[str],
        tags: tuple[str, ...],
        position: int,
        guid: str,
    ) -> list[CardSpec]:
        text, extra = md[0], "\n\n".join(f for f in md[1:] if f)
        try:
            return note_cards(
                deck_key=deck_key,
                note_id=note_id,
                front=text,
                back=extra,
                tags=tags,
                position=position,
                line=None,
            )
        except ClozeError as exc:
            raise DeckFormatError(self.name, None, f"note {guid!r}: {exc}") from None
        except ValueError:  # a cloze note without clozes or extra: the text both sides
            return [CardSpec(note_id, f"{deck_key}/{note_id}", text, text, tags, position)]

    # ---------------------------------------------------------------- review history
    def _history(
        self, card_keys: dict[int, tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[AnkiReview, ...]]:
        """Each card's answers to replay (see the module docstring for what is skipped)."""
        by_card: dict[int, list[AnkiReview]] = {}
        for rid, cid, ease, ivl, factor, taken, kind in self.conn.execute(
            "SELECT id, cid, ease, ivl, factor, time, type FROM revlog ORDER BY cid, id"
        ):
            if cid not in card_keys:
                continue
            if kind == _MANUAL and not ease and not ivl:
                by_card.pop(cid, None)  # reset to new ("Forget"): the card started over
                continue
            if ease not in (1, 2, 3, 4) or kind in (_MANUAL, _RESCHEDULED):
                continue
            if kind == _FILTERED and not factor:
                continue  # a filtered deck with rescheduling off (cram): no effect on memory
            by_card.setdefault(cid, []).append(
                AnkiReview(int(rid), int(ease), max(0, int(taken or 0)))
            )
        return {card_keys[cid]: tuple(answers) for cid, answers in by_card.items()}

    # ---------------------------------------------------------------- field text
    def markdown(self, text: str) -> str:
        """One field (or a deck description) as Markdown, media references as links."""
        return field_markdown(text, self.links)


# --------------------------------------------------------------------------- HTML to Markdown

_IMG = re.compile(
    r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))[^>]*>", re.IGNORECASE
)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_LIST_TAG = re.compile(r"<\s*(/?)\s*(ul|ol|li)\b[^>]*>", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\x02(\d+)\x03")
_CONTROL = re.compile(r"[\x02-\x04]")


def field_markdown(text: str, links: Mapping[str, str] | None = None) -> str:
    """Anki field HTML as Markdown: `html_to_markdown` plus list markers and media links.

    `links` maps media file names to link targets (default ``media/<safe name>``).
    """
    links = links or {}
    refs: list[str] = []

    def keep(markdown: str) -> str:
        refs.append(markdown)
        return f"\x02{len(refs) - 1}\x03"

    text = _CONTROL.sub("", text)
    if "<" in text:
        text = _IMG.sub(
            lambda m: keep(_image(next(g for g in m.groups() if g is not None), links)), text
        )
        if _LIST_TAG.search(text):
            text = _list_markers(text)
    if "[sound:" in text:
        text = _SOUND.sub(lambda m: keep(_sound(m.group(1), links)), text)
    out = html_to_markdown(text).replace("\x04", " ")
    if refs:
        out = _PLACEHOLDER.sub(lambda m: refs[int(m.group(1))], out)
    return out.strip()


def _media_target(raw: str, links: Mapping[str, str]) -> tuple[str, str]:
    """(file name, link target) for a media reference as written in a field."""
    file = html.unescape(raw).strip()
    target = links.get(file)
    if target is None and "%" in file:
        decoded = unquote(file)
        if decoded in links:
            file, target = decoded, links[decoded]
    if target is None:
        target = f"{MEDIA_FOLDER}/{safe_media_name(file)}"
    if re.search(r"[\s()<>]", target):
        target = "<" + target.replace("<", "%3C").replace(">", "%3E") + ">"
    return file, target


def _label(file: str) -> str:
    return file.replace("[", "(").replace("]", ")")


def _image(raw: str, links: Mapping[str, str]) -> str:
    if raw.strip().lower().startswith("data:"):
        return ""  # an image inlined in the field: nothing to link to
    if "://" in raw:
        return f"![]({html.unescape(raw).strip()})"
    file, target = _media_target(raw, links)
    return f"![{_label(file)}]({target})"


def _sound(raw: str, links: Mapping[str, str]) -> str:
    file, target = _media_target(raw, links)
    return f"[sound: {_label(file)}]({target})"


def _list_markers(text: str) -> str:
    """Put Markdown markers (``-``, ``1.``) after each ``<li>``, indented for nesting.

    Indentation is written as ``\\x04`` so `html_to_markdown` does not strip it at line starts;
    nested list tags are dropped so that a nested list stays tight under its item.
    """
    stack: list[list[Any]] = []  # per open list: [kind, items so far, indent, marker width]

    def tag(match: re.Match[str]) -> str:
        closing, kind = match.group(1), match.group(2).lower()
        if kind in ("ul", "ol"):
            if closing:
                if stack:
                    stack.pop()
                return match.group() if not stack else ""
            indent = stack[-1][2] + stack[-1][3] if stack else 0
            nested = bool(stack)
            stack.append([kind, 0, indent, 0])
            return "" if nested else match.group()
        if closing or not stack:
            return match.group()
        top = stack[-1]
        top[1] += 1
        marker = "- " if top[0] == "ul" else f"{top[1]}. "
        top[3] = len(marker)
        return match.group() + "\x04" * top[2] + marker

    return _LIST_TAG.sub(tag, text)
