"""A package's media files: copied into the profile's ``media/`` folder, never half-way.

The package's files are copied into the ``media/`` folder beside the profile's database
(`copy_apkg_media`), under names made safe (`safe_media_name`: no folders, so ``../../x`` stays
inside); a file already there with the same content is reused. An import stages them in
``.media-import/`` beside ``media/`` (`Staging`) and moves them into place only once its
transaction has committed (the commit itself records the staged folder as pending), so a
failed or killed import leaves no new file in ``media/``; leftovers are rolled back, or forward
if their import committed, at the next import or start (`recover_media_imports`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

# The size caps are read through the module (`package.MAX_...`) at call time, so lowering them
# there (a test, a later settings layer) holds here too.
from mastery.decks.anki import package
from mastery.decks.anki.package import (
    CHUNK,
    LATEST,
    chunks,
    media_entries,
    open_zip,
    package_version,
    size_text,
)
from mastery.errors import DeckFormatError, DiskFullError, MasteryError
from mastery.settings_store import read_meta, write_meta

if TYPE_CHECKING:
    from mastery.db import Database

__all__ = [
    "MEDIA_FOLDER",
    "MEDIA_STAGING",
    "MediaCopy",
    "Staging",
    "copy_apkg_media",
    "pending",
    "recover_media_imports",
    "safe_media_name",
    "set_pending",
]

MEDIA_FOLDER = "media"  # beside the profile's database; card text links are relative to it
MEDIA_STAGING = ".media-import"  # beside MEDIA_FOLDER: media of imports not yet committed
_PENDING = "media_pending"  # meta value: staged folders whose import has committed
_LOCK_NAME = "lock"
_LOCK_TIMEOUT = 30.0  # seconds another import may keep the staging area before we give up

# Characters no file name should carry on any platform (Windows is the strictest).
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED_NAMES = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(10)
}
_MAX_NAME_BYTES = 120


@dataclass(frozen=True)
class MediaCopy:
    """The media files of one package in the media folder.

    `links` maps each Anki file name to the path card text uses (``media/name``, relative to
    the profile folder); `created` lists the files this copy wrote (not those it reused).
    """

    links: dict[str, str]
    created: list[Path] = field(default_factory=list)


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
    staging = Staging(media_dir)
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


class Staging:
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
        with open_zip(path) as zf:
            version = package_version(zf, name)
            entries = media_entries(zf, name)
            members = set(zf.namelist())
            for member, filename in entries:
                if member not in members:
                    continue  # Anki skips media its map names but the zip lacks
                stored = self._store(zf, member, name, filename, zstd=version == LATEST)
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
                    for chunk in chunks(
                        zf,
                        member,
                        name,
                        package.MAX_MEDIA_FILE_BYTES,
                        zstd=zstd,
                        what=what,
                        label=True,
                    ):
                        size += len(chunk)
                        self.total += len(chunk)
                        if self.total > package.MAX_MEDIA_TOTAL_BYTES:
                            raise DeckFormatError(
                                name,
                                None,
                                f"media files decompress beyond "
                                f"{size_text(package.MAX_MEDIA_TOTAL_BYTES)} in total; "
                                "not imported",
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
        """Release the staging lock (the next import may stage, or recover what is left)."""
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
    committed = set(pending(db.conn))
    for entry in list(os.scandir(root)):
        if entry.name == _LOCK_NAME or entry.name.startswith(f"{_LOCK_NAME}."):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if entry.name in committed:
                _publish(path, media_dir)
            else:
                shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if committed:
        with db.transaction() as conn:
            set_pending(conn, [t for t in pending(conn) if t not in committed])


def pending(conn: sqlite3.Connection) -> list[str]:
    """Staged folders whose import committed but whose files may not be in place yet."""
    try:
        value = read_meta(conn, _PENDING)
    except (TypeError, ValueError):
        return []
    return [str(t) for t in value] if isinstance(value, list) else []


def set_pending(conn: sqlite3.Connection, tokens: Sequence[str]) -> None:
    """Record (in the caller's transaction) which staged folders belong in the media folder."""
    write_meta(conn, _PENDING, list(tokens) or None)


def _same_content(target: Path, digest: str, size: int) -> bool:
    """Whether `target` holds exactly the bytes hashed as `digest` (read in chunks)."""
    if target.stat().st_size != size:
        return False
    h = hashlib.sha256()
    with open(target, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest() == digest
