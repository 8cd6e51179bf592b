"""The collection facade: importing decks, the review queue, answers, undo, limits, leeches."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import NOW
from mastery.collection import Collection
from mastery.days import to_ms
from mastery.errors import DeckFormatError, NotFoundError

BASIC = """
id = "demo"
name = "Demo"

[[cards]]
id = "one"
front = "One?"
back = "1"

[[cards]]
id = "two"
front = "Two?"
back = "2"

[[cards]]
id = "three"
front = "Three?"
back = "3"
"""


def deck_with(*cards: tuple[str, str, str], deck_id: str = "demo") -> str:
    body = "".join(
        f'\n[[cards]]\nid = "{cid}"\nfront = "{front}"\nback = "{back}"\n'
        for cid, front, back in cards
    )
    return f'id = "{deck_id}"\nname = "{deck_id.title()}"\n{body}'


def review_all(col: Collection, rating: int = 3, now=NOW, limit: int = 1000) -> list[int]:
    seen = []
    for _ in range(limit):
        card = col.next_card(now=now)
        if card is None:
            break
        col.answer(card.id, rating, now=now)
        seen.append(card.id)
    return seen


# ----------------------------------------------------------------------------- import
def test_import_adds_cards_and_reports(col: Collection, write_deck) -> None:
    [report] = col.import_files([write_deck(BASIC)], now=NOW)
    assert (report.deck_key, report.added, report.updated, report.unchanged) == ("demo", 3, 0, 0)
    [deck] = col.decks(now=NOW)
    assert (deck.total, deck.new, deck.learning, deck.due) == (3, 3, 0, 0)


def test_reimport_keeps_review_history_and_updates_text(col: Collection, write_deck) -> None:
    path = write_deck(BASIC)
    col.import_files([path], now=NOW)
    card = col.next_card(now=NOW)
    assert card is not None and card.key == "one"
    col.answer(card.id, 3, now=NOW)
    col.answer(card.id, 3, now=NOW + timedelta(minutes=10))
    before = col.card("demo/one")
    assert before.state == 2 and before.reps == 2

    path.write_text(BASIC.replace('back = "1"', 'back = "one (1)"'), encoding="utf-8")
    [report] = col.import_files([path], now=NOW)
    assert (report.added, report.updated, report.unchanged, report.suspended) == (0, 1, 2, 0)
    after = col.card("demo/one")
    assert after.back == "one (1)"
    assert (after.state, after.reps, after.stability, after.due) == (
        before.state,
        before.reps,
        before.stability,
        before.due,
    )
    assert len(col.card_info("demo/one").history) == 2


def test_card_that_left_the_deck_is_suspended_not_deleted(col: Collection, write_deck) -> None:
    path = write_deck(BASIC)
    col.import_files([path], now=NOW)
    col.answer(col.card("demo/two").id, 3, now=NOW)
    path.write_text(deck_with(("one", "One?", "1"), ("three", "Three?", "3")), encoding="utf-8")
    [report] = col.import_files([path], now=NOW)
    assert report.suspended == 1
    gone = col.card("demo/two")
    assert gone.suspended and not gone.in_deck
    assert len(col.card_info("demo/two").history) == 1
    # It comes back, history intact, when the card returns to the file.
    path.write_text(BASIC, encoding="utf-8")
    [report] = col.import_files([path], now=NOW)
    assert report.restored == 1
    back = col.card("demo/two")
    assert not back.suspended and back.in_deck and back.reps == 1


def test_user_suspension_survives_a_reimport(col: Collection, write_deck) -> None:
    path = write_deck(BASIC)
    col.import_files([path], now=NOW)
    col.suspend([col.card("demo/three").id])
    col.import_files([path], now=NOW)
    assert col.card("demo/three").suspended


def test_malformed_file_imports_nothing_from_the_whole_run(col: Collection, write_deck) -> None:
    good = write_deck(BASIC, "good.toml")
    bad = write_deck('id = "bad"\nname = "Bad"\n[[cards]]\nfront = "no back"\n', "bad.toml")
    with pytest.raises(DeckFormatError) as err:
        col.import_files([good, bad], now=NOW)
    assert "bad.toml" in str(err.value)
    assert col.decks(now=NOW) == []


def test_two_files_with_one_deck_id_are_refused(col: Collection, write_deck) -> None:
    a = write_deck(BASIC, "a.toml")
    b = write_deck(BASIC, "b.toml")
    with pytest.raises(DeckFormatError, match="also used"):
        col.import_files([a, b], now=NOW)
    assert col.decks(now=NOW) == []


def test_new_profile_loads_bundled_decks(mastery_home: Path) -> None:
    with Collection.open(now=NOW) as col:
        decks = col.decks(now=NOW)
        assert len(decks) >= 2
        assert all(d.total >= 40 for d in decks)
        assert col.next_card(now=NOW) is not None


def test_bundled_decks_can_be_turned_off(mastery_home: Path) -> None:
    with Collection.open(bundled=False, now=NOW) as col:
        assert col.decks(now=NOW) == []
        assert col.setting("load_bundled_decks") is False
    with Collection.open(now=NOW) as col:  # the setting sticks
        assert col.decks(now=NOW) == []


# ----------------------------------------------------------------------------- queue
def test_queue_shows_due_learning_then_reviews_then_new(col: Collection, write_deck) -> None:
    col.import_files(
        [write_deck(deck_with(*[(f"c{i}", f"Q{i}?", f"A{i}") for i in range(6)]))], now=NOW
    )
    day0 = NOW - timedelta(days=10)
    # c0, c1 become review cards due today; c2 is in learning, due now.
    for key in ("c0", "c1"):
        cid = col.card(f"demo/{key}").id
        col.answer(cid, 4, now=day0)
    c2 = col.card("demo/c2").id
    col.answer(c2, 1, now=NOW - timedelta(minutes=5))
    order = []
    for _ in range(4):
        card = col.next_card(now=NOW)
        assert card is not None
        order.append(card.key)
        col.answer(card.id, 4, now=NOW)
    assert order[0] == "c2"
    assert set(order[1:3]) == {"c0", "c1"}
    assert order[3] == "c3"


def test_new_cards_per_day_limit(col: Collection, write_deck) -> None:
    col.import_files(
        [write_deck(deck_with(*[(f"c{i}", f"Q{i}?", f"A{i}") for i in range(8)]))], now=NOW
    )
    col.set_setting("new_per_day", 3)
    assert col.counts(now=NOW).new == 3
    seen = review_all(col, rating=4)
    assert len(seen) == 3
    assert col.counts(now=NOW).new == 0
    tomorrow = NOW + timedelta(days=1)
    assert col.counts(now=tomorrow).new == 3


def test_reviews_per_day_limit(col: Collection, write_deck) -> None:
    col.import_files(
        [write_deck(deck_with(*[(f"c{i}", f"Q{i}?", f"A{i}") for i in range(5)]))], now=NOW
    )
    review_all(col, rating=4, now=NOW - timedelta(days=30))
    col.set_setting("reviews_per_day", 2)
    assert col.counts(now=NOW).review == 2
    assert len(review_all(col, rating=3)) == 2


def test_day_rolls_over_at_the_configured_hour(col: Collection, write_deck) -> None:
    col.import_files(
        [write_deck(deck_with(*[(f"c{i}", f"Q{i}?", f"A{i}") for i in range(4)]))], now=NOW
    )
    col.set_setting("new_per_day", 2)
    late = NOW.replace(hour=23)
    assert len(review_all(col, rating=4, now=late)) == 2
    # 03:00 next morning is still the same learner's day (rollover 04:00) ...
    assert col.counts(now=late + timedelta(hours=4)).new == 0
    # ... 04:00 starts a new one.
    assert col.counts(now=late + timedelta(hours=5)).new == 2


def test_answer_logs_everything_needed_to_recompute(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    card = col.next_card(now=NOW)
    assert card is not None
    col.answer(card.id, 3, now=NOW, duration_ms=4200)
    row = col.conn.execute(
        "SELECT rating, duration_ms, state_before, state_after, due_after, stability_after, "
        "difficulty_after, elapsed_days, scheduled_days FROM reviewlog"
    ).fetchone()
    assert row[:4] == (3, 4200, 0, 1)
    assert row[4] is not None and row[5] > 0 and 1 <= row[6] <= 10


def test_undo_restores_card_and_deletes_log_several_steps(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    originals = {}
    for _ in range(3):
        card = col.next_card(now=NOW)
        assert card is not None
        originals[card.id] = card
        col.answer(card.id, 3, now=NOW)
    assert col.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == 3
    for _ in range(3):
        restored = col.undo()
        assert restored is not None
        assert restored == originals[restored.id]
    assert col.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == 0
    assert col.undo() is None
    assert col.counts(now=NOW).new == 3


def test_undo_of_a_lapse_restores_the_lapse_count(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    cid = col.card("demo/one").id
    col.answer(cid, 4, now=NOW - timedelta(days=20))
    col.answer(cid, 1, now=NOW)
    assert col.card(cid).lapses == 1
    col.undo()
    card = col.card(cid)
    assert (card.lapses, card.state, card.reps) == (0, 2, 1)


def test_suspend_and_bury_leave_the_queue_and_undo(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    one, two = col.card("demo/one").id, col.card("demo/two").id
    col.suspend([one])
    until = col.bury(two, now=NOW)
    assert until == NOW.replace(hour=4) + timedelta(days=1)
    assert col.next_card(now=NOW).key == "three"  # type: ignore[union-attr]
    assert col.next_card(now=until).key == "two"  # type: ignore[union-attr]
    col.undo()  # the burial
    col.undo()  # the suspension
    assert col.next_card(now=NOW).key == "one"  # type: ignore[union-attr]


def test_cloze_siblings_are_not_shown_on_the_same_day(col: Collection, write_deck) -> None:
    text = (
        'id = "cz"\nname = "Cloze"\n[[cards]]\nid = "n"\n'
        'front = "{{c1::Paris}} is the capital of {{c2::France}}"\n'
    )
    col.import_files([write_deck(text)], now=NOW)
    first = col.next_card(now=NOW)
    assert first is not None and first.key == "n::c1"
    col.answer(first.id, 4, now=NOW)  # graduates to review, not due today
    assert col.next_card(now=NOW) is None
    nxt = col.next_card(now=NOW + timedelta(days=1))
    assert nxt is not None and nxt.key == "n::c2"


def test_leech_is_tagged_and_suspended(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    col.set_setting("leech_threshold", 2)
    cid = col.card("demo/one").id
    t = NOW - timedelta(days=100)
    col.answer(cid, 4, now=t)
    for lapse in range(2):
        t += timedelta(days=10)
        result = col.answer(cid, 1, now=t)
        t += timedelta(minutes=10)
        if lapse == 0:
            assert not result.leech
            col.answer(cid, 3, now=t)
    assert result.leech
    card = col.card(cid)
    assert "leech" in card.tags and card.suspended
    col.undo()
    card = col.card(cid)
    assert "leech" not in card.tags and not card.suspended


def test_leech_action_tag_only_keeps_card_in_queue(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    col.set_setting("leech_threshold", 1)
    col.set_setting("leech_action", "tag")
    cid = col.card("demo/one").id
    col.answer(cid, 4, now=NOW - timedelta(days=10))
    assert col.answer(cid, 1, now=NOW).leech
    card = col.card(cid)
    assert "leech" in card.tags and not card.suspended


def test_choices_are_labelled_and_ordered(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    cid = col.card("demo/one").id
    col.answer(cid, 3, now=NOW - timedelta(days=30))
    col.answer(cid, 3, now=NOW - timedelta(days=30) + timedelta(minutes=10))
    choices = col.choices(cid, now=NOW)
    assert [c.name for c in choices] == ["Again", "Hard", "Good", "Easy"]
    intervals = [c.interval for c in choices]
    assert intervals == sorted(intervals) and len(set(intervals)) == 4
    assert choices[0].label.endswith("m") and choices[3].label.endswith(("d", "mo", "y"))


# ----------------------------------------------------------------------------- lookups, stats
def test_card_lookup_by_ref_and_number(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    card = col.card("demo/two")
    assert col.card(card.id) == card == col.card(str(card.id))
    with pytest.raises(NotFoundError):
        col.card("demo/nope")
    with pytest.raises(NotFoundError):
        col.card("nope")


def test_search_by_text_tag_and_state(col: Collection, write_deck) -> None:
    text = BASIC.replace('back = "2"', 'back = "2"\ntags = ["even"]')
    col.import_files([write_deck(text)], now=NOW)
    assert [c.key for c in col.search_cards("three")] == ["three"]
    assert [c.key for c in col.search_cards("tag:even")] == ["two"]
    col.suspend([col.card("demo/one").id])
    assert [c.key for c in col.search_cards("is:suspended")] == ["one"]
    assert {c.key for c in col.search_cards("is:new deck:demo")} == {"one", "two", "three"}
    assert col.search_cards("100%") == []


def test_stats_counts_today_total_and_streak(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    for days_ago in (3, 2, 1):
        col.answer(col.card("demo/one").id, 3, now=NOW - timedelta(days=days_ago))
    stats = col.stats(now=NOW)
    assert (stats.reviews_today, stats.reviews_total, stats.streak_days) == (0, 3, 3)
    col.answer(col.card("demo/two").id, 3, now=NOW, duration_ms=1500)
    stats = col.stats(now=NOW)
    assert (stats.reviews_today, stats.reviews_total, stats.streak_days) == (1, 4, 4)
    assert stats.to_dict()["time_today_s"] == 1.5
    # A missed day breaks the streak.
    assert col.stats(now=NOW + timedelta(days=2)).streak_days == 0


def test_backup_keeps_the_newest_seven(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    made = [col.backup(now=NOW + timedelta(days=i)) for i in range(9)]
    kept = col.backups()
    assert kept == made[-7:]
    with Collection.open_path(kept[-1]) as copy:
        assert copy.card("demo/one").front == "One?"


def test_auto_backup_once_a_day(col: Collection) -> None:
    assert col.auto_backup(now=NOW) is not None
    assert col.auto_backup(now=NOW + timedelta(hours=1)) is None
    assert col.auto_backup(now=NOW + timedelta(days=1)) is not None
    col.set_setting("auto_backup", False)
    assert col.auto_backup(now=NOW + timedelta(days=2)) is None


def test_search_is_due_follows_the_given_clock(col: Collection, write_deck) -> None:
    col.import_files([write_deck(BASIC)], now=NOW)
    col.answer(col.card("demo/one").id, 4, now=NOW)  # a review card, due in a few days
    assert col.search_cards("is:due", now=NOW) == []
    later = [c.key for c in col.search_cards("is:due", now=NOW + timedelta(days=60))]
    assert later == ["one"]


def test_answers_through_the_queue_match_py_fsrs_with_fuzz_off(col: Collection, write_deck) -> None:
    """Reviews at the same hour each day count the same in learner's days and in 24-hour
    periods, so our schedule through the queue must equal py-fsrs's own, step for step."""
    import fsrs

    col.set_setting("enable_fuzz", False)
    col.import_files([write_deck(BASIC)], now=NOW)
    reference = fsrs.Scheduler(enable_fuzzing=False)
    ref_card = fsrs.Card(card_id=1)
    t = NOW - timedelta(days=200)
    for rating in (3, 3, 3, 1, 3, 4, 3, 2, 3):
        card = col.next_card(now=t)
        assert card is not None and card.key == "one", "the card is due when FSRS says so"
        col.answer(card.id, rating, now=t)
        ref_card, _ = reference.review_card(ref_card, fsrs.Rating(rating), t)
        ours = col.card(card.id)
        assert ours.state == ref_card.state.value
        assert ours.stability == pytest.approx(ref_card.stability, rel=1e-3)
        assert ours.difficulty == pytest.approx(ref_card.difficulty, rel=1e-3)
        ref_gap = ref_card.due - t
        if ref_card.state == fsrs.State.Review:
            # Review cards fall due at the start of the learner's day (04:00 here).
            assert (ours.due - col.clock.day_start(col.clock.day_of(t))).days == ref_gap.days
            t = t + timedelta(days=ref_gap.days)
        else:
            assert ours.due - t == ref_gap
            t = ours.due


