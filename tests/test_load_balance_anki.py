"""The load balancer per deck preset, differential against Anki's own backend (the `anki`
package, 26.9.3): the same layouts of reviews due in two presets of different easy days, in an
Anki collection and in a Mastery profile, and the day Good gets must follow the same rule.

Anki draws its day with a generator seeded by the card and Mastery with the card's fuzz
number, and their Good intervals differ (SM-2 there, FSRS here), so the layouts are written
relative to each side's own Good range and make the rule, not the draw, decide: the target day
`t` (inside the range) wins or loses with a probability above 0.9999 on both sides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from test_load_balance import _due_day, _review, anki_fuzz_bounds

from conftest import NOW
from mastery.collection import Collection
from mastery.load_balance import DueLoad
from mastery.scheduler import GOOD


def _deck(key: str, cards: int) -> str:
    return f'id = "{key}"\nname = "{key.upper()}"\n' + "".join(
        f'\n[[cards]]\nid = "{key}{i}"\nfront = "{key} {i}?"\nback = "{i}"\n' for i in range(cards)
    )


@dataclass(frozen=True)
class Layout:
    """Reviews due in the answered card's Good range, per preset ("A": Default, "B": the
    other); `t` is the range's middle day, `others` every other day of the range."""

    card: str  # the answered card's preset
    t: dict[str, int] = field(default_factory=dict)
    others: dict[str, int] = field(default_factory=dict)
    t_off: str = ""  # the preset whose easy days make t's weekday a day off
    sibling_on_t: str = ""  # the preset whose deck holds a sibling due on t
    wins: bool = True  # whether Good lands on t


LAYOUTS = {
    "another preset's crowd is not counted": Layout("A", t={"A": 0, "B": 50}, others={"A": 2}),
    "another preset's day off does not apply": Layout(
        "B", t={"B": 1}, others={"B": 100}, t_off="A"
    ),
    "the card's preset's day off applies": Layout(
        "B", t={"B": 2}, others={"B": 2}, t_off="B", wins=False
    ),
    "a sibling in another preset's deck is kept apart": Layout(
        "A", t={"A": 2}, others={"A": 2}, sibling_on_t="B", wins=False
    ),
}


def anki_good_day(path: Path, layout: Layout) -> tuple[int, int]:
    """(Good's day, the target day t) in an Anki collection laid out as `layout`."""
    from anki.collection import Collection as AnkiCollection

    a = AnkiCollection(str(path))
    try:
        # A review card due today, interval 10, ease 250%: Good is 25 days, at least Hard + 1
        # (13), so its range is constrained_fuzz_bounds(25, 13, 36500) = 22..28.
        lower, upper = anki_fuzz_bounds(25.0, 13, 36500)
        t = (lower + upper) // 2
        weekday = datetime.fromtimestamp(a.sched.day_cutoff + (t - 1) * 86400).weekday()
        week = [1.0] * 7
        off = [0.0 if d == weekday else 1.0 for d in range(7)]
        default = a.decks.get_config(1)
        default["easyDaysPercentages"] = off if layout.t_off == "A" else week
        default["rev"]["bury"] = True  # Anki looks for siblings only with this on
        a.decks.update_config(default)
        conf = a.decks.add_config("B", clone_from=default)
        conf["easyDaysPercentages"] = off if layout.t_off == "B" else week
        a.decks.update_config(conf)
        decks = {"A": a.decks.id("A"), "B": a.decks.id("B")}
        deck = a.decks.get(decks["B"])
        deck["conf"] = conf["id"]
        a.decks.save(deck)
        today = a.sched.today
        serial = iter(range(10**6))

        def due(card, did: int, day: int) -> None:
            card.did, card.type, card.queue = did, 2, 2
            card.due, card.ivl, card.factor = today + day, 10, 2500
            a.update_card(card)

        def review(did: int, day: int) -> None:
            note = a.new_note(a.models.by_name("Basic"))
            note["Front"], note["Back"] = f"{next(serial)}", "x"
            a.add_note(note, did)
            due(note.cards()[0], did, day)

        for preset, n in layout.t.items():
            for _ in range(n):
                review(decks[preset], t)
        for preset, n in layout.others.items():
            for day in range(lower, upper + 1):
                for _ in range(n if day != t else 0):
                    review(decks[preset], day)
        # the answered card; with a sibling (the reverse card) when the layout has one
        model = "Basic (and reversed card)" if layout.sibling_on_t else "Basic"
        note = a.new_note(a.models.by_name(model))
        note["Front"], note["Back"] = "answered", "x"
        a.add_note(note, decks[layout.card])
        answered, *siblings = note.cards()
        due(answered, decks[layout.card], 0)
        for sibling in siblings:
            due(sibling, decks[layout.sibling_on_t], t)
        a.decks.select(decks[layout.card])
        a.sched.get_queued_cards()  # builds the queues, and the load balancer with them
        states = a._backend.get_scheduling_states(answered.id)
        good = states.good.normal.review.scheduled_days
        assert lower <= good <= upper
        return good, t
    finally:
        a.close()


