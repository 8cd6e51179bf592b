"""Daily limits with deck presets, differential against Anki's own backend (the `anki`
package, as in the export tests): the same decks, presets and answers today, in Mastery and
in an Anki collection, must give the same New and Review counts for "review all", for each
deck studied alone, and in the dashboard's per-deck columns.

Mastery's decks are flat; "review all" is Anki's parent deck of every deck (here "Root",
on the default preset) with "apply all parent limits" on, so a deck studied alone is capped
by the default preset's limits too (docs/decks.md, Presets)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import NOW
from mastery.collection import Collection
from mastery.days import to_ms
from mastery.srs.limits import Remaining, remaining, take
from mastery.states import CardState


@dataclass(frozen=True)
class DeckCase:
    preset: int | None  # index into Case.presets; None: the default preset
    new: int  # new cards left unseen
    due: int  # review cards due today
    new_done: int  # new cards answered today
    reviews_done: int  # review cards answered today


@dataclass(frozen=True)
class Case:
    root: tuple[int, int]  # the default preset's (new per day, reviews per day)
    presets: tuple[tuple[int, int], ...]
    decks: tuple[DeckCase, ...]
    ignore_review_limit: bool


NAMED = {
    "a deck's own new limit bites": Case(
        (20, 200), ((2, 200),), (DeckCase(0, 5, 0, 0, 0), DeckCase(None, 5, 0, 0, 0)), True
    ),
    "the root's new limit caps the sum": Case(
        (3, 200), ((10, 200),), (DeckCase(0, 5, 0, 0, 0), DeckCase(None, 5, 0, 0, 0)), True
    ),
    "new cards done today count per deck": Case(
        (20, 200), ((4, 200),), (DeckCase(0, 6, 0, 3, 0), DeckCase(None, 6, 0, 2, 0)), True
    ),
    "reviews use up the review limit that caps new cards": Case(
        (20, 200), ((10, 4),), (DeckCase(0, 5, 3, 0, 0), DeckCase(None, 2, 1, 0, 0)), False
    ),
    "new cards done today lower the review limit": Case(
        (20, 5), ((10, 200),), (DeckCase(0, 4, 2, 3, 0), DeckCase(None, 3, 1, 1, 0)), False
    ),
    "new cards may ignore the review limit": Case((20, 2), (), (DeckCase(None, 4, 3, 0, 0),), True),
    "a zero review limit stops reviews": Case(
        (20, 200), ((5, 0),), (DeckCase(0, 2, 3, 0, 0), DeckCase(None, 1, 2, 0, 0)), True
    ),
}


def random_case(seed: int) -> Case:
    rng = random.Random(seed)
    presets = tuple((rng.randint(0, 6), rng.randint(0, 8)) for _ in range(rng.randint(0, 2)))
    decks = tuple(
        DeckCase(
            rng.choice([None, *range(len(presets))]),
            rng.randint(0, 6),
            rng.randint(0, 6),
            rng.randint(0, 3),
            rng.randint(0, 3),
        )
        for _ in range(rng.randint(1, 3))
    )
    return Case((rng.randint(0, 8), rng.randint(0, 10)), presets, decks, rng.random() < 0.5)


CASES = {**NAMED, **{f"random {seed}": random_case(seed) for seed in range(24)}}


def anki_counts(path: Path, case: Case) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """(new, review) for the root and for each deck studied alone, from Anki's backend."""
    from anki.collection import Collection as AnkiCollection

    a = AnkiCollection(str(path))
    try:
        a.set_config("applyAllParentLimits", True)  # rslib config/bool.rs, camelCase keys
        a.set_config("newCardsIgnoreReviewLimit", case.ignore_review_limit)
        default = a.decks.get_config(1)
        default["new"]["perDay"], default["rev"]["perDay"] = case.root
        a.decks.update_config(default)
        confs = []
        for i, (new, rev) in enumerate(case.presets):
            conf = a.decks.add_config(f"P{i}", clone_from=default)
            conf["new"]["perDay"], conf["rev"]["perDay"] = new, rev
            a.decks.update_config(conf)
            confs.append(conf["id"])
        root = a.decks.id("Root")
        model = a.models.by_name("Basic")
        deck_ids = []
        for i, d in enumerate(case.decks):
            did = a.decks.id(f"Root::D{i}")
            if d.preset is not None:
                deck = a.decks.get(did)
                deck["conf"] = confs[d.preset]
                a.decks.save(deck)
            for n in range(d.new + d.due):
                note = a.new_note(model)
                note["Front"], note["Back"] = f"{i}-{n}", "x"
                a.add_note(note, did)
                if n >= d.new:
                    card = note.cards()[0]
                    card.type = card.queue = 2
                    card.due, card.ivl = a.sched.today, 1
                    a.update_card(card)
            a._backend.update_stats(
                deck_id=did,
                new_delta=d.new_done,
                review_delta=d.reviews_done,
                millisecond_delta=0,
            )
            deck_ids.append(did)

        def counts(did: int) -> tuple[int, int]:
            a.decks.select(did)
            new, _learning, review = a.sched.counts()
            return new, review

        return counts(root), [counts(did) for did in deck_ids]
    finally:
        a.close()


