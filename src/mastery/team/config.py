"""A team's own files: `team.toml` (id, name, vision, goals, k, stewards) and `decks/`.

Read with `load_team` into a `TeamConfig`; every field is checked by `team_formats` first,
and a refusal is one `TeamError` line naming the file and the field.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery import paths
from mastery.errors import InputError, MasteryError
from mastery.files import read_fd_at_most, write_atomic
from mastery.identity import PublicIdentity
from mastery.limits import loads_toml
from mastery.team_formats import (
    DEFAULT_K,
    DEFAULT_RHO,
    FormatProblem,
    parse_team_file,
)

if TYPE_CHECKING:
    pass

TEAM_FILE = "team.toml"
DECKS_DIR = "decks"
SUMMARY_DIR = "summary"
MAX_TEAM_FILE_BYTES = 1024 * 1024
MAX_RECORD_BYTES = 32 * 1024 * 1024  # ~100,000 card stats; a crafted file stops here
DAILY_DAYS = 365
HEATMAP_WEEKS = 26
ACTIVE_DAYS = 30
TEAM_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
STREAK_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1-6", 1, 6),
    ("7-29", 7, 29),
    ("30-99", 30, 99),
    ("100+", 100, None),
)
SUPPRESSED = "suppressed"
_GOAL_CATEGORIES = (
    "personal-mastery",
    "mental-models",
    "shared-vision",
    "team-learning",
    "systems-thinking",
)
_STATUSES = ("active", "achieved", "dropped")


class TeamError(MasteryError):
    """A team folder or summary file is refused: names the file and what is wrong with it."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class _Refused(Exception):
    """A file that is not read at all: not a regular file, or too large."""


def _read_bounded(path: Path | str, limit: int, *, follow: bool = True) -> bytes:
    """The bytes of a regular file, at most `limit` of them.

    Opened without blocking (a FIFO named x.json must not hang the report) and checked to be a
    regular file before reading; with `follow=False` a symbolic link is not opened at all.
    Local until the shared limits helper (mastery.limits) lands.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags if follow else flags | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("not a regular file")
        data = read_fd_at_most(fd, limit, info.st_size)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise _Refused(f"larger than {limit // 1024} KB")
    return data


# ----------------------------------------------------------------------------- the folder
@dataclass(frozen=True, slots=True)
class TeamGoal:
    """A goal the whole team shares, measured by the maturity of its decks' cards."""

    id: str
    title: str
    decks: tuple[str, ...]
    target: date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "decks": list(self.decks),
            "target": self.target.isoformat() if self.target else None,
        }


@dataclass(frozen=True, slots=True)
class Steward:
    """A member named in team.toml who sums the shares sealed to them and adds noise."""

    name: str
    identity: PublicIdentity

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "identity": self.identity.to_text(),
            "fingerprint": self.identity.fingerprint,
        }


@dataclass(frozen=True, slots=True)
class TeamConfig:
    """A team folder as read from its ``team.toml`` and ``decks/``."""

    id: str
    name: str
    vision: str
    k: int
    goals: tuple[TeamGoal, ...]
    decks: tuple[str, ...]  # deck ids found in decks/*.toml
    folder: Path
    stewards: tuple[Steward, ...] = ()
    rho: float = DEFAULT_RHO  # privacy-loss budget per round (zero-concentrated DP)
    # A team living in PostgreSQL: its URL (`folder` is then the profile's cache of its
    # team.toml and decks, downloaded by `load_team`). None for a team folder.
    store_url: str | None = None

    def has_steward(self, identity: PublicIdentity) -> bool:
        """Whether `identity` is one of the stewards team.toml names (by signing key)."""
        return any(s.identity.signing_key == identity.signing_key for s in self.stewards)

    @property
    def deck_files(self) -> list[Path]:
        return sorted((self.folder / DECKS_DIR).glob("*.toml"))

    @property
    def summary_dir(self) -> Path:
        return self.folder / SUMMARY_DIR

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "vision": self.vision,
            "k": self.k,
            "goals": [g.to_dict() for g in self.goals],
            "decks": list(self.decks),
            "folder": str(self.folder),
            "stewards": [s.to_dict() for s in self.stewards],
            "privacy": {"rho": self.rho},
            "store": redacted_url(self.store_url) if self.store_url else None,
        }


