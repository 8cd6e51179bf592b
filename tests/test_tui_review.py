"""The review screen: reveal, answer, undo, suspend, bury, leave, and the done screen."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from test_tui_helpers import SIZE, add_deck, make_app, review_count, screen_text

from mastery.tui.screens import review as review_module
from mastery.tui.screens.dashboard import DashboardScreen
from mastery.tui.screens.done import DoneScreen
from mastery.tui.screens.review import ReviewScreen
from mastery.tui.widgets.card_face import CardFace
from mastery.tui.widgets.rating_bar import RatingButton

CARDS = [
    ("Capital of France?", "Paris"),
    ("Capital of Peru?", "Lima"),
    ("Capital of Kenya?", "Nairobi"),
]


@pytest.fixture
def geo(col, write_deck):
    add_deck(col, write_deck, "geo", "Geography", CARDS)
    return col


@pytest.fixture
def ticking(monkeypatch):
    """A monotonic clock that advances 2.5 s each time the review screen reads it."""
    ticks = itertools.count(start=100.0, step=2.5)
    monkeypatch.setattr(review_module, "monotonic", lambda: next(ticks))


def logged(col):
    return [
        tuple(row)
        for row in col.conn.execute(
            "SELECT c.front, r.rating, r.duration_ms FROM reviewlog r JOIN card c ON c.id = r.card_id "
            "ORDER BY r.id"
        ).fetchall()
    ]


async def test_whole_session_reveals_answers_and_logs_every_review(geo, ticking) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        text = screen_text(app)
        assert "Capital of France?" in text
        assert "Geography" in text and "new" in text and "0 / 3" in text
        assert "Paris" not in text

        await pilot.press("3")  # rating keys do nothing before the answer is shown
        await pilot.pause()
        assert review_count(geo) == 0 and "Paris" not in screen_text(app)

        await pilot.press("space")
        await pilot.pause()
        text = screen_text(app)
        assert "Paris" in text
        labels = [str(b.label) for b in app.screen.query(RatingButton)]
        assert [label.split()[:2] for label in labels] == [
            ["1", "Again"],
            ["2", "Hard"],
            ["3", "Good"],
            ["4", "Easy"],
        ]
        assert all(len(label.split()) == 3 for label in labels)  # each shows its interval

        await pilot.press("1")  # Again: the card comes back in a minute
        await pilot.pause()
        assert "Capital of Peru?" in screen_text(app)
        assert "1 / 4" in screen_text(app)  # 2 new + 1 learning left

        for key in ("enter", "3", "space", "4"):
            await pilot.press(key)
        await pilot.pause()
        assert "Capital of Kenya?" not in screen_text(app)
        assert "3 / 5" in screen_text(app)

        # The learning cards come back within the learn-ahead window; Easy graduates them.
        while isinstance(app.screen, ReviewScreen):
            await pilot.press("space", "4")
            await pilot.pause()
        assert isinstance(app.screen, DoneScreen)

    rows = logged(geo)
    assert [(front, rating) for front, rating, _ in rows[:3]] == [
        ("Capital of France?", 1),
        ("Capital of Peru?", 3),
        ("Capital of Kenya?", 4),
    ]
    assert [rating for _, rating, _ in rows[3:]] == [4, 4]
    assert all(ms == 2500 for _, _, ms in rows)  # one tick from showing to answering
    assert geo.counts(now=app.now()).total == 0


async def test_space_or_enter_after_reveal_answers_good(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
    assert [r for _, r, _ in logged(geo)] == [3]


async def test_undo_restores_the_card_front_side_and_deletes_its_log(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space", "4")
        await pilot.pause()
        assert review_count(geo) == 1
        assert "Capital of Peru?" in screen_text(app)
        assert "1 / 3" in screen_text(app)

        await pilot.press("u")
        await pilot.pause()
        text = screen_text(app)
        assert "Capital of France?" in text and "Paris" not in text
        assert "0 / 3" in text
        assert review_count(geo) == 0
        card = geo.card("geo/c1")
        assert (card.state, card.reps) == (0, 0)

        await pilot.press("u")  # nothing left to undo
        await pilot.pause()
        assert ("information", "Nothing to undo.") in app.notes


async def test_escape_mid_session_keeps_every_answer_given(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space", "4", "space", "2", "space")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "Today 2 answers" in screen_text(app)
    assert [(f, r) for f, r, _ in logged(geo)] == [
        ("Capital of France?", 4),
        ("Capital of Peru?", 2),
    ]
    assert geo.card("geo/c3").reps == 0  # revealed but not answered: nothing written


async def test_suspend_and_bury_from_review_and_undo_them(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "s")
        await pilot.pause()
        assert geo.card("geo/c1").suspended
        assert "Capital of Peru?" in screen_text(app)

        await pilot.press("b")
        await pilot.pause()
        assert geo.card("geo/c2").buried_until is not None
        assert "Capital of Kenya?" in screen_text(app)

        await pilot.press("u")
        await pilot.pause()
        assert geo.card("geo/c2").buried_until is None
        assert "Capital of Peru?" in screen_text(app)

        await pilot.press("u")
        await pilot.pause()
        assert not geo.card("geo/c1").suspended
        assert "Capital of France?" in screen_text(app)
    assert review_count(geo) == 0


async def test_done_screen_tells_what_was_done_and_what_is_next(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        for _ in CARDS:
            await pilot.press("space", "4")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        text = screen_text(app)
        assert "Done for today!" in text
        assert "3 cards answered" in text and "Easy 3" in text
        assert "Next review:" in text
        assert "Today: 3 answers" in text

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "All done for today." in screen_text(app)


async def test_undo_from_the_done_screen_brings_the_card_back(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        for _ in CARDS:
            await pilot.press("space", "4")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert "Capital of Kenya?" in screen_text(app)
        assert "2 / 3" in screen_text(app)
    assert review_count(geo) == 2


async def test_nothing_due_goes_to_the_done_screen(col, write_deck) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        assert "Nothing due right now" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_card_text_with_rich_markup_is_shown_literally(col, write_deck) -> None:
    add_deck(
        col,
        write_deck,
        "tricky",
        "Tricky [bold]deck",
        [("Colour [red]this[/] and [/] and [link=x]", "Back [b]not bold[/b]")],
    )
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        text = screen_text(app)
        assert "Colour [red]this[/] and [/] and [link=x]" in text
        assert "Back [b]not bold[/b]" in text
        assert "Tricky [bold]deck" in text
        front = app.screen.query_one("#front", CardFace)
        assert front.source.startswith("Colour [red]") and front.markdown is not None


async def test_start_review_opens_straight_into_one_deck(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", CARDS)
    add_deck(col, write_deck, "art", "Art", [("Who painted Guernica?", "Picasso")])
    app = make_app(col, start_review=True, deck_key="geo")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        for _ in CARDS:
            assert "Guernica" not in screen_text(app)
            await pilot.press("space", "4")
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)
        assert "Geography" in screen_text(app)
    assert col.card("art/c1").reps == 0


async def test_unknown_deck_is_an_error_notification_not_a_traceback(geo) -> None:
    app = make_app(geo, start_review=True, deck_key="nope")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert any(sev == "error" and "nope" in msg for sev, msg in app.notes)


# ----------------------------------------------------------------------------- confidence step
def confidences(col):
    return [
        tuple(row)
        for row in col.conn.execute("SELECT rating, confidence FROM reviewlog ORDER BY id")
    ]


def footer_line(app) -> str:
    return screen_text(app).splitlines()[-1]


def status_line(app) -> str:
    """Deck, flag, card state (and the confidence said), the three counts, progress."""
    return screen_text(app).splitlines()[1]


@pytest.fixture
def sure(geo):
    geo.set_setting("confidence_step", True)
    return geo


async def test_confidence_keys_reveal_and_the_level_is_logged_with_the_answer(sure) -> None:
    app = make_app(sure)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        text = screen_text(app)
        assert "How sure are you?" in text and "Paris" not in text
        assert all(hint in footer_line(app) for hint in ("j Unsure", "k Fairly sure", "l Certain"))

        await pilot.press("l")  # certain, and the answer shows in the same press
        await pilot.pause()
        assert "Paris" in screen_text(app) and "new · certain" in status_line(app)
        assert "Unsure" not in footer_line(app) and "Certain" not in footer_line(app)

        await pilot.press("1")
        await pilot.pause()
        assert confidences(sure) == [(1, 3)]
        # The next question asks again, with nothing chosen yet.
        assert "Capital of Peru?" in screen_text(app)
        assert "certain" not in status_line(app) and "j Unsure" in footer_line(app)

        await pilot.press("j", "2", "k", "4")
        await pilot.pause()
    assert confidences(sure) == [(1, 3), (2, 1), (4, 2)]


async def test_space_still_reveals_without_a_confidence(sure) -> None:
    app = make_app(sure)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        assert "Paris" in screen_text(app) and status_line(app).split() == [
            "Geography",
            "new",
            *("3", "+", "0", "+", "0"),  # Anki's counts: new + learning + review
            "0",
            "/",
            "3",
        ]
        await pilot.press("3")
        await pilot.pause()
    assert confidences(sure) == [(3, None)]


async def test_confidence_keys_do_nothing_once_the_answer_shows(sure) -> None:
    app = make_app(sure)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space", "l")
        await pilot.pause()
        assert "certain" not in status_line(app)
        await pilot.press("4")
        await pilot.pause()
    assert confidences(sure) == [(4, None)]


async def test_without_the_setting_there_are_no_confidence_keys_or_hint(geo) -> None:
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert "How sure" not in screen_text(app) and "Unsure" not in footer_line(app)
        await pilot.press("j", "k", "l")
        await pilot.pause()
        assert "Paris" not in screen_text(app)
        await pilot.press("space", "3")
        await pilot.pause()
    assert confidences(geo) == [(3, None)]


async def test_undo_brings_the_question_back_with_no_confidence_chosen(sure) -> None:
    app = make_app(sure)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "l", "3")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        text = screen_text(app)
        assert "Capital of France?" in text and "Paris" not in text
        assert "certain" not in status_line(app) and "j Unsure" in footer_line(app)
        await pilot.press("space", "3")
        await pilot.pause()
    assert confidences(sure) == [(3, None)]


async def test_the_footer_shows_the_keys_again_after_textual_rebuilt_it(sure) -> None:
    """A footer rebuilt while the answer showed (here by the command palette) has no j/k/l;
    the next question must bring them back."""
    app = make_app(sure)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "k")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert "Unsure" not in footer_line(app)
        await pilot.press("3")
        await pilot.pause()
        await pilot.pause()
        assert "Capital of Peru?" in screen_text(app) and "j Unsure" in footer_line(app)


# ----------------------------------------------------------------------------- start-up
async def test_mastery_review_draws_the_card_first_and_the_dashboard_on_escape(
    geo, monkeypatch
) -> None:
    """`mastery review`: the dashboard under the card is neither built nor read (no counts
    over the review log) until Escape; then it shows the counts of that moment."""
    reads: list[str] = []
    today, decks = type(geo).today, type(geo).decks
    monkeypatch.setattr(type(geo), "today", lambda s, **kw: reads.append("today") or today(s, **kw))
    monkeypatch.setattr(type(geo), "decks", lambda s, **kw: reads.append("decks") or decks(s, **kw))
    app = make_app(geo, start_review=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert any(front in screen_text(app) for front, _ in CARDS)
        dashboard = app.screen_stack[0]
        assert isinstance(dashboard, DashboardScreen)
        assert not dashboard.children and reads == []
        await pilot.press("space", "3")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dashboard
        assert reads.count("today") == 1
        text = screen_text(app)
        assert "1 answer in" in text
        assert "Geography" in text
        assert geo.stats(now=app.now()).reviews_today == 1


async def test_the_dashboard_reads_its_counts_once_at_start(geo, monkeypatch) -> None:
    reads: list[str] = []
    today = type(geo).today
    monkeypatch.setattr(type(geo), "today", lambda s, **kw: reads.append("today") or today(s, **kw))
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert f"{len(CARDS)} to review today" in screen_text(app)
        assert reads == ["today"]


async def test_deck_preset_from_a_review_that_started_the_app(geo) -> None:
    """The palette's "deck: Preset…" goes back to a dashboard not built yet: it waits for it."""
    from mastery.tui.dialogs.preset import PresetScreen

    app = make_app(geo, start_review=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_deck_preset()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, PresetScreen)


