"""The main screens as pictures: the text of each at 80x24, compared with tests/snapshots/.

A layout change (a column that no longer fits, a footer that lost a key, a panel pushed off
screen) fails here even when every widget still holds the right data. The profile, the clock
(conftest.NOW) and the theme are fixed, and notifications are cleared before each picture, so
a picture only changes when the screen does.

When a screen is meant to change, look at the failure's diff, then write the new pictures:

    MASTERY_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_tui_snapshots.py

and read `git diff tests/snapshots` before committing them.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from test_stats import at, log, set_card
from test_tui_helpers import SIZE, add_deck, make_app, screen_text

from conftest import NOW
from mastery.collection import Collection
from mastery.tui.app import MasteryApp

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("MASTERY_UPDATE_SNAPSHOTS") == "1"


@pytest.fixture
def profile(col: Collection, write_deck) -> Collection:
    """Two decks with a short history, a goal with milestones and a journal entry."""
    add_deck(
        col,
        write_deck,
        "geo",
        "Geography",
        [("Capital of France?", "Paris"), ("Capital of Peru?", "Lima"), ("Longest river?", "Nile")],
        tags="capitals",
    )
    add_deck(col, write_deck, "art", "Art", [("Who painted Guernica?", "Picasso [1937]")])
    log(col, "geo/c1", at(1), 3, duration_ms=8_000)
    log(col, "geo/c2", at(2), 1, duration_ms=12_000)
    log(col, "art/c1", at(3), 4, duration_ms=5_000)
    set_card(col, "geo/c1", state=2, due=at(0), stability=5.0, last_review=at(1))
    set_card(col, "art/c1", state=2, due=at(-9), stability=30.0, last_review=at(3))
    goal = col.goals.add(
        "Learn the capitals",
        vision="Name every capital in Europe and South America",
        target="in 30 days",
        milestones=["Europe", "South America"],
        now=NOW,
    )
    col.goals.complete_milestone(goal.id, 1, now=NOW)
    col.journal.add(
        "# Rivers\n\nThe Nile is longer than the Amazon, by most measures.",
        tags=["geography"],
        goals=[goal.id],
        visibility="shared",
        now=NOW,
    )
    return col


def check(app: MasteryApp, name: str, home: Path) -> str:
    """The screen's text against tests/snapshots/<name>.txt (written when updating): the
    difference, or "" when they agree."""
    text = screen_text(app).replace(str(home), "$MASTERY_HOME")
    text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return ""
    if not path.exists():
        return f"no snapshot {path.name} yet\n"
    expected = path.read_text(encoding="utf-8")
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            text.splitlines(keepends=True),
            f"snapshots/{name}.txt",
            "on screen",
        )
    )


async def settle(app: MasteryApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Workers done, the screen drawn, and no notification (toasts come and go on their own
    timers) left over it."""
    for _ in range(2):
        await pilot.pause()
        await app.workers.wait_for_complete()
    app.clear_notifications()
    await pilot.pause()


async def test_main_screens_look_as_they_did(profile: Collection, mastery_home: Path) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "textual-dark"
        await settle(app, pilot)
        diffs = [check(app, "dashboard", mastery_home)]
        for keys, name in [
            (("r",), "review_question"),
            (("space",), "review_answer"),
            (("escape", "J"), "journal"),
            (("escape", "g"), "goals"),
            (("escape", "b"), "browser"),
            (("escape", "escape", "s"), "settings"),
            (("escape", "t"), "stats"),
        ]:
            await pilot.press(*keys)
            await settle(app, pilot)
            diffs.append(check(app, name, mastery_home))
    if any(diffs):
        pytest.fail(
            "screens look different (MASTERY_UPDATE_SNAPSHOTS=1 writes them if meant):\n"
            + "".join(diffs),
            pytrace=False,
        )