def build_mastery(col: Collection, tmp_path: Path, case: Case) -> list[int]:
    col.set_setting("new_per_day", case.root[0])
    col.set_setting("reviews_per_day", case.root[1])
    col.set_setting("new_cards_ignore_review_limit", case.ignore_review_limit)
    for i, (new, rev) in enumerate(case.presets):
        col.presets.add(f"P{i}")
        col.presets.edit(f"P{i}", "new_per_day", new)
        col.presets.edit(f"P{i}", "reviews_per_day", rev)
    files = []
    for i, d in enumerate(case.decks):
        cards = d.new + d.new_done + d.due + d.reviews_done
        body = "".join(
            f'[[cards]]\nid = "c{n}"\nfront = "{i}-{n}"\nback = "x"\n\n' for n in range(cards)
        )
        path = tmp_path / f"d{i}.toml"
        path.write_text(f'id = "d{i}"\nname = "D{i}"\n\n{body}', encoding="utf-8")
        files.append(path)
    col.import_files(files, now=NOW - timedelta(days=30))
    deck_ids = []
    for i, d in enumerate(case.decks):
        deck = col.deck(f"d{i}")
        deck_ids.append(deck.id)
        if d.preset is not None:
            col.presets.use(f"d{i}", f"P{d.preset}")
        # Cards past the unseen new ones are review cards due today (the test writes them
        # as a learner five days ago would have left them).
        with col.db.transaction() as conn:
            conn.execute(
                f"UPDATE card SET state = {CardState.REVIEW}, stability = 5, difficulty = 5, "
                "reps = 1, due = ?, last_review = ? WHERE deck_id = ? AND position >= ?",
                (
                    to_ms(NOW - timedelta(hours=1)),
                    to_ms(NOW - timedelta(days=5)),
                    deck.id,
                    d.new + d.new_done,
                ),
            )
        col.queue.forget()
        ids = [
            r["id"]
            for r in col.conn.execute(
                "SELECT id, state FROM card WHERE deck_id = ? ORDER BY position", (deck.id,)
            )
        ]
        for card_id in ids[d.new : d.new + d.new_done]:
            col.answer(card_id, 4, now=NOW)  # easy: a review card due days from now
        start = d.new + d.new_done + d.due
        for card_id in ids[start : start + d.reviews_done]:
            col.answer(card_id, 3, now=NOW)
    return deck_ids


@pytest.mark.parametrize("name", list(CASES))
def test_limits_match_ankis_backend(col: Collection, tmp_path: Path, name: str) -> None:
    case = CASES[name]
    root, per_deck = anki_counts(tmp_path / "anki.anki2", case)
    deck_ids = build_mastery(col, tmp_path, case)
    counts = col.queue.counts(now=NOW)
    assert (counts.new, counts.review) == root, "review all"
    for deck_id, expected in zip(deck_ids, per_deck, strict=True):
        one = col.queue.counts(now=NOW, deck_id=deck_id)
        assert (one.new, one.review) == expected, f"deck {deck_id} alone"
    listed = {d.id: (d.new, d.due) for d in col.decks(now=NOW)}
    assert [listed[i] for i in deck_ids] == per_deck, "dashboard columns"


@pytest.mark.parametrize("name", list(CASES))
def test_the_queue_shows_exactly_the_counted_cards(
    col: Collection, tmp_path: Path, name: str
) -> None:
    """Studying "review all" until nothing is left shows as many new and review cards as the
    counts promised (the queue and the counts apply the same limits)."""
    case = CASES[name]
    build_mastery(col, tmp_path, case)
    counts = col.queue.counts(now=NOW)
    shown = {CardState.NEW: 0, CardState.REVIEW: 0}
    for _ in range(200):
        card = col.queue.next_card(now=NOW)
        if card is None or card.state not in shown:
            break
        shown[CardState(card.state)] += 1
        col.answer(card.id, 4, now=NOW)
    assert (shown[CardState.NEW], shown[CardState.REVIEW]) == (counts.new, counts.review)


def test_remaining_follows_ankis_v3_formula() -> None:
    """rslib/src/decks/limits.rs, `new_for_normal_deck_v3`."""
    assert remaining(20, 200, 5, 10) == Remaining(new=15, review=190)
    assert remaining(20, 200, 5, 10, new_ignores_review_limit=False) == Remaining(15, 185)
    assert remaining(20, 10, 8, 0, new_ignores_review_limit=False) == Remaining(2, 2)
    assert remaining(5, 5, 9, 9) == Remaining(0, 0)
    assert take(Remaining(5, 3), 10, 10, new_ignores_review_limit=False) == (3, 0)
    assert take(Remaining(5, 3), 10, 10) == (3, 5)
