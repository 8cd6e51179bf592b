"""The Stats screen at 80x24: opened with `t`, its figures, the deck selector, SVG saving,
the empty state, the calibration key and the palette entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_stats import at, log, set_card
from test_tui_helpers import SIZE, add_deck, make_app, screen_text

from mastery.collection import Collection
from mastery.tui.app import MasteryApp, MasteryCommands
from mastery.tui.screens.stats import StatsScreen
from mastery.tui.widgets.bar_chart import column_rows, hbar
from mastery.tui.widgets.heatmap import Heatmap, grid, level, month_line


@pytest.fixture
def studied(col: Collection, write_deck) -> Collection:
    """Two decks with a known history: Alpha 2 of 3 review answers passed this week, Beta
    1 of 1; a young and a mature card, one due today."""
    add_deck(col, write_deck, "alpha", "Alpha", [("A1", "1"), ("A2", "2"), ("A3", "3")])
    add_deck(col, write_deck, "beta", "Beta", [("B1", "1"), ("B2", "2")])
    log(col, "alpha/c1", at(1), 3, duration_ms=60_000)
    log(col, "alpha/c2", at(2), 1, duration_ms=60_000)
    log(col, "alpha/c3", at(3), 3, duration_ms=60_000)
    log(col, "beta/c1", at(1), 4, duration_ms=60_000)
    set_card(col, "alpha/c1", state=2, due=at(0), stability=5.0, last_review=at(1))
    set_card(col, "beta/c1", state=2, due=at(-9), stability=30.0, last_review=at(1))
    return col


async def settle(app: MasteryApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let the figures' worker finish and the screen draw them."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def open_stats(app: MasteryApp, pilot) -> StatsScreen:  # type: ignore[no-untyped-def]
    await pilot.press("t")
    await settle(app, pilot)
    assert isinstance(app.screen, StatsScreen)
    return app.screen


def lines_fit(text: str) -> None:
    """Every line fits the terminal: nothing runs past column 80."""
    assert all(len(line) <= SIZE[0] for line in text.splitlines())


async def test_t_opens_stats_with_heatmap_and_retention_readable_at_80x24(
    studied: Collection,
) -> None:
    app = make_app(studied)
    async with app.run_test(size=SIZE) as pilot:
        await open_stats(app, pilot)
        text = screen_text(app)
        lines_fit(text)
        assert "Answers, last 365 days  4 answers on 3 days" in text
        assert re.search(r"^ Mon ", text, re.MULTILINE) and re.search(r"^ Sun ", text, re.M)
        assert "True retention" in text
        assert re.search(r"All decks\s+75% 3/4\s+75% 3/4\s+75% 3/4\s+75% 3/4", text)
        assert re.search(r"Alpha\s+67% 2/3", text) and re.search(r"Beta\s+100% 1/1", text)
        # footer key hints
        assert "Back" in text and "Deck" in text and "Save SVG" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StatsScreen)


async def test_scrolling_shows_forecast_time_cards_and_distributions(studied: Collection) -> None:
    app = make_app(studied)
    async with app.run_test(size=SIZE) as pilot:
        await open_stats(app, pilot)
        seen = screen_text(app)
        for _ in range(4):
            await pilot.press("pagedown")
            await pilot.pause()
            text = screen_text(app)
            lines_fit(text)
            seen += "\n" + text
        assert "Answers per day, last 30 days  4 answers in 4m 00s" in seen
        assert "learning 0 · young 4 · mature 0 · relearning 0" in seen
        assert "Due in the next 30 days  2 cards, 1 today" in seen
        assert "Cards  5" in seen
        assert re.search(r"new .*3\s*$", seen, re.MULTILINE)
        assert re.search(r"mature .*1\s*$", seen, re.MULTILINE)
        assert "Stability (days a memory lasts at 90% recall)" in seen
        assert re.search(r"3-7d .*1\s*$", seen, re.MULTILINE)
        assert "Retrievability today (chance of recall now)" in seen
        assert re.search(r"90-100% .*2\s*$", seen, re.MULTILINE)


async def test_deck_selector_changes_the_figures(studied: Collection) -> None:
    app = make_app(studied)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stats(app, pilot)
        await pilot.press("right_square_bracket")  # the next deck: Alpha
        await settle(app, pilot)
        text = screen_text(app)
        assert screen.figures is not None and screen.figures.deck_key == "alpha"
        assert "Deck Alpha" in text
        assert "Answers, last 365 days  3 answers on 3 days" in text
        assert len(re.findall(r"Alpha\s+67% 2/3", text)) == 1 and "Beta" not in text
        # d opens the list; down and Enter pick Beta
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert screen.figures.deck_key == "beta"
        text = screen_text(app)
        assert "Answers, last 365 days  1 answer on 1 day" in text
        assert re.search(r"Beta\s+100% 1/1", text)
        await pilot.press("left_square_bracket", "left_square_bracket")  # back to all decks
        await settle(app, pilot)
        assert screen.figures.deck_key is None
        assert "4 answers on 3 days" in screen_text(app)


@pytest.mark.parametrize("key", ["ctrl+s", "S"])
async def test_key_saves_the_screen_as_svg_in_the_profile_folder(
    studied: Collection, key: str
) -> None:
    app = make_app(studied)
    async with app.run_test(size=SIZE) as pilot:
        await open_stats(app, pilot)
        await pilot.press(key)
        await pilot.pause()
        [svg] = list(Path(studied.db.path.parent).glob("mastery-stats-*.svg"))
        assert svg.name == "mastery-stats-20261121-100000.svg"  # the app's clock, UTC profile
        content = svg.read_text(encoding="utf-8")
        assert content.startswith("<svg") and "retention" in content and "Alpha" in content
        notes = app.notes  # type: ignore[attr-defined]
        assert ("information", f"Saved the screen as {svg}") in notes


async def test_empty_profile_explains_what_will_appear(col: Collection, write_deck) -> None:
    add_deck(col, write_deck, "alpha", "Alpha", [("A1", "1")])
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_stats(app, pilot)
        text = screen_text(app)
        lines_fit(text)
        assert "No reviews yet." in text
        flat = " ".join(text.split())
        assert "your true retention, the cards due in the next 30 days" in flat
        assert "Press Escape, then r on the dashboard to review" in flat
        assert "Cards  1" in text  # the cards waiting are still counted
        assert "True retention  share" not in text  # no empty charts
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert "No reviews in this deck yet" in screen_text(app)


async def test_calibration_key_opens_the_apps_calibration(
    studied: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(
        MasteryApp, "action_calibration", lambda self: calls.append("c"), raising=False
    )
    app = make_app(studied)
    async with app.run_test(size=SIZE) as pilot:
        await open_stats(app, pilot)
        assert "Calibration" in screen_text(app)
        await pilot.press("c")
        await pilot.pause()
        assert calls == ["c"]


async def test_calibration_key_is_hidden_until_the_app_has_it(
    studied: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(MasteryApp, "action_calibration", raising=False)
    app = make_app(studied)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stats(app, pilot)
        assert "Calibration" not in screen_text(app)
        assert screen.check_action("calibration", ()) is False
        await pilot.press("c")  # nothing happens, nothing breaks
        await pilot.pause()
        assert app.screen is screen


async def test_palette_opens_stats(studied: Collection) -> None:
    app = make_app(studied)
    async with app.run_test(size=SIZE) as pilot:
        commands = {t: run for t, run, _ in MasteryCommands(app.screen)._commands()}
        commands["stats: Open"]()
        await settle(app, pilot)
        assert isinstance(app.screen, StatsScreen)
        titles = [t for t, _, _ in MasteryCommands(app.screen)._commands()]
        assert "stats: Save SVG" in titles and "stats: Deck" in titles


# ----------------------------------------------------------------------------- widgets
def test_heatmap_grid_puts_weeks_in_columns_monday_first() -> None:
    from datetime import date, timedelta

    first = date(2026, 11, 4)  # a Wednesday
    days = [(first + timedelta(days=n), n) for n in range(10)]
    monday, rows = grid(days)
    assert monday == date(2026, 11, 2)
    assert rows[0] == [None, 5] and rows[2] == [0, 7]  # Mon: before the first day; Wed
    assert rows[4] == [2, 9] and rows[5] == [3, None]  # the 2nd Saturday: after the last
    assert [level(n, 8) for n in (0, 1, 4, 8)] == [0, 1, 2, 4]
    assert month_line(date(2026, 10, 26), 8) == "Nov  Dec"  # Nov 1 falls in the first week
    assert month_line(date(2026, 11, 2), 8) == "Nov Dec"  # the first, partial month named too
    assert month_line(date(2026, 11, 2), 6) == "Nov"  # no room left for "Dec"


def test_bar_helpers_never_hide_a_nonzero_count() -> None:
    assert column_rows([0, 1, 100], height=2) == ["  █", " ▁█"]
    assert hbar(1, 1000, 10) == "▏" and hbar(0, 1000, 10) == ""
    assert hbar(500, 1000, 10) == "█████"


async def test_heatmap_widget_shows_a_message_instead_of_the_grid() -> None:
    from textual.app import App

    class One(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield Heatmap(id="h")

    app = One()
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one("#h", Heatmap)
        widget.message("suppressed (<5 members)")
        await pilot.pause()
        assert "suppressed (<5 members)" in str(widget.render())
