"""The files of a sync target: the public header and each device's numbered chunks.

The layout (docs/sync.md): `mastery-sync.json` at the top, one folder per device named by its
random id, chunks `00000001.chunk` upward. Anything else in the target (a README, `.DS_Store`,
a temp file left by a killed sync, git's own folder) is not ours and is passed over.

The target is the host's to write (over git it can commit symbolic links, which no synced
folder carries): a file of ours is read only when it is a plain file, never through a link
(to /dev/zero, a FIFO, a file outside the target), and this device writes and clears only a
plain folder of its own (`check_own`).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from mastery.errors import SyncError
from mastery.files import write_atomic
from mastery.sync.crypto import Header

HEADER_NAME = "mastery-sync.json"
DEVICE = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = re.compile(r"^([0-9]{8})\.chunk$")
# A chunk bigger than this is not one of ours (a new device's first chunk of 1M answers is
# well under it).
MAX_CHUNK = 512 * 1024 * 1024
MAX_HEADER = 64 * 1024  # a header is a few hundred bytes


def _read_plain(path: Path, limit: int, what: str) -> bytes:
    """The bytes of a plain file, at most `limit`, the file opened without following a link
    and without waiting on a FIFO; anything else is one `SyncError` naming it. (`stat`
    first would not do: /dev/zero says it is empty, then never ends.)"""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise  # the caller's to tell: no header yet, or a chunk gone
    except OSError as exc:
        if path.is_symlink():
            raise SyncError(
                f"{path}: a link, not {what} (the target's host can put one there); "
                "nothing was applied; remove it from the target"
            ) from exc
        raise SyncError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SyncError(
                f"{path}: not a plain file, so not {what}; nothing was applied; remove it "
                "from the target"
            )
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise SyncError(f"{path}: too large to be {what}; nothing was applied")
    return data


def chunk_name(seq: int) -> str:
    return f"{seq:08d}.chunk"


def read_header(folder: Path) -> Header | None:
    """The target's header, or None for a target not set up yet."""
    path = folder / HEADER_NAME
    try:
        data = _read_plain(path, MAX_HEADER, "a sync header")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SyncError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    return Header.from_bytes(data, str(path))


def write_header(folder: Path, header: Header) -> Path:
    return write_atomic(folder / HEADER_NAME, header.to_bytes())


def create_header(folder: Path, header: Header) -> Path | None:
    """Write a new target's header unless one is there already (None then): two devices
    setting up one folder at once must end with one header, not the last writer's. The
    whole file is written aside and hard-linked into place, which fails when the name is
    taken; a filesystem without hard links (FAT on a USB stick) gets a plain atomic write."""
    import os
    import tempfile

    path = folder / HEADER_NAME
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{HEADER_NAME}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(header.to_bytes())
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                return None
            except OSError:
                if path.exists():
                    return None
                return write_header(folder, header)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        raise SyncError(f"{path}: cannot write it ({exc.strerror or exc})") from exc
    return path


def devices(folder: Path) -> list[str]:
    """The device ids that have a folder in the target, sorted (a link is no device's
    folder: none of ours makes one)."""
    try:
        return sorted(
            p.name
            for p in folder.iterdir()
            if DEVICE.match(p.name) and p.is_dir() and not p.is_symlink()
        )
    except OSError as exc:
        raise SyncError(f"{folder}: cannot list it ({exc.strerror or exc})") from exc


def sequences(folder: Path, device: str) -> list[int]:
    """The chunk numbers a device has written, sorted."""
    try:
        names = [p.name for p in (folder / device).iterdir()]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise SyncError(f"{folder / device}: cannot list it ({exc.strerror or exc})") from exc
    return sorted(int(m.group(1)) for n in names if (m := _CHUNK.match(n)))


def following(folder: Path, device: str, after: int) -> list[int]:
    """The chunk numbers after `after`, up to the first gap (a synced folder may deliver
    chunk 3 before chunk 2: 3 waits for the next sync)."""
    out: list[int] = []
    for seq in sequences(folder, device):
        if seq <= after:
            continue
        if seq != after + len(out) + 1:
            break
        out.append(seq)
    return out


def read_chunk(folder: Path, device: str, seq: int) -> bytes:
    path = folder / device / chunk_name(seq)
    try:
        return _read_plain(path, MAX_CHUNK, "a sync chunk")
    except OSError as exc:
        raise SyncError(f"{path}: cannot read it ({exc.strerror or exc})") from exc


def write_chunk(folder: Path, device: str, seq: int, data: bytes) -> Path:
    """Write a chunk atomically (temp file, fsync, rename, under a lock)."""
    return write_atomic(folder / device / chunk_name(seq), data)


def check_own(folder: Path, device: str) -> None:
    """This device's folder in the target must be a plain folder (or not there yet): the
    host could make it a link to a folder elsewhere, where the sync would then write its
    chunks and clear what it takes for its temp files."""
    own = folder / device
    if own.is_symlink() or (own.exists() and not own.is_dir()):
        raise SyncError(
            f"{own}: this device's folder in the target is not a plain folder (a link or a "
            "file: the target's host can put one there); nothing was applied or sent; remove "
            "it and sync again (this device then writes its chunks there again)"
        )


def remove_leftovers(folder: Path, device: str) -> None:
    """Temp files a killed sync left in this device's own folder (never another's)."""
    own = folder / device
    if own.is_dir():
        for path in own.glob(".*.tmp"):
            path.unlink(missing_ok=True)