async def test_a_start_screen_that_cannot_open_leaves_the_dashboard_drawn(geo) -> None:
    """`mastery review nope` (or a cram search with no cards): the dashboard that waited under
    the start screen is built and shows its decks, with keys that work."""
    app = make_app(geo, start_review=True, deck_key="nope")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "Geography" in screen_text(app)
        assert f"{len(CARDS)} to review today" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_a_click_on_a_choice_answers_with_it_once(geo) -> None:
    """The answer buttons take mouse clicks (a `Static` drawn as a button since issue 15): a
    click answers with its rating, and a second click while it still shows pressed does not
    answer the next card too."""
    app = make_app(geo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        assert await pilot.click("#rating-3")
        await pilot.pause()
        assert [rating for _, rating, _ in logged(geo)] == [3]
        assert "Capital of Peru?" in screen_text(app)
        await pilot.press("space")
        await pilot.pause()
        assert await pilot.click("#rating-2", times=2)
        await pilot.pause()
        assert [rating for _, rating, _ in logged(geo)] == [3, 2]


def _sheets(app) -> set[str]:
    return {Path(path).name for path, _ in app.stylesheet.source if path.endswith(".tcss")}


async def test_the_first_frame_reads_only_its_own_styles_and_a_dialog_brings_its_own(geo) -> None:
    """Issue 15: the dashboard and review screens' rules are the only ones parsed before the
    first card (the other screens' rules cost ~25 ms); a dialog opened straight from the
    review screen still gets its styles (the flag box is 30 columns wide, from screens.tcss)."""
    app = make_app(geo, start_review=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert _sheets(app) == {"mastery.tcss"}
        await pilot.press("f")
        await pilot.pause()
        assert type(app.screen).__name__ == "FlagScreen"
        assert _sheets(app) == {"mastery.tcss", "screens.tcss"}
        assert app.screen.query_one("#flag-box").outer_size.width == 30
