"""Plaintext member records, `summary/<pseudonym>.json` (format version 1).

The first team design: one anonymized record per member, merged by whoever reads the folder.
Issue 11 showed that any teammate can re-identify members from them, so they are replaced by
sealed contributions (`contribution.py`); a member's next sync deletes their record and the
report reads these only while a team has no aggregated round yet.
"""

from __future__ import annotations

import json
import os
import stat
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery.days import from_ms, to_ms
from mastery.errors import InputError
from mastery.files import write_atomic
from mastery.limits import loads_json
from mastery.states import MATURE_DAYS, CardState, Rating, scheduled
from mastery.team_formats import (
    SUMMARY_FORMAT,
    SUMMARY_VERSION,
    FormatProblem,
    SummaryRecord,
    fast_record,
    parse_record,
)

if TYPE_CHECKING:
    from mastery.collection import Collection

from mastery.team.config import (
    _GOAL_CATEGORIES,
    _STATUSES,
    ACTIVE_DAYS,
    DAILY_DAYS,
    MAX_RECORD_BYTES,
    SUMMARY_DIR,
    TeamConfig,
    TeamError,
    _read_bounded,
    _Refused,
)


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class SummaryProblem:
    """A summary file the report skipped (and sync will not overwrite)."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


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


def member_record(
    col: Collection, config: TeamConfig, pseudonym: str, *, now: datetime
) -> dict[str, Any]:
    """The record: ONLY daily review counts (365 days), per team deck counts and rates, per card
    id reviews/lapses/difficulty, streak lengths, team goals' progress and personal goal counts
    by category and status. No names, text, content or times finer than a day."""
    from mastery.decks.namespace import team_deck_key

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
        # The team's deck as pulled: never a personal deck with the same id.
        row = conn.execute(
            "SELECT id FROM deck WHERE key = ?", (team_deck_key(config.id, key),)
        ).fetchone()
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
