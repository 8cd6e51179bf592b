"""Writing files other people (or other processes) read: bundles, feedback, exports, decks.

One way for the whole app: write beside the target under a lock, fsync, then rename, so a
reader sees the old file or the whole new one, never a part, and a full disk leaves the old
file intact.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from mastery.errors import DiskFullError, MasteryError


def write_atomic(path: str | Path, text: str | bytes) -> Path:
    """Replace `path` with `text` (UTF-8, `\\n` line ends; bytes as they are, e.g. a sealed
    file) atomically; a missing folder is made.

    Errors (no space, no permission) become one-line `MasteryError`s naming the file.
    """
    return _replace(Path(path), lambda: text)


def rewrite(path: str | Path, change: Callable[[str], str]) -> Path:
    """Replace a UTF-8 text file with `change(its text)`, reading and writing under the lock
    `write_atomic` takes, so two windows changing one deck file cannot lose either change.

    A symlink is followed: the file it names is the one changed (a deck kept in a git
    repository and linked from elsewhere), where renaming over the link would turn it into a
    copy the repository never sees. The file keeps its permissions (a private deck stays
    private, a group-writable one in a shared checkout stays so).

    Errors become one-line `MasteryError`s naming the file; `change` may raise its own."""
    path = Path(path).resolve()

    def changed() -> str:
        try:  # line ends as they are (newline=""), so a CRLF file stays one
            with open(path, encoding="utf-8", newline="") as fh:
                text = fh.read()
        except UnicodeDecodeError as exc:
            raise MasteryError(f"{path}: cannot read it (not UTF-8 text)") from exc
        return change(text)

    return _replace(path, changed, keep_mode=True)


def _replace(path: Path, content: Callable[[], str | bytes], *, keep_mode: bool = False) -> Path:
    """`content()` into `path` under its lock: temp file beside it, fsync, rename; with
    `keep_mode`, the new file gets the permissions the old one had."""
    from filelock import FileLock

    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock_path = folder / f".{path.name}.lock"
        with _removed(lock_path), FileLock(str(lock_path), timeout=10):
            _refuse_special(path)
            text = content()
            tmp = folder / f".{path.name}.{os.urandom(4).hex()}.tmp"
            # os.open rather than mkstemp: the new file gets the usual mode (umask), not 0600.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                if keep_mode and path.is_file():
                    os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
                if isinstance(text, bytes):
                    with os.fdopen(fd, "wb") as raw:
                        raw.write(text)
                        raw.flush()
                        os.fsync(raw.fileno())
                else:
                    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                        fh.write(text)
                        fh.flush()
                        os.fsync(fh.fileno())
                os.replace(tmp, path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFullError(path) from exc
        raise MasteryError(f"{path}: cannot write it ({exc.strerror or exc})") from exc
    return path


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path` for a writer that wants a file name (a zip, an SQLite
    database); once the block ends without an error, the file is fsynced and renamed over
    `path` under the same lock as `write_atomic`, otherwise removed.

    Errors become one-line `MasteryError`s naming `path` (`DiskFullError` for a full disk).
    """
    from filelock import FileLock

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    tmp = folder / f".{path.name}.{os.urandom(4).hex()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock_path = folder / f".{path.name}.lock"
        with _removed(lock_path), FileLock(str(lock_path), timeout=10):
            _refuse_special(path)
            try:
                yield tmp
                fd = os.open(tmp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFullError(path) from exc
        raise MasteryError(f"{path}: cannot write it ({exc.strerror or exc})") from exc


def _refuse_special(path: Path) -> None:
    """A FIFO, socket or device at `path` is refused: renaming over it would silently replace
    it with a regular file (as root even /dev/full), where the person meant to write into it
    or named it by mistake. A missing file, a regular one or a directory (which `os.replace`
    refuses with its own error) go on."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise MasteryError(f"{path}: cannot write it (not a regular file)")


@contextmanager
def _removed(lock_path: Path) -> Iterator[None]:
    """Remove the lock file once released, also when the write failed (a full disk)."""
    try:
        yield
    finally:
        lock_path.unlink(missing_ok=True)


READ_CHUNK = 1024 * 1024


def read_at_most(handle: BinaryIO, limit: int) -> bytes:
    """Up to `limit` + 1 bytes of an open file, read a megabyte at a time.

    `handle.read(limit + 1)` allocates the whole `limit` at once, whatever the file's size:
    loading a 2 KB deck with a 256 MB limit took 256 MB of memory for a moment, and a steward
    reading many small files did so for each. Reading in chunks holds what the file has."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = handle.read(min(READ_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_fd_at_most(fd: int, limit: int, size: int) -> bytes:
    """Up to `limit` + 1 bytes of a regular file open at `fd`, whose `fstat` size is `size`.

    `read_at_most` asks for a megabyte per read whatever the file holds, and Python allocates
    what is asked: a steward reading 10,000 contributions of 7 KB spent most of its reading
    time allocating and freeing those megabytes. The first read here asks for the file's size
    and one byte more; a regular file that gives less than asked is at its end. A file that
    grew since `fstat` is read on, a megabyte at a time, still never past `limit` + 1."""
    chunks: list[bytes] = []
    total = 0
    ask = min(size, limit) + 1
    while total <= limit:
        chunk = os.read(fd, ask)
        chunks.append(chunk)
        total += len(chunk)
        if len(chunk) < ask:
            break
        ask = min(READ_CHUNK, limit + 1 - total)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
