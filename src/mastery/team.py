"""Teams: a shared folder of decks and goals, and an anonymized summary of how members learn.

A team folder (usually a git repository) holds:

- ``team.toml``: the team's id, name, vision statement, team goals (each linked to deck ids and
  a target date) and `k`, the minimum group size a reported figure must be built from;
- ``decks/*.toml``: the team's decks, in the deck format;
- ``summary/<pseudonym>.json``: one record per member who opted in to sync.

Each member's record is keyed by a pseudonym, HMAC-SHA256(secret, team id), where the secret is
32 random bytes kept in the profile: stable for the member, unlinkable across teams, and not
derivable from a name, user or host. A record holds counts and rates only (see `member_record`).

Per-profile team state (joined folders, sync opt-in, the secret) lives in the profile's
internal values (`Collection._meta`), so the database schema is unchanged.
"""

from __future__ import annotations

import builtins
import gc
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import stat
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery import paths
from mastery.days import from_ms, to_ms
from mastery.errors import InputError, MasteryError, NotFoundError, StoredValueError
from mastery.files import write_atomic
from mastery.limits import loads_json, loads_toml
from mastery.states import MATURE_DAYS, CardState, Rating, scheduled
from mastery.team_formats import (
    DEFAULT_K,
    SUMMARY_FORMAT,
    SUMMARY_VERSION,
    FormatProblem,
    SummaryRecord,
    fast_record,
    parse_record,
    parse_team_file,
)

if TYPE_CHECKING:
    from mastery.collection import Collection
    from mastery.model import ImportReport

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
class TeamConfig:
    """A team folder as read from its ``team.toml`` and ``decks/``."""

    id: str
    name: str
    vision: str
    k: int
    goals: tuple[TeamGoal, ...]
    decks: tuple[str, ...]  # deck ids found in decks/*.toml
    folder: Path

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
        }


def load_team(folder: str | Path) -> TeamConfig:
    """Read and validate a team folder; `TeamError` (one line) for the first problem."""
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
    return TeamConfig(
        team.id, team.name, team.vision, team.k, tuple(goals), tuple(deck_ids), folder
    )


