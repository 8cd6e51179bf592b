"""The facade over one profile: decks, cards, the review queue, answers, undo, stats, backups.

The CLI and the TUI reach everything through `Collection` and get plain dataclasses back, never
live rows, so each can be tested without the other. Every public method that writes is one
transaction. The current time is always a parameter (`now`), so tests set it directly.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery import paths
from mastery import settings as settings_mod
from mastery.days import DayClock, TimeSource, from_ms, local_zone, streak, to_ms, utcnow
from mastery.db import Database
from mastery.errors import ConflictError, MasteryError, NotFoundError, SearchError
from mastery.limits import ref_number
from mastery.query import CardQuery, parse_cards
from mastery.states import (
    IN_LEARNING,
    CardState,
    Confidence,
    LogKind,
    Rating,
    RatingChoice,
    scheduled,
)

if TYPE_CHECKING:
    from mastery.check import CheckReport
    from mastery.cram import CramQueue
    from mastery.goals import Goals
    from mastery.journal import Journal
    from mastery.mentor import Mentor
    from mastery.team import Team

# Imported review history is written in chunks of whole cards (Collection._replay_history):
# at most this many cards, about this long each, with this pause between.
HISTORY_CHUNK_CARDS = 2000
HISTORY_CHUNK_SECONDS = 0.5
HISTORY_CHUNK_PAUSE = 0.05
LEARN_AHEAD = timedelta(minutes=20)  # as Anki: learning cards this close are shown early

# suspended column: why a card is out of the queue
SUSPENDED_NO = 0
SUSPENDED_BY_USER = 1  # by the learner or as a leech
SUSPENDED_LEFT_DECK = 2  # its card left the deck file; comes back if the card returns

_CARD_COLUMNS = (
    "c.id, c.deck_id, d.key, d.name, c.key, c.note_key, c.front, c.back, c.tags, c.state, "
    "c.step, c.stability, c.difficulty, c.due, c.last_review, c.reps, c.lapses, c.suspended, "
    "c.buried_until, c.in_deck, c.position"
)


# ----------------------------------------------------------------------------- plain data
@dataclass(frozen=True, slots=True)
class CardView:
    """A card as the learner sees it, with its schedule."""

    id: int
    deck_id: int
    deck_key: str
    deck_name: str
    key: str
    note_key: str
    front: str
    back: str
    tags: tuple[str, ...]
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime | None
    last_review: datetime | None
    reps: int
    lapses: int
    suspended: bool
    buried_until: datetime | None
    in_deck: bool
    position: int

    @property
    def ref(self) -> str:
        """The stable reference `deck-id/card-id`, as written in the deck file."""
        return f"{self.deck_key}/{self.key}"

    @property
    def state_name(self) -> str:
        """The state's label; a number changed outside Mastery shows as such, not a traceback
        (`mastery check` resets it)."""
        try:
            return CardState(self.state).label
        except ValueError:
            return f"invalid ({self.state!r})"


@dataclass(frozen=True, slots=True)
class ReviewLogView:
    id: int
    card_id: int
    rating: int
    reviewed_at: datetime
    duration_ms: int
    state_before: int
    state_after: int
    elapsed_days: int
    scheduled_days: int
    stability_after: float
    difficulty_after: float
    due_after: datetime

    @property
    def rating_name(self) -> str:
        """The rating's label; a number changed outside Mastery shows as such (`mastery check`
        removes the log)."""
        try:
            return Rating(self.rating).label
        except ValueError:
            return f"invalid ({self.rating!r})"


@dataclass(frozen=True, slots=True)
class CardInfo:
    card: CardView
    history: list[ReviewLogView]
    retrievability: float | None


@dataclass(frozen=True, slots=True)
class DeckSummary:
    """A deck with what is left to do today (limits applied) and its size."""

    id: int
    key: str
    name: str
    description: str
    version: str
    tags: tuple[str, ...]
    source: str
    total: int
    new: int
    learning: int
    due: int
    suspended: int


@dataclass(frozen=True, slots=True)
class QueueCounts:
    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass(frozen=True, slots=True)
class Answered:
    log_id: int
    card_id: int
    rating: int
    due: datetime
    leech: bool


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one deck file did to the profile."""

    deck_key: str
    deck_name: str
    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    suspended: int = 0
    restored: int = 0
    history_cards: int = 0  # cards given Anki review history (import --with-history)
    history_reviews: int = 0  # Anki answers replayed into the review log

    def to_dict(self) -> dict[str, Any]:
        return {
            "deck": self.deck_key,
            "name": self.deck_name,
            "source": self.source,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "suspended": self.suspended,
            "restored": self.restored,
        }


@dataclass(frozen=True, slots=True)
class Stats:
    reviews_today: int
    reviews_total: int
    time_today_ms: int
    streak_days: int
    cards_total: int
    cards_new: int
    cards_learning: int
    cards_review: int
    cards_suspended: int
    due_today: QueueCounts
    next_due: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reviews_today": self.reviews_today,
            "reviews_total": self.reviews_total,
            "time_today_s": round(self.time_today_ms / 1000, 1),
            "streak_days": self.streak_days,
            "cards": {
                "total": self.cards_total,
                "new": self.cards_new,
                "learning": self.cards_learning,
                "review": self.cards_review,
                "suspended": self.cards_suspended,
            },
            "due_today": {
                "new": self.due_today.new,
                "learning": self.due_today.learning,
                "review": self.due_today.review,
            },
            "next_due": self.next_due.isoformat() if self.next_due else None,
        }


@dataclass
class _UndoStep:
    kind: str  # "answer" | "cram" | "suspend" | "bury"
    card_id: int
    log_id: int | None = None
    before: dict[str, Any] = field(default_factory=dict)
    # An answer's card schedule as the answer left it: undo refuses if another window has
    # changed the card since (`_check_unchanged`).
    after: tuple[Any, ...] | None = None


