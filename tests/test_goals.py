"""Goals: computed progress, reality versions, history, check-ins, cadence adherence, refs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import NOW
from mastery.dates import DateParseError
from mastery.errors import MasteryError, NotFoundError
from mastery.goals import confidence_is_falling

# NOW is Saturday 2026-11-21 10:00 UTC; the `col` fixture's learner's day starts 04:00 UTC.
DAY = timedelta(days=1)
EASY, GOOD = 4, 3
DECAY = -0.1542  # FSRS-6 default w[20]
FACTOR = 0.9 ** (1 / DECAY) - 1


def deck_toml(key: str, name: str, count: int) -> str:
    cards = "".join(
        f'[[cards]]\nid = "c{i}"\nfront = "{key} question {i}"\nback = "answer {i}"\n'
        for i in range(1, count + 1)
    )
    return f'id = "{key}"\nname = "{name}"\n\n{cards}'


@pytest.fixture
def rust(col, write_deck) -> list[int]:
    """A linked-deck candidate with four new cards; returns their ids in file order."""
    col.import_files([write_deck(deck_toml("rust", "Rust", 4), "rust.toml")], now=NOW)
    return [c.id for c in col.deck_cards("rust")]


@pytest.fixture
def other(col, write_deck) -> list[int]:
    col.import_files([write_deck(deck_toml("other", "Other", 2), "other.toml")], now=NOW)
    return [c.id for c in col.deck_cards("other")]


def make_mature(col, card_id: int, start: datetime) -> datetime:
    """Answer Easy at each due date until the card is mature; returns the last answer time."""
    moment = start
    col.answer(card_id, EASY, now=moment)
    while col.card(card_id).stability < 21:
        moment = col.card(card_id).due + timedelta(hours=6)
        col.answer(card_id, EASY, now=moment)
    return moment


def recall(stability: float, days: int) -> float:
    """FSRS-6's forgetting curve, written out by hand."""
    return (1 + FACTOR * days / stability) ** DECAY


def add_journal_entry(col, day: date, goal_id: int | None, uid: str) -> None:
    ms = int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000) + 12 * 3_600_000
    with col.db.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO journalentry (uid, day, title, body, tags, visibility, created_at, "
            "updated_at) VALUES (?, ?, '', 'practised', '', 'private', ?, ?)",
            (uid, day.isoformat(), ms, ms),
        )
        if goal_id is not None:
            conn.execute(
                "INSERT INTO entrygoal (entry_id, goal_id) VALUES (?, ?)", (cur.lastrowid, goal_id)
            )


# ----------------------------------------------------------------------------- progress
def test_progress_is_the_share_of_milestones_done(col) -> None:
    goal = col.goals.add(
        "Write a book", milestones=["Outline", "Draft", "Edit", "Publish"], now=NOW
    )
    assert (goal.progress, goal.milestones_done, goal.milestones_total) == (0.0, 0, 4)

    col.goals.complete_milestone(goal.id, 1, now=NOW)
    done = col.goals.complete_milestone(goal.id, "ed", now=NOW + DAY)  # title prefix
    assert done.position == 3 and done.done_on == date(2026, 11, 22)
    progress = col.goals.progress(goal.id, now=NOW + DAY)
    assert progress.value == 0.5
    assert progress.milestones == 0.5 and progress.mastery is None

    col.goals.complete_milestone(goal.id, 1, now=NOW + DAY, done=False)
    detail = col.goals.get(goal.id, now=NOW + DAY)
    assert detail.progress == 0.25
    assert [(m.title, m.done, m.done_on) for m in detail.milestones] == [
        ("Outline", False, None),
        ("Draft", False, None),
        ("Edit", True, date(2026, 11, 22)),
        ("Publish", False, None),
    ]


def test_added_milestone_goes_last_and_counts(col) -> None:
    goal = col.goals.add("Run a marathon", milestones=["5k"], now=NOW)
    col.goals.complete_milestone(goal.id, "5k", now=NOW)
    added = col.goals.add_milestone(goal.id, "Half marathon", now=NOW)
    assert (added.position, added.done) == (2, False)
    assert col.goals.get(goal.id, now=NOW).progress == 0.5


def test_achieved_goal_is_complete_whatever_its_parts(col) -> None:
    goal = col.goals.add("Learn to juggle", milestones=["3 balls", "4 balls"], now=NOW)
    achieved = col.goals.done(goal.id, now=NOW)
    assert (achieved.status, achieved.progress, achieved.check_in_due) == ("achieved", 1.0, False)
    assert col.goals.history(goal.id)[-1].progress == 1.0
    assert col.goals.get(goal.id, now=NOW).closed == date(2026, 11, 21)
    reopened = col.goals.reopen(goal.id, now=NOW + DAY)
    assert (reopened.status, reopened.progress) == ("active", 0.0)
    assert col.goals.get(goal.id, now=NOW + DAY).closed is None