def init_team(
    folder: str | Path,
    *,
    name: str | None = None,
    team_id: str | None = None,
    today: date,
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
    (folder / SUMMARY_DIR).mkdir(exist_ok=True)
    (folder / SUMMARY_DIR / ".gitignore").write_text("*.lock\n.*.tmp\n", encoding="utf-8")
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
        f"# The team's shared vision and goals. Decks live in {DECKS_DIR}/, member summaries\n"
        f"# (anonymized, one file each) in {SUMMARY_DIR}/.\n"
        f"id = {json.dumps(team_id)}\nname = {json.dumps(name)}\n"
        'vision = "What we want to create together, in a sentence or two."\n'
        f"k = {DEFAULT_K}  # figures from fewer members than this are suppressed in reports\n"
        + goal
    )
    write_atomic(folder / TEAM_FILE, text)
    return load_team(folder)


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class SummaryProblem:
    """A summary file the report skipped (and sync will not overwrite)."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class _Refused(Exception):
    """A file that is not read at all: not a regular file, or too large."""


def _read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, at most `limit` of them.

    Opened without blocking (a FIFO named x.json must not hang the report) and checked to be a
    regular file before reading. Local until the shared limits helper (mastery.limits) lands.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Refused("not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise _Refused(f"larger than {limit // 1024} KB")
    return data


def read_record(path: Path, team_id: str | None = None, today: date | None = None) -> SummaryRecord:
    """A member record from its file, or `TeamError` if unreadable, corrupt, truncated, too
    new, invalid in any field, or (given `today`) dated in the future."""
    try:
        raw = _read_bounded(path, MAX_RECORD_BYTES)
    except OSError as exc:
        raise TeamError(path, f"cannot read it ({exc.strerror or exc})") from None
    except _Refused as exc:
        raise TeamError(path, str(exc)) from None
    record = fast_record(raw, today)
    if record is None:  # not a valid record: the slow path below names the first problem
        record = _checked_record(path, raw, today)
    if team_id is not None and record.team != team_id:
        raise TeamError(path, f"summary file belongs to team {record.team!r}")
    return record


def _checked_record(path: Path, raw: bytes, today: date | None) -> SummaryRecord:
    """A record decoded step by step, so that a refusal says which step failed."""
    try:
        data = loads_json(raw.decode("utf-8"), source=path)
    except UnicodeDecodeError:
        raise TeamError(path, "corrupt or truncated summary file (not valid JSON)") from None
    except InputError:  # not JSON, nested too deep, NaN, or numbers beyond 64 bits
        raise TeamError(path, "corrupt or truncated summary file (not valid JSON)") from None
    if not isinstance(data, dict) or data.get("format") != SUMMARY_FORMAT:
        raise TeamError(path, f"not a {SUMMARY_FORMAT} file")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise TeamError(path, "summary file has no version")
    if version > SUMMARY_VERSION:
        raise TeamError(
            path,
            f"summary version {version} is newer than this Mastery "
            f"({SUMMARY_VERSION}); upgrade Mastery",
        )
    try:
        return parse_record(data, today)
    except FormatProblem as exc:
        raise TeamError(path, str(exc)) from None


def dump_record(record: dict[str, Any]) -> str:
    """Deterministic JSON: sorted keys, two-space indent, a final newline."""
    return json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_record(folder: Path, record: dict[str, Any]) -> Path:
    """Write one member's record atomically under a lock of its own; never overwrite a file
    that is corrupt or from a newer version (raises `TeamError` instead)."""
    from filelock import FileLock

    summary = folder / SUMMARY_DIR
    path = summary / f"{record['pseudonym']}.json"
    try:
        parse_record(record)  # the report's own check: what we write is never skipped
    except FormatProblem as exc:
        raise TeamError(path, f"this record would be skipped by the report ({exc})") from None
    summary.mkdir(parents=True, exist_ok=True)
    with FileLock(str(summary / f".{record['pseudonym']}.lock")):
        if path.exists():
            read_record(path)  # raises on a file we must not overwrite
        write_atomic(path, dump_record(record))
    return path


def read_records(
    folder: Path, team_id: str, today: date | None = None
) -> tuple[list[SummaryRecord], list[SummaryProblem]]:
    """Every valid member record of a team folder, and the files skipped with why.

    Anyone in the team can put anything into summary/, so each file is checked before it is
    opened: a symbolic link out of the folder, a FIFO, a directory or a device is skipped, and
    so is a record filed under another member's pseudonym (it would count that member twice).
    """
    records, problems = [], []
    summary = folder / SUMMARY_DIR
    try:
        paths = sorted(summary.glob("*.json"))
        inside = summary.resolve()
    except OSError as exc:
        return [], [SummaryProblem(summary, f"cannot list it ({exc.strerror or exc})")]
    for path in paths:
        try:
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                if not path.resolve().is_relative_to(inside):
                    raise TeamError(path, "a symbolic link out of the summary folder")
                info = os.stat(path)
            if not stat.S_ISREG(info.st_mode):
                raise TeamError(path, "not a regular file")
            if info.st_size > MAX_RECORD_BYTES:
                raise TeamError(path, f"larger than {MAX_RECORD_BYTES // 1024} KB")
            record = read_record(path, team_id, today)
            if record.pseudonym != path.stem:
                raise TeamError(path, "filed under a name that is not its pseudonym")
            records.append(record)
        except TeamError as exc:
            problems.append(SummaryProblem(path, exc.reason))
        except (OSError, RuntimeError) as exc:  # vanished meanwhile, a symlink loop
            problems.append(SummaryProblem(path, f"cannot read it ({exc})"))
    return records, problems


# ----------------------------------------------------------------------------- the facade part
@dataclass(frozen=True, slots=True)
class JoinedTeam:
    """A team this profile joined: its folder and whether it syncs."""

    id: str
    name: str
    folder: Path
    sync: bool
    config: TeamConfig | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "folder": str(self.folder),
            "sync": self.sync,
            "problem": self.problem,
        }


class Team:
    """This profile's teams: join, pull decks, sync the anonymized record, report."""

    def __init__(self, col: Collection) -> None:
        self.col = col

    # ------------------------------------------------------------------ membership
    def _joined(self) -> dict[str, dict[str, Any]]:
        """The joined teams by id; a record edited outside Mastery into another shape (a
        number, a list, a team that is no object) is one line, not a TypeError later."""
        stored = self.col.meta("teams")
        if stored is None:
            return {}
        if not isinstance(stored, dict) or not all(isinstance(v, dict) for v in stored.values()):
            raise StoredValueError("joined teams record", stored)
        return dict(stored)

    @contextmanager
    def _changing(self) -> Iterator[dict[str, dict[str, Any]]]:
        """The joined teams, to change in place: read and written back in one transaction, so
        another window changing them at the same moment waits rather than being overwritten."""
        with self.col.db.transaction():
            joined = self._joined()
            yield joined
            self.col.set_meta("teams", joined)

    def _joined_entry(self, joined: dict[str, dict[str, Any]], team_id: str) -> dict[str, Any]:
        if team_id not in joined:  # left in another window since it was looked up
            raise NotFoundError(f"team {team_id} is no longer joined")
        return joined[team_id]

    def init(
        self,
        folder: str | Path,
        *,
        name: str | None = None,
        team_id: str | None = None,
        now: datetime | None = None,
    ) -> TeamConfig:
        """Create a team folder (see `init_team`), its example target read from this
        profile's today."""
        today = self.col.clock.day_of(now or self.col.now())
        return init_team(folder, name=name, team_id=team_id, today=today)

    def join(self, folder: str | Path, *, sync: bool = False) -> TeamConfig:
        """Record a team folder in this profile (validated first); `sync` opts in."""
        config = load_team(folder)
        with self._changing() as joined:
            before = joined.get(config.id, {})
            joined[config.id] = {
                "folder": str(config.folder),
                "name": config.name,
                "sync": bool(sync or before.get("sync")),
            }
        return config

    def list(self) -> list[JoinedTeam]:
        out = []
        for team_id, info in sorted(self._joined().items()):
            try:
                config: TeamConfig | None = load_team(info["folder"])
                problem = None
            except MasteryError as exc:
                config, problem = None, str(exc)
            out.append(
                JoinedTeam(
                    team_id,
                    config.name if config else info.get("name", team_id),
                    Path(info["folder"]),
                    bool(info.get("sync")),
                    config,
                    problem,
                )
            )
        return out

    def get(self, ref: str | None = None) -> TeamConfig:
        """A joined team by id or name; with no ref, the only joined team."""
        joined = self._joined()
        if not joined:
            raise NotFoundError("no team joined yet: join one with `mastery team join DIR`")
        if ref is None:
            if len(joined) > 1:
                raise MasteryError(f"several teams joined ({', '.join(sorted(joined))}): name one")
            ref = next(iter(joined))
        for team_id, info in joined.items():
            if ref in (team_id, info.get("name")):
                return load_team(info["folder"])
        raise NotFoundError(f"no joined team {ref!r} (joined: {', '.join(sorted(joined))})")

    def sync_enabled(self, team_id: str) -> bool:
        return bool(self._joined().get(team_id, {}).get("sync"))

    def set_sync(self, ref: str | None, on: bool) -> TeamConfig:
        config = self.get(ref)
        with self._changing() as joined:
            self._joined_entry(joined, config.id)["sync"] = on
        return config

    def auto_enabled(self, team_id: str) -> bool:
        info = self._joined().get(team_id, {})
        return bool(info.get("sync") and info.get("auto"))

    def set_auto(self, ref: str | None, on: bool) -> TeamConfig:
        """Sync automatically after each review session (turning it on also opts in)."""
        config = self.get(ref)
        with self._changing() as joined:
            entry = self._joined_entry(joined, config.id)
            entry["auto"] = on
            if on:
                entry["sync"] = True
        return config

    def auto_sync(self, *, now: datetime | None = None) -> builtins.list[tuple[str, str | None]]:
        """Sync every team set to sync automatically; run after a review session.

        Returns (team id, problem or None) per team: one team's unreadable folder must not
        stop the others, nor the learner's session.
        """
        results: builtins.list[tuple[str, str | None]] = []
        for team_id in sorted(t for t in self._joined() if self.auto_enabled(t)):
            try:
                self.sync(team_id, now=now)
                results.append((team_id, None))
            except MasteryError as exc:
                results.append((team_id, str(exc)))
        return results

    def pull(
        self, ref: str | None = None, *, now: datetime | None = None
    ) -> builtins.list[ImportReport]:
        """Import or update the team's decks in one transaction; review history is kept."""
        config = self.get(ref)
        return self.col.import_files(config.deck_files, now=now)

    def leave(self, ref: str, *, now: datetime | None = None) -> tuple[TeamConfig, bool]:
        """Remove this member's record from the summary and forget the folder.

        Returns the team and whether a record was removed.
        """
        config = self.get(ref)
        path = config.summary_dir / f"{self.pseudonym(config.id)}.json"
        removed = path.exists()
        if removed:
            from filelock import FileLock

            with FileLock(str(config.summary_dir / f".{path.stem}.lock")):
                path.unlink(missing_ok=True)
            (config.summary_dir / f".{path.stem}.lock").unlink(missing_ok=True)
        with self._changing() as joined:
            joined.pop(config.id, None)
        return config, removed

    # ------------------------------------------------------------------ sync
    def pseudonym(self, team_id: str) -> str:
        """HMAC-SHA256 of the team id under this profile's secret (created once)."""
        # meta_once: simultaneous first syncs still agree on one secret (one pseudonym).
        secret = self.col.meta_once("team_secret", secrets.token_hex(32))
        return hmac.new(bytes.fromhex(secret), team_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def record(self, config: TeamConfig, *, now: datetime | None = None) -> dict[str, Any]:
        """This member's anonymized record for a team: counts, rates and dates only."""
        return member_record(self.col, config, self.pseudonym(config.id), now=now or self.col.now())

    def sync(self, ref: str | None = None, *, now: datetime | None = None) -> Path:
        """Write this member's record into the team's summary (opt-in per team)."""
        config = self.get(ref)
        if not self.sync_enabled(config.id):
            raise MasteryError(
                f"sync is off for team {config.id}: nothing is shared until you opt in with "
                f"`mastery team sync {config.id} --enable`"
            )
        return write_record(config.folder, self.record(config, now=now))

    def report(self, ref: str | None = None, *, now: datetime | None = None) -> TeamReport:
        config = self.get(ref)
        return build_report(config, now=now or self.col.now())


def member_record(
    col: Collection, config: TeamConfig, pseudonym: str, *, now: datetime
) -> dict[str, Any]:
    """The record: ONLY daily review counts (365 days), per team deck counts and rates, per card
    id reviews/lapses/difficulty, streak lengths, team goals' progress and personal goal counts
    by category and status. No names, text, content or times finer than a day."""
    conn = col.conn
    clock = col.clock
    today = clock.day_of(now)
    first = today - timedelta(days=DAILY_DAYS - 1)
    daily: dict[str, int] = {}
    for review in conn.execute(
        f"SELECT reviewed_at FROM reviewlog WHERE {scheduled()} AND reviewed_at >= ? "
        "AND reviewed_at < ?",
        (to_ms(clock.day_start(first)), to_ms(clock.next_day_start(now))),
    ):
        day = clock.day_of(from_ms(review["reviewed_at"])).isoformat()
        daily[day] = daily.get(day, 0) + 1
    since_30 = to_ms(clock.day_start(today - timedelta(days=ACTIVE_DAYS - 1)))
    decks: dict[str, Any] = {}
    for key in config.decks:
        row = conn.execute("SELECT id FROM deck WHERE key = ?", (key,)).fetchone()
        if row is None:
            continue
        deck_id = row["id"]
        cards: dict[str, Any] = {}
        total = studied = mature = 0
        stabilities = []
        for card in conn.execute(
            "SELECT key, state, stability, difficulty, reps, lapses FROM card "
            "WHERE deck_id = ? AND in_deck = 1 ORDER BY position, key",
            (deck_id,),
        ):
            total += 1
            if card["state"] == CardState.NEW:
                continue
            studied += 1
            stab, diff = card["stability"], card["difficulty"]
            if stab is not None:
                stabilities.append(stab)
                mature += stab >= MATURE_DAYS
            cards[card["key"]] = {
                "reviews": card["reps"],
                "lapses": card["lapses"],
                "difficulty": round(diff, 2) if diff is not None else None,
            }
        month = conn.execute(
            f"SELECT count(*) FILTER (WHERE r.state_before = {CardState.REVIEW}) AS answered, "
            f"count(*) FILTER (WHERE r.state_before = {CardState.REVIEW} "
            f"AND r.rating != {Rating.AGAIN}) AS passed, count(*) AS recent "
            "FROM reviewlog r JOIN card c ON c.id = r.card_id "
            f"WHERE c.deck_id = ? AND {scheduled('r')} AND r.reviewed_at >= ?",
            (deck_id, since_30),
        ).fetchone()
        answered, passed, recent = month["answered"], month["passed"], month["recent"]
        decks[key] = {
            "cards": total,
            "studied": studied,
            "mature": mature,
            "retention_30d": round(passed / answered, 4) if answered else None,
            "mean_stability": round(statistics.fmean(stabilities), 2) if stabilities else None,
            "reviews_30d": recent,
            "card_stats": cards,
        }
    goals = {}
    for goal in config.goals:
        total = sum(decks[d]["cards"] for d in goal.decks if d in decks)
        mature = sum(decks[d]["mature"] for d in goal.decks if d in decks)
        goals[goal.id] = round(mature / total, 4) if total else 0.0
    personal: dict[str, dict[str, int]] = {}
    for group in conn.execute(
        "SELECT category, status, count(*) AS n FROM goal GROUP BY category, status"
    ):
        # A category of the learner's own words could say anything: count it as "other".
        cat = group["category"] if group["category"] in _GOAL_CATEGORIES else "other"
        st = group["status"] if group["status"] in _STATUSES else "other"
        personal.setdefault(cat, {}).setdefault(st, 0)
        personal[cat][st] += group["n"]
    return {
        "format": SUMMARY_FORMAT,
        "version": SUMMARY_VERSION,
        "team": config.id,
        "pseudonym": pseudonym,
        "synced_on": today.isoformat(),
        "daily": dict(sorted(daily.items())),
        "decks": decks,
        "streaks": {"review": col.review_streak(now=now), "journal": col.journal.streak(now)},
        "goals": goals,
        "personal_goals": personal,
    }


# ----------------------------------------------------------------------------- the report
@dataclass(frozen=True, slots=True)
class Figure:
    """A number built from `members` members; `value` is None when suppressed (< k)."""

    value: float | None
    members: int
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "members": self.members, "suppressed": self.suppressed}