def mastery_good_day(col: Collection, write_deck, layout: Layout, monkeypatch) -> tuple[int, int]:
    """(Good's day, the target day t) in a Mastery profile laid out as `layout`."""
    col.import_files(
        [write_deck(_deck("a", 2500)), write_deck(_deck("b", 2500), "b.toml")], now=NOW
    )
    col.presets.add("B")
    col.presets.use("b", "B")
    ids = {
        preset: [
            r["id"]
            for r in col.conn.execute(
                "SELECT c.id FROM card c JOIN deck d ON d.id = c.deck_id WHERE d.key = ? "
                "ORDER BY c.position",
                (key,),
            )
        ]
        for preset, key in (("A", "a"), ("B", "b"))
    }
    card = ids[layout.card].pop(0)
    _review(col, card, 0, stability=25.0)
    bounds: list[tuple[int, int]] = []
    real = DueLoad.find_day

    def spy(self, interval, minimum, range_, u):
        bounds.append(range_)
        return real(self, interval, minimum, range_, u)

    monkeypatch.setattr(DueLoad, "find_day", spy)
    col.choices(card, now=NOW)
    lower, upper = bounds[1]  # Hard, Good, Easy: Good's range
    assert upper - lower >= 2
    t = (lower + upper) // 2
    weekday = (col.clock.day_of(NOW) + timedelta(days=t)).weekday()
    off = [0 if d == weekday else 100 for d in range(7)]
    col.presets.edit("Default", "easy_days", off if layout.t_off == "A" else [100] * 7)
    col.presets.edit("B", "easy_days", off if layout.t_off == "B" else [100] * 7)
    spare = {preset: iter(rest) for preset, rest in ids.items()}
    for preset, n in layout.t.items():
        for _ in range(n):
            _review(col, next(spare[preset]), t)
    for preset, n in layout.others.items():
        for day in range(lower, upper + 1):
            for _ in range(n if day != t else 0):
                _review(col, next(spare[preset]), day)
    if layout.sibling_on_t:
        sibling = next(spare[layout.sibling_on_t])
        with col.db.transaction() as conn:
            conn.execute(
                "UPDATE card SET note_key = (SELECT note_key FROM card WHERE id = ?) WHERE id = ?",
                (card, sibling),
            )
        _review(col, sibling, t)
    col.answer(card, GOOD, now=NOW)
    good = _due_day(col, card)
    assert lower <= good <= upper
    return good, t


@pytest.mark.parametrize("name", LAYOUTS)
def test_good_follows_anki_per_preset(name, col, write_deck, tmp_path, monkeypatch) -> None:
    layout = LAYOUTS[name]
    anki_day, anki_t = anki_good_day(tmp_path / "anki.anki2", layout)
    ours, our_t = mastery_good_day(col, write_deck, layout, monkeypatch)
    assert (anki_day == anki_t) is layout.wins
    assert (ours == our_t) is layout.wins
