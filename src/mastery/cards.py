"""Cards of one profile: finding them (by number, by `deck-id/card-id`, by a search), their
history and recall odds, editing them (into their deck file), flagging and marking them as in
Anki, and taking them out of the queue (suspend, bury).

The search syntax is parsed in one place (`mastery.query`); `search_clauses` turns it into SQL
for the browser, `mastery cram` and `mastery card` commands and cram sessions alike.
Suspending, burying, flags and the mark are one transaction each and can be undone
(`srs/undo.py`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery.days import to_ms
from mastery.errors import CardEditError, ConflictError, NotFoundError, SearchError
from mastery.files import rewrite, write_atomic
from mastery.limits import ref_number
from mastery.model import CardEdit, CardInfo, CardView
from mastery.query import CardQuery, parse_cards
from mastery.states import (
    FLAG_PREFIX,
    IN_LEARNING,
    MARKED,
    CardState,
    Flag,
    is_local_tag,
    with_flag,
)
from mastery.storage import cards as card_rows
from mastery.storage import reviews

if TYPE_CHECKING:
    from mastery.collection import Collection

# `is:x` search terms as SQL on `card c`; "due" takes the end of the day as its parameter.
IS_FILTERS = {
    "new": f"c.state = {CardState.NEW}",
    "learning": f"c.state {IN_LEARNING}",
    "review": f"c.state = {CardState.REVIEW}",
    "due": f"(c.state != {CardState.NEW} AND c.suspended = 0 AND c.due < ?)",
    "suspended": "c.suspended != 0",
    "leech": "(' ' || c.tags || ' ') LIKE '% leech %'",
}


def like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Cards:
    """Finding, inspecting, suspending and burying cards."""

    def __init__(self, col: Collection) -> None:
        self._col = col

    def select(self, where: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[CardView]:
        """The cards `where` (SQL on `card c JOIN deck d`, after the FROM) picks."""
        return card_rows.select(self._col.conn, where, params)

    def card(self, ref: str | int) -> CardView:
        """A card by its number (as the browser shows it) or by `deck-id/card-id` (a team
        deck's: `team-id/deck-id/card-id`)."""
        text = str(ref).strip()
        if text.isdigit():
            number = ref_number(text)  # None: no card can have that number
            found = [] if number is None else self.select("WHERE c.id = ?", (number,))
        elif "/" in text:
            # Card ids never hold "/", a team deck's key does (``team/deck/card``).
            deck_key, card_key = text.rsplit("/", 1)
            found = self.select("WHERE d.key = ? AND c.key = ?", (deck_key, card_key))
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
        history = reviews.history(self._col.conn, card.id)
        return CardInfo(card, history, self.retrievability(card, now=now))

    def retrievability(self, card: CardView, *, now: datetime | None = None) -> float | None:
        """The odds of recalling the card now, by its deck's scheduler (None: never studied,
        or its stability is unusable)."""
        if card.state == CardState.NEW or card.stability is None:
            return None
        from mastery.scheduler import Memory

        memory = Memory(
            state=card.state,
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
            last_review=card.last_review,
            reps=card.reps,
            lapses=card.lapses,
        )
        scheduler = self._col.scheduler_for(card.deck_id)
        return scheduler.retrievability(memory, now or self._col.now())

    def search(
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
        clauses, params = self.search_clauses(query, deck=deck, now=now)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self.select(f"{where} ORDER BY d.name, c.position LIMIT {int(limit)}", params)

    def search_clauses(
        self, query: str | CardQuery, *, deck: str | None = None, now: datetime | None = None
    ) -> tuple[list[str], list[Any]]:
        """The SQL conditions (on `card c JOIN deck d`) of a search, shared by the browser and
        cram sessions, from the one parser (`mastery.query`). `deck:x` matches part of a
        deck's key or name and must match some deck (a typo is refused, not an empty list).
        `due:N`: studied cards, not suspended, due before the learner's day N days after
        today ends (`due:0` is what is due today)."""
        wanted = parse_cards(query) if isinstance(query, str) else query
        clock = self._col.clock
        clauses: list[str] = []
        params: list[Any] = []
        if deck:
            clauses.append("d.key = ?")
            params.append(deck)
        for word in wanted.words:
            clauses.append("(c.front LIKE ? ESCAPE '\\' OR c.back LIKE ? ESCAPE '\\')")
            params += [f"%{like(word)}%"] * 2
        for tag in wanted.tags:
            clauses.append("(' ' || c.tags || ' ') LIKE ? ESCAPE '\\'")
            params.append(f"% {like(tag)} %")
        for name in wanted.decks:
            self._check_deck_filter(name)
            clauses.append("(d.key LIKE ? ESCAPE '\\' OR d.name LIKE ? ESCAPE '\\')")
            params += [f"%{like(name)}%"] * 2
        for state in wanted.states:
            clauses.append(IS_FILTERS[state])
            if state == "due":
                params.append(to_ms(clock.next_day_start(now or self._col.now())))
        for flag in wanted.flags:
            if flag.tag is None:
                clauses.append("(' ' || c.tags || ' ') NOT LIKE ? ESCAPE '\\'")
                params.append(f"% {like(FLAG_PREFIX)}%")
            else:
                clauses.append("(' ' || c.tags || ' ') LIKE ? ESCAPE '\\'")
                params.append(f"% {like(flag.tag)} %")
                # A card shows its lowest flag (`Flag.of`): two flags put in by hand find it
                # under that one only, as the browser and the review header show it.
                for lower in Flag:
                    if lower.tag is not None and lower < flag:
                        clauses.append("(' ' || c.tags || ' ') NOT LIKE ? ESCAPE '\\'")
                        params.append(f"% {like(lower.tag)} %")
        if wanted.due_within is not None:
            today = clock.day_of(now or self._col.now())
            clauses.append(IS_FILTERS["due"])
            ends = today + timedelta(days=wanted.due_within + 1)
            params.append(to_ms(clock.day_start(ends)))
        return clauses, params

    def _check_deck_filter(self, name: str) -> None:
        """`deck:x` names no deck: say which decks there are (one line)."""
        conn = self._col.conn
        pattern = f"%{like(name)}%"
        hit = conn.execute(
            "SELECT 1 FROM deck WHERE key LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\' LIMIT 1",
            (pattern, pattern),
        ).fetchone()
        if hit is None:
            keys = [r["key"] for r in conn.execute("SELECT key FROM deck ORDER BY key")]
            known = ", ".join(f"deck:{k}" for k in keys[:8]) + (", ..." if len(keys) > 8 else "")
            raise SearchError(
                f"unknown deck deck:{name}; use "
                + (known if keys else "a deck's key or name (no decks yet: mastery import FILE)")
            )

    # ------------------------------------------------------------------ out of the queue
    def set_suspended(
        self, card_ids: Iterable[int], on: bool, *, now: datetime | None = None
    ) -> int:
        """Suspend (`on`) or unsuspend cards in one transaction; returns how many changed.
        A single card's change can be undone."""
        ids = list(card_ids)
        if not ids:
            return 0
        now_ms = to_ms(now or self._col.now())
        with self._col.db.transaction() as conn:
            before, changed = card_rows.set_suspended(conn, ids, on, now_ms)
        if len(ids) == 1:
            self._col.undo_stack.suspended(ids[0], before[ids[0]])
        return changed

    # ------------------------------------------------------------------ editing
    def edit(
        self,
        ref: str | int,
        front: str,
        back: str,
        tags: Iterable[str],
        *,
        opened: CardView | None = None,
        now: datetime | None = None,
    ) -> CardEdit:
        """Give a card a new front, back and tags, keeping its key, schedule and history.

        A card from a TOML deck file is changed in that file too (one card's lines, the file
        replaced atomically under its lock), so git shows a one-card diff and a re-import
        keeps the edit. A bundled deck's file is never written: the first edit saves the
        deck as your own copy in the profile folder (`decks/<id>.toml`), which the deck then
        comes from, and newer bundled versions no longer replace it. Cards from CSV files and
        Anki packages are changed in the profile only (the message says a re-import of that
        file would bring its text back). `tags` are the card's own: the leech, flag and mark
        tags stay as they are. `opened` is the card as an editor showed it: if another window
        changed it since, `ConflictError`. One transaction; on any error nothing changes."""
        from mastery.decks.edit import edit_card_text
        from mastery.decks.importer import set_source
        from mastery.decks.spec import merge_tags

        card = self.card(ref)
        if opened is not None and (opened.front, opened.back, opened.own_tags) != (
            card.front,
            card.back,
            card.own_tags,
        ):
            raise ConflictError(
                "the card was changed in another window since you opened it; not saved "
                "(close the editor and open the card again)"
            )
        front, back = front.strip(), back.strip()
        if not front:
            raise CardEditError("the front is empty: a card needs a question")
        if not back:
            raise CardEditError("the back is empty: a card needs an answer")
        own = tuple(dict.fromkeys(t for tag in tags for t in tag.split()))
        local = [t for t in own if is_local_tag(t)]
        if local:
            raise CardEditError(
                f"{local[0]!r} is set from review and the browser (f flags, * marks, a leech "
                "by the scheduler); leave it out of the tags"
            )
        col = self._col
        deck = col.library.deck(card.deck_id)
        target, copy = self._deck_file(deck.key, deck.source)
        new_tags = " ".join(merge_tags(deck.tags, own, (t for t in card.tags if is_local_tag(t))))
        now_ms = to_ms(now or col.now())

        def change(text: str) -> str:
            return edit_card_text(
                text, str(target), card.key, front, back, own, was=(card.front, card.back)
            )

        with col.db.transaction() as conn:
            card_rows.write_content(conn, card.id, front, back, new_tags, now_ms)
            if target is not None and copy:
                # The bundled file as it is (a one-card diff against it), or the deck as the
                # profile holds it should the file be gone.
                source = Path(deck.source)
                original = (
                    source.read_text(encoding="utf-8")
                    if source.is_file()
                    else col.library.export_deck(deck.key)
                )
                text = change(original)
                write_atomic(target, text)
                set_source(conn, deck.id, str(target), now_ms)
            elif target is not None:
                rewrite(target, change)  # last: a failure rolls the profile back too
        fresh = self.card(card.id)
        if target is None:
            origin = Path(deck.source) if deck.source else None
            why = (
                "is not a Mastery deck file"
                if origin is None or origin.suffix.lower() != ".toml"
                else "cannot be written here"
                if origin.is_file()
                else "is not found from here"
            )
            message = (
                f"Saved in your profile only: {origin.name if origin else 'its source'} {why}, "
                "so importing it again would bring back its text."
            )
        elif copy:
            message = (
                f"Saved to {target}, your own copy of the bundled deck {deck.name!r} "
                "(bundled updates no longer replace it)."
            )
        else:
            message = f"Saved to {target}."
        return CardEdit(fresh, str(target) if target else None, message)

    def _deck_file(self, deck_key: str, source: str) -> tuple[Path | None, bool]:
        """Where an edit of the deck's cards goes: (its TOML file, False), (a new copy in the
        profile folder, True) for a bundled deck, or (None, False) for the profile only."""
        from mastery import paths

        if not source or Path(source).suffix.lower() != ".toml":
            return None, False
        path = Path(source)
        if paths.is_bundled(path):
            folder = self._col.db.path.parent / "decks"
            from mastery.decks.namespace import file_deck_id

            stem = file_deck_id(deck_key)
            target = folder / f"{stem}.toml"
            n = 1
            while target.exists():
                n += 1
                target = folder / f"{stem}-{n}.toml"
            return target, True
        return (path, False) if path.is_file() and os.access(path, os.W_OK) else (None, False)

    # ------------------------------------------------------------------ flags and the mark
    def set_flag(self, card_ids: Iterable[int], flag: int, *, now: datetime | None = None) -> int:
        """Give cards Anki's flag `flag` (1-7; 0 takes it off), as their one `flag::colour`
        tag, in one transaction; returns how many changed. A single card's change can be
        undone. `ValueError` for a number that is no flag."""
        if not Flag.has(flag):
            raise ValueError(f"flag must be 0-7, got {flag!r}")
        wanted = Flag(flag)
        return self._retag(card_ids, "flag", lambda tags: with_flag(tags, wanted), now)

    def set_marked(self, card_ids: Iterable[int], on: bool, *, now: datetime | None = None) -> int:
        """Mark (`on`) or unmark cards (Anki's "mark note": the tag `marked`); returns how
        many changed. A single card's change can be undone."""

        def change(tags: tuple[str, ...]) -> tuple[str, ...]:
            rest = tuple(t for t in tags if t != MARKED)
            return (*rest, MARKED) if on else rest

        return self._retag(card_ids, "mark", change, now)

    def _retag(
        self,
        card_ids: Iterable[int],
        kind: str,
        change: Callable[[tuple[str, ...]], tuple[str, ...]],
        now: datetime | None,
    ) -> int:
        ids = list(dict.fromkeys(card_ids))
        if not ids:
            return 0
        now_ms = to_ms(now or self._col.now())
        with self._col.db.transaction() as conn:
            before = card_rows.tags_of(conn, ids)
            after = {i: " ".join(change(tuple(tags.split()))) for i, tags in before.items()}
            changed = {i: t for i, t in after.items() if t != before[i]}
            card_rows.set_tags(conn, changed, now_ms)
        if len(ids) == 1 and changed:
            self._col.undo_stack.retagged(kind, ids[0], before[ids[0]])
        return len(changed)

    def bury(self, card_id: int, *, now: datetime | None = None) -> datetime:
        """Hide a card until the learner's next day; returns when it comes back."""
        until = self._col.clock.next_day_start(now or self._col.now())
        with self._col.db.transaction() as conn:
            before = card_rows.bury(conn, card_id, to_ms(until))
        self._col.undo_stack.buried(card_id, before)
        return until