def test_progress_from_linked_decks_counts_mature_cards_and_mean_retrievability(
    col, rust, other
) -> None:
    # Card 1 becomes mature (review state, stability >= 21 days); card 2 is answered once
    # (learning, studied but not mature); cards 3 and 4 stay new; the other deck is unlinked.
    later = make_mature(col, rust[0], NOW)
    col.answer(rust[1], GOOD, now=NOW)
    col.answer(other[0], EASY, now=NOW)
    goal = col.goals.add("Read Rust code", decks=["rust"], now=NOW)

    progress = col.goals.progress(goal.id, now=later)
    (deck,) = progress.decks
    assert (deck.key, deck.name, deck.cards, deck.studied, deck.mature) == ("rust", "Rust", 4, 2, 1)
    assert deck.mature_share == 0.25 and progress.mastery == 0.25
    # Card 1 was reviewed today (recall 1.0); card 2 a week ago, at stability s2.
    s2 = col.card(rust[1]).stability
    days = (later.date() - NOW.date()).days
    assert days == 7
    expected = (1.0 + recall(s2, days)) / 2
    assert deck.mean_retrievability == pytest.approx(expected)
    assert deck.mean_retrievability == pytest.approx(0.904, abs=0.001)
    assert progress.retrievability == pytest.approx(expected)
    # Retrievability is shown, not counted: without milestones progress is the mature share.
    assert progress.value == 0.25


def test_overall_progress_is_the_mean_of_milestones_and_mature_share(col, rust) -> None:
    later = make_mature(col, rust[0], NOW)
    goal = col.goals.add("Ship a Rust tool", decks=["rust"], milestones=["CLI", "Tests"], now=NOW)
    col.goals.complete_milestone(goal.id, 1, now=later)
    detail = col.goals.get(goal.id, now=later)
    assert (detail.milestones_share, detail.mature_share) == (0.5, 0.25)
    assert detail.progress == pytest.approx(0.375)
    assert detail.mean_retrievability == 1.0  # only card 1 studied, reviewed today


def test_linking_decks_by_edit_replaces_them(col, rust, other) -> None:
    goal = col.goals.add("Two decks", decks=["rust", "other"], now=NOW)
    assert [d.key for d in col.goals.get(goal.id, now=NOW).decks] == ["other", "rust"]
    col.goals.edit(goal.id, decks=["other"], now=NOW)
    assert [d.key for d in col.goals.get(goal.id, now=NOW).decks] == ["other"]
    col.goals.edit(goal.id, decks=[], now=NOW)
    assert col.goals.get(goal.id, now=NOW).decks == ()


def test_progress_without_milestones_or_decks_is_zero(col) -> None:
    goal = col.goals.add("Be kinder", now=NOW)
    progress = col.goals.progress(goal.id, now=NOW)
    assert (progress.value, progress.milestones, progress.mastery) == (0.0, None, None)


def test_mean_retrievability_stays_fast_for_thousands_of_cards(col, write_deck) -> None:
    import time

    col.import_files([write_deck(deck_toml("big", "Big", 3000), "big.toml")], now=NOW)
    last = int((NOW - 10 * DAY).timestamp() * 1000)
    with col.db.transaction() as conn:
        conn.execute(
            "UPDATE card SET state = 2, stability = 5 + (id % 40), last_review = ?, "
            "due = ?, reps = 3",
            (last, last),
        )
    goal = col.goals.add("Big deck", decks=["big"], now=NOW)
    started = time.perf_counter()
    progress = col.goals.progress(goal.id, now=NOW)
    assert time.perf_counter() - started < 1.0
    assert progress.decks[0].studied == 3000
    assert 0.5 < progress.retrievability < 1.0


# ----------------------------------------------------------------------------- reality, history
def test_updating_reality_keeps_earlier_versions(col) -> None:
    goal = col.goals.add(
        "Speak Spanish", vision="Chat with my neighbours", reality="I know 50 words", now=NOW
    )
    col.goals.edit(goal.id, reality="I know 300 words", now=NOW + 3 * DAY)
    col.goals.edit(goal.id, reality="I know 300 words", now=NOW + 4 * DAY)  # unchanged: no version
    versions = col.goals.realities(goal.id)
    assert [(v.text, v.day) for v in versions] == [
        ("I know 50 words", date(2026, 11, 21)),
        ("I know 300 words", date(2026, 11, 24)),
    ]
    detail = col.goals.get(goal.id, now=NOW + 4 * DAY)
    assert (detail.vision, detail.reality) == ("Chat with my neighbours", "I know 300 words")


