# ruff: noqa: F811 (open_profile and deck are test_sync.py's fixtures, used by name)
"""Journal entries and goals sync as revisions (issue 14, docs/sync.md "Journal entries and
goals"): an edit on one device reaches the others; two edits of one entry between syncs keep
both, one as a conflict copy with the same uid everywhere; an edit made after seeing the
other's is no conflict; an edit made without seeing a deletion stays; goals' milestones,
realities and check-ins from two devices merge."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from test_sync import PASS, deck, notes_of, open_profile, sync_of  # noqa: F401 (fixtures)

from conftest import NOW
from mastery.collection import Collection

HOUR = timedelta(hours=1)


@pytest.fixture
def folder(tmp_path: Path) -> str:
    path = tmp_path / "target"
    path.mkdir()
    return str(path)


def pair(open_profile: Callable[..., Collection], folder: str) -> tuple[Collection, Collection]:
    a, b = open_profile("a"), open_profile("b")
    sync_of(a).setup(folder, PASS)
    sync_of(b).setup(folder, PASS)
    return a, b


def entries(col: Collection) -> dict[str, tuple[str, str | None]]:
    """uid -> (body, conflict_of)."""
    return {e.uid: (e.body, e.conflict_of) for e in col.journal.list()}


def test_an_entry_and_its_edit_reach_the_other_device(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = pair(open_profile, folder)
    goal = a.goals.add("Speak German", now=NOW)
    entry = a.journal.add("Dative", goals=[goal.id], visibility="shared", now=NOW)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    got = b.journal.get(entry.uid)
    assert (got.body, got.goals, got.visibility) == ("Dative", ("Speak German",), "shared")
    b.journal.edit(entry.uid, body="Dative and genitive", now=NOW + HOUR)
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert a.journal.get(entry.uid).body == "Dative and genitive"
    assert notes_of(a) == notes_of(b)
    assert sync_of(a).run(PASS).sent == 0  # nothing changed since: nothing to send


def three(open_profile: Callable[..., Collection], folder: str) -> list[Collection]:
    devices = [open_profile(name) for name in ("a", "b", "c")]
    for col in devices:
        sync_of(col).setup(folder, PASS)
    return devices


def test_two_edits_between_syncs_keep_both_with_one_conflict_copy_everywhere(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b, c = three(open_profile, folder)
    entry = a.journal.add("First draft", title="Dative", now=NOW)
    for col in (a, b, c):
        sync_of(col).run(PASS)
    a.journal.edit(entry.uid, body="Edited on a", now=NOW + HOUR)
    b.journal.edit(entry.uid, body="Edited on b", now=NOW + 2 * HOUR)
    for col in (c, b, a, c, b):  # c hears b's edit before a's
        sync_of(col).run(PASS)
    assert notes_of(a) == notes_of(b) == notes_of(c)
    shown = entries(a)
    assert shown[entry.uid] == ("Edited on b", None)  # the later edit is the entry
    copies = [uid for uid, (body, of) in shown.items() if of == entry.uid]
    assert len(copies) == 1 and shown[copies[0]][0] == "Edited on a"
    copy = a.journal.get(copies[0])
    assert copy.title == "Dative (conflict copy, 2026-11-21 11:00 UTC)"
    assert {e.uid for e in c.journal.list()} == {entry.uid, copy.uid}


def test_an_edit_made_after_seeing_the_other_is_no_conflict(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = pair(open_profile, folder)
    entry = a.journal.add("One", now=NOW)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    b.journal.edit(entry.uid, body="Two", now=NOW + HOUR)
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    a.journal.edit(entry.uid, body="Three", now=NOW + 2 * HOUR)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    assert entries(b) == entries(a) == {entry.uid: ("Three", None)}


def test_a_clock_an_hour_ahead_does_not_win_over_an_edit_made_after_seeing_it(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = pair(open_profile, folder)
    entry = a.journal.add("One", now=NOW + 5 * HOUR)  # a's clock runs ahead
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    b.journal.edit(entry.uid, body="Seen, then edited", now=NOW + HOUR)
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert entries(a) == entries(b) == {entry.uid: ("Seen, then edited", None)}


def test_an_edit_made_without_seeing_a_deletion_stays(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = pair(open_profile, folder)
    gone = a.journal.add("Will be deleted on a", now=NOW)
    both = a.journal.add("Deleted on both", now=NOW)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    a.journal.delete(gone.uid)
    b.journal.edit(gone.uid, body="But b edited it", now=NOW + HOUR)
    a.journal.delete(both.uid)
    b.journal.delete(both.uid)
    for col in (a, b, a):
        sync_of(col).run(PASS)
    assert entries(a) == entries(b) == {gone.uid: ("But b edited it", None)}
    # A deletion made after seeing the entry removes it everywhere.
    b.journal.delete(gone.uid)
    sync_of(b).run(PASS)
    sync_of(a).run(PASS)
    assert entries(a) == entries(b) == {}


def test_a_goal_edited_on_two_devices_merges_its_parts(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = pair(open_profile, folder)
    goal = a.goals.add(
        "Speak German", reality="I read slowly", milestones=["A1"], decks=["capitals"], now=NOW
    )
    entry = a.journal.add("Linked", goals=[goal.id], now=NOW)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    on_b = b.goals.get(goal.uid)
    assert [m.title for m in on_b.milestones] == ["A1"] and on_b.reality == "I read slowly"
    assert b.journal.get(entry.uid).goals == ("Speak German",)
    a.goals.complete_milestone(goal.id, 1, now=NOW + HOUR)
    a.goals.check_in(goal.id, 6, "fine", now=NOW + HOUR)
    b.goals.edit(on_b.id, reality="I read a page a day", now=NOW + 2 * HOUR)
    b.goals.check_in(on_b.id, 8, "better", now=NOW + 2 * HOUR)  # same day: the later stays
    b.goals.add_milestone(on_b.id, "B1", now=NOW + 2 * HOUR)
    for col in (a, b, a):
        sync_of(col).run(PASS)
    assert notes_of(a) == notes_of(b)
    merged = a.goals.get(goal.id)
    assert merged.reality == "I read a page a day"
    assert [(c.confidence, c.note) for c in merged.check_ins] == [(8, "better")]
    assert len(a.goals.realities(goal.id)) == 2
    # The milestones were edited on both: the later goal stays, the other is a copy.
    copies = [g for g in a.goals.list("all") if g.conflict_of == goal.uid]
    assert [m.title for m in merged.milestones] == ["A1", "B1"] and len(copies) == 1
    assert a.goals.get(copies[0].id).milestones[0].done


def test_a_conflict_copy_is_resolved_once_for_every_device(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b, c = three(open_profile, folder)
    first = a.journal.add("Base one", title="One", now=NOW)
    second = a.journal.add("Base two", title="Two", now=NOW)
    third = a.journal.add("Base three", title="Three", now=NOW)
    for col in (a, b, c):
        sync_of(col).run(PASS)
    for entry in (first, second, third):
        a.journal.edit(entry.uid, body=f"a {entry.title}", now=NOW + HOUR)
        b.journal.edit(entry.uid, body=f"b {entry.title}", now=NOW + 2 * HOUR)
    for col in (a, b, c, a):
        sync_of(col).run(PASS)
    copy_of = {e.conflict_of: e for e in a.journal.list() if e.conflict_of}
    assert a.journal.resolve(copy_of[first.uid].uid, "this").body == "a One"  # type: ignore[union-attr]
    assert a.journal.resolve(copy_of[second.uid].uid, "other").body == "b Two"  # type: ignore[union-attr]
    kept = a.journal.resolve(copy_of[third.uid].uid, "both")
    assert kept is not None and kept.conflict_of is None
    for col in (a, b, c, a, b):
        sync_of(col).run(PASS)
    assert notes_of(a) == notes_of(b) == notes_of(c)
    assert sorted((e.title, e.body) for e in c.journal.list()) == [
        ("One", "a One"),
        ("Three", "b Three"),
        ("Three (conflict copy, 2026-11-21 11:00 UTC)", "a Three"),
        ("Two", "b Two"),
    ]
    assert not [e for e in b.journal.list() if e.conflict_of]


def test_a_restored_backup_gets_its_later_entries_and_goals_back_and_sends_nothing_twice(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a = open_profile("a")
    sync_of(a).setup(folder, PASS)
    old = a.journal.add("Before the backup", now=NOW)
    sync_of(a).run(PASS)
    backup = a.backup(now=NOW)
    a.journal.edit(old.uid, body="After the backup", now=NOW + HOUR)
    goal = a.goals.add("Later goal", reality="starting", now=NOW + HOUR)
    a.goals.check_in(goal.id, 5, "so so", now=NOW + HOUR)
    sync_of(a).run(PASS)
    expected = notes_of(a)
    path = a.db.path
    a.close()
    shutil.copyfile(backup, path)
    restored = Collection.open_path(path)
    try:
        assert entries(restored) == {old.uid: ("Before the backup", None)}
        sync_of(restored).run(PASS)
        assert notes_of(restored) == expected
        assert sync_of(restored).run(PASS).sent == 0
    finally:
        restored.close()


def test_lost_chunks_are_written_again_with_entries_and_goals(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = pair(open_profile, folder)
    goal = a.goals.add("Speak", reality="slow", milestones=["A1"], now=NOW)
    a.journal.add("Entry", goals=[goal.id], now=NOW)
    a.goals.check_in(goal.id, 7, "ok", now=NOW)
    sync_of(a).run(PASS)
    device = a.meta("sync")["device"]
    lost = sorted((Path(folder) / device).glob("*.chunk"))
    for chunk in lost:
        chunk.unlink()
    assert sync_of(a).run(PASS).rewritten == len(lost)
    c = open_profile("c")
    sync_of(c).setup(folder, PASS)
    sync_of(b).run(PASS)
    assert notes_of(c) == notes_of(a) == notes_of(b)
    assert c.goals.get(goal.uid).check_ins[0].confidence == 7


def test_an_entry_linked_to_a_goal_not_here_yet_is_linked_when_the_goal_comes(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    """Revisions are applied device by device: an entry from one device can name a goal
    another device made, whose chunk this device has not read yet."""
    a, b = pair(open_profile, folder)
    goal = a.goals.add("From a", now=NOW)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    entry = b.journal.add("Linked on b", goals=[b.goals.get(goal.uid).id], now=NOW + HOUR)
    sync_of(b).run(PASS)
    c = open_profile("c")
    # c reads b's chunk before a's: the link names a goal c does not have yet.
    c_col = c
    sync_of(c_col).setup(folder, PASS)
    assert c.journal.get(entry.uid).goals == ("From a",)
    assert notes_of(c) == notes_of(b)


def test_a_revision_from_a_newer_mastery_is_refused_in_one_line(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    from mastery.errors import SyncError
    from mastery.sync.events import parse

    event = {
        "kind": "entry",
        "uid": "e-abc",
        "stamp": 1,
        "seen": {"0" * 32: 1},
        "entry": {
            "day": "2026-11-21",
            "title": "",
            "body": "x",
            "tags": [],
            "goals": [],
            "visibility": "private",
            "created_at": 0,
            "mood": "new field",
        },
    }
    with pytest.raises(SyncError, match="event 0.entry.entry.mood"):
        parse([event], "dev/00000001.chunk")
    empty = {**event, "uid": ""}
    with pytest.raises(SyncError, match="nothing was applied"):
        parse([empty], "dev/00000001.chunk")
    part = {"kind": "goalpart", "id": "0" * 32, "goal": "g-1", "recorded_at": 0}
    with pytest.raises(SyncError, match="a reality or a check-in"):
        parse([part], "dev/00000001.chunk")


def conflicted(open_profile: Callable[..., Collection], folder: str) -> tuple[Collection, str]:
    """Profile "a" after two devices edited one entry and one goal between syncs; returns it
    and the entry's uid."""
    a, b = pair(open_profile, folder)
    entry = a.journal.add("Base", title="Dative", now=NOW)
    goal = a.goals.add("Speak German", milestones=["A1"], now=NOW)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    a.journal.edit(entry.uid, body="Edited on a", now=NOW + HOUR)
    b.journal.edit(entry.uid, body="Edited on b", now=NOW + 2 * HOUR)
    a.goals.edit(goal.id, vision="a's vision", now=NOW + HOUR)
    b.goals.edit(goal.uid, vision="b's vision", now=NOW + 2 * HOUR)
    for col in (a, b, a):
        sync_of(col).run(PASS)
    return a, entry.uid