def _figure(values: list[float], k: int, digits: int = 4) -> Figure:
    if len(values) < k:
        return Figure(None, len(values), True)
    return Figure(round(statistics.fmean(values), digits), len(values), False)


@dataclass(frozen=True, slots=True)
class DeckFigures:
    deck: str
    cards: int
    active_members: Figure
    coverage: Figure
    retention: Figure
    maturity: Figure

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "cards": self.cards,
            "active_members": self.active_members.to_dict(),
            "coverage": self.coverage.to_dict(),
            "retention": self.retention.to_dict(),
            "maturity": self.maturity.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class CardFigures:
    """A card's pooled figures: lapse rate = lapses / reviews over members who studied it."""

    deck: str
    card: str
    members: int
    reviews: int
    lapses: int
    lapse_rate: float | None
    median_difficulty: float | None
    suppressed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck,
            "card": self.card,
            "members": self.members,
            "reviews": None if self.suppressed else self.reviews,
            "lapses": None if self.suppressed else self.lapses,
            "lapse_rate": self.lapse_rate,
            "median_difficulty": self.median_difficulty,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True, slots=True)
class TeamReport:
    """What the team's summary says, with every figure from fewer than k members suppressed."""

    team: str
    name: str
    vision: str
    k: int
    members: int
    today: date
    goals: list[tuple[TeamGoal, Figure]]
    heatmap: list[tuple[date, int | None]]  # last 26 weeks; None when suppressed
    heatmap_suppressed: bool
    decks: list[DeckFigures]
    hardest: list[CardFigures]
    cards: dict[str, list[CardFigures]]  # per deck, by again-rate (only with --cards)
    streaks: dict[str, dict[str, int | None]]  # review/journal -> bucket -> members
    streaks_suppressed: bool
    problems: list[SummaryProblem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def streaks() -> dict[str, Any]:
            return {
                kind: {"buckets": b, "suppressed": self.streaks_suppressed}
                for kind, b in self.streaks.items()
            }

        return {
            "team": self.team,
            "name": self.name,
            "vision": self.vision,
            "k": self.k,
            "members": self.members,
            "today": self.today.isoformat(),
            "goals": [{**g.to_dict(), "progress": f.to_dict()} for g, f in self.goals],
            "heatmap": {
                "suppressed": self.heatmap_suppressed,
                "days": [{"date": d.isoformat(), "reviews": n} for d, n in self.heatmap],
            },
            "decks": [d.to_dict() for d in self.decks],
            "hardest_cards": [c.to_dict() for c in self.hardest],
            "cards": {deck: [c.to_dict() for c in cards] for deck, cards in self.cards.items()},
            "streaks": streaks(),
            "difficulty_note": "median_difficulty is FSRS difficulty (1-10) over members",
            "skipped_files": [str(p) for p in self.problems],
        }


def _deck_sizes(config: TeamConfig) -> dict[str, int]:
    """Cards per deck id in the team folder's deck files (a file that fails to load is left
    out: `team pull` and `deck check` report it)."""
    from mastery.decks import load_deck

    sizes: dict[str, int] = {}
    for path in config.deck_files:
        try:
            spec = load_deck(path)
        except MasteryError:
            continue
        sizes[spec.key] = len(spec.cards)
    return sizes


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while member records pile up.

    Each record is a tree of frozen models and dicts without cycles, so the collector finds
    nothing to free, yet it runs again and again over a heap that keeps growing: a third of a
    1,000-member report went to it. Reference counting still frees everything as usual.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def build_report(
    config: TeamConfig,
    *,
    now: datetime,
    records: list[SummaryRecord] | None = None,
    problems: list[SummaryProblem] | None = None,
    cards: bool = False,
    hardest: int = 10,
) -> TeamReport:
    """Aggregate the team's member records into a `TeamReport` (k-anonymous)."""
    if records is None:
        with _collector_paused():
            records, problems = read_records(config.folder, config.id, now.date())
    k = config.k
    today = now.date()
    if records:
        today = max(r.synced_on for r in records)
    goals = [
        (g, _figure([float(r.goals[g.id]) for r in records if g.id in r.goals], k))
        for g in config.goals
    ]
    # heatmap: 26 whole weeks ending on the week of `today`, Monday first
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=HEATMAP_WEEKS - 1)
    totals: dict[str, int] = {}
    first = start.isoformat()
    for r in records:
        for day, n in r.daily.items():
            if day >= first:
                totals[day] = totals.get(day, 0) + n
    heat_suppressed = len(records) < k
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    heatmap = [(d, None if heat_suppressed else totals.get(d.isoformat(), 0)) for d in days]
    deck_figures = []
    pooled: dict[tuple[str, str], list[Any]] = {}
    sizes = _deck_sizes(config)
    for deck in config.decks:
        having = [r.decks[deck] for r in records if deck in r.decks]
        # Cards in the deck as the team's file has them now; members' own counts may lag.
        size = sizes.get(deck) or max((d.cards for d in having), default=0)
        active = sum(1 for d in having if d.reviews_30d > 0)
        deck_figures.append(
            DeckFigures(
                deck,
                size,
                Figure(None, len(having), True)
                if len(having) < k
                else Figure(float(active), len(having), False),
                _figure([min(1.0, d.studied / size) for d in having if size], k),
                _figure([d.retention_30d for d in having if d.retention_30d is not None], k),
                _figure([d.mature / d.cards for d in having if d.cards], k),
            )
        )
        for d in having:
            for card, s in d.card_stats.items():
                entry = pooled.setdefault((deck, card), [0, 0, 0, []])
                entry[0] += 1
                entry[1] += s.reviews
                entry[2] += s.lapses
                if s.difficulty is not None:
                    entry[3].append(s.difficulty)
    card_figures = []
    for (deck, card), (members, reviews, lapses, diffs) in pooled.items():
        hidden = members < k
        card_figures.append(
            CardFigures(
                deck,
                card,
                members,
                reviews,
                lapses,
                None if hidden or not reviews else round(lapses / reviews, 4),
                None if hidden or not diffs else round(statistics.median(diffs), 2),
                hidden,
            )
        )
    shown = [c for c in card_figures if not c.suppressed and c.lapse_rate is not None]
    shown.sort(key=lambda c: (-c.lapse_rate, -c.reviews, c.deck, c.card))  # type: ignore[operator]
    per_deck: dict[str, list[CardFigures]] = {}
    if cards:
        for deck in config.decks:
            mine = [c for c in card_figures if c.deck == deck]
            mine.sort(key=lambda c: (c.suppressed, -(c.lapse_rate or 0), c.card))
            per_deck[deck] = mine
    streak_suppressed = len(records) < k
    streaks: dict[str, dict[str, int | None]] = {}
    for kind in ("review", "journal"):
        buckets: dict[str, int | None] = {}
        for label, low, high in STREAK_BUCKETS:
            n = sum(
                1
                for r in records
                if low <= getattr(r.streaks, kind)
                and (high is None or getattr(r.streaks, kind) <= high)
            )
            buckets[label] = None if streak_suppressed else n
        streaks[kind] = buckets
    return TeamReport(
        config.id,
        config.name,
        config.vision,
        k,
        len(records),
        today,
        goals,
        heatmap,
        heat_suppressed,
        deck_figures,
        shown[:hardest],
        per_deck,
        streaks,
        streak_suppressed,
        list(problems or []),
    )


