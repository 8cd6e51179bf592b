"""The facade over one profile: decks, cards, the review queue, answers, undo, stats, backups.

The CLI and the TUI reach everything through `Collection` and get plain dataclasses back
(`mastery.model`), never live rows, so each can be tested without the other. As in Anki,
the facade only opens the profile, owns its clock and creates each service once; the work is
done by the services, one noun each:

- `settings_store` (settings_store.py): settings and meta values;
- `presets` (srs/presets.py): deck presets (Anki's deck options), FSRS parameters and the
  schedulers built from them;
- `library` (decks/library.py): importing, bundled decks, deck lists, export, media;
- `cards` (cards.py): finding cards, their history, suspend and bury;
- `queue` (srs/queue.py), `answers` (srs/answers.py), `undo_stack` (srs/undo.py): review;
- `cram` (cram.py): cram and preview sessions;
- `overview` (srs/overview.py): the dashboard's figures and the review streak;
- `goals`, `journal`, `mentor`, `team`: their own modules.

The methods below keep the facade's API (the CLI, the TUI and the tests call them) and each
hands over to its service. Every public method that writes is one transaction. The current
time is a parameter (`now`), else the profile's clock (`now()`), so tests set it directly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery import paths
from mastery.cards import Cards
from mastery.cram import Cram, CramQueue
from mastery.days import DayClock, TimeSource, local_zone, utcnow
from mastery.db import Database

# Re-exported for code written against the old layout, where the result types lived here;
# new code imports them from mastery.model.
from mastery.model import AnkiExportReport as AnkiExportReport
from mastery.model import CardEdit as CardEdit
from mastery.model import CardInfo as CardInfo
from mastery.model import CardView as CardView
from mastery.model import DeckSummary as DeckSummary
from mastery.model import ImportReport as ImportReport
from mastery.model import Stats as Stats
from mastery.model import Today as Today
from mastery.query import CardQuery
from mastery.settings_store import SettingsStore
from mastery.srs.answers import Answers
from mastery.srs.overview import Overview
from mastery.srs.presets import Presets
from mastery.srs.queue import Queue
from mastery.srs.undo import UndoStack
from mastery.states import RatingChoice

if TYPE_CHECKING:
    from mastery.check import CheckReport
    from mastery.decks.anki.writer import Progress
    from mastery.decks.library import Library
    from mastery.goals import Goals
    from mastery.journal import Journal
    from mastery.mentor import Mentor
    from mastery.model import Answered, QueueCounts
    from mastery.scheduler import Scheduler
    from mastery.sync import Sync
    from mastery.team import Team

# decks/anki/media.py stages an import's media here (MEDIA_STAGING; not imported: it is slow)
_MEDIA_STAGING = ".media-import"


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
        self._clock: DayClock | None = None
        self._seen_version: int | None = None  # PRAGMA data_version at the last look
        # The services, each created once (see the module docstring).
        self.settings_store = SettingsStore(self)
        self.presets = Presets(self)
        self.cards = Cards(self)
        self.queue = Queue(self)
        self.answers = Answers(self)
        self.undo_stack = UndoStack(self)
        self.cram = Cram(self)
        self.overview = Overview(self)

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
            if (path.parent / _MEDIA_STAGING).is_dir():  # an import was killed mid-way
                col.library.recover_media()
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

    def set_clock(self, clock: TimeSource) -> None:
        """Replace the time source of an open profile (an app given its own clock, a replay):
        every later call without `now`, and the learner's day, follow it."""
        self._time = clock
        self._clock = None

    @property
    def clock(self) -> DayClock:
        """The learner's day (time zone and rollover hour from the settings) on this profile's
        time source; rebuilt when the settings change."""
        if self._clock is None:
            s = self.settings_store.current()
            self._clock = DayClock(
                local_zone(s["timezone"] or None), s["rollover_hour"], source=self._time
            )
        return self._clock

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
    def library(self) -> Library:
        """The deck library, created on first use: it imports the deck file readers, which
        the review path never needs."""
        from mastery.decks.library import Library

        return Library(self)

    # ------------------------------------------------------------------ more services
    # Goals, journal, mentoring and teams are created on first use.
    @cached_property
    def goals(self) -> Goals:
        """Goals, milestones, check-ins and progress (the goals/ package)."""
        from mastery.goals import Goals

        return Goals(self)

    @cached_property
    def journal(self) -> Journal:
        """Journal entries, prompts, search, Markdown export/import (the journal/ package)."""
        from mastery.journal import Journal

        return Journal(self)

    @cached_property
    def mentor(self) -> Mentor:
        """Mentoring, both sides: bundles out and feedback in as a mentee; mentees, comments
        and replies as a mentor (the mentor/ package)."""
        from mastery.mentor import Mentor

        return Mentor(self)

    @cached_property
    def team(self) -> Team:
        """Teams: shared folders of decks and goals, anonymized sync and reports (team.py)."""
        from mastery.team import Team

        return Team(self)

    @cached_property
    def sync(self) -> Sync:
        """Sync with the person's other devices, end-to-end encrypted (the sync/ package)."""
        from mastery.sync import Sync

        return Sync(self)

    # ------------------------------------------------------------------ settings (settings_store)
    def settings(self) -> dict[str, Any]:
        """Every setting with its current value (defaults filled in); a copy to keep."""
        return dict(self.settings_store.current())

    @property
    def settings_warnings(self) -> list[str]:
        """Stored settings found invalid (and replaced by defaults) since opening, to show once."""
        return self.settings_store.warnings

    def repair_settings(self) -> list[str]:
        return self.settings_store.repair()

    def reset_setting(self, key: str) -> Any:
        return self.settings_store.reset(key)

    def setting(self, key: str) -> Any:
        return self.settings_store.get(key)

    def set_setting(self, key: str, value: Any) -> Any:
        return self.settings_store.set(key, value)

    def changed_elsewhere(self) -> bool:
        """Whether another connection (the CLI, a second window, a worker) committed since
        the last look; if so the cached settings are forgotten, so `mastery config set` takes
        effect in a running app without a restart. One cheap pragma: an open app polls it."""
        version = int(self.conn.execute("PRAGMA data_version").fetchone()[0])
        seen, self._seen_version = self._seen_version, version
        if seen is None or seen == version:
            return False
        self.reload_settings()
        return True

    def reload_settings(self) -> None:
        """Forget cached settings and everything built from them (schedulers, the day clock,
        today's counts): this or another connection (a worker) changed them."""
        self.settings_store.forget()
        self.presets.forget()
        self.queue.forget()
        self._clock = None

    def meta(self, key: str) -> Any:
        return self.settings_store.meta(key)

    def set_meta(self, key: str, value: Any) -> None:
        self.settings_store.set_meta(key, value)

    def meta_under(self, prefix: str) -> dict[str, Any]:
        return self.settings_store.meta_under(prefix)

    def meta_once(self, key: str, value: Any) -> Any:
        return self.settings_store.meta_once(key, value)

    # ------------------------------------------------------------------ FSRS (presets)
    @property
    def scheduler(self) -> Scheduler:
        return self.presets.scheduler

    def scheduler_for(self, deck_id: int | None) -> Scheduler:
        return self.presets.scheduler_for(deck_id)

    def _build_scheduler(self, parameters: Sequence[float]) -> Scheduler:
        return self.presets.build(parameters)  # optimize.py compares weights with it

    def fsrs_parameters(self, deck_key: str | None = None) -> tuple[float, ...]:
        return self.presets.parameters(deck_key)

    def decks_with_own_parameters(self) -> list[str]:
        return self.presets.decks_with_own()

    def set_fsrs_parameters(
        self, parameters: Sequence[float] | None, *, deck_key: str | None = None
    ) -> None:
        self.presets.set_parameters(parameters, deck_key=deck_key)

    # ------------------------------------------------------------------ decks (library)
    def import_files(
        self,
        files: Sequence[str | Path],
        *,
        now: datetime | None = None,
        with_history: bool = False,
    ) -> list[ImportReport]:
        return self.library.import_files(files, now=now, with_history=with_history)

    def import_specs(
        self, specs: Sequence[Any], *, now: datetime | None = None
    ) -> list[ImportReport]:
        return self.library.import_specs(specs, now=now)

    def sync_bundled_decks(self, *, now: datetime | None = None) -> list[ImportReport]:
        return self.library.sync_bundled(now=now)

    @property
    def media_dir(self) -> Path:
        return self.library.media_dir

    def decks(self, *, now: datetime | None = None) -> list[DeckSummary]:
        return self.library.decks(now=now)

    def deck(self, key_or_id: str | int, *, now: datetime | None = None) -> DeckSummary:
        return self.library.deck(key_or_id, now=now)

    def deck_cards(self, deck_key: str) -> list[CardView]:
        return self.library.deck_cards(deck_key)

    def export_deck(self, key: str) -> str:
        return self.library.export_deck(key)

    def export_apkg(
        self,
        keys: Sequence[str],
        path: Path | str,
        *,
        with_history: bool = False,
        now: datetime | None = None,
        progress: Progress | None = None,
    ) -> AnkiExportReport:
        return self.library.export_apkg(
            keys, path, with_history=with_history, now=now, progress=progress
        )

    # ------------------------------------------------------------------ cards
    def card(self, ref: str | int) -> CardView:
        return self.cards.card(ref)

    def card_info(self, ref: str | int, *, now: datetime | None = None) -> CardInfo:
        return self.cards.card_info(ref, now=now)

    def retrievability(self, card: CardView, *, now: datetime | None = None) -> float | None:
        return self.cards.retrievability(card, now=now)

    def search_cards(
        self,
        query: str | CardQuery = "",
        *,
        deck: str | None = None,
        limit: int = 1000,
        now: datetime | None = None,
    ) -> list[CardView]:
        return self.cards.search(query, deck=deck, limit=limit, now=now)

    def suspend(self, card_ids: Iterable[int], *, now: datetime | None = None) -> int:
        return self.cards.set_suspended(card_ids, True, now=now)

    def unsuspend(self, card_ids: Iterable[int], *, now: datetime | None = None) -> int:
        return self.cards.set_suspended(card_ids, False, now=now)

    def bury(self, card_id: int, *, now: datetime | None = None) -> datetime:
        return self.cards.bury(card_id, now=now)

    def set_flag(self, card_ids: Iterable[int], flag: int, *, now: datetime | None = None) -> int:
        return self.cards.set_flag(card_ids, flag, now=now)

    def set_marked(self, card_ids: Iterable[int], on: bool, *, now: datetime | None = None) -> int:
        return self.cards.set_marked(card_ids, on, now=now)

    def edit_card(
        self,
        ref: str | int,
        front: str,
        back: str,
        tags: Iterable[str],
        *,
        opened: CardView | None = None,
        now: datetime | None = None,
    ) -> CardEdit:
        return self.cards.edit(ref, front, back, tags, opened=opened, now=now)

    # ------------------------------------------------------------------ review (queue, answers, undo)
    def counts(self, *, now: datetime | None = None, deck_id: int | None = None) -> QueueCounts:
        return self.queue.counts(now=now, deck_id=deck_id)

    def next_card(
        self, *, now: datetime | None = None, deck_id: int | None = None
    ) -> CardView | None:
        return self.queue.next_card(now=now, deck_id=deck_id)

    def next_due(
        self, *, now: datetime | None = None, deck_id: int | None = None
    ) -> datetime | None:
        return self.queue.next_due(now=now, deck_id=deck_id)

    def new_tomorrow(
        self, *, now: datetime | None = None, deck_id: int | None = None
    ) -> int | None:
        return self.queue.new_tomorrow(now=now, deck_id=deck_id)

    def choices(self, card_id: int, *, now: datetime | None = None) -> list[RatingChoice]:
        return self.answers.choices(card_id, now=now)

    def answer(
        self,
        card_id: int,
        rating: int,
        *,
        now: datetime | None = None,
        duration_ms: int = 0,
        confidence: int | None = None,
    ) -> Answered:
        return self.answers.answer(
            card_id, rating, now=now, duration_ms=duration_ms, confidence=confidence
        )

    @property
    def can_undo(self) -> bool:
        return self.undo_stack.can_undo

    @property
    def undo_kind(self) -> str | None:
        return self.undo_stack.kind

    def undo(self) -> CardView | None:
        return self.undo_stack.undo()

    # ------------------------------------------------------------------ cram and preview
    def cram_cards(
        self,
        query: str = "",
        *,
        deck: str | None = None,
        now: datetime | None = None,
        limit: int | None = None,
    ) -> list[CardView]:
        return self.cram.cards(query, deck=deck, now=now, limit=limit)

    def cram_count(self, query: str = "", *, now: datetime | None = None) -> int:
        return self.cram.count(query, now=now)

    def start_cram(
        self, query: str = "", *, deck: str | None = None, now: datetime | None = None
    ) -> CramQueue:
        return self.cram.start(query, deck=deck, now=now)

    def cram_answer(
        self,
        card_id: int,
        rating: int,
        *,
        now: datetime | None = None,
        duration_ms: int = 0,
        confidence: int | None = None,
    ) -> int:
        return self.cram.answer(
            card_id, rating, now=now, duration_ms=duration_ms, confidence=confidence
        )

    # ------------------------------------------------------------------ stats (overview)
    def stats(self, *, now: datetime | None = None) -> Stats:
        return self.overview.stats(now=now)

    def today(self, *, now: datetime | None = None) -> Today:
        return self.overview.today(now=now)

    def review_streak(self, *, now: datetime | None = None) -> int:
        return self.overview.review_streak(now=now)

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
