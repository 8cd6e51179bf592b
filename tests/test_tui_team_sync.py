"""Teams set to sync automatically get the member's sealed contribution after a session."""

from __future__ import annotations

from pathlib import Path

from test_team import make_team, member
from test_tui_helpers import SIZE, make_app


async def test_finishing_a_review_session_syncs_auto_teams(
    tmp_path: Path, mastery_home: Path
) -> None:
    folder = make_team(tmp_path / "team")
    col = member(mastery_home, "ann", folder, reviews=0)
    col.team.set_auto("crew", True)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space", "4")  # answer a card ...
        await pilot.pause()
        assert not list(folder.rglob("contributions/*.json"))  # nothing shared mid-session
        await pilot.press("escape")  # ... and end the session
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    # the round that has ended (only that one, once: studying days must not show)
    assert len(list(folder.rglob("contributions/*.json"))) == 1
    col.close()