# ----------------------------------------------------------------------------- the facade
class Collection:
    """One open profile."""

    def __init__(
        self,
        db: Database,
        profile: str = paths.DEFAULT_PROFILE,
        *,
        clock: TimeSource | None = None,
    ) -> None:
        self.db = db
        self.profile = profile
        # The one time source of this profile: every domain call without an explicit `now`
        # asks it, so tests and replays set the time once instead of at every call site.
        self._time: TimeSource = clock or utcnow
        self._settings: dict[str, Any] | None = None
        # One line per stored setting found invalid (and replaced by its default) since the
        # profile was opened, for the CLI (stderr) and the TUI (a notification) to show once.
        self.settings_warnings: list[str] = []
        self._scheduler: Any = None
        self._deck_schedulers: dict[int, Any] | None = None
        self._clock: DayClock | None = None
        self._undo: list[_UndoStep] = []
        self._done_cache: tuple[date, int, int] | None = None  # (day, new done, reviews done)

    # ------------------------------------------------------------------ opening and closing
    @classmethod
    def open(
        cls,
        profile: str = paths.DEFAULT_PROFILE,
        home: str | Path | None = None,
        *,
        bundled: bool | None = None,
        now: datetime | None = None,
        clock: TimeSource | None = None,
    ) -> Collection:
        """Open (creating on first use) a profile.

        A new profile loads the bundled decks unless `bundled` is False; an existing profile
        with the `load_bundled_decks` setting on picks up newer versions of them. `clock` is the
        time source for every later call that is not given `now` (the wall clock by default);
        `now` alone fixes the moment of opening.
        """
        path = paths.database_path(profile, home)
        created = not path.exists()
        col = cls(Database.open(path), profile, clock=clock)
        try:
            col.repair_settings()  # in memory only when the profile cannot be written
            if col.db.read_only:
                return col  # read commands work; bundled decks wait for a writable profile
            col._recover_media()
            if created and bundled is False:
                col.set_setting("load_bundled_decks", False)
            if bundled is not False and col.setting("load_bundled_decks"):
                col.sync_bundled_decks(now=now)
        except BaseException:
            col.close()
            raise
        return col

    @classmethod
    def open_path(cls, path: str | Path, *, clock: TimeSource | None = None) -> Collection:
        """Open a database file directly (tests, benchmarks, backups)."""
        return cls(Database.open(path), clock=clock)

    def now(self) -> datetime:
        """The current moment by this profile's clock (see `Collection.open`)."""
        return self._time()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @cached_property
    def goals(self) -> Goals:
        """Goals, milestones, check-ins and progress (goals.py)."""
        from mastery.goals import Goals

        return Goals(self)

    @cached_property
    def journal(self) -> Journal:
        """Journal entries, prompts, search, Markdown export/import (journal.py)."""
        from mastery.journal import Journal

        return Journal(self)

    @cached_property
    def mentor(self) -> Mentor:
        """Mentoring, both sides: bundles out and feedback in as a mentee; mentees, comments
        and replies as a mentor (mentor.py)."""
        from mastery.mentor import Mentor

        return Mentor(self)

    @cached_property
    def team(self) -> Team:
        """Teams: shared folders of decks and goals, anonymized sync and reports (team.py)."""
        from mastery.team import Team

        return Team(self)

    # ------------------------------------------------------------------ settings
    def settings(self) -> dict[str, Any]:
        """Every setting with its current value (defaults filled in); a copy to keep."""
        return dict(self._current_settings())

    def _current_settings(self) -> dict[str, Any]:
        """The cached settings themselves: read on the review hot path, so never copied."""
        if self._settings is None:
            rows = self.conn.execute("SELECT key, value FROM setting")
            values, problems = settings_mod.load(rows)
            for problem in problems:
                self._warn_setting(problem.message)
            self._settings = values
        return self._settings

    def _warn_setting(self, message: str) -> None:
        if message not in self.settings_warnings:
            self.settings_warnings.append(message)

    def repair_settings(self) -> list[str]:
        """Put back the default for every stored setting that is not valid; returns warnings.

        Values stored by older versions (before ranges were checked, e.g. `nan` or `999999999d`)
        would crash every review. `open` calls this once, in its own transaction, so the fix
        lasts and the warning is shown once; reads never write. If the database cannot be
        written (read-only, busy), the defaults are still used in memory.
        """
        self._settings = None
        rows = self.conn.execute("SELECT key, value FROM setting").fetchall()
        values, problems = settings_mod.load(rows)
        if values["fsrs_parameters"]:  # py-fsrs's own bounds (loads fsrs: only for custom ones)
            try:
                self._check_parameters(values["fsrs_parameters"])
            except settings_mod.SettingValueError as exc:
                raw = dict(rows)["fsrs_parameters"]
                problems.append(settings_mod.StoredProblem("fsrs_parameters", raw, exc.reason))
        if problems:
            try:
                with self.db.transaction() as conn:
                    conn.executemany(
                        "DELETE FROM setting WHERE key = ? AND value = ?",
                        [(p.key, p.raw) for p in problems],
                    )
            except sqlite3.Error:
                pass  # read from memory below, with the same warnings
            for problem in problems:
                self._warn_setting(problem.message)
        self.reload_settings()
        return [p.message for p in problems]

    def reset_setting(self, key: str) -> Any:
        """Back to the default (the stored value is removed); returns the default."""
        if key not in settings_mod.SETTINGS:
            raise settings_mod.SettingError(f"unknown setting {key!r}")
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM setting WHERE key = ?", (key,))
        self.reload_settings()
        return settings_mod.SETTINGS[key].default

    def setting(self, key: str) -> Any:
        if key not in settings_mod.SETTINGS:
            raise settings_mod.SettingError(f"unknown setting {key!r}")
        return self._current_settings()[key]

    def set_setting(self, key: str, value: Any) -> Any:
        """Validate and store one setting; returns the stored value."""
        value = settings_mod.coerce(key, value)
        if key == "fsrs_parameters":
            self._check_parameters(value)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO setting(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, settings_mod.encode(value)),
            )
        self._settings = None
        self._scheduler = None
        self._deck_schedulers = None
        self._clock = None
        self._done_cache = None
        return value

    def reload_settings(self) -> None:
        """Forget cached settings and schedulers: another connection (a worker) changed them."""
        self._settings = None
        self._scheduler = None
        self._deck_schedulers = None
        self._clock = None
        self._done_cache = None

    def meta(self, key: str) -> Any:
        """Internal values kept beside the settings (not user-editable), e.g. bundled versions."""
        row = self.conn.execute("SELECT value FROM setting WHERE key=?", (f"_{key}",)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO setting(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (f"_{key}", json.dumps(value)),
            )

    def meta_once(self, key: str, value: Any) -> Any:
        """The meta value `key`, storing `value` first if there is none yet: made once for
        good (an identity, a secret), race-free, since the insert is ignored when another
        process got there first and everyone reads back the one stored value."""
        found = self.meta(key)
        if found is not None:
            return found
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO setting(key, value) VALUES (?, ?)",
                (f"_{key}", json.dumps(value)),
            )
            row = conn.execute("SELECT value FROM setting WHERE key=?", (f"_{key}",)).fetchone()
        return json.loads(row[0])

    @property
    def clock(self) -> DayClock:
        if self._clock is None:
            s = self.settings()
            self._clock = DayClock(
                local_zone(s["timezone"] or None), s["rollover_hour"], source=self._time
            )
        return self._clock

    @property
    def scheduler(self) -> Any:
        """The FSRS scheduler for this profile's settings (built lazily: fsrs loads on demand)."""
        if self._scheduler is None:
            self._scheduler = self._stored_scheduler(
                self.settings()["fsrs_parameters"], "setting fsrs_parameters"
            )
        return self._scheduler

    def _stored_scheduler(self, parameters: Sequence[float], source: str) -> Any:
        """A scheduler from stored weights; ones py-fsrs refuses (stored before its bounds were
        checked) give FSRS's defaults and a warning instead of crashing every review."""
        try:
            self._check_parameters(parameters)
        except settings_mod.SettingValueError as exc:
            self._warn_setting(f"{source}: {exc.reason}; using FSRS's default parameters")
            parameters = ()
        return self._build_scheduler(parameters)

    def scheduler_for(self, deck_id: int | None) -> Any:
        """The scheduler for one deck's cards: the profile's, unless the deck has its own FSRS
        parameters (`set_fsrs_parameters(..., deck_key=...)`)."""
        if deck_id is None:
            return self.scheduler
        cache = self._deck_schedulers
        if cache is None:
            cache = self._deck_schedulers = {}
            own = self.meta(_DECK_PARAMETERS) or {}
            if own:
                ids = dict(self.conn.execute("SELECT key, id FROM deck").fetchall())
                for key, params in own.items():
                    if key in ids:
                        try:
                            checked = settings_mod.parse_parameters(params)
                        except settings_mod.SettingError as exc:
                            self._warn_setting(
                                f"deck {key}'s FSRS parameters: {exc}; using the profile's"
                            )
                            continue
                        cache[ids[key]] = self._stored_scheduler(
                            checked, f"deck {key}'s FSRS parameters"
                        )
        return cache.get(deck_id) or self.scheduler

    def _build_scheduler(self, parameters: Sequence[float]) -> Any:
        from mastery.scheduler import Scheduler, SchedulerConfig

        s = self._current_settings()
        config = SchedulerConfig(
            desired_retention=s["desired_retention"],
            learning_steps=tuple(map(settings_mod.step_to_timedelta, s["learning_steps"])),
            relearning_steps=tuple(map(settings_mod.step_to_timedelta, s["relearning_steps"])),
            maximum_interval=s["maximum_interval"],
            enable_fuzz=s["enable_fuzz"],
            parameters=tuple(parameters) or None,
        )
        return Scheduler(config, self.clock)

    def _check_parameters(self, values: Sequence[float]) -> None:
        """py-fsrs checks each weight's bounds: refuse out-of-bounds weights before storing."""
        if values:
            try:
                self._build_scheduler(values)
            except ValueError as exc:
                # py-fsrs lists every offending weight on its own line: say the first, count
                # the rest, so the error stays one line.
                lines = [ln.strip() for ln in str(exc).splitlines() if "parameters[" in ln]
                first = lines[0] if lines else str(exc).splitlines()[0]
                more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
                raise settings_mod.SettingValueError(
                    "fsrs_parameters",
                    f"refused by FSRS: {first}{more}",
                    settings_mod.SETTINGS["fsrs_parameters"].allowed + " within FSRS's bounds",
                ) from None

    def fsrs_parameters(self, deck_key: str | None = None) -> tuple[float, ...]:
        """The FSRS weights in force: the deck's own, else the profile's, else the defaults."""
        from mastery.scheduler import DEFAULT_PARAMETERS

        if deck_key is not None:
            own = (self.meta(_DECK_PARAMETERS) or {}).get(deck_key)
            if own:
                return tuple(own)
        return tuple(self.setting("fsrs_parameters")) or DEFAULT_PARAMETERS

    def decks_with_own_parameters(self) -> list[str]:
        """Keys of the decks that have FSRS parameters of their own."""
        return sorted(self.meta(_DECK_PARAMETERS) or {})

    def set_fsrs_parameters(
        self, parameters: Sequence[float] | None, *, deck_key: str | None = None
    ) -> None:
        """Use these FSRS weights for the profile, or for one deck (None: back to the profile's
        weights for a deck, to the defaults for the profile). py-fsrs checks their bounds."""
        values = settings_mod.parse_parameters(list(parameters or []))
        self._check_parameters(values)
        if deck_key is None:
            self.set_setting("fsrs_parameters", values)
            return
        self.deck(deck_key)  # NotFoundError for an unknown deck
        own = dict(self.meta(_DECK_PARAMETERS) or {})
        if values:
            own[deck_key] = values
        else:
            own.pop(deck_key, None)
        self.set_meta(_DECK_PARAMETERS, own)
        self._deck_schedulers = None

    # ------------------------------------------------------------------ decks
    def import_files(
        self,
        files: Sequence[str | Path],
        *,
        now: datetime | None = None,
        with_history: bool = False,
    ) -> list[ImportReport]:
        """Import deck files in one transaction: all of them, or (on any error) none.

        Anki packages also bring their media files (into `media_dir`) and, `with_history`,
        their review history, replayed through this profile's scheduler (decks/apkg.py) after
        the decks, in chunks (`_replay_history`).
        """
        from mastery.decks.apkg import AnkiImport
        from mastery.decks.check import load_decks
        from mastery.decks.importer import import_specs

        now = now or self.now()
        with AnkiImport(self.media_dir, with_history=with_history, db=self.db) as anki:
            specs = [
                spec
                for f in files
                for spec in (anki.read(f) if anki.accepts(f) else load_decks(Path(f)))
            ]
            keys = [spec.key for spec in specs]  # linked to goals: their progress changes
            with self.db.transaction() as conn, self.goals.recording(now, deck_keys=keys):
                reports = import_specs(conn, specs, to_ms(now))
                anki.record(conn)  # the commit says the staged media belong in media/
        self._done_cache = None
        if anki.history:
            reports = self._replay_history(anki.history, reports, to_ms(now))
        return reports

    def _replay_history(
        self,
        history: dict[tuple[str, str], Any],
        reports: list[ImportReport],
        now_ms: int,
    ) -> list[ImportReport]:
        """Replay imported review history in chunks of whole cards, each its own transaction
        of about `HISTORY_CHUNK_SECONDS`, with a pause between, so another window's answer
        waits for one chunk, not the whole import (a 60k-card package takes ~20 s).

        A chunk holds each of its cards' answers and new schedule, so a killed import leaves
        every card either replayed or untouched; importing again replays only what is missing
        (answers newer than a card's newest review)."""
        import time
        from dataclasses import replace

        from mastery.decks.apkg import replay_history

        keys = list(history)
        counts: dict[str, list[int]] = {}
        size, at = HISTORY_CHUNK_CARDS, 0
        while at < len(keys):
            chunk = {key: history[key] for key in keys[at : at + size]}
            started = time.monotonic()
            with self.db.transaction() as conn:
                done = replay_history(conn, chunk, self.scheduler_for, now_ms)
            took = time.monotonic() - started
            for deck, (cards, answers) in done.items():
                count = counts.setdefault(deck, [0, 0])
                count[0] += cards
                count[1] += answers
            at += size
            # The next chunk aims at HISTORY_CHUNK_SECONDS (a slow machine: smaller chunks).
            aimed = int(size * HISTORY_CHUNK_SECONDS / max(took, 0.001))
            size = min(HISTORY_CHUNK_CARDS, max(50, aimed))
            if at < len(keys):
                time.sleep(HISTORY_CHUNK_PAUSE)  # SQLite's waiting writers poll: let one in
        self._done_cache = None
        return [
            replace(r, history_cards=counts[r.deck_key][0], history_reviews=counts[r.deck_key][1])
            if r.deck_key in counts
            else r
            for r in reports
        ]

    @property
    def media_dir(self) -> Path:
        """Where imported media files live: ``media/`` beside the profile's database."""
        return self.db.path.parent / "media"

    def _recover_media(self) -> None:
        """Finish the media of an import killed mid-way (decks/apkg.py): one stat when none."""
        if (self.db.path.parent / ".media-import").is_dir():  # apkg.MEDIA_STAGING
            from mastery.decks.apkg import recover_media_imports

            recover_media_imports(self.media_dir, self.db)

    def import_specs(
        self, specs: Sequence[Any], *, now: datetime | None = None
    ) -> list[ImportReport]:
        from mastery.decks.importer import import_specs

        now = now or self.now()
        keys = [spec.key for spec in specs]
        with self.db.transaction() as conn, self.goals.recording(now, deck_keys=keys):
            reports = import_specs(conn, specs, to_ms(now))
        self._done_cache = None
        return reports

    def sync_bundled_decks(self, *, now: datetime | None = None) -> list[ImportReport]:
        """Import bundled decks that are new to this profile or have a newer version."""
        from mastery.decks import load_deck

        folder = paths.bundled_decks_dir()
        if not folder.is_dir():
            return []
        seen: dict[str, str] = self.meta("bundled_versions") or {}
        specs = []
        for file in sorted(folder.glob("*.toml")):
            spec = load_deck(file)
            if seen.get(spec.key) != spec.version:
                specs.append(spec)
        if not specs:
            return []
        with self.db.transaction():  # the decks and the versions seen, together
            reports = self.import_specs(specs, now=now)
            seen.update({s.key: s.version for s in specs})
            self.set_meta("bundled_versions", seen)
        return reports

    def decks(self, *, now: datetime | None = None) -> list[DeckSummary]:
        """Every deck with today's New / Learning / Due counts (daily limits applied)."""
        now = now or self.now()
        now_ms = to_ms(now)
        end_ms = to_ms(self.clock.next_day_start(now))
        new_left, review_left = self._limits_left(now)
        visible = "(buried_until IS NULL OR buried_until <= :now)"
        p = {"now": now_ms, "end": end_ms, "new_left": new_left}
        # Several small index-driven queries beat one GROUP BY over every card (dashboard_counts).
        sizes = {
            r[0]: (r[1], r[2])
            for r in self.conn.execute(
                "SELECT deck_id, count(*), sum(suspended != 0) FROM card GROUP BY deck_id"
            )
        }
        learning = dict(
            self.conn.execute(
                f"SELECT deck_id, count(*) FROM card WHERE suspended = 0 AND state {IN_LEARNING} "
                "AND due < :end GROUP BY +deck_id",
                p,
            ).fetchall()
        )
        due = dict(
            self.conn.execute(
                f"SELECT deck_id, count(*) FROM card WHERE suspended = 0 AND state = {CardState.REVIEW} "
                f"AND due < :end AND {visible} GROUP BY +deck_id",
                p,
            ).fetchall()
        )
        summaries = []
        for r in self.conn.execute(
            "SELECT id, key, name, description, version, tags, source FROM deck "
            "ORDER BY name COLLATE NOCASE"
        ):
            total, suspended = sizes.get(r[0], (0, 0))
            new = self.conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM card WHERE suspended = 0 AND state = {CardState.NEW} "
                f"AND deck_id = :deck AND {visible} LIMIT :new_left)",
                {**p, "deck": r[0]},
            ).fetchone()[0]
            summaries.append(
                DeckSummary(
                    id=r[0],
                    key=r[1],
                    name=r[2],
                    description=r[3],
                    version=r[4],
                    tags=tuple(r[5].split()),
                    source=r[6],
                    total=total,
                    new=new,
                    learning=learning.get(r[0], 0),
                    due=min(due.get(r[0], 0), review_left),
                    suspended=suspended or 0,
                )
            )
        return summaries

    def deck(self, key_or_id: str | int, *, now: datetime | None = None) -> DeckSummary:
        for deck in self.decks(now=now):
            if str(deck.id) == str(key_or_id) or deck.key == key_or_id:
                return deck
        raise NotFoundError(f"no deck {key_or_id!r}; see `mastery decks`")

    def deck_cards(self, deck_key: str) -> list[CardView]:
        """Every card of a deck that is still in its file, in file order (for `deck export`)."""
        deck = self.deck(deck_key)
        return self._cards("WHERE c.deck_id = ? AND c.in_deck = 1 ORDER BY c.position", (deck.id,))

    def export_deck(self, key: str) -> str:
        """The deck as a TOML deck file (for contributing back to a team's folder).

        Content only, as in any deck file: no review state, and no tags the scheduler added.
        """
        from mastery.decks import DeckSpec, dump_deck
        from mastery.decks.importer import LOCAL_TAGS

        deck = self.deck(key)
        spec = DeckSpec(deck.key, deck.name, deck.description, deck.version, deck.tags, (), "")
        rows = [
            (c.key, c.front, c.back, tuple(t for t in c.tags if t not in LOCAL_TAGS))
            for c in self.deck_cards(deck.key)
        ]
        return dump_deck(spec, rows)

    # ------------------------------------------------------------------ cards
    def _cards(self, where: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[CardView]:
        sql = f"SELECT {_CARD_COLUMNS} FROM card c JOIN deck d ON d.id = c.deck_id {where}"
        return [_card_view(r) for r in self.conn.execute(sql, params)]

    def card(self, ref: str | int) -> CardView:
        """A card by its number (as the browser shows it) or by `deck-id/card-id`."""
        text = str(ref).strip()
        if text.isdigit():
            number = ref_number(text)  # None: no card can have that number
            found = [] if number is None else self._cards("WHERE c.id = ?", (number,))
        elif "/" in text:
            deck_key, card_key = text.split("/", 1)
            found = self._cards("WHERE d.key = ? AND c.key = ?", (deck_key, card_key))
        else:
            found = []
        if not found:
            raise NotFoundError(
                f"no card {text!r}: use the number shown in the browser or deck-id/card-id"
            )
        return found[0]

    def card_info(self, ref: str | int, *, now: datetime | None = None) -> CardInfo:
        """A card with its schedule's history (scheduled reviews only, not cram answers)."""
        card = self.card(ref)
        rows = self.conn.execute(
            "SELECT id, card_id, rating, reviewed_at, duration_ms, state_before, state_after, "
            "elapsed_days, scheduled_days, stability_after, difficulty_after, due_after "
            f"FROM reviewlog WHERE card_id = ? AND {scheduled()} ORDER BY reviewed_at, id",
            (card.id,),
        ).fetchall()
        history = [
            ReviewLogView(
                id=r[0],
                card_id=r[1],
                rating=r[2],
                reviewed_at=from_ms(r[3]),
                duration_ms=r[4],
                state_before=r[5],
                state_after=r[6],
                elapsed_days=r[7],
                scheduled_days=r[8],
                stability_after=r[9],
                difficulty_after=r[10],
                due_after=from_ms(r[11]),
            )
            for r in rows
        ]
        return CardInfo(card, history, self.retrievability(card, now=now))

    def retrievability(self, card: CardView, *, now: datetime | None = None) -> float | None:
        if card.state == CardState.NEW or card.stability is None:
            return None
        return self.scheduler_for(card.deck_id).retrievability(_memory(card), now or self.now())

    def search_cards(
        self,
        query: str | CardQuery = "",
        *,
        deck: str | None = None,
        limit: int = 1000,
        now: datetime | None = None,
    ) -> list[CardView]:
        """Cards matching a search (the syntax is `mastery.query.parse_cards`: words on the
        front or back, `tag:x`, `deck:x`, `is:...`, `due:N`; all terms must hold). Unknown
        filters and decks raise `SearchError`."""
        clauses, params = self._search_clauses(query, deck=deck, now=now)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._cards(f"{where} ORDER BY d.name, c.position LIMIT {int(limit)}", params)

    def _search_clauses(
        self, query: str | CardQuery, *, deck: str | None = None, now: datetime | None = None
    ) -> tuple[list[str], list[Any]]:
        """The SQL conditions (on `card c JOIN deck d`) of a search, shared by the browser and
        cram sessions, from the one parser (`mastery.query`). `deck:x` matches part of a
        deck's key or name and must match some deck (a typo is refused, not an empty list).
        `due:N`: studied cards, not suspended, due before the learner's day N days after
        today ends (`due:0` is what is due today)."""
        wanted = parse_cards(query) if isinstance(query, str) else query
        clauses: list[str] = []
        params: list[Any] = []
        if deck:
            clauses.append("d.key = ?")
            params.append(deck)
        for word in wanted.words:
            clauses.append("(c.front LIKE ? ESCAPE '\\' OR c.back LIKE ? ESCAPE '\\')")
            params += [f"%{_like(word)}%"] * 2
        for tag in wanted.tags:
            clauses.append("(' ' || c.tags || ' ') LIKE ?")
            params.append(f"% {_like(tag)} %")
        for name in wanted.decks:
            self._check_deck_filter(name)
            clauses.append("(d.key LIKE ? ESCAPE '\\' OR d.name LIKE ? ESCAPE '\\')")
            params += [f"%{_like(name)}%"] * 2
        for state in wanted.states:
            clauses.append(_IS_FILTERS[state])
            if state == "due":
                params.append(to_ms(self.clock.next_day_start(now or self.now())))
        if wanted.due_within is not None:
            today = self.clock.day_of(now or self.now())
            clauses.append(_IS_FILTERS["due"])
            ends = today + timedelta(days=wanted.due_within + 1)
            params.append(to_ms(self.clock.day_start(ends)))
        return clauses, params

    def _check_deck_filter(self, name: str) -> None:
        """`deck:x` names no deck: say which decks there are (one line)."""
        pattern = f"%{_like(name)}%"
        hit = self.conn.execute(
            "SELECT 1 FROM deck WHERE key LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\' LIMIT 1",
            (pattern, pattern),
        ).fetchone()
        if hit is None:
            keys = [r[0] for r in self.conn.execute("SELECT key FROM deck ORDER BY key")]
            known = ", ".join(f"deck:{k}" for k in keys[:8]) + (", ..." if len(keys) > 8 else "")
            raise SearchError(
                f"unknown deck deck:{name}; use "
                + (known if keys else "a deck's key or name (no decks yet: mastery import FILE)")
            )

    def suspend(self, card_ids: Iterable[int], *, now: datetime | None = None) -> int:
        return self._set_suspended(list(card_ids), True, now or self.now())

    def unsuspend(self, card_ids: Iterable[int], *, now: datetime | None = None) -> int:
        return self._set_suspended(list(card_ids), False, now or self.now())

    def _set_suspended(self, ids: list[int], on: bool, now: datetime) -> int:
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        with self.db.transaction() as conn:
            before = conn.execute(
                f"SELECT id, suspended FROM card WHERE id IN ({marks})", ids
            ).fetchall()
            if len(before) != len(set(ids)):
                raise NotFoundError("no such card")
            changed = conn.execute(
                f"UPDATE card SET suspended = ?, updated_at = ? WHERE id IN ({marks}) "
                f"AND (suspended != 0) != ?",
                [SUSPENDED_BY_USER if on else SUSPENDED_NO, to_ms(now), *ids, on],
            ).rowcount
        if len(ids) == 1:
            self._undo.append(_UndoStep("suspend", ids[0], before={"suspended": before[0][1]}))
        return changed

    def bury(self, card_id: int, *, now: datetime | None = None) -> datetime:
        """Hide a card until the learner's next day; returns when it comes back."""
        now = now or self.now()
        until = self.clock.next_day_start(now)
        with self.db.transaction() as conn:
            row = conn.execute("SELECT buried_until FROM card WHERE id = ?", (card_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no card {card_id}")
            conn.execute("UPDATE card SET buried_until = ? WHERE id = ?", (to_ms(until), card_id))
        self._undo.append(_UndoStep("bury", card_id, before={"buried_until": row[0]}))
        return until

    # ------------------------------------------------------------------ the review queue
    def _done_today(self, now: datetime) -> tuple[int, int]:
        """(new cards introduced, review cards answered) today, cached for the hot path."""
        today = self.clock.day_of(now)
        if self._done_cache is None or self._done_cache[0] != today:
            start = to_ms(self.clock.day_start(today))
            end = to_ms(self.clock.day_start(today + timedelta(days=1)))
            new, rev = self.conn.execute(
                f"SELECT coalesce(sum(state_before = {CardState.NEW}), 0), "
                f"coalesce(sum(state_before = {CardState.REVIEW}), 0) "
                f"FROM reviewlog WHERE reviewed_at >= ? AND reviewed_at < ? AND {scheduled()}",
                (start, end),
            ).fetchone()
            self._done_cache = (today, new, rev)
        return self._done_cache[1], self._done_cache[2]

    def _limits_left(self, now: datetime) -> tuple[int, int]:
        new_done, rev_done = self._done_today(now)
        s = self._current_settings()
        return max(0, s["new_per_day"] - new_done), max(0, s["reviews_per_day"] - rev_done)

    def counts(self, *, now: datetime | None = None, deck_id: int | None = None) -> QueueCounts:
        """What is left to review today (daily limits applied)."""
        now = now or self.now()
        new_left, review_left = self._limits_left(now)
        deck_sql = " AND deck_id = :deck" if deck_id is not None else ""
        params = {
            "now": to_ms(now),
            "end": to_ms(self.clock.next_day_start(now)),
            "deck": deck_id,
            "new_left": new_left,
            "review_left": review_left,
        }
        visible = "(buried_until IS NULL OR buried_until <= :now)"
        learning = self.conn.execute(
            f"SELECT count(*) FROM card WHERE suspended = 0 AND state {IN_LEARNING} AND due < :end"
            + deck_sql,
            params,
        ).fetchone()[0]
        review = self.conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM card WHERE suspended = 0 AND state = {CardState.REVIEW} "
            f"AND due < :end AND {visible}{deck_sql} LIMIT :review_left)",
            params,
        ).fetchone()[0]
        new = self.conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM card WHERE suspended = 0 AND state = {CardState.NEW} "
            f"AND {visible}{deck_sql} LIMIT :new_left)",
            params,
        ).fetchone()[0]
        return QueueCounts(new=new, learning=learning, review=review)

    def next_card(
        self, *, now: datetime | None = None, deck_id: int | None = None
    ) -> CardView | None:
        """The card to show next: due learning cards, then due reviews by due time, then new
        cards in deck order up to the daily limit; siblings of a card reviewed today wait."""
        now = now or self.now()
        now_ms = to_ms(now)
        day_start = to_ms(self.clock.day_start(self.clock.day_of(now)))
        end_ms = to_ms(self.clock.next_day_start(now))
        new_left, review_left = self._limits_left(now)
        deck_sql = " AND c.deck_id = :deck" if deck_id is not None else ""
        p = {
            "now": now_ms,
            "end": end_ms,
            "day": day_start,
            "deck": deck_id,
            "ahead": to_ms(now + LEARN_AHEAD),
        }
        visible = "(c.buried_until IS NULL OR c.buried_until <= :now)"
        no_sibling = (
            "NOT EXISTS (SELECT 1 FROM card s WHERE s.note_key = c.note_key AND s.id != c.id "
            "AND s.last_review >= :day)"
        )
        base = f"SELECT {_CARD_COLUMNS} FROM card c JOIN deck d ON d.id = c.deck_id WHERE "
        queries = [
            f"c.suspended = 0 AND c.state {IN_LEARNING} AND c.due <= :now AND {visible}{deck_sql} "
            "ORDER BY c.due LIMIT 1"
        ]
        if review_left > 0:
            queries.append(
                f"c.suspended = 0 AND c.state = {CardState.REVIEW} AND c.due < :end AND {visible} AND "
                f"{no_sibling}{deck_sql} ORDER BY c.due LIMIT 1"
            )
        if new_left > 0:
            queries.append(
                f"c.suspended = 0 AND c.state = {CardState.NEW} AND {visible} AND {no_sibling}{deck_sql} "
                "ORDER BY c.deck_id, c.position LIMIT 1"
            )
        queries.append(
            f"c.suspended = 0 AND c.state {IN_LEARNING} AND c.due <= :ahead AND {visible}{deck_sql} "
            "ORDER BY c.due LIMIT 1"
        )
        for where in queries:
            row = self.conn.execute(base + where, p).fetchone()
            if row is not None:
                return _card_view(row)
        return None

    def next_due(
        self, *, now: datetime | None = None, deck_id: int | None = None
    ) -> datetime | None:
        """When the next card comes due after today's work is done (for "nothing due" screens)."""
        now = now or self.now()
        deck_sql = " AND deck_id = ?" if deck_id is not None else ""
        params: list[Any] = [to_ms(now)] + ([deck_id] if deck_id is not None else [])
        row = self.conn.execute(
            f"SELECT min(due) FROM card WHERE suspended = 0 AND state != {CardState.NEW} AND due > ?"
            + deck_sql,
            params,
        ).fetchone()
        return from_ms(row[0]) if row and row[0] is not None else None

    def choices(self, card_id: int, *, now: datetime | None = None) -> list[RatingChoice]:
        """The four answer buttons with the interval each would give."""
        card = self.card(card_id)
        outcomes = self.scheduler_for(card.deck_id).outcomes(
            _memory(card), now or self.now(), seed=_seed(card)
        )
        return [
            RatingChoice(r, Rating(r).label, o.interval, o.label)
            for r, o in sorted(outcomes.items())
        ]

    def answer(
        self,
        card_id: int,
        rating: int,
        *,
        now: datetime | None = None,
        duration_ms: int = 0,
        confidence: int | None = None,
    ) -> Answered:
        """Record an answer: reschedule the card and log the review, in one transaction."""
        if not Rating.has(rating):
            raise MasteryError(f"rating must be 1-4 (Again, Hard, Good, Easy), got {rating}")
        if confidence is not None and not Confidence.has(confidence):
            raise MasteryError(
                f"confidence must be 1-3 (unsure, fairly sure, certain), got {confidence}"
            )
        now = now or self.now()
        found = self.conn.execute("SELECT deck_id FROM card WHERE id = ?", (card_id,)).fetchone()
        if found is None:
            raise NotFoundError(f"no card {card_id}")
        # Built before the write lock is taken: the first one imports fsrs, which is slow.
        self.scheduler_for(found[0])
        try:
            with self.db.transaction():
                # Read inside the transaction: two windows answering the same card each start
                # from the other's result, never from the same stale schedule.
                log_id, due, schedule, leech = self._answer_locked(
                    card_id, rating, now, duration_ms, confidence
                )
        except BaseException:
            self._done_cache = None  # counted inside a transaction that did not commit
            raise
        self._undo.append(_UndoStep("answer", card_id, log_id=log_id, after=schedule))
        return Answered(log_id, card_id, rating, due, leech)

    def _answer_locked(
        self,
        card_id: int,
        rating: int,
        now: datetime,
        duration_ms: int,
        confidence: int | None,
    ) -> tuple[int, datetime, tuple[Any, ...], bool]:
        """`answer`'s read and write, inside its transaction: (log id, due, the card's new
        schedule as `_schedule` reads it, leech)."""
        now_ms = to_ms(now)
        conn = self.conn
        row = conn.execute(
            "SELECT state, step, stability, difficulty, due, last_review, reps, lapses, "
            "suspended, tags, deck_id FROM card WHERE id = ?",
            (card_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no card {card_id}")
        state, step, stab, diff, due, last, reps, lapses, suspended, tags, deck_id = row
        from mastery.scheduler import Memory

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
        outcome = self.scheduler_for(deck_id).answer(
            memory, rating, now, seed=card_id * 1000 + reps
        )
        after = outcome.memory
        leech = False
        new_tags, new_suspended = tags, suspended
        s = self._current_settings()
        threshold = s["leech_threshold"]
        if threshold and after.lapses > lapses and _is_leech_lapse(after.lapses, threshold):
            leech = True
            if "leech" not in tags.split():
                new_tags = (tags + " leech").strip()
            if s["leech_action"] == "suspend":
                new_suspended = SUSPENDED_BY_USER
        due_after = to_ms(after.due)
        conn.execute(
            "UPDATE card SET state=?, step=?, stability=?, difficulty=?, due=?, "
            "last_review=?, reps=?, lapses=?, suspended=?, tags=?, buried_until=NULL, "
            "updated_at=? WHERE id=?",
            (
                after.state,
                after.step,
                after.stability,
                after.difficulty,
                due_after,
                now_ms,
                after.reps,
                after.lapses,
                new_suspended,
                new_tags,
                now_ms,
                card_id,
            ),
        )
        cur = conn.execute(
            "INSERT INTO reviewlog (card_id, rating, reviewed_at, duration_ms, kind, "
            "confidence, state_before, state_after, step_before, step_after, due_before, "
            "due_after, stability_before, stability_after, difficulty_before, "
            "difficulty_after, last_review_before, elapsed_days, scheduled_days, "
            "suspended_before, tags_before) "
            f"VALUES (?, ?, ?, ?, '{LogKind.REVIEW}', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                card_id,
                rating,
                now_ms,
                int(duration_ms),
                confidence,
                state,
                after.state,
                step,
                after.step,
                due,
                due_after,
                stab,
                after.stability,
                diff,
                after.difficulty,
                last,
                outcome.elapsed_days,
                outcome.scheduled_days,
                suspended,
                tags if new_tags != tags else None,
            ),
        )
        self.goals.after_answer(deck_id, (state, stab), (after.state, after.stability), now)
        log_id = int(cur.lastrowid or 0)
        if self._done_cache is not None and self._done_cache[0] == self.clock.day_of(now):
            day, new_done, rev_done = self._done_cache
            self._done_cache = (
                day,
                new_done + (state == CardState.NEW),
                rev_done + (state == CardState.REVIEW),
            )
        # What `_schedule` would read back now, from the values just written (no query on
        # the answer path); an undo compares it with the card as it is then.
        written = (
            after.state,
            after.step,
            after.stability,
            after.difficulty,
            due_after,
            now_ms,
            after.reps,
            after.lapses,
            new_suspended,
            log_id,
        )
        return log_id, after.due, written, leech

    def _schedule(self, card_id: int) -> tuple[Any, ...]:
        """What an undo must find unchanged: the card's schedule and its newest review."""
        return tuple(
            self.conn.execute(
                "SELECT state, step, stability, difficulty, due, last_review, reps, lapses, "
                "suspended, (SELECT max(id) FROM reviewlog r WHERE r.card_id = c.id "
                f"AND {scheduled('r')}) FROM card c WHERE c.id = ?",
                (card_id,),
            ).fetchone()
            or ()
        )

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def undo_kind(self) -> str | None:
        """What `undo` would take back now: "answer", "cram", "suspend", "bury", or None."""
        return self._undo[-1].kind if self._undo else None

    def undo(self) -> CardView | None:
        """Take back the last answer, cram answer, suspension or burial of this session
        (several steps).

        An undone answer restores the card exactly and deletes its review log entry; an undone
        cram answer deletes its "cram" row (the card was never changed). An answer whose card
        was answered or rescheduled since (in another window) is refused with `ConflictError`:
        restoring it would leave a schedule that contradicts the card's history.
        """
        if not self._undo:
            return None
        step = self._undo[-1]  # kept if the profile is busy: `u` can be pressed again
        try:
            done = self._undo_locked(step)
        except ConflictError:
            self._undo.pop()  # another window's answer came after it: never undoable now
            raise
        self._undo.pop()
        return self.card(step.card_id) if done else None

    def _undo_locked(self, step: _UndoStep) -> bool:
        """`undo`'s transaction: refuses an answer whose card another window changed since;
        False if the answer's log is already gone."""
        with self.db.transaction() as conn:
            if step.kind == "answer":
                if step.after is not None and self._schedule(step.card_id) != step.after:
                    raise ConflictError(
                        "the card changed since (answered in another window); not undone"
                    )
                log = conn.execute(
                    "SELECT state_before, step_before, stability_before, difficulty_before, "
                    "due_before, last_review_before, suspended_before, tags_before, rating, "
                    "state_before FROM reviewlog WHERE id = ?",
                    (step.log_id,),
                ).fetchone()
                if log is None or step.log_id is None:
                    return False
                lapsed = log[9] == CardState.REVIEW and log[8] == Rating.AGAIN
                conn.execute(
                    "UPDATE card SET state=?, step=?, stability=?, difficulty=?, due=?, "
                    "last_review=?, suspended=?, tags=coalesce(?, tags), reps=reps-1, "
                    "lapses=lapses-? WHERE id=?",
                    (*log[:8], int(lapsed), step.card_id),
                )
                self.goals.after_undo(step.log_id)
                conn.execute("DELETE FROM reviewlog WHERE id = ?", (step.log_id,))
                self._done_cache = None
            elif step.kind == "cram":
                conn.execute(
                    "DELETE FROM reviewlog WHERE id = ? AND kind = ?", (step.log_id, LogKind.CRAM)
                )
            elif step.kind == "suspend":
                conn.execute(
                    "UPDATE card SET suspended=? WHERE id=?",
                    (step.before["suspended"], step.card_id),
                )
            elif step.kind == "bury":
                conn.execute(
                    "UPDATE card SET buried_until=? WHERE id=?",
                    (step.before["buried_until"], step.card_id),
                )
        return True

    # ------------------------------------------------------------------ cram and preview
    def _cram_where(
        self, query: str | CardQuery, deck: str | None, now: datetime | None
    ) -> tuple[str, list[Any]]:
        """A search's conditions without suspended cards, in cram order (see cram.py):
        studied cards by due time, then new cards (no due time) in deck order."""
        clauses, params = self._search_clauses(query, deck=deck, now=now)
        clauses.append("c.suspended = 0")
        return (
            "WHERE "
            + " AND ".join(clauses)
            + f" ORDER BY c.state = {CardState.NEW}, c.due, c.deck_id, c.position, c.id",
            params,
        )

    def cram_cards(
        self,
        query: str = "",
        *,
        deck: str | None = None,
        now: datetime | None = None,
        limit: int | None = None,
    ) -> list[CardView]:
        """The cards a cram session over this search goes through, in session order (for
        `mastery cram --list`). `deck` is a deck key or id, matched exactly."""
        if deck is not None:
            deck = self.deck(deck, now=now).key
        where, params = self._cram_where(query, deck, now)
        return self._cards(where + (f" LIMIT {int(limit)}" if limit is not None else ""), params)

    def cram_count(self, query: str = "", *, now: datetime | None = None) -> int:
        """How many cards a cram session over this search would go through (counted without
        ordering them: the Cram dialog asks on every keystroke)."""
        clauses, params = self._search_clauses(query, now=now)
        clauses.append("c.suspended = 0")
        return self.conn.execute(
            "SELECT count(*) FROM card c JOIN deck d ON d.id = c.deck_id WHERE "
            + " AND ".join(clauses),
            params,
        ).fetchone()[0]

    def start_cram(
        self, query: str = "", *, deck: str | None = None, now: datetime | None = None
    ) -> CramQueue:
        """A cram (or, over `is:new`, preview) session: the matching cards in session order.

        Reads only; an empty queue means nothing matched. `deck` (a key or id, matched
        exactly, unlike `deck:x`) names the session after the deck.
        """
        from mastery.cram import CramQueue

        label = query.strip()
        if deck is not None:
            summary = self.deck(deck, now=now)
            deck = summary.key
            label = f"{summary.name} {label}".strip()
        where, params = self._cram_where(query, deck, now)
        ids = [
            r[0]
            for r in self.conn.execute(
                f"SELECT c.id FROM card c JOIN deck d ON d.id = c.deck_id {where}", params
            )
        ]
        return CramQueue(label or "all cards", ids)

    def cram_answer(
        self,
        card_id: int,
        rating: int,
        *,
        now: datetime | None = None,
        duration_ms: int = 0,
        confidence: int | None = None,
    ) -> int:
        """Log an answer given in a cram or preview session; the card is not changed.

        The row has kind "cram" and the card's current state in both its before and after
        columns (stability and difficulty 0 and due `now` for a new card, which has none):
        it is not a schedule event, and FSRS, the daily limits, today's counts and the
        streaks read kind "review" only. `undo` deletes it. Returns the log id.
        """
        if not Rating.has(rating):
            raise MasteryError(f"rating must be 1-4 (Again, Hard, Good, Easy), got {rating}")
        if confidence is not None and not Confidence.has(confidence):
            raise MasteryError(
                f"confidence must be 1-3 (unsure, fairly sure, certain), got {confidence}"
            )
        now_ms = to_ms(now or self.now())
        row = self.conn.execute(
            "SELECT state, step, stability, difficulty, due, last_review, suspended "
            "FROM card WHERE id = ?",
            (card_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no card {card_id}")
        state, step, stab, diff, due, last, suspended = row
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO reviewlog (card_id, rating, reviewed_at, duration_ms, kind, "
                "confidence, state_before, state_after, step_before, step_after, due_before, "
                "due_after, stability_before, stability_after, difficulty_before, "
                "difficulty_after, last_review_before, elapsed_days, scheduled_days, "
                "suspended_before) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
                (
                    card_id,
                    rating,
                    now_ms,
                    int(duration_ms),
                    LogKind.CRAM,
                    confidence,
                    state,
                    state,
                    step,
                    step,
                    due,
                    due if due is not None else now_ms,
                    stab,
                    stab or 0.0,
                    diff,
                    diff or 0.0,
                    last,
                    suspended,
                ),
            )
        log_id = int(cur.lastrowid or 0)
        self._undo.append(_UndoStep("cram", card_id, log_id=log_id))
        return log_id

    # ------------------------------------------------------------------ stats
    def stats(self, *, now: datetime | None = None) -> Stats:
        now = now or self.now()
        clock = self.clock
        today = clock.day_of(now)
        start = to_ms(clock.day_start(today))
        end = to_ms(clock.day_start(today + timedelta(days=1)))
        reviews_today, time_today = self.conn.execute(
            "SELECT count(*), coalesce(sum(duration_ms), 0) FROM reviewlog "
            f"WHERE reviewed_at >= ? AND reviewed_at < ? AND {scheduled()}",
            (start, end),
        ).fetchone()
        reviews_total = self.conn.execute(
            f"SELECT count(*) FROM reviewlog WHERE {scheduled()}"
        ).fetchone()[0]
        total, new, learning, review, suspended = self.conn.execute(
            f"SELECT count(*), coalesce(sum(state = {CardState.NEW}), 0), "
            f"coalesce(sum(state {IN_LEARNING}), 0), "
            f"coalesce(sum(state = {CardState.REVIEW}), 0), coalesce(sum(suspended != 0), 0) FROM card"
        ).fetchone()
        return Stats(
            reviews_today=reviews_today,
            reviews_total=reviews_total,
            time_today_ms=time_today,
            streak_days=self.review_streak(now=now),
            cards_total=total,
            cards_new=new,
            cards_learning=learning,
            cards_review=review,
            cards_suspended=suspended,
            due_today=self.counts(now=now),
            next_due=self.next_due(now=now),
        )

    def review_streak(self, *, now: datetime | None = None) -> int:
        """Consecutive learner's days with at least one review, up to today (or yesterday).

        Only scheduled reviews count: a cram session alone does not keep a streak alive."""
        now = now or self.now()
        clock = self.clock
        today = clock.day_of(now)
        active: set[date] = set()
        day = today
        while True:
            start = to_ms(clock.day_start(day))
            end = to_ms(clock.day_start(day + timedelta(days=1)))
            hit = self.conn.execute(
                "SELECT 1 FROM reviewlog WHERE reviewed_at >= ? AND reviewed_at < ? "
                f"AND {scheduled()} LIMIT 1",
                (start, end),
            ).fetchone()
            if hit:
                active.add(day)
            elif day != today:
                break
            day -= timedelta(days=1)
        return streak(active, today)

    # ------------------------------------------------------------------ backups
    # The logic lives in backup.py; these keep the facade's callers (CLI, TUI, tests) working.
    @property
    def backup_dir(self) -> Path:
        return self.db.path.parent / "backups"

    def backup(self, *, now: datetime | None = None, dest: Path | None = None) -> Path:
        """A manual backup (SQLite's online backup of a checked database); the newest
        manual ones are kept, daily ones are untouched."""
        from mastery import backup

        return backup.make_backup(
            self.conn,
            self.db.path,
            self.backup_dir,
            kind="manual",
            now=now or self.now(),
            dest=dest,
        )

    def backups(self) -> list[Path]:
        """Every backup file (daily, manual, safety, old-named), oldest first."""
        from mastery import backup

        return backup.backup_paths(self.backup_dir)

    def auto_backup(self, *, now: datetime | None = None) -> Path | None:
        """The daily backup: made when the setting is on and none exists for the learner's
        day yet."""
        from mastery import backup

        if not self.setting("auto_backup"):
            return None
        now = now or self.now()
        day = self.clock.day_of(now)
        if (self.backup_dir / f"daily-{day.isoformat()}.db").exists():
            return None
        return backup.make_backup(
            self.conn, self.db.path, self.backup_dir, kind="daily", now=now, day=day
        )

    def check(self, *, fix: bool = True, now: datetime | None = None) -> CheckReport:
        """Anki's "Check Database" (see check.py): fixes what it safely can unless `fix` is
        False, and reports per kind what it found."""
        from mastery import check

        return check.check_database(self, fix=fix, now=now)


# ----------------------------------------------------------------------------- helpers
_DECK_PARAMETERS = "deck_fsrs_parameters"  # meta: {deck key: [21 weights]}

_IS_FILTERS = {
    "new": f"c.state = {CardState.NEW}",
    "learning": f"c.state {IN_LEARNING}",
    "review": f"c.state = {CardState.REVIEW}",
    "due": f"(c.state != {CardState.NEW} AND c.suspended = 0 AND c.due < ?)",
    "suspended": "c.suspended != 0",
    "leech": "(' ' || c.tags || ' ') LIKE '% leech %'",
}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _card_view(r: Sequence[Any]) -> CardView:
    return CardView(
        id=r[0],
        deck_id=r[1],
        deck_key=r[2],
        deck_name=r[3],
        key=r[4],
        note_key=r[5],
        front=r[6],
        back=r[7],
        tags=tuple(r[8].split()),
        state=r[9],
        step=r[10],
        stability=_stored_memory(r[11], 0.0, math.inf),
        difficulty=_stored_memory(r[12], 1.0, 10.0),
        due=from_ms(r[13]) if r[13] is not None else None,
        last_review=from_ms(r[14]) if r[14] is not None else None,
        reps=r[15],
        lapses=r[16],
        suspended=bool(r[17]),
        buried_until=from_ms(r[18]) if r[18] is not None else None,
        in_deck=bool(r[19]),
        position=r[20],
    )


def _stored_memory(value: Any, low: float, high: float) -> float | None:
    """A stored stability or difficulty, or None when it was changed outside Mastery into
    something no arithmetic can use (text, infinity, out of range): such a card reads as one
    without memory until `mastery check` resets it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not low <= value <= high or (low == 0.0 and value == 0.0):
        return None
    return float(value)


def _memory(card: CardView) -> Any:
    from mastery.scheduler import Memory

    return Memory(
        state=card.state,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=card.reps,
        lapses=card.lapses,
    )


def _seed(card: CardView) -> int:
    return card.id * 1000 + card.reps


def _is_leech_lapse(lapses: int, threshold: int) -> bool:
    """As Anki: a leech at the threshold, and again every half threshold after it."""
    if lapses < threshold:
        return False
    return (lapses - threshold) % max(1, threshold // 2) == 0
