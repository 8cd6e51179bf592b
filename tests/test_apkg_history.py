"""`import --with-history`: Anki's review log replayed through Mastery's scheduler."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from anki_package import AnkiPackage, Card
from test_tui_helpers import SIZE, make_app, screen_text
from textual.widgets import DataTable

from conftest import NOW
from mastery.cli import main
from mastery.collection import Collection
from mastery.days import from_ms, to_ms
from mastery.decks.csv import _guid_key
from mastery.errors import DeckFormatError
from mastery.model import CardView
from mastery.scheduler import Memory, memory_from_reviews
from mastery.tui.screens.card_info import CardInfoScreen

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=3)  # revlog ids are unique: no two answers in the same millisecond


def reviewed_package() -> tuple[AnkiPackage, dict[str, list[tuple[datetime, int]]]]:
    """Three cards with histories (learning, graduating, a lapse) and one never answered."""
    pkg = AnkiPackage()
    steady = pkg.add_note("Basic", ["Haus", "house"], deck="German", guid="steady")[0]
    lapsed = pkg.add_note("Basic", ["Hund", "dog"], deck="German", guid="lapsed")[0]
    cloze = pkg.add_note("Cloze", ["{{c1::Berlin}} / {{c2::Bonn}}", ""], deck="Geo", guid="geo")
    pkg.add_note("Basic", ["Katze", "cat"], deck="German", guid="fresh")
    answers = {
        "german/" + _guid_key("steady"): [
            (T0, 3),
            (T0 + timedelta(minutes=1), 3),
            (T0 + timedelta(minutes=11), 3),
            (T0 + timedelta(days=3, hours=2), 3),
            (T0 + timedelta(days=15), 4),
        ],
        "german/" + _guid_key("lapsed"): [
            (T1, 1),
            (T1 + timedelta(minutes=1), 3),
            (T1 + timedelta(minutes=12), 3),
            (T1 + timedelta(days=4), 1),
            (T1 + timedelta(days=4, minutes=10), 3),
            (T1 + timedelta(days=9), 2),
        ],
        "geo/" + _guid_key("geo") + "::c2": [(T0 + timedelta(hours=1), 4)],
    }
    for card, key in [
        (steady, "german/" + _guid_key("steady")),
        (lapsed, "german/" + _guid_key("lapsed")),
        (cloze[1], "geo/" + _guid_key("geo") + "::c2"),
    ]:
        for when, ease in answers[key]:
            pkg.add_review(card, when, ease, time_ms=4_000 + ease)
    return pkg, answers


def snapshot(col: Collection) -> dict[str, CardView]:
    return {c.ref: c for c in col.search_cards("")}


def log_count(col: Collection) -> int:
    return col.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0]


def replayed(col: Collection, card: CardView, answers: list[tuple[datetime, int]]) -> Memory:
    return memory_from_reviews(answers, col.scheduler.config, col.clock, seed=card.id * 1000)


@pytest.fixture(params=["latest", "legacy"])
def layout(request: pytest.FixtureRequest) -> str:
    return request.param


def write(pkg: AnkiPackage, path: Path, layout: str = "latest") -> Path:
    return pkg.write_latest(path) if layout == "latest" else pkg.write_legacy(path)


def test_without_the_flag_cards_stay_new(col, tmp_path: Path) -> None:
    pkg, _ = reviewed_package()
    reports = col.import_files([write(pkg, tmp_path / "p.apkg")], now=NOW)
    assert all(c.state == 0 and c.reps == 0 for c in col.search_cards(""))
    assert log_count(col) == 0
    assert sum(r.history_cards for r in reports) == 0


def test_memory_states_equal_a_direct_replay(col, tmp_path: Path, layout: str) -> None:
    pkg, answers = reviewed_package()
    reports = col.import_files(
        [write(pkg, tmp_path / "p.apkg", layout)], now=NOW, with_history=True
    )
    assert {r.deck_key: (r.history_cards, r.history_reviews) for r in reports} == {
        "geo": (1, 1),
        "german": (2, 11),
    }
    cards = snapshot(col)
    for ref, history in answers.items():
        card = cards[ref]
        memory = replayed(col, card, history)
        assert (
            card.state,
            card.step,
            card.stability,
            card.difficulty,
            card.due,
            card.last_review,
            card.reps,
            card.lapses,
        ) == (
            memory.state,
            memory.step,
            memory.stability,
            memory.difficulty,
            memory.due,
            memory.last_review,
            memory.reps,
            memory.lapses,
        ), ref
    assert cards["german/" + _guid_key("steady")].state == 2  # review
    assert cards["german/" + _guid_key("lapsed")].lapses == 1
    fresh = cards["german/" + _guid_key("fresh")]
    assert (fresh.state, fresh.reps, fresh.due) == (0, 0, None)
    # The other cloze card of the note has no answers: it stays new.
    assert cards["geo/" + _guid_key("geo") + "::c1"].state == 0


def test_each_answer_is_one_review_log_row_with_the_replayed_states(col, tmp_path: Path) -> None:
    pkg, answers = reviewed_package()
    col.import_files([write(pkg, tmp_path / "p.apkg")], now=NOW, with_history=True)
    ref = "german/" + _guid_key("lapsed")
    card = col.card(ref)
    rows = col.conn.execute(
        "SELECT rating, reviewed_at, duration_ms, kind, confidence, state_before, state_after, "
        "step_before, step_after, due_before, due_after, stability_before, stability_after, "
        "difficulty_before, difficulty_after, last_review_before, elapsed_days, "
        "scheduled_days, suspended_before, tags_before FROM reviewlog WHERE card_id = ? "
        "ORDER BY reviewed_at",
        (card.id,),
    ).fetchall()
    # What Collection.answer would have written, answer by answer.
    expected = []
    memory = Memory(state=0)
    for when, rating in answers[ref]:
        outcome = col.scheduler.answer(memory, rating, when, seed=card.id * 1000 + memory.reps)
        after = outcome.memory
        expected.append(
            (
                rating,
                to_ms(when),
                4_000 + rating,
                "review",
                None,
                memory.state,
                after.state,
                memory.step,
                after.step,
                to_ms(memory.due) if memory.due else None,
                to_ms(after.due),
                memory.stability,
                after.stability,
                memory.difficulty,
                after.difficulty,
                to_ms(memory.last_review) if memory.last_review else None,
                outcome.elapsed_days,
                outcome.scheduled_days,
                0,
                None,
            )
        )
        memory = after
    assert [tuple(row) for row in rows] == expected
    assert [r[5] for r in rows] == [0, 1, 1, 2, 3, 2]  # new, learning, ..., relearning, review


def test_due_dates_are_sensible(col, tmp_path: Path) -> None:
    pkg, _ = reviewed_package()
    col.import_files([write(pkg, tmp_path / "p.apkg")], now=NOW, with_history=True)
    clock = col.clock
    for card in col.search_cards("is:review"):
        assert card.due > card.last_review
        last = col.card_info(card.id).history[-1]
        # A review is due at the start of the learner's day `scheduled_days` after the answer.
        assert card.due == clock.day_start(
            clock.day_of(last.reviewed_at) + timedelta(days=last.scheduled_days)
        )
        assert last.scheduled_days >= 1
    # The reviews were months ago: those cards are due now.
    assert col.counts(now=NOW).review == 3


def test_reimporting_adds_no_history_twice(col, tmp_path: Path, layout: str) -> None:
    pkg, _ = reviewed_package()
    path = write(pkg, tmp_path / "p.apkg", layout)
    col.import_files([path], now=NOW, with_history=True)
    before, logs = snapshot(col), log_count(col)
    reports = col.import_files([path], now=NOW + timedelta(days=1), with_history=True)
    assert sum(r.history_reviews for r in reports) == 0
    assert log_count(col) == logs == 12
    assert snapshot(col) == before


def test_cards_reviewed_in_mastery_since_keep_their_schedule(col, tmp_path: Path) -> None:
    pkg, answers = reviewed_package()
    path = write(pkg, tmp_path / "p.apkg")
    col.import_files([path], now=NOW, with_history=True)
    ref = "german/" + _guid_key("steady")
    card = col.card(ref)
    col.answer(card.id, 1, now=NOW)  # forgotten since: Again in Mastery
    after_mastery = col.card(ref)
    # Mastery continues the replayed schedule exactly as if every answer had been given here.
    assert after_mastery.stability == replayed(col, card, [*answers[ref], (NOW, 1)]).stability
    col.import_files([path], now=NOW + timedelta(hours=1), with_history=True)
    assert col.card(ref) == after_mastery
    assert log_count(col) == 13


def test_answers_made_in_anki_after_the_last_import_are_added(col, tmp_path: Path) -> None:
    pkg, answers = reviewed_package()
    col.import_files([write(pkg, tmp_path / "p.apkg")], now=NOW, with_history=True)
    ref = "german/" + _guid_key("steady")
    steady = next(c for c in pkg.cards if c.note.guid == "steady")
    later = [(T0 + timedelta(days=60), 3), (T0 + timedelta(days=150), 1)]
    for when, ease in later:
        pkg.add_review(steady, when, ease)
    reports = col.import_files([write(pkg, tmp_path / "p2.apkg")], now=NOW, with_history=True)
    assert {r.deck_key: (r.history_cards, r.history_reviews) for r in reports}["german"] == (1, 2)
    card = col.card(ref)
    memory = replayed(col, card, answers[ref] + later)
    assert (card.stability, card.difficulty, card.due, card.reps, card.lapses) == (
        memory.stability,
        memory.difficulty,
        memory.due,
        memory.reps,
        memory.lapses,
    )
    assert len(col.card_info(card.id).history) == 7


def test_history_after_an_import_without_it(col, tmp_path: Path) -> None:
    pkg, answers = reviewed_package()
    path = write(pkg, tmp_path / "p.apkg")
    col.import_files([path], now=NOW)
    reports = col.import_files([path], now=NOW, with_history=True)
    assert sum(r.history_reviews for r in reports) == 12
    assert sum(r.unchanged for r in reports) == len(snapshot(col))


def skipped_and_kept_package() -> tuple[AnkiPackage, Card]:
    pkg = AnkiPackage()
    card = pkg.add_note("Basic", ["Q", "A"], deck="Rules", guid="rules")[0]
    day = timedelta(days=1)
    pkg.add_review(card, T0, 3, type=0)  # learning: kept
    pkg.add_review(card, T0 + day, 0, type=4, ivl=5)  # "set due date": no button, skipped
    pkg.add_review(card, T0 + 2 * day, 3, type=5, ivl=7)  # rescheduled by FSRS: skipped
    pkg.add_review(card, T0 + 3 * day, 4, type=3, factor=0)  # cram (no rescheduling): skipped
    pkg.add_review(card, T0 + 4 * day, 0, type=1)  # no button: skipped
    pkg.add_review(card, T0 + 5 * day, 2, type=3, factor=2_500)  # filtered, rescheduling: kept
    pkg.add_review(card, T0 + 9 * day, 3, type=1)  # review: kept
    return pkg, card


def test_only_real_answers_are_replayed(col, tmp_path: Path) -> None:
    pkg, _ = skipped_and_kept_package()
    col.import_files([write(pkg, tmp_path / "p.apkg")], now=NOW, with_history=True)
    card = col.card("rules/" + _guid_key("rules"))
    history = col.card_info(card.id).history
    assert [(h.reviewed_at, h.rating) for h in history] == [
        (T0, 3),
        (T0 + timedelta(days=5), 2),
        (T0 + timedelta(days=9), 3),
    ]


def test_a_reset_in_anki_starts_the_history_over(col, tmp_path: Path) -> None:
    pkg, card = skipped_and_kept_package()
    pkg.add_review(card, T0 + timedelta(days=20), 0, type=4, ivl=0, factor=0)  # "Forget"
    pkg.add_review(card, T0 + timedelta(days=21), 1, type=0)
    col.import_files([write(pkg, tmp_path / "p.apkg")], now=NOW, with_history=True)
    imported = col.card("rules/" + _guid_key("rules"))
    assert [(h.reviewed_at, h.rating) for h in col.card_info(imported.id).history] == [
        (T0 + timedelta(days=21), 1)
    ]
    assert (imported.state, imported.reps) == (1, 1)  # learning again, one answer


def test_history_import_is_all_or_nothing(col, tmp_path: Path) -> None:
    pkg, _ = reviewed_package()
    broken = tmp_path / "broken.apkg"
    broken.write_bytes(b"not a zip")
    with pytest.raises(DeckFormatError):
        col.import_files([write(pkg, tmp_path / "p.apkg"), broken], now=NOW, with_history=True)
    assert log_count(col) == 0
    assert col.decks(now=NOW) == []


def test_stats_and_card_info_see_the_imported_reviews(col, tmp_path: Path) -> None:
    pkg, answers = reviewed_package()
    col.import_files([write(pkg, tmp_path / "p.apkg")], now=NOW, with_history=True)
    assert col.stats(now=NOW).reviews_total == 12
    info = col.card_info("german/" + _guid_key("steady"), now=NOW)
    assert [(h.reviewed_at, h.rating, h.duration_ms) for h in info.history] == [
        (when, rating, 4_000 + rating) for when, rating in answers["german/" + _guid_key("steady")]
    ]
    assert info.retrievability is not None and 0 < info.retrievability < 1


async def test_card_info_screen_shows_the_imported_history(col, tmp_path: Path) -> None:
    pkg, _ = reviewed_package()
    col.import_files([write(pkg, tmp_path / "p.apkg")], now=NOW, with_history=True)
    card = col.card("german/" + _guid_key("lapsed"))
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(CardInfoScreen(card.id))
        await pilot.pause()
        text = screen_text(app)
        assert "Hund" in text and "6 (1 lapse)" in text
        history = app.screen.query_one("#info-history", DataTable)
        assert history.row_count == 6
        assert [str(history.get_row_at(i)[1]) for i in range(6)] == [
            "Again",
            "Good",
            "Good",
            "Again",
            "Good",
            "Hard",
        ]
        assert str(history.get_row_at(0)[0]) == "2026-06-01 12:00"


def test_cli_with_history(capsys, tmp_path: Path) -> None:
    pkg, _ = reviewed_package()
    path = str(write(pkg, tmp_path / "p.apkg"))
    assert main(["--no-bundled-decks", "import", "--with-history", path]) == 0
    out = capsys.readouterr().out
    assert "review history: 12 answers replayed onto 3 cards" in out
    assert main(["import", "--with-history", "--json", path]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(d["deck"], d["history_cards"], d["history_reviews"]) for d in data] == [
        ("geo", 0, 0),
        ("german", 0, 0),
    ]
    assert main(["import", "--with-history", path]) == 0
    assert "review history: nothing new to replay" in capsys.readouterr().out
    assert main(["import", path]) == 0
    assert "review history" not in capsys.readouterr().out


def test_imported_moments_round_trip() -> None:
    # Anki's revlog ids are ms timestamps; the review log keeps them as they are.
    assert from_ms(to_ms(T0)) == T0


def test_history_is_replayed_with_the_decks_own_fsrs_weights(col, tmp_path: Path) -> None:
    pkg, answers = reviewed_package()
    path = write(pkg, tmp_path / "p.apkg")
    col.import_files([path], now=NOW)  # the deck must exist to be given its own weights
    weights = list(col.fsrs_parameters())
    weights[0] *= 3  # remember much longer after a first Again
    col.set_fsrs_parameters(weights, deck_key="german")
    col.import_files([path], now=NOW, with_history=True)
    ref = "german/" + _guid_key("lapsed")
    card = col.card(ref)
    own = col.scheduler_for(card.deck_id)
    assert own.config.parameters == tuple(weights)
    memory = memory_from_reviews(answers[ref], own.config, col.clock, seed=card.id * 1000)
    assert (card.stability, card.due) == (memory.stability, memory.due)
    assert card.stability != replayed(col, card, answers[ref]).stability
