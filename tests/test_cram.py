"""Cram and preview sessions in the domain: `due:N`, session order, `cram_answer` (which must
change no card and no schedule figure), its undo, `CramQueue`, and the confidence of answers."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from conftest import NOW
from mastery.collection import Collection
from mastery.cram import AGAIN_GAP, CramQueue, nothing_to_cram
from mastery.days import to_ms
from mastery.errors import MasteryError, NotFoundError, SearchError
from mastery.states import Confidence, LogKind

# NOW is Saturday 2026-11-21 10:00 UTC; in the `col` profile (UTC, rollover 04:00) today ends
# at 2026-11-22 04:00 UTC.
TODAY_ENDS = NOW.replace(day=22, hour=4)


def deck(key: str, name: str, n: int, tags: str = "") -> str:
    lines = [f"id = {key!r}", f"name = {name!r}", ""]
    for i in range(1, n + 1):
        lines += [
            "[[cards]]",
            f'id = "c{i}"',
            f"front = '{name} question {i}?'",
            f"back = '{name} answer {i}'",
        ]
        if tags:
            lines.append(f"tags = [{', '.join(repr(t) for t in tags.split())}]")
        lines.append("")
    return "\n".join(lines)


def studied(col: Collection, ref: str, due, state: int = 2) -> int:
    """Make a card look studied (review state by default), due at `due`."""
    card = col.card(ref)
    with col.db.transaction() as conn:
        conn.execute(
            "UPDATE card SET state = ?, due = ?, stability = 5.0, difficulty = 4.0, "
            "last_review = ?, reps = 3, step = NULL WHERE id = ?",
            (state, to_ms(due), to_ms(NOW - timedelta(days=5)), card.id),
        )
    return card.id


def card_row(col: Collection, card_id: int) -> tuple:
    return tuple(col.conn.execute("SELECT * FROM card WHERE id = ?", (card_id,)).fetchone())


def logs(col: Collection) -> list[tuple]:
    return [
        tuple(row)
        for row in col.conn.execute(
            "SELECT card_id, kind, rating, confidence FROM reviewlog ORDER BY id"
        ).fetchall()
    ]


@pytest.fixture
def geo(col: Collection, write_deck) -> Collection:
    """Geography (6 cards: c1-c3 studied with different due times, c4-c6 new) and Geology."""
    col.import_files(
        [
            write_deck(deck("geo", "Geography", 6), name="geo.toml"),
            write_deck(deck("geology", "Geology", 2, "rocks"), name="gy.toml"),
        ],
        now=NOW,
    )
    studied(col, "geo/c1", TODAY_ENDS - timedelta(hours=1))  # due tonight: due:0
    studied(col, "geo/c2", TODAY_ENDS + timedelta(hours=1))  # due tomorrow: due:1
    studied(col, "geo/c3", NOW - timedelta(days=2), state=3)  # overdue, relearning
    return col


# ----------------------------------------------------------------------------- due:N
def refs(cards) -> list[str]:
    return [c.ref for c in cards]


def test_due_n_finds_studied_cards_due_before_the_end_of_that_learners_day(geo) -> None:
    assert sorted(refs(geo.search_cards("due:0", now=NOW))) == ["geo/c1", "geo/c3"]
    assert sorted(refs(geo.search_cards("due:1", now=NOW))) == ["geo/c1", "geo/c2", "geo/c3"]
    assert refs(geo.search_cards("due:0", now=NOW)) == refs(geo.search_cards("is:due", now=NOW))
    # A day later, what was due tomorrow is due today.
    later = NOW + timedelta(days=1)
    assert "geo/c2" in refs(geo.search_cards("due:0", now=later))


def test_due_n_leaves_out_new_and_suspended_cards_and_combines_with_other_terms(geo) -> None:
    geo.suspend([geo.card("geo/c3").id], now=NOW)
    assert refs(geo.search_cards("due:36500", now=NOW)) == ["geo/c1", "geo/c2"]
    assert refs(geo.search_cards("due:1 question 2", now=NOW)) == ["geo/c2"]
    assert geo.search_cards("due:1 deck:geology", now=NOW) == []
    assert len(geo.search_cards("due:99999999", now=NOW)) == 2  # no date overflow


@pytest.mark.parametrize("term", ["due:x", "due:-1", "due:1.5", "DUE:soon"])
def test_an_unreadable_due_term_is_one_clear_error(geo, term: str) -> None:
    with pytest.raises(SearchError, match=r"whole number of days, e\.g\. due:0"):
        geo.search_cards(term, now=NOW)


# ----------------------------------------------------------------------------- session order
def test_cram_order_is_studied_cards_by_due_time_then_new_cards_in_deck_order(geo) -> None:
    cards = geo.cram_cards("deck:geography", now=NOW)
    assert refs(cards) == ["geo/c3", "geo/c1", "geo/c2", "geo/c4", "geo/c5", "geo/c6"]
    queue = geo.start_cram("deck:geography", now=NOW)
    assert queue.card_ids == [c.id for c in cards]
    assert (queue.label, queue.total, queue.left) == ("deck:geography", 6, 6)


def test_cram_leaves_suspended_cards_out_and_preview_is_new_cards(geo) -> None:
    geo.suspend([geo.card("geo/c4").id], now=NOW)
    assert refs(geo.cram_cards("is:new deck:geography", now=NOW)) == ["geo/c5", "geo/c6"]
    assert geo.start_cram("is:suspended", now=NOW).current is None
    # The dialog's live count agrees with the session it would start.
    for query in ("is:new deck:geography", "is:suspended", "", "due:1", "question 1"):
        assert geo.cram_count(query, now=NOW) == geo.start_cram(query, now=NOW).total
    assert geo.cram_count("", now=NOW) == 7


def test_a_deck_given_by_key_is_matched_exactly_and_names_the_session(geo) -> None:
    assert len(geo.start_cram("deck:geo", now=NOW).card_ids) == 8  # Geography and Geology
    queue = geo.start_cram(deck="geo", now=NOW)
    assert (queue.label, queue.total) == ("Geography", 6)
    assert geo.start_cram("is:new", deck="geo", now=NOW).label == "Geography is:new"
    assert geo.start_cram(now=NOW).label == "all cards"
    with pytest.raises(NotFoundError, match="no deck 'nope'"):
        geo.start_cram(deck="nope", now=NOW)


def test_the_empty_message_says_what_to_try() -> None:
    text = nothing_to_cram("tag:nothing")
    assert '"tag:nothing"' in text and "suspended" in text and "due:7" in text


# ----------------------------------------------------------------------------- cram answers
def test_cram_answer_logs_a_cram_row_and_changes_nothing_on_the_card(geo) -> None:
    review_card = geo.card("geo/c1").id
    new_card = geo.card("geo/c4").id
    before = {i: card_row(geo, i) for i in (review_card, new_card)}

    geo.cram_answer(review_card, 1, now=NOW, duration_ms=1500, confidence=Confidence.CERTAIN)
    geo.cram_answer(new_card, 4, now=NOW, duration_ms=900)

    assert {i: card_row(geo, i) for i in before} == before
    assert logs(geo) == [(review_card, LogKind.CRAM, 1, 3), (new_card, LogKind.CRAM, 4, None)]
    rows = geo.conn.execute(
        "SELECT state_before, state_after, due_before, due_after, stability_before, "
        "stability_after, difficulty_after, elapsed_days, scheduled_days, duration_ms "
        "FROM reviewlog ORDER BY id"
    ).fetchall()
    due = to_ms(TODAY_ENDS - timedelta(hours=1))
    assert tuple(rows[0]) == (2, 2, due, due, 5.0, 5.0, 4.0, 0, 0, 1500)
    # A new card has no due time or memory: the NOT NULL columns get now and zeros.
    assert tuple(rows[1]) == (0, 0, None, to_ms(NOW), None, 0.0, 0.0, 0, 0, 900)


def test_cram_answers_change_neither_todays_counts_nor_limits_nor_stats(geo) -> None:
    geo.set_setting("new_per_day", 2)
    counts, stats = geo.counts(now=NOW), geo.stats(now=NOW)
    first = geo.next_card(now=NOW)
    for ref in ("geo/c1", "geo/c3", "geo/c4", "geo/c5", "geo/c6"):
        geo.cram_answer(geo.card(ref).id, 3, now=NOW)
    assert geo.counts(now=NOW) == counts  # the two new cards of today are still to come
    after = geo.stats(now=NOW)
    assert (after.reviews_today, after.reviews_total, after.time_today_ms) == (0, 0, 0)
    assert after == stats
    assert geo.next_card(now=NOW) == first
    assert geo.card_info("geo/c1", now=NOW).history == []  # not a schedule event


def test_cram_alone_keeps_no_streak(geo) -> None:
    card = geo.card("geo/c4").id
    for days in (2, 1, 0):
        geo.cram_answer(card, 3, now=NOW - timedelta(days=days))
    assert geo.review_streak(now=NOW) == 0
    geo.answer(geo.card("geo/c1").id, 3, now=NOW)
    assert geo.review_streak(now=NOW) == 1  # today's review; the crammed days do not count
    summary = geo.mentor.learning_summary(now=NOW)
    assert (summary.review_streak, summary.reviews_30d) == (1, 1)


def test_cram_is_not_practice_for_a_goals_cadence(geo) -> None:
    goal = geo.goals.add("Know the world", cadence="every day", decks=["geo"], now=NOW)
    geo.cram_answer(geo.card("geo/c1").id, 3, now=NOW)
    assert geo.goals.adherence(goal.id, now=NOW).met == 0
    geo.answer(geo.card("geo/c1").id, 3, now=NOW)
    assert geo.goals.adherence(goal.id, now=NOW).met == 1


def test_undo_of_a_cram_answer_deletes_its_row_and_leaves_the_card(geo) -> None:
    reviewed = geo.card("geo/c1").id
    crammed = geo.card("geo/c2").id
    geo.answer(reviewed, 3, now=NOW)
    row = card_row(geo, crammed)
    geo.cram_answer(crammed, 2, now=NOW)
    assert geo.undo_kind == "cram"

    assert geo.undo().id == crammed
    assert card_row(geo, crammed) == row
    assert logs(geo) == [(reviewed, LogKind.REVIEW, 3, None)]
    assert geo.undo_kind == "answer"  # the review before it is next, undone as ever
    geo.undo()
    assert logs(geo) == [] and geo.undo_kind is None


def test_bad_cram_answers_are_refused_with_a_clear_message(geo) -> None:
    card = geo.card("geo/c1").id
    with pytest.raises(MasteryError, match="rating must be 1-4"):
        geo.cram_answer(card, 5, now=NOW)
    with pytest.raises(MasteryError, match="confidence must be 1-3"):
        geo.cram_answer(card, 3, now=NOW, confidence=4)
    with pytest.raises(NotFoundError, match="no card 999"):
        geo.cram_answer(999, 3, now=NOW)
    assert logs(geo) == [] and not geo.can_undo


def test_review_answers_store_the_confidence_and_refuse_a_bad_one(geo) -> None:
    card = geo.card("geo/c1").id
    with pytest.raises(MasteryError, match="confidence must be 1-3"):
        geo.answer(card, 3, now=NOW, confidence=0)
    geo.answer(card, 3, now=NOW, confidence=2)
    assert logs(geo) == [(card, LogKind.REVIEW, 3, 2)]


# ----------------------------------------------------------------------------- CramQueue
def test_again_puts_the_card_back_a_few_cards_later_other_ratings_take_it_out() -> None:
    queue = CramQueue("x", [1, 2, 3, 4, 5, 6])
    queue.answer(1, 1)
    assert AGAIN_GAP == 3 and queue.card_ids == [2, 3, 4, 1, 5, 6]
    queue.answer(2, 3)
    queue.answer(3, 4)
    queue.answer(4, 2)
    assert queue.card_ids == [1, 5, 6] and queue.left == 3 and queue.total == 6
    queue.answer(1, 3)
    queue.answer(5, 3)
    queue.answer(6, 1)  # the last card: back at once
    assert queue.current == 6
    queue.answer(6, 3)
    assert queue.current is None and queue.left == 0


def test_queue_undo_makes_the_answered_card_current_again() -> None:
    queue = CramQueue("x", [1, 2, 3, 4, 5])
    queue.answer(1, 1)
    queue.answer(2, 3)
    assert queue.undo() == 2 and queue.card_ids == [2, 3, 4, 1, 5]
    assert queue.undo() == 1 and queue.card_ids == [1, 2, 3, 4, 5]
    assert queue.undo() is None


def test_queue_refuses_an_answer_for_another_card() -> None:
    queue = CramQueue("x", [1, 2])
    with pytest.raises(ValueError, match="not the current card"):
        queue.answer(2, 3)
    with pytest.raises(ValueError, match="rating must be 1-4"):
        queue.answer(1, 0)


# ----------------------------------------------------------------------------- mastery cram
def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from mastery.cli import main

    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_geo(capsys, write_deck) -> None:
    code, _, _ = run(
        capsys,
        "import",
        str(write_deck(deck("geo", "Geography", 3), "geo.toml")),
        str(write_deck(deck("art", "Art", 1, "spain"), "art.toml")),
    )
    assert code == 0


def test_cli_cram_list_prints_the_session_without_the_app(capsys, cli_geo) -> None:
    code, out, err = run(capsys, "cram", "--list", "deck:geo")
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0].split() == ["#", "deck", "front", "state", "due"]
    assert [line.split()[1:4] for line in lines[2:]] == [["geo", "Geography", "question"]] * 3
    assert [line.split()[4] for line in lines[2:]] == ["1?", "2?", "3?"]


def test_cli_cram_json_lists_the_cards_and_words_need_no_quotes(capsys, cli_geo) -> None:
    code, out, _ = run(capsys, "cram", "--json", "tag:spain", "question")
    data = json.loads(out)
    assert code == 0 and [c["ref"] for c in data] == ["art/c1"]
    assert data[0]["state"] == "new" and data[0]["due"] is None and data[0]["tags"] == ["spain"]


def test_cli_cram_with_nothing_to_cram_says_so(capsys, cli_geo) -> None:
    code, out, _ = run(capsys, "cram", "--list", "tag:nothing")
    assert code == 0 and out.startswith('No cards to cram for "tag:nothing"')
    assert json.loads(run(capsys, "cram", "--json", "tag:nothing")[1]) == []
    code, out, err = run(capsys, "cram", "tag:nothing")  # no app opens on an empty session
    assert code == 2 and out == ""
    assert err.startswith('mastery: error: No cards to cram for "tag:nothing"')
    assert len(err.strip().splitlines()) == 1


def test_cli_cram_refuses_an_unreadable_search_in_one_line(capsys, cli_geo) -> None:
    code, _, err = run(capsys, "cram", "--list", "due:soon")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "due:soon: give a whole number of days" in err


def test_cli_cram_opens_the_app_on_the_search(capsys, cli_geo, monkeypatch) -> None:
    import mastery.tui.app

    opened: list[object] = []
    monkeypatch.setattr(
        mastery.tui.app, "run_app", lambda col, **kw: opened.append(kw.get("cram_query"))
    )
    assert run(capsys, "cram", "deck:geo", "is:new")[0] == 0
    assert run(capsys, "cram")[0] == 0  # every card
    assert opened == ["deck:geo is:new", ""]


def test_cli_cram_list_says_when_as_the_browser_does(capsys, cli_geo) -> None:
    """It printed "2026-12-21 09:14" where the browser says "in 14d" (issue 13: "in N days"
    agrees everywhere, counted in learner's days)."""
    from mastery import present
    from mastery.collection import Collection

    with Collection.open("default") as col:
        card = col.card("geo/c1")
        col.answer(card.id, 4)
        due = col.card("geo/c1").due
        expected = present.due_cell(due, col.now(), col.clock)
    code, out, _ = run(capsys, "cram", "--list", "deck:geo")
    row = next(line for line in out.splitlines()[2:] if line.split()[0] == str(card.id))
    assert code == 0 and expected.startswith("in ") and row.endswith(expected)
    assert not re.search(r"\d{4}-\d\d-\d\d", out)