def redacted_url(url: str, drop: tuple[str, ...] = ()) -> str:
    """A database URL fit for messages and JSON: no password (in the user part or as a
    `password=` parameter), nor the parameters named in `drop`, and nothing at all when it
    cannot be parsed."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")
        user = netloc[0].split(":", 1)[0]
        host = netloc[2]
        query = [
            (k, v)
            for k, v in parse_qsl(parts.query)
            if "password" not in k.lower() and k not in drop
        ]
        return urlunsplit(
            (
                parts.scheme,
                f"{user}@{host}" if user else host,
                parts.path,
                urlencode(query, safe="/"),
                "",
            )
        )
    except ValueError:
        return f"{url.split(':', 1)[0]}://(a URL that cannot be parsed)"


def same_store(first: str | None, second: str | None) -> bool:
    """Whether two team locations' database URLs (None: a team folder) name one database.
    A steward keeps its partial sums under its membership of a store and forgets them when
    the team moves to another: a password changed or left to ~/.pgpass, `postgres://` for
    `postgresql://`, or parameters in another order must not count as a move, or a partial
    sum deleted from the store would be summed again with fresh noise (averaging it away)."""
    if first is None or second is None:
        return first == second
    return _store_identity(first) == _store_identity(second)


def _store_identity(url: str) -> tuple[object, ...]:
    """A database URL without what does not choose the database: the password, the spelling
    of the scheme and of the host, the order of the parameters."""
    from urllib.parse import parse_qsl, urlsplit

    try:
        parts = urlsplit(url)
        user, _, host = parts.netloc.rpartition("@")
        query = sorted((k, v) for k, v in parse_qsl(parts.query) if "password" not in k.lower())
    except ValueError:  # not a URL: only the very same text is the same store
        return (url,)
    scheme = "postgresql" if parts.scheme == "postgres" else parts.scheme
    return (scheme, user.split(":", 1)[0], host.lower(), parts.path, tuple(query))


def load_team(folder: str | Path, *, cache: str | Path | None = None) -> TeamConfig:
    """Read and validate a team folder; `TeamError` (one line) for the first problem.

    A `postgresql://` URL is a team in a database: its team.toml and decks are downloaded
    into `cache/<team id>/` (by default the default profile's `teams/`; `Team` passes its
    own profile's), read from there, and the config remembers the URL (`store_url`)."""
    if isinstance(folder, str) and folder.startswith(("postgresql://", "postgres://")):
        from mastery.team.pg_store import download_team

        where = Path(cache) if cache is not None else paths.profile_dir() / "teams"
        local = load_team(download_team(folder, where))
        if local.folder.name != local.id:
            raise TeamError(
                redacted_url(folder),
                f"published as team {local.folder.name!r} but its team.toml says id = {local.id!r}",
            )
        return dataclasses.replace(local, store_url=folder)
    folder = Path(folder).expanduser().resolve()
    path = folder / TEAM_FILE
    if not path.is_file():
        raise TeamError(path, "no team.toml here: create one with `mastery team init DIR`")
    try:
        raw = _read_bounded(path, MAX_TEAM_FILE_BYTES)
        data = loads_toml(raw.decode("utf-8"), source=path)
    except UnicodeDecodeError as exc:
        raise TeamError(path, f"not valid TOML: {exc}") from None
    except InputError as exc:
        raise TeamError(path, exc.reason) from None
    except OSError as exc:
        raise TeamError(path, f"cannot read it ({exc.strerror or exc})") from None
    except _Refused as exc:
        raise TeamError(path, str(exc)) from None
    if isinstance(data, dict):
        missing = [k for k in ("id", "name") if k not in data]
        if missing:
            raise TeamError(path, f"missing key(s): {', '.join(missing)}")
    try:
        team = parse_team_file(data)
    except FormatProblem as exc:
        raise TeamError(path, str(exc)) from None
    from mastery.decks import load_deck

    deck_ids = []
    for file in sorted((folder / DECKS_DIR).glob("*.toml")):
        deck_ids.append(load_deck(file).key)
    goals = []
    for n, g in enumerate(team.goals, 1):
        unknown = [d for d in g.decks if d not in deck_ids]
        if unknown:
            raise TeamError(
                path, f"goal {n}: unknown deck id(s) {', '.join(unknown)} (not in {DECKS_DIR}/)"
            )
        goals.append(TeamGoal(g.id or f"goal-{n}", g.title, tuple(g.decks), g.target))
    stewards = tuple(Steward(s.name, PublicIdentity.parse(s.identity)) for s in team.stewards)
    return TeamConfig(
        team.id,
        team.name,
        team.vision,
        team.k,
        tuple(goals),
        tuple(deck_ids),
        folder,
        stewards,
        team.privacy.rho,
    )


def init_team(
    folder: str | Path,
    *,
    name: str | None = None,
    team_id: str | None = None,
    today: date,
    steward: PublicIdentity | None = None,
) -> TeamConfig:
    """Create a team folder with the bundled decks as the example; refuses an existing team.

    The example goal's target is next June after `today` (the profile's day: `Team.init`)."""
    folder = Path(folder).expanduser().resolve()
    if (folder / TEAM_FILE).exists():
        raise TeamError(folder / TEAM_FILE, "a team already lives here")
    name = name or folder.name
    team_id = team_id or (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "team")
    if not TEAM_ID.fullmatch(team_id):
        raise TeamError(folder, f"team id {team_id!r} must be lowercase letters, digits, dashes")
    from mastery.decks import load_deck

    (folder / DECKS_DIR).mkdir(parents=True, exist_ok=True)
    deck_ids = []
    for file in sorted(paths.bundled_decks_dir().glob("*.toml")):
        shutil.copyfile(file, folder / DECKS_DIR / file.name)
        deck_ids.append(load_deck(file).key)
    goal = ""
    if deck_ids:
        goal = (
            '\n[[goals]]\nid = "foundations"\ntitle = "Everyone knows the foundations"\n'
            f"decks = {json.dumps(deck_ids)}\ntarget = {today.year + 1}-06-30\n"
        )
    text = (
        f"# The team's shared vision and goals. Decks live in {DECKS_DIR}/,\n"
        "# the roster in members/, the sealed contributions and the stewards' sums in rounds/.\n"
        f"id = {json.dumps(team_id)}\nname = {json.dumps(name)}\n"
        'vision = "What we want to create together, in a sentence or two."\n'
        f"k = {DEFAULT_K}  # figures from fewer members than this are suppressed in reports\n"
        + goal
        + (
            "\n# Stewards add up the members' sealed contributions; name two or more, so that\n"
            "# none of them sees a contribution (docs/teams.md). Add one with its `mastery id`.\n"
            f'[[stewards]]\nname = "Lead"\nidentity = "{steward.to_text()}"\n'
            if steward is not None
            else ""
        )
    )
    write_atomic(folder / TEAM_FILE, text)
    return load_team(folder)


# ----------------------------------------------------------------------------- stewards
def change_stewards(
    folder: str | Path, *, add: tuple[str, PublicIdentity] | None = None, remove: str | None = None
) -> TeamConfig:
    """Add a steward (name, public identity) to team.toml, or remove one by name or
    fingerprint, keeping the file's comments and layout (tomlkit); the result is checked like
    any team.toml before it replaces the old one."""
    import tomlkit

    config = load_team(folder)
    path = config.folder / TEAM_FILE
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    stewards = doc.get("stewards")
    if stewards is None:
        stewards = tomlkit.aot()
        doc.append("stewards", stewards)
    if add is not None:
        name, identity = add
        if any(s.identity.signing_key == identity.signing_key for s in config.stewards):
            raise TeamError(path, f"{identity.fingerprint} is already a steward")
        table = tomlkit.table()
        table.add("name", name)
        table.add("identity", identity.to_text())
        stewards.append(table)
    if remove is not None:
        wanted = remove.replace(" ", "")
        keep = [
            s
            for s in config.stewards
            if s.name != remove and s.identity.fingerprint.replace(" ", "") != wanted
        ]
        if len(keep) == len(config.stewards):
            raise TeamError(path, f"no steward named {remove!r} (nor with that fingerprint)")
        texts = {s.identity.to_text() for s in keep}
        for n in reversed(range(len(stewards))):
            if stewards[n].get("identity") not in texts:
                del stewards[n]
    text = tomlkit.dumps(doc)
    try:
        parse_team_file(loads_toml(text, source=path))
    except (FormatProblem, InputError) as exc:
        raise TeamError(path, str(exc)) from None
    write_atomic(path, text)
    return load_team(folder)
