"""Helpers the TUI tests share (imported by the other test_tui_* modules), and tests of the
pure formatting functions the screens use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import NOW
from mastery import present as fmt
from mastery.collection import Collection
from mastery.days import DayClock
from mastery.tui.app import MasteryApp

SIZE = (80, 24)


def deck_toml(key: str, name: str, cards: list[tuple[str, str]], tags: str = "") -> str:
    """A TOML deck: cards are (front, back); card ids are c1, c2, ..."""
    lines = [f"id = {key!r}", f"name = {name!r}", ""]
    for n, (front, back) in enumerate(cards, 1):
        lines += ["[[cards]]", f'id = "c{n}"', f"front = '''{front}'''", f"back = '''{back}'''"]
        if tags:
            lines.append(f"tags = [{', '.join(repr(t) for t in tags.split())}]")
        lines.append("")
    return "\n".join(lines)


def add_deck(
    col: Collection,
    write_deck: Callable[..., Path],
    key: str,
    name: str,
    cards: list[tuple[str, str]],
    tags: str = "",
) -> None:
    col.import_files([write_deck(deck_toml(key, name, cards, tags), name=f"{key}.toml")], now=NOW)


def make_app(col: Collection, now: datetime = NOW, **kwargs: object) -> MasteryApp:
    """The app on a fixed clock, with notifications recorded in `app.notes` for asserts."""
    app = MasteryApp(col, clock=lambda: now, **kwargs)  # type: ignore[arg-type]
    app.animation_level = "none"  # scrolling a focused box into view is instant: faster tests
    app.notes = []  # type: ignore[attr-defined]
    original = app.notify

    def notify(message: str, **kw: object) -> None:
        app.notes.append((kw.get("severity", "information"), message))  # type: ignore[attr-defined]
        original(message, **kw)  # type: ignore[arg-type]

    app.notify = notify  # type: ignore[method-assign]
    return app


def screen_text(app: MasteryApp) -> str:
    """What the terminal shows right now, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def burst(pilot: Any, *keys: str) -> None:
    """Type `keys` the way a paste or a slow SSH link delivers them: all in one read, with no
    pause between them (`pilot.press` waits for the app to be idle after every key, which hides
    any key handled before the previous one's effect), then wait for the app to settle."""
    from textual import events
    from textual.keys import _character_to_key

    app = pilot.app
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        char = key if len(key) == 1 else {"slash": "/", "space": " "}.get(key)
        app._driver.send_message(events.Key(name, char))
    await pilot.pause()


def review_count(col: Collection) -> int:
    return col.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0]


# ----------------------------------------------------------------------------- present.py
CLOCK = DayClock(UTC, 4)


def test_when_reads_like_speech() -> None:
    assert fmt.when(NOW - timedelta(minutes=1), NOW, CLOCK) == "now"
    assert fmt.when(NOW + timedelta(hours=2), NOW, CLOCK) == "today 12:00"
    assert fmt.when(NOW + timedelta(days=1), NOW, CLOCK) == "tomorrow 10:00"
    assert fmt.when(NOW + timedelta(days=3), NOW, CLOCK) == "Tue 10:00"
    assert fmt.when(NOW + timedelta(days=30), NOW, CLOCK) == "21 Dec"
    assert fmt.when(datetime(2028, 1, 2, tzinfo=UTC), NOW, CLOCK) == "2 Jan 2028"


def test_until_and_due_cell_count_learner_days() -> None:
    assert fmt.due_in(NOW + timedelta(minutes=20), NOW, CLOCK) == "in 20m"
    assert fmt.due_in(NOW + timedelta(hours=5), NOW, CLOCK) == "in 5h"
    assert fmt.due_in(NOW + timedelta(days=3), NOW, CLOCK) == "in 3d"
    # 03:00 tomorrow is still today's learner day; 05:00 is tomorrow's, though 19 hours away.
    assert fmt.due_in(NOW + timedelta(hours=17), NOW, CLOCK) == "in 17h"
    assert fmt.due_in(NOW + timedelta(hours=19), NOW, CLOCK) == "in 1d"
    # 6 days 12 hours from 10:00 is 22:00 on the 6th day; 6 days 19 hours is 05:00 on the 7th.
    assert fmt.due_in(NOW + timedelta(days=6, hours=19), NOW, CLOCK) == "in 7d"
    assert fmt.due_cell(None, NOW, CLOCK) == "-"
    assert fmt.due_cell(NOW + timedelta(hours=17), NOW, CLOCK) == "today"  # 03:00, before rollover
    assert fmt.due_cell(NOW + timedelta(hours=19), NOW, CLOCK) == "in 1d"
    assert fmt.due_cell(NOW - timedelta(days=2), NOW, CLOCK) == "-2d"


def test_excerpt_and_duration() -> None:
    assert fmt.excerpt("What is **`git init`**?\n\n- a", 40) == "What is git init? a"
    assert fmt.excerpt("abcdefghij", 5) == "abcd…"
    assert fmt.excerpt("When should you *not* rebase? 2 * 3 = 6, snake_case", 60) == (
        "When should you not rebase? 2 * 3 = 6, snake_case"
    )
    assert fmt.duration(45_000) == "45s"
    assert fmt.duration(252_000) == "4m 12s"
    assert fmt.duration(3_900_000) == "1h 05m"
