"""The Team screen: vision, heatmap, deck figures, k-anonymous suppression, sync, export."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from test_team import legacy_sync, make_team, member
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
        legacy_sync(col)
        col.close()
    return folder


async def open_team(app, pilot) -> TeamScreen:  # type: ignore[no-untyped-def]
    app.action_team()
    await pilot.pause()
    assert isinstance(app.screen, TeamScreen)
    return app.screen


def summed_team(home: Path, tmp_path: Path, members: int = 3, k: int = 3) -> Path:
    """A team whose two stewards (member profiles s0, s1) summed last week's round of
    `members` members (the stewards included)."""
    from test_team_rounds import CLOSED, add_stewards, open_profile, study

    folder = make_team(tmp_path / "t", k=k, stewards=False)
    stewards = [open_profile(home, f"s{n}") for n in range(2)]
    add_stewards(folder, *stewards)
    others = [open_profile(home, f"m{n}") for n in range(members - 2)]
    for col in [*stewards, *others]:
        col.team.join(folder, sync=True)
        col.team.pull(now=NOW)
        study(col, [0, 1])
        col.team.sync(now=NOW)
    for steward in stewards:
        steward.team.aggregate(now=CLOSED)
    for col in [*stewards, *others]:
        col.close()
    return folder


async def test_team_screen_shows_vision_decks_heatmap_and_noise(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    from test_team_rounds import CLOSED, ROUND

    folder = summed_team(mastery_home, tmp_path, members=4)
    col.team.join(folder)
    app = make_app(col, now=CLOSED)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_team(app, pilot)
        await pilot.pause()
        text = screen_text(app)
        assert "Vision: Learn together" in text
        assert f"round {ROUND}: 4 members" in text
        assert "2 stewards, none of whom sees a contribution" in text
        assert "Mon " in text and "Sun " in text  # the heatmap's rows
        decks = screen.query_one("#team-decks", KeyTable)
        assert decks.row_count == 1
        row = decks.get_row("team-deck")
        assert "±" in str(row[2]) and "±" in str(row[3])  # every figure with its interval
        await pilot.press("escape")
        assert not isinstance(app.screen, TeamScreen)


async def test_team_screen_below_k_shows_no_figure(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    from test_team_rounds import CLOSED

    folder = summed_team(mastery_home, tmp_path, members=3, k=5)
    col.team.join(folder)
    app = make_app(col, now=CLOSED)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_team(app, pilot)
        await pilot.pause()
        assert screen.query_one("#team-decks", KeyTable).row_count == 0
        rounds = str(screen.query_one("#team-rounds").render())
        assert "suppressed (fewer than k = 5 members contributed)" in rounds
        assert "no round yet" in screen_text(app)
        assert "%" not in str(screen.query_one("#team-goals").render())


async def test_team_screen_shows_plaintext_records_of_the_first_design(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    folder = synced_team(mastery_home, tmp_path)
    col.team.join(folder)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_team(app, pilot)
        await pilot.pause()
        text = screen_text(app)
        assert "plaintext records of the first team design" in text
        assert "3 members" in text


async def test_team_screen_empty_state(col: Collection) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_team(app, pilot)
        await pilot.pause()
        assert "No team yet" in screen_text(app)
        assert str(screen.query_one("#team-title").render()) == EMPTY
        await pilot.press("s")  # nothing to sync: no worker, no error
        assert not [n for n in app.notes if n[0] == "error"]  # type: ignore[attr-defined]


async def test_s_seals_this_members_contribution_and_refreshes(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    folder = make_team(tmp_path / "t")
    col.team.join(folder, sync=True)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_team(app, pilot)
        assert not list(folder.rglob("contributions/*.json"))
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(list(folder.rglob("contributions/*.json"))) == 2
        notes = [m for _, m in app.notes]  # type: ignore[attr-defined]
        assert any("Sealed your contribution" in m for m in notes)


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
    assert "# Team The Crew" in text and "| team-deck |" in text  # the plaintext design's


async def test_a_sums_closed_rounds_for_a_steward(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    from test_team_rounds import CLOSED, ROUND, add_stewards, open_profile, study

    folder = make_team(tmp_path / "t", k=2, stewards=False)
    other = open_profile(mastery_home, "other")
    add_stewards(folder, col, other)
    for profile in (col, other):
        profile.team.join(folder, sync=True)
        profile.team.pull(now=NOW)
        study(profile, [0])
        profile.team.sync(now=NOW)
    other.close()
    app = make_app(col, now=CLOSED)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_team(app, pilot)
        assert screen.check_action("aggregate", ()) is True
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        notes = "\n".join(m for _, m in app.notes)  # type: ignore[attr-defined]
        assert f"{ROUND}: published (2 members)" in notes
        assert len(list(folder.glob(f"rounds/{ROUND}/partials/*.json"))) == 1
        rounds = str(screen.query_one("#team-rounds").render())
        assert "1 of 2 stewards have summed it" in rounds  # waiting for the other steward


async def test_a_with_nothing_to_sum_says_when_the_next_round_can_be(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    """A steward presses `a` before this week's round has closed: last week's round is
    summed, and pressing again says there is nothing to sum and from which day this
    week's round can be (the day after its Sunday has ended, by the profile's day)."""
    from test_team_rounds import ROUND, add_stewards, open_profile, study

    from mastery.team.wire import round_of

    folder = make_team(tmp_path / "t", k=2, stewards=False)
    other = open_profile(mastery_home, "other")
    add_stewards(folder, col)
    for profile in (col, other):
        profile.team.join(folder, sync=True)
        profile.team.pull(now=NOW)
        study(profile, [0, 7])
        profile.team.sync(now=NOW)
    other.close()
    app = make_app(col, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_team(app, pilot)
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        earlier = round_of(NOW.date() - timedelta(days=7))
        assert f"{earlier}: published (2 members)" in "\n".join(m for _, m in app.notes)  # type: ignore[attr-defined]
        app.notes.clear()  # type: ignore[attr-defined]
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        notes = "\n".join(m for _, m in app.notes)  # type: ignore[attr-defined]
        assert (  # W47 ends Sunday 22nd; as the CLI says it (test_cli_team)
            "Nothing to sum: every closed round is already summed by you (or has no files). "
            f"Round {ROUND} can be summed from 2026-11-24 04:00." in notes
        )
    assert not list(folder.glob(f"rounds/{ROUND}/partials/*.json"))


async def test_a_is_not_offered_to_a_member_who_is_no_steward(
    col: Collection, tmp_path: Path
) -> None:
    folder = make_team(tmp_path / "t")
    col.team.join(folder)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_team(app, pilot)
        assert screen.check_action("aggregate", ()) is False
        await pilot.press("a")
        await pilot.pause()
        assert not list(folder.rglob("partials/*.json"))


async def test_j_joins_a_team_and_o_opts_in_and_out(
    col: Collection, mastery_home: Path, tmp_path: Path
) -> None:
    """The Team screen could neither join a team nor opt in: both needed the CLI (issue 13)."""
    from mastery.tui.dialogs.file_action import FileActionScreen
    from mastery.tui.dialogs.yes_no import YesNoScreen

    folder = make_team(tmp_path / "t")
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_team(app, pilot)
        assert "press j to join" in screen_text(app)
        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, FileActionScreen)
        await pilot.press(*str(folder), "enter")
        await pilot.pause()
        assert isinstance(app.screen, YesNoScreen)
        assert "Nothing from your journal" in screen_text(app)
        assert [t.id for t in col.team.list()] == ["crew"]
        assert not col.team.sync_enabled("crew")  # joining alone sends nothing
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, TeamScreen)
        assert col.team.sync_enabled("crew")
        assert "You contribute to its figures" in screen_text(app)

        await pilot.press("o")  # opting out asks nothing
        await pilot.pause()
        assert not col.team.sync_enabled("crew")
        assert "You do not contribute (o opts in)" in screen_text(app)
        await pilot.press("o", "n")  # asked again, and declined
        await pilot.pause()
        assert not col.team.sync_enabled("crew")
        assert not list(folder.rglob("contributions/*.json"))


async def test_joining_a_folder_that_is_no_team_says_why_and_keeps_the_box(
    col: Collection, tmp_path: Path
) -> None:
    from mastery.tui.dialogs.file_action import FileActionScreen

    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_team(app, pilot)
        await pilot.press("j", *str(tmp_path), "enter")
        await pilot.pause()
        assert isinstance(app.screen, FileActionScreen)
        errors = [m for s, m in app.notes if s == "error"]  # type: ignore[attr-defined]
        assert errors and col.team.list() == []
