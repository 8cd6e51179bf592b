"""One clock per profile, beyond the collection itself: goals, journal, team, stats, optimize and
check ask `Collection.now()` when not given `now`, and so do the TUI's screens.

The clock here stands years away from the machine's date, so a wall-clock read anywhere in these
paths would show up as a wrong day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from test_tui_helpers import SIZE, deck_toml, screen_text

from mastery.check import check_database
from mastery.collection import Collection
from mastery.days import FixedTime, to_ms
from mastery.stats import insight
from mastery.tui.app import MasteryApp
from mastery.tui.screens.goals import GoalsScreen
from mastery.tui.screens.journal import QuickCaptureScreen

FAR = datetime(2031, 3, 15, 10, 0, tzinfo=UTC)  # a Saturday, in no test's wall-clock week
FAR_DAY = date(2031, 3, 15)


def far_profile(home: Path, clock: FixedTime) -> Collection:
    col = Collection.open(home=home, bundled=False, clock=clock)
    col.set_setting("timezone", "UTC")
    return col


def test_a_journal_entry_without_now_is_dated_by_the_profile_clock(tmp_path: Path) -> None:
    clock = FixedTime(FAR)
    with far_profile(tmp_path, clock) as col:
        entry = col.journal.add("What I learned")
        assert entry.day == FAR_DAY and entry.created == FAR
        assert col.journal.add("Before", day="yesterday").day == FAR_DAY - timedelta(days=1)
        assert col.journal.has_entry_today() and col.journal.streak() == 2
        clock.advance(timedelta(days=1))
        edited = col.journal.edit(entry.id, body="What I learned, again")
        assert edited.updated == FAR + timedelta(days=1)
        assert not col.journal.has_entry_today() and col.journal.streak() == 2
        stored = col.conn.execute(
            "SELECT day, created_at FROM journalentry WHERE id = ?", (entry.id,)
        ).fetchone()
        assert stored["day"] == "2031-03-15"
        assert stored["created_at"] == int(FAR.timestamp() * 1000)


def test_a_goal_s_days_left_and_history_use_the_profile_clock(tmp_path: Path) -> None:
    clock = FixedTime(FAR)
    with far_profile(tmp_path, clock) as col:
        goal = col.goals.add("Speak German", target="in 10 days", milestones=["A1", "A2"])
        assert goal.target == FAR_DAY + timedelta(days=10) and goal.days_left == 10
        clock.advance(timedelta(days=3))
        col.goals.complete_milestone(goal.id, 1)
        detail = col.goals.get(goal.id)
        assert detail.days_left == 7 and detail.created == FAR_DAY
        assert detail.milestones[0].done_on == FAR_DAY + timedelta(days=3)
        # The starting point on the creation day, the change's point three days later.
        assert [(p.day, p.progress) for p in col.goals.history(goal.id)] == [
            (FAR_DAY, 0.0),
            (FAR_DAY + timedelta(days=3), 0.5),
        ]
        check_in = col.goals.check_in(goal.id, 7, "on track")
        assert check_in.day == FAR_DAY + timedelta(days=3)


def test_team_stats_and_check_read_the_profile_clock(tmp_path: Path, write_deck) -> None:
    clock = FixedTime(FAR)
    with far_profile(tmp_path, clock) as col:
        config = col.team.init(tmp_path / "team", name="Crew")
        assert str(config.goals[0].target) == "2032-06-30"  # next June after 2031-03-15
        assert insight(col).today == FAR_DAY
        col.import_files([write_deck(deck_toml("geo", "Geography", [("Paris?", "France")]))])
        # A review card without a due date: `mastery check` makes it due now, by the clock.
        col.conn.execute("UPDATE card SET state = 2, stability = 5.0, difficulty = 5.0, due = NULL")
        clock.advance(timedelta(hours=1))
        assert not check_database(col).ok
        due = col.conn.execute("SELECT due FROM card").fetchone()["due"]
        assert due == to_ms(FAR + timedelta(hours=1))


async def test_the_app_s_screens_run_on_the_profile_clock(tmp_path: Path) -> None:
    """No clock given to the app: the goals list and quick capture count from the profile's."""
    clock = FixedTime(FAR)
    with far_profile(tmp_path, clock) as col:
        col.goals.add("Speak German", target=FAR_DAY + timedelta(days=10))
        app = MasteryApp(col)
        app.animation_level = "none"
        async with app.run_test(size=SIZE) as pilot:
            await app.push_screen(GoalsScreen())
            await pilot.pause()
            assert "Speak German" in screen_text(app) and "10d" in screen_text(app)
            await app.push_screen(QuickCaptureScreen())
            await pilot.pause()
            await pilot.press(*"noted")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not isinstance(app.screen, QuickCaptureScreen)
        [entry] = col.journal.list()
        assert (entry.body, entry.day, entry.created) == ("noted", FAR_DAY, FAR)
