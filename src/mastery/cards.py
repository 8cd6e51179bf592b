"""Cards of one profile: finding them (by number, by `deck-id/card-id`, by a search), their
history and recall odds, and taking them out of the queue (suspend, bury).

The search syntax is parsed in one place (`mastery.query`); `search_clauses` turns it into SQL
for the browser, `mastery cram` and `mastery card` commands and cram sessions alike. Suspending and
burying are one transaction each and can be undone (`srs/undo.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mastery.days import to_ms
from mastery.errors import NotFoundError, SearchError
from mastery.limits import ref_number
from mastery.model import CardInfo, CardView
from mastery.query import CardQuery, parse_cards
from mastery.states import IN_LEARNING, CardState
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
            clauses.append("(' ' || c.tags || ' ') LIKE ?")
            params.append(f"% {like(tag)} %")
        for name in wanted.decks:
            self._check_deck_filter(name)
            clauses.append("(d.key LIKE ? ESCAPE '\\' OR d.name LIKE ? ESCAPE '\\')")
            params += [f"%{like(name)}%"] * 2
        for state in wanted.states:
            clauses.append(IS_FILTERS[state])
            if state == "due":
                params.append(to_ms(clock.next_day_start(now or self._col.now())))
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

    def bury(self, card_id: int, *, now: datetime | None = None) -> datetime:
        """Hide a card until the learner's next day; returns when it comes back."""
        until = self._col.clock.next_day_start(now or self._col.now())
        with self._col.db.transaction() as conn:
            before = card_rows.bury(conn, card_id, to_ms(until))
        self._col.undo_stack.buried(card_id, before)
        return until