def test_history_has_one_point_per_learners_day(col) -> None:
    goal = col.goals.add("Learn chess", milestones=["Openings", "Endgames"], now=NOW)
    col.goals.get(goal.id, now=NOW)
    col.goals.list(now=NOW + timedelta(hours=10))  # 20:00, same learner's day
    assert [p.day for p in col.goals.history(goal.id)] == [date(2026, 11, 21)]

    col.goals.complete_milestone(goal.id, 1, now=NOW + DAY)
    col.goals.dashboard(now=NOW + DAY)
    history = col.goals.history(goal.id)
    assert [(p.day, p.progress) for p in history] == [
        (date(2026, 11, 21), 0.0),
        (date(2026, 11, 22), 0.5),
    ]
    assert history[1].milestones == 0.5 and history[1].mastery is None


def test_reading_progress_again_the_same_day_updates_that_days_point(col) -> None:
    goal = col.goals.add("Learn chess", milestones=["Openings", "Endgames"], now=NOW)
    col.goals.progress(goal.id, now=NOW)
    col.goals.complete_milestone(goal.id, 1, now=NOW)
    col.goals.progress(goal.id, now=NOW + timedelta(hours=1))
    assert [(p.day, p.progress) for p in col.goals.history(goal.id)] == [(date(2026, 11, 21), 0.5)]


def test_record_progress_records_every_active_goal_only(col) -> None:
    a = col.goals.add("A", now=NOW)
    b = col.goals.add("B", now=NOW)
    col.goals.drop(b.id, now=NOW)
    assert col.goals.record_progress(NOW) == 1
    assert len(col.goals.history(a.id)) == 1
    assert col.goals.history(b.id) == []


def test_a_review_before_the_rollover_hour_records_on_the_previous_day(col) -> None:
    goal = col.goals.add("Late nights", now=NOW)
    col.goals.get(goal.id, now=datetime(2026, 11, 22, 2, 0, tzinfo=UTC))  # before 04:00
    assert [p.day for p in col.goals.history(goal.id)] == [date(2026, 11, 21)]


# ----------------------------------------------------------------------------- check-ins
def test_check_ins_give_a_confidence_trend(col) -> None:
    goal = col.goals.add("Run a 10k", now=NOW)
    assert col.goals.get(goal.id, now=NOW).check_in_due is True
    col.goals.check_in(goal.id, 8, "training plan is working", now=NOW)
    assert col.goals.get(goal.id, now=NOW + 6 * DAY).check_in_due is False
    assert col.goals.get(goal.id, now=NOW + 7 * DAY).check_in_due is True
    col.goals.check_in(goal.id, 7, "missed a run\nbut fine", now=NOW + 7 * DAY)

    detail = col.goals.get(goal.id, now=NOW + 7 * DAY)
    assert detail.confidence_trend == ((date(2026, 11, 21), 8), (date(2026, 11, 28), 7))
    assert detail.confidence == 7
    assert detail.confidence_falling is False  # one point down, once
    assert detail.check_ins[-1].note == "missed a run but fine"


def test_confidence_two_points_down_warns(col) -> None:
    goal = col.goals.add("Run a 10k", now=NOW)
    col.goals.check_in(goal.id, 8, "fine", now=NOW)
    col.goals.check_in(goal.id, 6, "knee hurts", now=NOW + 7 * DAY)
    assert col.goals.get(goal.id, now=NOW + 7 * DAY).confidence_falling is True
    col.goals.check_in(goal.id, 7, "physio helps", now=NOW + 14 * DAY)
    assert col.goals.dashboard(now=NOW + 14 * DAY)[0].confidence_falling is False


def test_confidence_falling_twice_in_a_row_warns(col) -> None:
    goal = col.goals.add("Run a 10k", now=NOW)
    for week, confidence in enumerate([9, 8, 7]):
        col.goals.check_in(goal.id, confidence, "", now=NOW + week * 7 * DAY)
    assert col.goals.get(goal.id, now=NOW + 14 * DAY).confidence_falling is True


def test_confidence_falling_rule() -> None:
    assert confidence_is_falling([]) is False
    assert confidence_is_falling([5]) is False
    assert confidence_is_falling([7, 5]) is True
    assert confidence_is_falling([7, 6]) is False
    assert confidence_is_falling([8, 7, 6]) is True
    assert confidence_is_falling([8, 7, 7]) is False
    assert confidence_is_falling([6, 8, 7]) is False