# ----------------------------------------------------------------------------- rendering
SHADES = " ░▒▓█"


def _show(fig: Figure, k: int, fmt: str = "{:.0%}") -> str:
    return (
        f"suppressed (<{k} members)"
        if fig.suppressed or fig.value is None
        else fmt.format(fig.value)
    )


def heatmap_rows(report: TeamReport) -> list[str]:
    """Seven rows (Mon..Sun) of shade characters, one column per week."""
    peak = max((n or 0 for _, n in report.heatmap), default=0)
    rows = [""] * 7
    weeks = (len(report.heatmap) + 6) // 7
    grid = {d: n for d, n in report.heatmap}
    start = report.heatmap[0][0] if report.heatmap else report.today
    for w in range(weeks):
        for wd in range(7):
            day = start + timedelta(days=w * 7 + wd)
            n = grid.get(day)
            if day not in grid:
                ch = " "
            elif not n or not peak:
                ch = "·"
            else:
                ch = SHADES[min(4, 1 + int(3 * n / peak))]
            rows[wd] += ch
    return rows


def render_text(report: TeamReport, *, markdown: bool = False) -> str:
    """The report as plain text, or as Markdown with `markdown=True` (pure function)."""
    k = report.k
    out: list[str] = []
    h1, h2 = ("# ", "## ") if markdown else ("", "")
    bullet = "- " if markdown else "  "
    out.append(f"{h1}Team {report.name} ({report.team}) · {report.members} member(s) · k={k}")
    if report.vision:
        out += ["", f"> {report.vision}" if markdown else f"Vision: {report.vision}"]
    for p in report.problems:
        out.append(f"warning: skipped {p}")
    out += ["", f"{h2}Team goals"]
    if not report.goals:
        out.append(f"{bullet}(none in team.toml)")
    for goal, fig in report.goals:
        target = f" · target {goal.target.isoformat()}" if goal.target else ""
        shown = _show(fig, k) + ("" if fig.suppressed else " of cards mature")
        out.append(f"{bullet}{goal.title}: {shown}{target}")
    out += ["", f"{h2}Activity (last {HEATMAP_WEEKS} weeks)"]
    if report.heatmap_suppressed:
        out.append(f"{bullet}suppressed (<{k} members)")
    else:
        rows = heatmap_rows(report)
        if markdown:
            out.append("```")
        out += [
            f"{name} {row}"
            for name, row in zip(
                ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), rows, strict=True
            )
        ]
        if markdown:
            out.append("```")
    out += ["", f"{h2}Decks"]
    if markdown:
        out += [
            "",
            "| Deck | Cards | Active (30d) | Coverage | Retention | Maturity |",
            "|---|---|---|---|---|---|",
        ]
    for d in report.decks:
        cells = [
            d.deck,
            str(d.cards),
            _show(d.active_members, k, "{:.0f}"),
            _show(d.coverage, k),
            _show(d.retention, k),
            _show(d.maturity, k),
        ]
        if markdown:
            out.append("| " + " | ".join(cells) + " |")
        else:
            out.append(
                f"{bullet}{cells[0]}: {cells[1]} cards · active {cells[2]} · coverage "
                f"{cells[3]} · retention {cells[4]} · maturity {cells[5]}"
            )
    out += ["", f"{h2}Hardest cards to discuss (lapses / reviews, pooled)"]
    if not report.hardest:
        out.append(f"{bullet}none yet (cards studied by fewer than {k} members are suppressed)")
    for c in report.hardest:
        diff = (
            f" · median difficulty {c.median_difficulty:.1f}"
            if c.median_difficulty is not None
            else ""
        )
        out.append(
            f"{bullet}{c.deck}/{c.card}: {c.lapse_rate:.0%} again "
            f"({c.lapses}/{c.reviews}, {c.members} members){diff}"
        )
    for deck, cards in report.cards.items():
        out += ["", f"{h2}Cards of {deck} by again-rate"]
        if not cards:
            out.append(f"{bullet}no card studied yet")
        for c in cards:
            rate = (
                f"suppressed (<{k} members)"
                if c.suppressed
                else (f"{c.lapse_rate:.0%}" if c.lapse_rate is not None else "no reviews")
            )
            out.append(f"{bullet}{c.card}: {rate}")
    out += ["", f"{h2}Streaks (members per bucket)"]
    if report.streaks_suppressed:
        out.append(f"{bullet}suppressed (<{k} members)")
    else:
        for kind, buckets in report.streaks.items():
            counts = " · ".join(f"{label}d: {n}" for label, n in buckets.items())
            out.append(f"{bullet}{kind}: {counts}")
    return "\n".join(out) + "\n"