def test_the_cli_marks_conflict_copies_and_resolves_them(
    open_profile: Callable[..., Collection], folder: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from mastery.cli import main

    a, uid = conflicted(open_profile, folder)
    home = str(a.db.path.parent.parent.parent)
    copy = next(e for e in a.journal.list() if e.conflict_of == uid)
    goal_copy = next(g for g in a.goals.list() if g.conflict_of)
    a.close()

    def cli(*args: str) -> tuple[int, str, str]:
        code = main(["--no-bundled-decks", "--home", home, "--profile", "a", *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = cli("journal", "list")
    assert (
        code == 0
        and f"{copy.uid}  Dative (conflict copy, 2026-11-21 11:00 UTC) [⚠ conflict copy]" in out
    )
    code, out, _ = cli("journal", "show", copy.uid)
    assert f"⚠ conflict copy of {uid}" in out
    code, _, err = cli("journal", "resolve", uid, "--keep", "this")
    assert code == 2 and err.count("\n") == 1 and "not a conflict copy" in err
    with pytest.raises(SystemExit) as exited:
        cli("journal", "resolve", copy.uid, "--keep", "mine")
    assert exited.value.code == 2 and "invalid choice" in capsys.readouterr().err
    code, out, _ = cli("journal", "resolve", copy.uid, "--keep", "this")
    assert code == 0 and out == f"Kept {uid} (2026-11-21): Dative\n"
    code, out, _ = cli("journal", "show", uid, "--json")
    assert json.loads(out)["body"] == "Edited on a"
    code, out, _ = cli("goal", "list")
    assert "[⚠ conflict copy]" in out
    code, out, _ = cli("goal", "show", str(goal_copy.id))
    assert f"mastery goal resolve {goal_copy.id} --keep this|other|both" in out
    code, out, _ = cli("goal", "resolve", str(goal_copy.id), "--keep", "both")
    assert code == 0 and "Kept goal" in out
    code, out, _ = cli("goal", "list")
    assert "conflict copy]" not in out and "(conflict copy," in out


async def test_the_journal_marks_a_conflict_copy_and_r_resolves_it(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    from test_tui_helpers import make_app, screen_text

    from mastery.tui.dialogs.resolve import ResolveScreen
    from mastery.tui.screens.journal import EntryScreen, JournalScreen

    a, uid = conflicted(open_profile, folder)
    copy = next(e for e in a.journal.list() if e.conflict_of == uid)
    app = make_app(a)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("J")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, JournalScreen)
        for _ in range(3):
            if screen._selected() is not None and screen._selected().uid == copy.uid:  # type: ignore[union-attr]
                break
            await pilot.press("j")
        text = screen_text(app)
        assert "⚠ Dative (conflict copy" in text and "⚠ conflict copy (r: resolve)" in text
        footer = text.splitlines()[-1]
        assert "r Resolve" in footer and "? Help" in footer
        await pilot.press("enter")  # the entry view offers it too
        await pilot.pause()
        assert isinstance(app.screen, EntryScreen)
        assert "r Resolve" in screen_text(app).splitlines()[-1]
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ResolveScreen)
        await pilot.press("escape")  # decides nothing
        await pilot.pause()
        assert a.journal.get(copy.uid).conflict_of == uid
        await pilot.press("r", "b")  # keep both
        await pilot.pause()
        assert a.journal.get(copy.uid).conflict_of is None
        assert "r Resolve" not in screen_text(app).splitlines()[-1]
        await pilot.press("escape")
        await pilot.pause()
        for _ in range(3):
            await pilot.press("k")
        assert "r Resolve" not in screen_text(app).splitlines()[-1]


async def test_the_goal_view_marks_a_conflict_copy_and_keep_this_replaces_the_goal(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    from test_tui_helpers import make_app, screen_text

    from mastery.tui.screens.goals import GoalScreen, GoalsScreen

    a, _ = conflicted(open_profile, folder)
    copy = next(g for g in a.goals.list() if g.conflict_of)
    app = make_app(a)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, GoalsScreen)
        assert "⚠ conflict copy" in screen_text(app)
        await app.push_screen(GoalScreen(copy.id))
        await pilot.pause()
        text = screen_text(app)
        assert "⚠ conflict copy (r: resolve)" in text
        footer = text.splitlines()[-1]
        assert "r Resolve" in footer and "? Help" in footer
        await pilot.press("r", "t")  # keep this one: the goal takes the copy's vision
        await pilot.pause()
        assert isinstance(app.screen, GoalsScreen)
        assert [g.conflict_of for g in a.goals.list()] == [None]
        assert a.goals.get(copy.conflict_of).vision == "a's vision"  # type: ignore[arg-type]


def test_an_entry_too_long_to_sync_is_refused_in_one_line_before_anything_is_sent(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    from mastery.errors import SyncError

    a, b = pair(open_profile, folder)
    a.journal.add("x" * 2_000_001, now=NOW)
    with pytest.raises(SyncError, match="cannot sync: body: .*nothing was sent") as caught:
        sync_of(a).run(PASS)
    assert "\n" not in str(caught.value)
    assert sync_of(b).run(PASS).chunks_read == 0  # nothing was written for b to refuse


def test_two_devices_editing_in_the_same_millisecond_agree_on_the_copy(
    open_profile: Callable[..., Collection], folder: str
) -> None:
    a, b = pair(open_profile, folder)
    entry = a.journal.add("Base", now=NOW)
    sync_of(a).run(PASS)
    sync_of(b).run(PASS)
    a.journal.edit(entry.uid, body="on a", now=NOW + HOUR)
    b.journal.edit(entry.uid, body="on b", now=NOW + HOUR)
    for col in (b, a, b):
        sync_of(col).run(PASS)
    assert notes_of(a) == notes_of(b)
    assert sorted(body for body, _ in entries(a).values()) == ["on a", "on b"]