def test_checking_in_twice_a_day_replaces_that_days_check_in(col) -> None:
    goal = col.goals.add("Run a 10k", now=NOW)
    col.goals.check_in(goal.id, 3, "typo", now=NOW)
    col.goals.check_in(goal.id, 8, "meant eight", now=NOW + timedelta(hours=1))
    assert [(c.confidence, c.note) for c in col.goals.check_ins(goal.id)] == [(8, "meant eight")]


@pytest.mark.parametrize("confidence", [0, 11, -3, True, 7.5])
def test_confidence_outside_one_to_ten_is_rejected(col, confidence) -> None:
    goal = col.goals.add("Run a 10k", now=NOW)
    with pytest.raises(MasteryError, match="confidence"):
        col.goals.check_in(goal.id, confidence, "", now=NOW)
    assert col.goals.check_ins(goal.id) == []


# ----------------------------------------------------------------------------- adherence
def test_adherence_counts_planned_days_with_reviews_of_linked_decks(col, rust, other) -> None:
    goal = col.goals.add("Practise Rust", decks=["rust"], cadence="mon,wed,fri", now=NOW)
    col.answer(rust[0], GOOD, now=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # Mon
    col.answer(other[0], GOOD, now=datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # Wed, unlinked
    # 02:00 UTC Saturday is still Friday's learner's day (rollover 04:00).
    col.answer(rust[1], GOOD, now=datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    col.answer(rust[2], GOOD, now=datetime(2026, 12, 4, 9, 0, tzinfo=UTC))  # Fri
    adherence = col.goals.adherence(goal.id, now=datetime(2026, 12, 4, 20, 0, tzinfo=UTC))

    hits = dict(adherence.days)
    assert hits[date(2026, 11, 23)] is True
    assert hits[date(2026, 11, 25)] is False
    assert hits[date(2026, 11, 27)] is True
    assert hits[date(2026, 12, 2)] is False
    assert hits[date(2026, 12, 4)] is True
    assert (adherence.planned, adherence.met) == (6, 3)
    assert adherence.rate == pytest.approx(0.5)
    assert col.goals.get(goal.id, now=datetime(2026, 12, 4, 20, 0, tzinfo=UTC)).adherence == (
        adherence
    )


def test_adherence_counts_journal_entries_linked_to_the_goal(col) -> None:
    goal = col.goals.add("Reflect", cadence="mon,wed,fri", now=NOW)
    unrelated = col.goals.add("Something else", now=NOW)
    add_journal_entry(col, date(2026, 11, 23), goal.id, "e1")  # Mon
    add_journal_entry(col, date(2026, 11, 25), unrelated.id, "e2")  # Wed, other goal
    add_journal_entry(col, date(2026, 11, 27), None, "e3")  # Fri, no goal
    adherence = col.goals.adherence(goal.id, now=datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    hits = dict(adherence.days)
    assert hits[date(2026, 11, 23)] is True
    assert hits[date(2026, 11, 25)] is False
    assert hits[date(2026, 11, 27)] is False
    assert (adherence.planned, adherence.met) == (3, 1)


def test_adherence_window_is_at_most_the_last_weeks(col) -> None:
    goal = col.goals.add("Long haul", cadence="mon,wed,fri", now=NOW)
    now = NOW + 200 * DAY
    adherence = col.goals.adherence(goal.id, now=now, weeks=2)
    days = [d for d, _ in adherence.days]
    assert min(days) > (now - 14 * DAY).date()
    assert adherence.planned == 6 and adherence.met == 0


def test_a_goal_without_cadence_has_no_adherence(col) -> None:
    goal = col.goals.add("No rhythm", now=NOW)
    assert col.goals.adherence(goal.id, now=NOW) is None
    assert col.goals.get(goal.id, now=NOW).adherence is None
    col.goals.edit(goal.id, cadence="mon,wed,fri", now=NOW)
    assert col.goals.get(goal.id, now=NOW).cadence == "every mon, wed, fri"  # normalised
    col.goals.edit(goal.id, cadence="", now=NOW)
    assert col.goals.get(goal.id, now=NOW).cadence is None


def test_an_unreadable_cadence_is_rejected(col) -> None:
    with pytest.raises(DateParseError):
        col.goals.add("Vague", cadence="whenever the mood strikes", now=NOW)
    assert col.goals.list(status="all", now=NOW) == []


# ----------------------------------------------------------------------------- target dates
def test_target_dates_are_typed_the_way_people_speak(col) -> None:
    iso = col.goals.add("ISO", target="2027-03-01", now=NOW)
    assert (iso.target, iso.days_left) == (date(2027, 3, 1), 100)
    months = col.goals.add("Months", target="in 3 months", now=NOW)
    assert months.target == date(2027, 2, 21)
    quarter = col.goals.add("Quarter", target="end of quarter", now=NOW)
    assert quarter.target == date(2026, 12, 31)
    friday = col.goals.add("Friday", target="next friday", now=NOW)
    assert friday.target.weekday() == 4 and friday.target > date(2026, 11, 21)


def test_target_phrases_are_read_against_the_learners_today(col) -> None:
    # 02:00 UTC on the 22nd is still the 21st for the learner (rollover 04:00).
    goal = col.goals.add("Soon", target="in 3 months", now=datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
    assert goal.target == date(2027, 2, 21)


def test_an_unreadable_target_phrase_is_rejected(col) -> None:
    with pytest.raises(DateParseError):
        col.goals.add("Someday", target="when pigs fly", now=NOW)
    assert col.goals.list(status="all", now=NOW) == []
    goal = col.goals.add("Someday", target="2027-01-01", now=NOW)
    with pytest.raises(DateParseError):
        col.goals.edit(goal.id, target="when pigs fly", now=NOW)
    assert col.goals.get(goal.id, now=NOW).target == date(2027, 1, 1)


def test_days_left_goes_negative_when_overdue_and_target_can_be_cleared(col) -> None:
    # A past target is refused (issue 13), so the goal becomes overdue as days pass.
    goal = col.goals.add("Overdue", target="2026-11-22", now=NOW)
    assert col.goals.get(goal.id, now=NOW + timedelta(days=2)).days_left == -1
    cleared = col.goals.edit(goal.id, target="", now=NOW)
    assert (cleared.target, cleared.days_left) == (None, None)


# ----------------------------------------------------------------------------- refs and lists
def test_goals_are_found_by_number_or_title_prefix(col) -> None:
    rust = col.goals.add("Learn Rust", now=NOW)
    go = col.goals.add("Learn Go", now=NOW)
    col.goals.add("Write a novel", now=NOW)
    assert col.goals.get(rust.id, now=NOW).title == "Learn Rust"
    assert col.goals.get(str(go.id), now=NOW).title == "Learn Go"
    assert col.goals.get("learn r", now=NOW).id == rust.id
    assert col.goals.get("WRITE", now=NOW).title == "Write a novel"


def test_an_ambiguous_prefix_lists_the_candidates(col) -> None:
    col.goals.add("Learn Rust", now=NOW)
    col.goals.add("Learn Go", now=NOW)
    with pytest.raises(MasteryError, match=r"matches 2 goals \(1 Learn Rust; 2 Learn Go\)"):
        col.goals.get("learn", now=NOW)


def test_an_exact_title_wins_over_longer_titles(col) -> None:
    col.goals.add("Rust", now=NOW)
    col.goals.add("Rust advanced", now=NOW)
    assert col.goals.get("rust", now=NOW).title == "Rust"


def test_an_unknown_goal_is_not_found(col) -> None:
    col.goals.add("Learn Rust", now=NOW)
    with pytest.raises(NotFoundError, match="no goal 9"):
        col.goals.get(9, now=NOW)
    with pytest.raises(NotFoundError, match="no goal matches 'paint'"):
        col.goals.done("paint", now=NOW)
    with pytest.raises(MasteryError, match="which goal"):
        col.goals.get("  ", now=NOW)


def test_list_filters_by_status_and_dashboard_orders_by_target(col) -> None:
    late = col.goals.add("Late", target="2027-06-01", now=NOW)
    none = col.goals.add("No target", now=NOW)
    soon = col.goals.add("Soon", target="2026-12-01", now=NOW)
    gone = col.goals.add("Gone", target="2026-11-30", now=NOW)
    col.goals.drop(gone.id, now=NOW)
    done = col.goals.add("Done", now=NOW)
    col.goals.done(done.id, now=NOW)

    assert [g.id for g in col.goals.list(now=NOW)] == [late.id, none.id, soon.id]
    assert [g.title for g in col.goals.list("dropped", now=NOW)] == ["Gone"]
    assert [g.title for g in col.goals.list("achieved", now=NOW)] == ["Done"]
    assert len(col.goals.list("all", now=NOW)) == 5
    assert [g.id for g in col.goals.dashboard(now=NOW)] == [soon.id, late.id, none.id]


def test_edit_changes_only_what_is_given(col) -> None:
    goal = col.goals.add("Old", vision="v", category="mental-models", visibility="private", now=NOW)
    edited = col.goals.edit(
        goal.id, title="New", category="Systems thinking", visibility="shared", now=NOW
    )
    assert (edited.title, edited.category, edited.visibility) == (
        "New",
        "systems-thinking",
        "shared",
    )
    assert col.goals.get("new", now=NOW).vision == "v"


def test_category_may_be_the_learners_own_word(col) -> None:
    assert col.goals.add("Garden", category="Gardening", now=NOW).category == "gardening"


def test_goal_detail_is_json_ready(col, rust) -> None:
    goal = col.goals.add(
        "Everything",
        vision="v",
        reality="r",
        target="2027-01-01",
        cadence="mon,wed,fri",
        decks=["rust"],
        milestones=["m"],
        now=NOW,
    )
    col.goals.complete_milestone(goal.id, 1, now=NOW)
    col.goals.check_in(goal.id, 6, "ok", now=NOW)
    detail = col.goals.get(goal.id, now=NOW)
    data = json.loads(json.dumps(detail.to_dict()))
    assert data["target"] == "2027-01-01" and data["progress"] == 0.5
    assert data["milestones"] == [
        {"position": 1, "title": "m", "done": True, "done_on": "2026-11-21"}
    ]
    assert data["confidence_trend"] == [["2026-11-21", 6]]
    assert data["decks"][0]["cards"] == 4
    assert data["adherence"]["planned"] == detail.adherence.planned
    assert data["history"] == [
        {
            "day": "2026-11-21",
            "progress": 0.5,
            "milestones": 1.0,
            "mastery": 0.0,
            "retrievability": None,
        }
    ]
    assert json.loads(json.dumps(col.goals.list(now=NOW)[0].to_dict()))["id"] == goal.id
    assert col.goals.realities(goal.id)[0].to_dict()["text"] == "r"


def test_goals_module_does_not_import_textual() -> None:
    import subprocess
    import sys

    code = "import sys, mastery.goals; print('textual' in sys.modules or 'rich' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("title", ["", "   "])
def test_an_empty_title_is_rejected(col, title) -> None:
    with pytest.raises(MasteryError, match="needs a title"):
        col.goals.add(title, now=NOW)
    goal = col.goals.add("Fine", now=NOW)
    with pytest.raises(MasteryError, match="needs a title"):
        col.goals.edit(goal.id, title=title, now=NOW)
    with pytest.raises(MasteryError, match="milestone needs a title"):
        col.goals.add_milestone(goal.id, title, now=NOW)


def test_an_unknown_deck_key_is_rejected(col, rust) -> None:
    with pytest.raises(NotFoundError, match="no deck 'python'"):
        col.goals.add("Learn Python", decks=["rust", "python"], now=NOW)
    assert col.goals.list(status="all", now=NOW) == []


def test_a_bad_status_filter_is_rejected(col) -> None:
    with pytest.raises(MasteryError, match="unknown status 'finished'"):
        col.goals.list("finished", now=NOW)


def test_a_bad_visibility_is_rejected(col) -> None:
    with pytest.raises(MasteryError, match="visibility"):
        col.goals.add("Secret", visibility="public", now=NOW)


def test_an_unknown_milestone_is_rejected(col) -> None:
    goal = col.goals.add("Steps", milestones=["Plan", "Prototype"], now=NOW)
    with pytest.raises(NotFoundError, match="no milestone 3"):
        col.goals.complete_milestone(goal.id, 3, now=NOW)
    with pytest.raises(MasteryError, match="matches 2 milestones"):
        col.goals.complete_milestone(goal.id, "p", now=NOW)
    with pytest.raises(NotFoundError, match="no milestone matches 'ship'"):
        col.goals.complete_milestone(goal.id, "ship", now=NOW)


def test_bad_weeks_for_adherence_is_rejected(col) -> None:
    goal = col.goals.add("Rhythm", cadence="mon,wed,fri", now=NOW)
    with pytest.raises(MasteryError, match="weeks"):
        col.goals.adherence(goal.id, now=NOW, weeks=0)


# ----------------------------------------------------------------------------- history: stored by writes
def stored_points(col, goal_id: int) -> list[tuple[date, float]]:
    """What the database holds, not what `history` adds on read."""
    return [
        (date.fromisoformat(day), value)
        for day, value in col.conn.execute(
            "SELECT day, progress FROM goalprogress WHERE goal_id = ? ORDER BY day", (goal_id,)
        )
    ]


def test_reading_goals_stores_nothing(col, rust) -> None:
    goal = col.goals.add("Read Rust", decks=["rust"], milestones=["Book"], now=NOW)
    changes = col.conn.total_changes
    for moment in (NOW, NOW + DAY, NOW + 5 * DAY):
        col.goals.get(goal.id, now=moment)
        col.goals.list(now=moment)
        col.goals.list("all", now=moment)
        col.goals.dashboard(now=moment)
        col.goals.progress(goal.id, now=moment)
        col.goals.history(goal.id, now=moment)
        col.goals.adherence(goal.id, now=moment)
    assert col.conn.total_changes == changes
    assert stored_points(col, goal.id) == []


def test_the_answer_that_makes_a_linked_card_mature_stores_the_point(col, rust, other) -> None:
    goal = col.goals.add("Read Rust", decks=["rust"], now=NOW)
    col.answer(rust[1], GOOD, now=NOW + DAY)  # studied, not mature: progress unchanged
    col.answer(other[0], EASY, now=NOW + DAY)  # another deck
    assert stored_points(col, goal.id) == []
    later = make_mature(col, rust[0], NOW + 2 * DAY)
    matured = col.clock.day_of(later)
    # The starting point (the value until then) on the day the goal was created, then the
    # day the card matured.
    assert stored_points(col, goal.id) == [(date(2026, 11, 21), 0.0), (matured, 0.25)]
    assert [(p.day, p.progress) for p in col.goals.history(goal.id)] == [
        (date(2026, 11, 21), 0.0),
        (matured, 0.25),
    ]


def test_undoing_the_answer_that_matured_a_card_stores_that_day_again(col, rust) -> None:
    goal = col.goals.add("Read Rust", decks=["rust"], milestones=["Book", "Talk"], now=NOW)
    col.goals.complete_milestone(goal.id, 1, now=NOW + DAY)
    later = make_mature(col, rust[0], NOW + 2 * DAY)
    matured = col.clock.day_of(later)
    assert stored_points(col, goal.id)[-1] == (matured, pytest.approx((0.5 + 0.25) / 2))
    col.undo()
    assert col.card(rust[0]).stability < 21
    assert stored_points(col, goal.id)[-1] == (matured, 0.25)  # milestones only again


def test_a_lapse_of_a_mature_card_stores_the_fall(col, rust) -> None:
    goal = col.goals.add("Read Rust", decks=["rust"], now=NOW)
    later = make_mature(col, rust[0], NOW)
    lapse = col.card(rust[0]).due + timedelta(hours=6)
    col.answer(rust[0], 1, now=lapse)  # Again: relearning, no longer mature
    assert stored_points(col, goal.id)[-2:] == [
        (col.clock.day_of(later), 0.25),
        (col.clock.day_of(lapse), 0.0),
    ]


def test_milestones_deck_links_done_and_reopen_store_points_and_drop_does_not(
    col, rust, other
) -> None:
    goal = col.goals.add("Ship it", milestones=["A", "B"], now=NOW)
    col.goals.add_milestone(goal.id, "C", now=NOW + DAY)
    col.goals.complete_milestone(goal.id, "A", now=NOW + 2 * DAY)
    col.goals.edit(goal.id, title="Ship it now", now=NOW + 3 * DAY)  # progress unchanged
    col.goals.edit(goal.id, decks=["rust"], now=NOW + 4 * DAY)  # 4 new cards: mastery 0
    col.goals.done(goal.id, now=NOW + 5 * DAY)
    col.goals.reopen(goal.id, now=NOW + 6 * DAY)
    col.goals.drop(goal.id, now=NOW + 7 * DAY)
    day = date(2026, 11, 21)
    assert stored_points(col, goal.id) == [
        (day, 0.0),  # the starting point, stored by the first change
        (day + DAY, 0.0),
        (day + 2 * DAY, pytest.approx(1 / 3)),
        (day + 4 * DAY, pytest.approx(1 / 6)),
        (day + 5 * DAY, 1.0),
        (day + 6 * DAY, pytest.approx(1 / 6)),
    ]


def test_importing_cards_into_a_linked_deck_stores_the_new_share(col, rust, write_deck) -> None:
    goal = col.goals.add("Read Rust", decks=["rust"], now=NOW)
    make_mature(col, rust[0], NOW)
    col.import_files([write_deck(deck_toml("rust", "Rust", 8), "rust.toml")], now=NOW + 40 * DAY)
    assert stored_points(col, goal.id)[-1] == (date(2026, 12, 31), 1 / 8)


def test_history_ends_with_todays_point_computed_on_read(col) -> None:
    goal = col.goals.add("Learn chess", milestones=["Openings", "Endgames"], now=NOW)
    col.goals.complete_milestone(goal.id, 1, now=NOW + DAY)
    detail = col.goals.get(goal.id, now=NOW + 10 * DAY)
    assert [(p.day, p.progress) for p in detail.history] == [
        (date(2026, 11, 21), 0.0),
        (date(2026, 11, 22), 0.5),
        (date(2026, 12, 1), 0.5),  # today's, live
    ]
    assert stored_points(col, goal.id) == [(date(2026, 11, 21), 0.0), (date(2026, 11, 22), 0.5)]
    # An achieved or dropped goal shows what was stored, no live point.
    col.goals.drop(goal.id, now=NOW + 11 * DAY)
    assert len(col.goals.get(goal.id, now=NOW + 12 * DAY).history) == 2


def test_a_goal_without_changes_starts_its_history_on_the_day_it_was_created(col) -> None:
    goal = col.goals.add("Be kinder", milestones=["Call mum"], now=NOW)
    detail = col.goals.get(goal.id, now=NOW + 3 * DAY)
    assert [(p.day, p.progress) for p in detail.history] == [
        (date(2026, 11, 21), 0.0),
        (date(2026, 11, 24), 0.0),
    ]
    assert stored_points(col, goal.id) == []


def test_a_change_by_another_connection_is_counted_by_the_next_answer(
    col, rust, write_deck
) -> None:
    """Answers keep per-deck card counts between them; a commit by another connection (the CLI
    importing while the app is open) makes the next answer count again."""
    from mastery.collection import Collection

    goal = col.goals.add("Read Rust", decks=["rust"], now=NOW)
    make_mature(col, rust[0], NOW)  # counts kept: 4 cards, 1 mature
    with Collection.open_path(col.db.path) as other:
        other.import_files(
            [write_deck(deck_toml("rust", "Rust", 8), "rust.toml")], now=NOW + 39 * DAY
        )
    later = make_mature(col, rust[1], NOW + 40 * DAY)
    assert stored_points(col, goal.id)[-1] == (col.clock.day_of(later), 2 / 8)


def test_an_answer_keeps_the_retrievability_that_days_point_already_has(col, rust) -> None:
    goal = col.goals.add("Read Rust", decks=["rust"], milestones=["Book"], now=NOW)
    moment = NOW
    while col.card(rust[0]).stability is None or col.card(rust[0]).stability < 21:
        # A milestone tick stores the day's point with its retrievability, then the answer.
        col.goals.complete_milestone(goal.id, 1, now=moment)
        col.answer(rust[0], EASY, now=moment)
        moment = col.card(rust[0]).due + timedelta(hours=6)
    point = col.goals.history(goal.id)[-1]
    assert (point.progress, point.mastery) == ((1.0 + 0.25) / 2, 0.25)
    assert point.retrievability is not None and 0 < point.retrievability <= 1


def test_a_goal_is_found_by_any_word_of_its_title(col) -> None:
    """Issue 13: the README's `mastery goal show spanish` found nothing, since only the
    start of a title matched."""
    spanish = col.goals.add("Speak Spanish at work", now=NOW)
    col.goals.add("Learn Rust", now=NOW)
    assert col.goals.get("spanish", now=NOW).id == spanish.id
    assert col.goals.get("span WORK", now=NOW).id == spanish.id  # every word starts a word
    assert col.goals.get("speak spa", now=NOW).id == spanish.id
    with pytest.raises(NotFoundError, match="no goal matches 'spanish rust'"):
        col.goals.get("spanish rust", now=NOW)


def test_several_goals_matching_a_word_are_listed_not_guessed(col) -> None:
    col.goals.add("Speak Spanish at work", now=NOW)
    col.goals.add("Read Spanish novels", now=NOW)
    with pytest.raises(
        MasteryError,
        match=r"'spanish' matches 2 goals \(1 Speak Spanish at work; 2 Read Spanish novels\): "
        "give the number or more words",
    ):
        col.goals.check_in("spanish", 7, now=NOW)
    assert col.goals.get("spanish novels", now=NOW).title == "Read Spanish novels"


def test_a_milestone_is_found_by_any_word_of_its_title(col) -> None:
    goal = col.goals.add("Steps", milestones=["Finish A2 course", "First meeting"], now=NOW)
    done = col.goals.complete_milestone(goal.id, "meeting", now=NOW)
    assert done.position == 2 and done.done


def test_a_target_in_the_past_is_refused_saying_what_was_understood(col) -> None:
    """Issue 13: "march 5" typed in November is this year's March: refused, not stored."""
    with pytest.raises(
        DateParseError,
        match=r'can\'t read "march 5" as a target date: a target must be today or later '
        r'\(understood: 2026-03-05\); try "2027-03-05"',
    ):
        col.goals.add("Late", target="march 5", now=NOW)
    assert col.goals.list("all") == []
    goal = col.goals.add("On time", target="march 5 2027", now=NOW)
    with pytest.raises(DateParseError, match="a target must be today or later"):
        col.goals.edit(goal.id, target="yesterday", now=NOW)
    assert col.goals.add("Today", target="today", now=NOW).days_left == 0
