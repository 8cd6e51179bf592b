"""The profile's deck library: importing deck files and Anki packages, keeping the bundled
decks current, listing decks with today's counts, exporting a deck, recovering media.

Reading files is done without the database (`mastery.decks`, `decks/anki/`); writing the
cards is the importer's (`decks/importer.py`). An import is one transaction: all its files, or
(on any error) none. Anki review history (`with_history`) is replayed afterwards in chunks of
whole cards, each its own transaction (`_replay_history`), so another window's answer waits
for one chunk rather than the whole import, and a killed import leaves every card either
replayed or untouched.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery import paths
from mastery.days import to_ms
from mastery.errors import NotFoundError
from mastery.model import AnkiExportReport, CardView, DeckSummary, ImportReport, PresetView
from mastery.states import IN_LEARNING, CardState

if TYPE_CHECKING:
    from mastery.collection import Collection
    from mastery.decks.anki.writer import Progress

# Imported review history is written in chunks of whole cards (`Library._replay_history`):
# at most this many cards, about this long each, with this pause between.
HISTORY_CHUNK_CARDS = 2000
HISTORY_CHUNK_SECONDS = 0.5
HISTORY_CHUNK_PAUSE = 0.05


class Library:
    """The decks of one profile."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    @property
    def media_dir(self) -> Path:
        """Where imported media files live: ``media/`` beside the profile's database."""
        return self._col.db.path.parent / "media"

    def recover_media(self) -> None:
        """Finish the media of an import killed mid-way (decks/anki/media.py)."""
        from mastery.decks.anki import recover_media_imports

        recover_media_imports(self.media_dir, self._col.db)

    # ------------------------------------------------------------------ importing
    def import_files(
        self,
        files: Sequence[str | Path],
        *,
        now: datetime | None = None,
        with_history: bool = False,
    ) -> list[ImportReport]:
        """Import deck files in one transaction: all of them, or (on any error) none.

        Anki packages also bring their media files (into `media_dir`) and, `with_history`,
        their review history, replayed through this profile's scheduler
        (decks/anki/history.py) after the decks, in chunks (`_replay_history`).
        """
        from mastery.decks.anki import AnkiImport
        from mastery.decks.check import load_decks
        from mastery.decks.importer import import_specs

        col = self._col
        now = now or col.now()
        with AnkiImport(self.media_dir, with_history=with_history, db=col.db) as anki:
            specs = [
                spec
                for f in files
                for spec in (anki.read(f) if anki.accepts(f) else load_decks(Path(f)))
            ]
            keys = [spec.key for spec in specs]  # linked to goals: their progress changes
            with col.db.transaction() as conn, col.goals.recording(now, deck_keys=keys):
                reports = import_specs(conn, specs, to_ms(now))
                anki.record(conn)  # the commit says the staged media belong in media/
        col.queue.forget()
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
        from mastery.decks.anki import replay_history

        col = self._col
        keys = list(history)
        counts: dict[str, list[int]] = {}
        size, at = HISTORY_CHUNK_CARDS, 0
        while at < len(keys):
            chunk = {key: history[key] for key in keys[at : at + size]}
            started = time.monotonic()
            with col.db.transaction() as conn:
                done = replay_history(conn, chunk, col.scheduler_for, now_ms)
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
        col.queue.forget()
        return [
            replace(r, history_cards=counts[r.deck_key][0], history_reviews=counts[r.deck_key][1])
            if r.deck_key in counts
            else r
            for r in reports
        ]

    def import_specs(
        self, specs: Sequence[Any], *, now: datetime | None = None
    ) -> list[ImportReport]:
        """Import already-read decks (`DeckSpec`s) in one transaction (or the caller's)."""
        from mastery.decks.importer import import_specs

        col = self._col
        now = now or col.now()
        keys = [spec.key for spec in specs]
        with col.db.transaction() as conn, col.goals.recording(now, deck_keys=keys):
            reports = import_specs(conn, specs, to_ms(now))
        col.queue.forget()
        return reports

    def import_team_decks(
        self,
        team_id: str,
        files: Sequence[Path],
        *,
        folder: Path,
        now: datetime | None = None,
    ) -> list[ImportReport]:
        """A team's deck files, under keys namespaced by the team (``team-id/deck-id``,
        `decks/namespace.py`), in one transaction: all of them or none.

        A learner's own deck with the same id is never touched, and two teams' decks with one
        id are two decks. A deck pulled before decks were namespaced (its key the plain id,
        its stored source inside `folder`, the team's ``decks/``) is renamed into the
        namespace first, in the same transaction: the same deck, so its cards, history, linked
        goals and own FSRS weights stay; its report names the old key (`renamed_from`). A deck
        with the plain id from anywhere else is the learner's own and is left alone.
        """
        from mastery.decks.check import load_deck
        from mastery.decks.importer import import_specs
        from mastery.decks.namespace import in_team

        col = self._col
        now = now or col.now()
        plain = [load_deck(f) for f in files]  # a bad file refuses the pull before any write
        specs = [in_team(spec, team_id) for spec in plain]
        with col.db.transaction() as conn:
            renamed = self._adopt_pulled(team_id, [s.key for s in plain], folder)
            with col.goals.recording(now, deck_keys=[s.key for s in specs]):
                reports = import_specs(conn, specs, to_ms(now))
        col.queue.forget()
        return [
            replace(r, renamed_from=renamed[r.deck_key]) if r.deck_key in renamed else r
            for r in reports
        ]

    def _adopt_pulled(self, team_id: str, deck_ids: Sequence[str], folder: Path) -> dict[str, str]:
        """Rename the decks an earlier pull of this team stored under plain ids (see
        `import_team_decks`); returns {new key: old key}. Inside the caller's transaction."""
        from mastery.decks.importer import rename_deck
        from mastery.decks.namespace import team_deck_key

        col = self._col
        conn = col.conn
        renamed: dict[str, str] = {}
        for deck_id in deck_ids:
            row = conn.execute("SELECT id, source FROM deck WHERE key = ?", (deck_id,)).fetchone()
            if row is None or not _inside(row["source"], folder):
                continue
            new_key = team_deck_key(team_id, deck_id)
            if conn.execute("SELECT 1 FROM deck WHERE key = ?", (new_key,)).fetchone():
                continue  # the team's deck exists already: the plain one stays as it is
            rename_deck(conn, row["id"], deck_id, new_key)
            col.presets.deck_renamed(deck_id, new_key)
            renamed[new_key] = deck_id
        return renamed

    def sync_bundled(self, *, now: datetime | None = None) -> list[ImportReport]:
        """Import bundled decks that are new to this profile or have a newer version, except
        those you edited (they come from your copy in the profile folder now)."""
        from mastery.decks import load_deck

        folder = paths.bundled_decks_dir()
        if not folder.is_dir():
            return []
        col = self._col
        seen: dict[str, str] = col.meta("bundled_versions") or {}
        # A bundled deck you edited comes from your own copy now (`Cards.edit`): keep it.
        copies = col.db.path.parent / "decks"
        own = {
            r["key"]
            for r in col.conn.execute("SELECT key, source FROM deck")
            if _inside(r["source"], copies)
        }
        specs = []
        for file in sorted(folder.glob("*.toml")):
            spec = load_deck(file)
            if seen.get(spec.key) != spec.version and spec.key not in own:
                specs.append(spec)
        if not specs:
            return []
        with col.db.transaction():  # the decks and the versions seen, together
            reports = self.import_specs(specs, now=now)
            seen.update({s.key: s.version for s in specs})
            col.set_meta("bundled_versions", seen)
        return reports

    # ------------------------------------------------------------------ listing
    def decks(self, *, now: datetime | None = None) -> list[DeckSummary]:
        """Every deck with today's New / Learning / Due counts (daily limits applied)."""
        col = self._col
        conn = col.conn
        now = now or col.now()
        new_left, review_left = col.queue.limits_left(now)
        # A deck on another preset has its own limits, within the root's (srs/limits.py).
        own_limits = col.queue.deck_limits(now)
        ignore_review_limit = col.settings_store.current()["new_cards_ignore_review_limit"]
        views = {view.id: view for view in col.presets.presets()}
        visible = "(buried_until IS NULL OR buried_until <= :now)"
        p = {
            "now": to_ms(now),
            "end": to_ms(col.clock.next_day_start(now)),
            "new_left": new_left,
        }
        # Several small index-driven queries beat one GROUP BY over every card (dashboard_counts).
        # Deck sizes from the counters kept as cards are written (storage/counters.py).
        sizes = {
            r["deck_id"]: (r["total"], r["suspended"])
            for r in conn.execute(
                "SELECT deck_id, sum(cards) AS total, "
                "coalesce(sum(cards) FILTER (WHERE suspended), 0) AS suspended "
                "FROM cardcount GROUP BY deck_id"
            )
        }
        learning = {
            r["deck_id"]: r["n"]
            for r in conn.execute(
                "SELECT deck_id, count(*) AS n FROM card WHERE suspended = 0 "
                f"AND state {IN_LEARNING} AND due < :end GROUP BY +deck_id",
                p,
            )
        }
        due = {
            r["deck_id"]: r["n"]
            for r in conn.execute(
                "SELECT deck_id, count(*) AS n FROM card WHERE suspended = 0 "
                f"AND state = {CardState.REVIEW} AND due < :end AND {visible} GROUP BY +deck_id",
                p,
            )
        }
        summaries = []
        for r in conn.execute(
            "SELECT id, key, name, description, version, tags, source FROM deck "
            "ORDER BY name COLLATE NOCASE"
        ):
            total, suspended = sizes.get(r["id"], (0, 0))
            preset_id = col.presets.preset_of(r["id"])
            own = own_limits.get(r["id"])
            deck_new, deck_review = (own.new, own.review) if own else (new_left, review_left)
            due_here = due.get(r["id"], 0)
            deck_due = min(due_here, deck_review)
            if not ignore_review_limit:  # Anki: the reviews taken cap the new cards
                deck_new = min(deck_new, deck_review - deck_due)
            # One more than the limit tells whether the limit cut the count.
            new = conn.execute(
                "SELECT count(*) AS n FROM (SELECT 1 FROM card WHERE suspended = 0 "
                f"AND state = {CardState.NEW} AND deck_id = :deck AND {visible} LIMIT :new_left)",
                {**p, "deck": r["id"], "new_left": deck_new + 1},
            ).fetchone()["n"]
            new_limit = due_limit = None
            if new > deck_new:
                new = deck_new
                new_limit = _biting(
                    views, preset_id, "new_per_day", new_left, own.new if own else None
                )
            if due_here > deck_review:
                due_limit = _biting(
                    views, preset_id, "reviews_per_day", review_left, own.review if own else None
                )
            summaries.append(
                DeckSummary(
                    id=r["id"],
                    key=r["key"],
                    name=r["name"],
                    description=r["description"],
                    version=r["version"],
                    tags=tuple(r["tags"].split()),
                    source=r["source"],
                    total=total,
                    new=new,
                    learning=learning.get(r["id"], 0),
                    due=deck_due,
                    suspended=suspended or 0,
                    preset=views[preset_id].name,
                    new_limit=new_limit,
                    due_limit=due_limit,
                )
            )
        return summaries

    def deck(self, key_or_id: str | int, *, now: datetime | None = None) -> DeckSummary:
        """One deck by its key or number; `NotFoundError` names the command that lists them."""
        for deck in self.decks(now=now):
            if str(deck.id) == str(key_or_id) or deck.key == key_or_id:
                return deck
        raise NotFoundError(f"no deck {key_or_id!r}; see `mastery decks`")

    def deck_cards(self, deck_key: str) -> list[CardView]:
        """Every card of a deck that is still in its file, in file order (for `deck export`)."""
        deck = self.deck(deck_key)
        return self._col.cards.select(
            "WHERE c.deck_id = ? AND c.in_deck = 1 ORDER BY c.position", (deck.id,)
        )

    def export_deck(self, key: str) -> str:
        """The deck as a TOML deck file (for contributing back to a team's folder).

        Content only, as in any deck file: no review state, and no tags set in the profile
        (leech, flags, the mark).
        """
        from mastery.decks import DeckSpec, dump_deck
        from mastery.decks.namespace import file_deck_id

        deck = self.deck(key)
        # A team deck's key holds its team; the file's id is the deck's own (no "/" allowed).
        spec = DeckSpec(
            file_deck_id(deck.key), deck.name, deck.description, deck.version, deck.tags, (), ""
        )
        rows = [(c.key, c.front, c.back, c.own_tags) for c in self.deck_cards(deck.key)]
        return dump_deck(spec, rows)

    def export_apkg(
        self,
        keys: Sequence[str],
        path: Path | str,
        *,
        with_history: bool = False,
        now: datetime | None = None,
        progress: Progress | None = None,
    ) -> AnkiExportReport:
        """Write decks (`keys`; none: every deck) as an Anki package for Anki and AnkiDroid
        (decks/anki/export_run.py, decks/anki/writer.py), with their media files and, with
        `with_history`, each card's schedule, FSRS memory state and review log. Reads only;
        the file is replaced atomically (an error leaves the old one)."""
        from mastery.decks.anki.export_run import gather_export
        from mastery.decks.anki.writer import write_apkg

        col = self._col
        now = now or col.now()
        decks = [self.deck(key) for key in keys] if keys else self.decks(now=now)
        if not decks:
            raise NotFoundError("no decks to export; import one with `mastery import FILE`")
        package = gather_export(
            col.conn,
            [d.id for d in decks],
            clock=col.clock,
            now=now,
            media_dir=self.media_dir,
            with_history=with_history,
            progress=progress,
        )
        write_apkg(Path(path), package, progress)
        return AnkiExportReport(
            str(path), len(decks), len(package.cards), len(package.revlog), len(package.media)
        )


def _inside(source: str, folder: Path) -> bool:
    """Whether a deck's stored source path lies inside `folder`. Team pulls store absolute
    paths; a relative one (a personal `mastery import` from some directory) never counts."""
    path = Path(source)
    if not path.is_absolute():
        return False
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a path the OS refuses
        return False


def _biting(
    views: dict[int, PresetView], preset_id: int, key: str, root_left: int, own_left: int | None
) -> tuple[str, int]:
    """Which preset's limit cut a count: the deck's own when it leaves less than the default
    preset's does across every deck (srs/limits.py), else the default's."""
    view = views[preset_id] if own_left is not None and own_left < root_left else views[1]
    return view.name, view.values[key]