def test_today_reads_no_more_than_today_and_the_streak(col: Collection, write_deck) -> None:
    """The dashboard's figures (`Collection.today`) read today's logs and one day per day of
    the streak: never a count over the whole review log, so the first screen is as fast at
    1,000,000 answers; `stats` (the CLI's) keeps the total."""
    col.import_files([write_deck(BASIC)], now=NOW)
    for days_ago in (3, 2, 1, 0):
        col.answer(col.card("demo/one").id, 3, now=NOW - timedelta(days=days_ago))
    statements: list[str] = []
    col.conn.set_trace_callback(statements.append)
    try:
        today = col.today(now=NOW)
    finally:
        col.conn.set_trace_callback(None)
    stats = col.stats(now=NOW)
    assert (today.reviews_today, today.streak_days, today.time_today_ms) == (
        stats.reviews_today,
        stats.streak_days,
        stats.time_today_ms,
    )
    assert (today.due_today, today.next_due) == (stats.due_today, stats.next_due)
    on_the_log = [s for s in statements if "FROM reviewlog" in s]
    assert on_the_log and all("reviewed_at >=" in s for s in on_the_log)
    assert not any(" FROM card" in s and "count(*)" in s and "WHERE" not in s for s in statements)


def test_next_due_is_the_earliest_later_card_of_any_scheduled_state(
    col: Collection, write_deck
) -> None:
    """`next_due` (the dashboard's "next card due" and the done screen's) asks SQLite for one
    card per state (issue 15: `state != new` read every later card at 1M cards); it must
    still be the earliest later due of learning, review and relearning cards, unsuspended,
    in the deck asked for, whatever state holds it."""
    cards = [(f"c{i}", f"front {i}", "back") for i in range(40)]
    col.import_files(
        [
            write_deck(deck_with(*cards[:20])),
            write_deck(deck_with(*cards[20:], deck_id="two"), name="two.toml"),
        ],
        now=NOW,
    )
    rng = random.Random(15)
    ids = [r["id"] for r in col.conn.execute("SELECT id FROM card ORDER BY id")]
    for trial in range(30):
        with col.conn:
            for card_id in ids:
                col.conn.execute(
                    "UPDATE card SET state = ?, due = ?, suspended = ? WHERE id = ?",
                    (
                        rng.choice([0, 1, 2, 3]),
                        to_ms(NOW) + rng.randint(-5, 40) * 3_600_000,
                        int(rng.random() < 0.2),
                        card_id,
                    ),
                )
        rows = col.conn.execute("SELECT deck_id, state, due, suspended FROM card").fetchall()
        for deck in [None, *sorted({r["deck_id"] for r in rows})]:
            later = [
                r["due"]
                for r in rows
                if r["state"] != 0
                and not r["suspended"]
                and r["due"] > to_ms(NOW)
                and deck in (None, r["deck_id"])
            ]
            found = col.next_due(now=NOW, deck_id=deck)
            assert (to_ms(found) if found else None) == (min(later) if later else None), trial
