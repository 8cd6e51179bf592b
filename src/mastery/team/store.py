"""Where a team's roster and rounds live: a folder (a git repository, a shared drive) or a
PostgreSQL database. Both hold the same opaque files; the protocol never trusts the store.

The store is only a place to put bytes: it may be read by anyone on the team and by its host,
and written by any member, so nothing in it is believed until a signature or a seal says so
(`roster.py`, `steward.py`). A store reports files it cannot read as problems, one line each,
and goes on with the rest.

Folder layout::

    members/<name>.json                    the roster: one signed entry per member
    rounds/<round>/contributions/<name>.json   sealed shares, file names random per write
    rounds/<round>/partials/<name>.json    each steward's signed partial sum
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from mastery.files import write_atomic
from mastery.team.config import TeamConfig, TeamError, _read_bounded, _Refused
from mastery.team.wire import WireProblem, round_days

__all__ = ["Entry", "FolderStore", "TeamStore", "store_for"]

MEMBERS_DIR = "members"
ROUNDS_DIR = "rounds"
CONTRIBUTIONS = "contributions"
PARTIALS = "partials"
NAME = re.compile(r"^[0-9a-z][0-9a-z-]{0,79}$")
ROUND_NAME = re.compile(r"^\d{4}-W\d{2}$")
MAX_MEMBER_BYTES = 16 * 1024
MAX_CONTRIBUTION_BYTES = 16 * 1024 * 1024
MAX_PARTIAL_BYTES = 64 * 1024 * 1024
IGNORED = "*.lock\n.*.tmp\n"


@dataclass(frozen=True, slots=True)
class Entry:
    """One file of the store: its name (without extension) and bytes."""

    name: str
    data: bytes


class TeamStore(Protocol):
    """What the round protocol needs from wherever a team lives."""

    @property
    def where(self) -> str:
        """For messages: the folder, or the database without its password."""
        ...

    def roster(self) -> tuple[list[Entry], list[str]]: ...

    def each_member(self) -> Iterator[Entry | str]:
        """The roster's entries one at a time (a problem line for each that cannot be read):
        10,000 of them are 9 MB read at once."""
        ...

    def put_member(self, name: str, data: bytes) -> None: ...

    def remove_member(self, name: str) -> bool: ...

    def rounds(self) -> list[str]: ...

    def contributions(self, round_id: str) -> tuple[list[Entry], list[str]]: ...

    def each_contribution(self, round_id: str) -> Iterator[Entry | str]:
        """The round's contribution files one at a time (a problem line for each that cannot
        be read): a steward never holds more than a few of them, however many there are."""
        ...

    def put_contribution(self, round_id: str, name: str, data: bytes) -> None: ...

    def remove_contribution(self, round_id: str, name: str) -> bool: ...

    def partials(
        self, round_id: str, names: Collection[str] | None = None
    ) -> tuple[list[Entry], list[str]]:
        """A round's partial sums; given `names` (the stewards' own), any other file is a
        problem line and is never read (someone could fill the folder with large ones)."""
        ...

    def put_partial(self, round_id: str, name: str, data: bytes, *, replace: bool = False) -> None:
        """Refuses (`TeamError`) when that steward already published for the round: a
        second, freshly noised sum of the same members would let anyone average the noise
        away. `replace` is for the steward putting its one partial sum (kept in its profile)
        where something else lies, which cannot be its own (that would have verified)."""
        ...


def _is_week(name: str) -> bool:
    """`2026-W99` matches the pattern but is no week: `round_days` would raise (a ValueError,
    a traceback) in every command that meets a round directory someone named so."""
    try:
        round_days(name)
    except WireProblem:
        return False
    return True


class FolderStore:
    """A team folder. Files are written atomically; reading never follows a link out of the
    folder, never opens a FIFO or a device, and stops at a size limit."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def where(self) -> str:
        return str(self.folder)

    def _inside(self, folder: Path) -> bool:
        """Whether `folder` really lies in the team folder: a member can commit
        `rounds/<week>/partials` as a link to any folder of the reader's, and Mastery must
        neither read files there nor write (or delete) any."""
        try:
            return folder.resolve().is_relative_to(self.folder.resolve())
        except (OSError, RuntimeError):
            return False

    # -------------------------------------------------------------- reading
    def _read_dir(
        self, folder: Path, limit: int, only: Collection[str] | None = None
    ) -> tuple[list[Entry], list[str]]:
        entries: list[Entry] = []
        problems: list[str] = []
        for item in self._each(folder, limit, only):
            if isinstance(item, str):
                problems.append(item)
            else:
                entries.append(item)
        return entries, problems

    def _each(
        self,
        folder: Path,
        limit: int,
        only: Collection[str] | None = None,
        part: tuple[int, int] = (0, 1),
        listed: list[tuple[str, bool]] | None = None,
    ) -> Iterator[Entry | str]:
        """The files of a folder one at a time, each checked before it is opened; `part`
        (k, n) keeps every n-th file from the k-th, in name order (one process's share) of
        `listed` (`_listing`), or of the folder as listed now."""
        if not self._inside(folder):
            yield f"{folder}: a symbolic link out of the team folder"
            return
        try:
            found = (self._listing(folder) if listed is None else listed)[part[0] :: part[1]]
            inside = self.folder.resolve()
        except (FileNotFoundError, NotADirectoryError):
            return  # no such folder yet (a round without partial sums): nothing in it
        except OSError as exc:
            yield f"{folder}: cannot list it ({exc.strerror or exc})"
            return
        where = str(folder)
        for file_name, is_link in found:
            name = file_name[: -len(".json")]
            if not NAME.match(name):
                yield f"{folder / file_name}: not a name Mastery writes"
                continue
            if only is not None and name not in only:
                yield f"{folder / file_name}: not a steward's partial sum (left unread)"
                continue
            path = os.path.join(where, file_name)
            try:
                if is_link and not Path(path).resolve().is_relative_to(inside):
                    yield f"{path}: a symbolic link out of the team folder"
                    continue
                # A file that was not a link when listed is opened without following one, so
                # swapping in a link afterwards cannot lead the read out of the folder.
                yield Entry(name, _read_bounded(path, limit, follow=is_link))
            except _Refused as exc:
                yield f"{path}: {exc}"
            except (OSError, RuntimeError) as exc:
                yield f"{path}: cannot read it ({exc})"

    @staticmethod
    def _listing(folder: Path) -> list[tuple[str, bool]]:
        """A folder's `.json` names, sorted, and whether each is a link: one directory scan
        (`glob` and `Path` sorting cost a steward of 10,000 members more than reading the
        files did)."""
        with os.scandir(folder) as scan:
            return sorted((e.name, e.is_symlink()) for e in scan if e.name.endswith(".json"))

    def roster(self) -> tuple[list[Entry], list[str]]:
        return self._read_dir(self.folder / MEMBERS_DIR, MAX_MEMBER_BYTES)

    def each_member(self) -> Iterator[Entry | str]:
        return self._each(self.folder / MEMBERS_DIR, MAX_MEMBER_BYTES)

    def rounds(self) -> list[str]:
        try:
            return sorted(
                p.name
                for p in (self.folder / ROUNDS_DIR).iterdir()
                if ROUND_NAME.match(p.name)
                and _is_week(p.name)
                and p.is_dir()
                and not p.is_symlink()
            )
        except OSError:
            return []

    def _round_dir(self, round_id: str, kind: str) -> Path:
        if not ROUND_NAME.match(round_id) or not _is_week(round_id):
            raise TeamError(self.folder, f"{round_id!r} is not a round")
        return self.folder / ROUNDS_DIR / round_id / kind

    def contributions(self, round_id: str) -> tuple[list[Entry], list[str]]:
        return self._read_dir(self._round_dir(round_id, CONTRIBUTIONS), MAX_CONTRIBUTION_BYTES)

    def contribution_files(self, round_id: str) -> list[tuple[str, bool]]:
        """A round's contribution files as listed once, none read (`each_contribution`'s
        `listed`): empty when the folder cannot be listed or links out of the team folder.
        A steward's processes each read their part of this one listing: listing the folder
        each, a file arriving between their scans would shift one's part against the
        other's, and the files both skip would be summed by neither."""
        folder = self._round_dir(round_id, CONTRIBUTIONS)
        if not self._inside(folder):
            return []
        try:
            return self._listing(folder)
        except OSError:
            return []

    def each_contribution(
        self,
        round_id: str,
        part: tuple[int, int] = (0, 1),
        listed: list[tuple[str, bool]] | None = None,
    ) -> Iterator[Entry | str]:
        """`part` (k, n): only every n-th file from the k-th, for a steward's n processes, of
        the files `listed` (`contribution_files`) or, without it, of the folder now."""
        folder = self._round_dir(round_id, CONTRIBUTIONS)
        return self._each(folder, MAX_CONTRIBUTION_BYTES, part=part, listed=listed)

    def partials(
        self, round_id: str, names: Collection[str] | None = None
    ) -> tuple[list[Entry], list[str]]:
        return self._read_dir(self._round_dir(round_id, PARTIALS), MAX_PARTIAL_BYTES, names)

    # -------------------------------------------------------------- writing
    def _write(self, folder: Path, name: str, data: bytes) -> None:
        if not NAME.match(name):
            raise TeamError(folder, f"{name!r} is not a file name Mastery writes")
        if not self._inside(folder):
            raise TeamError(folder, "a symbolic link out of the team folder: not written")
        ignore = (self.folder / ROUNDS_DIR if ROUNDS_DIR in folder.parts else folder) / ".gitignore"
        if not ignore.exists():
            write_atomic(ignore, IGNORED)
        write_atomic(folder / f"{name}.json", data.decode("utf-8"))

    def _remove(self, folder: Path, name: str) -> bool:
        if not NAME.match(name) or not self._inside(folder):
            return False
        path = folder / f"{name}.json"
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise TeamError(path, f"cannot remove it ({exc.strerror or exc})") from None
        return True

    def put_member(self, name: str, data: bytes) -> None:
        self._write(self.folder / MEMBERS_DIR, name, data)

    def remove_member(self, name: str) -> bool:
        return self._remove(self.folder / MEMBERS_DIR, name)

    def put_contribution(self, round_id: str, name: str, data: bytes) -> None:
        self._write(self._round_dir(round_id, CONTRIBUTIONS), name, data)

    def remove_contribution(self, round_id: str, name: str) -> bool:
        return self._remove(self._round_dir(round_id, CONTRIBUTIONS), name)

    def put_partial(self, round_id: str, name: str, data: bytes, *, replace: bool = False) -> None:
        folder = self._round_dir(round_id, PARTIALS)
        path = folder / f"{name}.json"
        if not replace and (path.exists() or path.is_symlink()):
            raise TeamError(path, "this steward already published a partial sum for the round")
        if path.is_symlink() or path.is_dir():
            raise TeamError(path, "something that is not a file lies where the sum goes")
        self._write(folder, name, data)


def store_for(where: TeamConfig | str | Path) -> TeamStore:
    """The store of a team: its database when it lives in PostgreSQL (`TeamConfig.store_url`,
    or a `postgresql://` / `postgres://` URL), else its folder."""
    if isinstance(where, TeamConfig):
        if where.store_url:
            from mastery.team.pg_store import PostgresStore

            return PostgresStore(where.store_url, team=where.id)
        return FolderStore(where.folder)
    if isinstance(where, str) and where.startswith(("postgresql://", "postgres://")):
        from mastery.team.pg_store import PostgresStore

        return PostgresStore(where)
    return FolderStore(Path(where).expanduser().resolve())
