"""The Team screen: vision, heatmap, deck figures, k-anonymous suppression, sync, export."""

from __future__ import annotations

from pathlib import Path

from test_team import make_team, member
from test_tui_helpers import SIZE, make_app, screen_text

from conftest import NOW
from mastery.collection import Collection
from mastery.tui.screens.team import EMPTY, TeamScreen
from mastery.tui.widgets.table import KeyTable


def synced_team(home: Path, tmp_path: Path, members: int = 3, k: int = 3) -> Path:
    """A team folder with `members` synthetic members, each synced once."""
    folder = make_team(tmp_path / "t", k=k)
    for n in range(members):
        col = member(home, f"m{n}", folder, reviews=2 + n)
        col.team.sync(now=NOW)
        col.close()
    return folder


async def open_team(app, pilot) -> TeamScreen:  # type: ignore[no-untyped-def]
    app.action_team()
    await pilot.pause()
    assert isinstance(app.screen, TeamScreen)
    return app.screen


async def test_team_screen_shows_vision_decks_and_heatmap(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    folder = synced_team(mastery_home, tmp_path)
    col.team.join(folder)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_team(app, pilot)
        await pilot.pause()
        text = screen_text(app)
        assert "Vision: Learn together" in text
        assert "3 member(s)" in text
        assert "Mon " in text and "Sun " in text  # the heatmap's rows
        decks = screen.query_one("#team-decks", KeyTable)
        assert decks.row_count == 1
        row = decks.get_row("team-deck")
        assert row[2] == "3" and row[3] == "50%"  # active members, coverage
        assert screen.query_one("#team-hardest", KeyTable).row_count >= 1
        assert "suppressed" not in str(row[3])
        await pilot.press("escape")
        assert not isinstance(app.screen, TeamScreen)


async def test_team_screen_suppresses_below_k(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    folder = synced_team(mastery_home, tmp_path, members=3, k=5)
    col.team.join(folder)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_team(app, pilot)
        await pilot.pause()
        row = screen.query_one("#team-decks", KeyTable).get_row("team-deck")
        assert all(cell == "suppressed (<5)" for cell in row[2:])
        assert screen.query_one("#team-hardest", KeyTable).row_count == 0
        assert "suppressed (<5 members)" in str(screen.query_one("#team-heatmap").render())
        assert "%" not in str(screen.query_one("#team-goals").render())


async def test_team_screen_empty_state(col: Collection) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_team(app, pilot)
        await pilot.pause()
        assert "No team yet" in screen_text(app)
        assert str(screen.query_one("#team-title").render()) == EMPTY
        await pilot.press("s")  # nothing to sync: no worker, no error
        assert not [n for n in app.notes if n[0] == "error"]  # type: ignore[attr-defined]


async def test_s_syncs_this_member_and_refreshes(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    folder = synced_team(mastery_home, tmp_path, members=2)
    col.team.join(folder, sync=True)
    summary = folder / "summary"
    before = set(summary.glob("*.json"))
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_team(app, pilot)
        assert screen.report is not None and screen.report.members == 2
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(set(summary.glob("*.json")) - before) == 1
        assert screen.report is not None and screen.report.members == 3


async def test_sync_off_shows_the_error(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    folder = synced_team(mastery_home, tmp_path, members=1)
    col.team.join(folder)  # sync not enabled
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_team(app, pilot)
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [m for s, m in app.notes if s == "error"]  # type: ignore[attr-defined]
        assert errors and "sync is off" in errors[0]


async def test_ctrl_e_writes_the_markdown_report(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    folder = synced_team(mastery_home, tmp_path)
    col.team.join(folder)
    target = tmp_path / "out" / "report.md"
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_team(app, pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        app.screen.query_one("#file-action-path").value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TeamScreen)
    text = target.read_text(encoding="utf-8")
    assert "# Team The Crew" in text and "| team-deck |" in text
