"""Reading never writes: every read command of the CLI, and the dashboard, leave the profile
database exactly as it was, and they all work on a database opened read-only
(`PRAGMA query_only=ON`)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from mentor_files import open_doc, pair_profiles
from test_tui_helpers import SIZE, make_app, screen_text

from conftest import NOW
from mastery import paths
from mastery.cli import main
from mastery.collection import Collection
from mastery.db import Database
from mastery.states import CardState, Confidence, LogKind, Rating

DAY = timedelta(days=1)
DECK = """id = "geo"
name = "Geography"

[[cards]]
id = "fr"
front = "Capital of France?"
back = "Paris"

[[cards]]
id = "pe"
front = "Capital of Peru?"
back = "Lima"

[[cards]]
id = "jp"
front = "Capital of Japan?"
back = "Tokyo"
"""


def run(capsys: pytest.CaptureFixture[str], profile: str, *args: str) -> str:
    code = main(["--no-bundled-decks", "--profile", profile, *args])
    out, err = capsys.readouterr()
    assert code == 0, (args, err)
    return out


def fingerprint(profile: str) -> str:
    """The database's whole content (schema and rows), as one hash."""
    conn = sqlite3.connect(paths.database_path(profile))
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


@pytest.fixture
def profiles(capsys, tmp_path: Path) -> dict[str, Any]:
    """Ana studies a deck linked to a goal (milestones, a check-in, journal entries, a team)
    and shares with her mentor Bo, whose profile holds her bundle; all feedback is read."""
    deck = tmp_path / "geo.toml"
    deck.write_text(DECK, encoding="utf-8")
    with Collection.open("ana", bundled=False, now=NOW) as col:
        col.set_setting("timezone", "UTC")
        col.import_files([deck], now=NOW - 30 * DAY)
        goal = col.goals.add(
            "Know capitals",
            decks=["geo"],
            milestones=["Europe", "Asia"],
            cadence="every day",
            visibility="shared",
            now=NOW - 30 * DAY,
        )
        fr, pe, _ = [c.id for c in col.deck_cards("geo")]
        moment = NOW - 30 * DAY
        col.answer(fr, Rating.EASY, now=moment, confidence=3)
        while col.card(fr).stability < 21:  # a mature card: the goal's mastery is above 0
            moment = col.card(fr).due + timedelta(hours=6)
            col.answer(fr, Rating.EASY, now=moment, confidence=3)
        col.answer(pe, Rating.AGAIN, now=NOW - 2 * DAY, confidence=1)
        col.goals.complete_milestone(goal.id, 1, now=NOW - DAY)
        col.goals.check_in(goal.id, 7, "steady", now=NOW - DAY)
        entry = col.journal.add(
            "Learned Peru", title="Peru", goals=[goal.id], visibility="shared", now=NOW
        )
        col.journal.add("A private note", tags=["diary"], now=NOW - DAY)
        history = [(p.day, p.progress) for p in col.goals.history(goal.id)]
    run(capsys, "ana", "cram", "--list")  # warm-up: the first CLI use settles nothing
    team = tmp_path / "team"
    run(capsys, "ana", "team", "init", str(team), "--name", "Core")
    run(capsys, "ana", "team", "join", str(team))
    run(capsys, "ana", "team", "sync", "--enable")
    bundle = tmp_path / "ana.json"
    pair_profiles("ana", "bo")
    run(capsys, "ana", "mentor", "export", "--to", str(bundle), "--name", "Ana")
    run(capsys, "bo", "mentor", "add", str(bundle))
    run(capsys, "bo", "mentor", "show", "Ana")  # read now: showing marks entries read
    export = str(tmp_path / "exported.toml")
    return {
        "goal": goal.id,
        "entry": entry.uid,
        "card": "geo/fr",
        "history": history,
        "export": export,
    }


def ana_reads(data: dict[str, Any]) -> list[list[str]]:
    goal, entry = str(data["goal"]), data["entry"]
    reads = [
        ["decks"],
        ["card", "show", data["card"]],
        ["cram", "--list", "deck:geo"],
        ["stats"],
        ["stats", "--deck", "geo"],
        ["calibration"],
        ["workload"],
        ["config"],
        ["preset", "list"],
        ["preset", "show", "Default"],
        ["deck", "export", "geo", "--to", data["export"]],
        ["deck", "export", "geo", "--to", data["export"] + ".apkg", "--with-history"],
        ["deck", "export", "--all", "--to", data["export"] + ".apkg"],
        ["goal", "list"],
        ["goal", "list", "--status", "all"],
        ["goal", "show", goal],
        ["journal", "list"],
        ["journal", "show", entry],
        ["journal", "search", "Peru"],
        ["journal", "prompts"],
        ["journal", "export"],
        ["mentor", "list"],
        ["mentor", "export", "--preview"],
        ["team", "list"],
        ["team", "report"],
    ]
    reads += [["team", "report", "--format", "json", "--cards"], ["team", "list", "--json"]]
    plain = ("journal", "mentor", "team", "deck")  # their --json variants print the same reads
    return reads + [[*r, "--json"] for r in reads if r[0] not in plain]


BO_READS = [["mentor", "list"], ["mentor", "show", "Ana", "--keep-unread"], ["goal", "list"]]


def test_read_commands_leave_the_database_as_it_was(capsys, profiles) -> None:
    before = {p: fingerprint(p) for p in ("ana", "bo")}
    # A second connection sees `data_version` move on any commit by another connection, even
    # one that rewrites a row with the values it had.
    watchers = {p: sqlite3.connect(paths.database_path(p)) for p in ("ana", "bo")}
    versions = {p: c.execute("PRAGMA data_version").fetchone()[0] for p, c in watchers.items()}
    try:
        for args in ana_reads(profiles):
            run(capsys, "ana", *args)
        for args in BO_READS:
            run(capsys, "bo", *args)
        after = {p: c.execute("PRAGMA data_version").fetchone()[0] for p, c in watchers.items()}
    finally:
        for conn in watchers.values():
            conn.close()
    assert after == versions
    assert {p: fingerprint(p) for p in ("ana", "bo")} == before
    # Nor did the reads in the set-up (the CLI's own clock is today's): the last point is the
    # one the milestone stored (a read rewriting a point with the same values changes no byte,
    # so this is checked apart).
    with Collection.open("ana", bundled=False) as col:
        last = col.conn.execute("SELECT max(day) FROM goalprogress").fetchone()[0]
    assert last == profiles["history"][-1][0].isoformat() == "2026-11-20"


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every database opened from now on refuses writes (the schema is already current)."""
    original = Database.open.__func__  # type: ignore[attr-defined]

    def open_read_only(cls: type[Database], path: Path | str) -> Database:
        db = original(cls, path)
        db.conn.execute("PRAGMA query_only=ON")
        return db

    monkeypatch.setattr(Database, "open", classmethod(open_read_only))
    yield


def test_read_commands_work_on_a_read_only_database(capsys, profiles, read_only) -> None:
    outputs = {tuple(args): run(capsys, "ana", *args) for args in ana_reads(profiles)}
    shown = json.loads(outputs[("goal", "show", str(profiles["goal"]), "--json")])
    assert shown["milestones_done"] == 1 and shown["mature_share"] == pytest.approx(1 / 3)
    # The history the writes stored (start, the card maturing, the milestone), then today's
    # point computed live on the real clock's day.
    stored = [(p["day"], p["progress"]) for p in shown["history"][:-1]]
    assert stored == [(d.isoformat(), v) for d, v in profiles["history"]]
    assert [v for _, v in stored] == pytest.approx([0.0, 1 / 6, 5 / 12])
    for args in BO_READS:
        run(capsys, "bo", *args)
    # ...and a write says so in one line instead of passing silently.
    code = main(["--no-bundled-decks", "--profile", "ana", "goal", "checkin", "1", "5"])
    err = capsys.readouterr().err
    assert code == 2 and "read-only" in err and len(err.strip().splitlines()) == 1, err


async def shows(pilot: Any, text: str) -> None:
    """Wait (for the screen's workers, then a few frames) until `text` is on the screen."""
    for _ in range(50):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if text in screen_text(pilot.app):
            return
    raise AssertionError(f"{text!r} not on the screen:\n{screen_text(pilot.app)}")


async def test_the_dashboard_and_goal_screen_leave_the_database_as_it_was(profiles) -> None:
    before = fingerprint("ana")
    with Collection.open("ana", bundled=False) as col:
        col.conn.execute("PRAGMA query_only=ON")
        changes = col.conn.total_changes
        app = make_app(col)
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Know capitals")
            await pilot.press("g")  # the goals screen
            await shows(pilot, "Know capitals")
            await pilot.press("enter")  # the goal in full, with its chart
            await shows(pilot, "Europe")
        assert col.conn.total_changes == changes
    assert fingerprint("ana") == before


def test_an_old_profiles_states_ratings_and_kinds_read_back_as_the_enums(tmp_path: Path) -> None:
    """The enums are the integers and strings stored, so a profile written by schema 2 (a dump
    kept in tests/data) reads back right, and this code's own rows agree with it."""
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    conn.executescript((Path(__file__).parent / "data" / "profile_v2.sql").read_text("utf-8"))
    conn.close()
    with Collection.open_path(path) as col:
        one, two = col.card("demo/one"), col.card("demo/two")
        assert (one.state, one.state_name) == (CardState.REVIEW, "review")
        assert (two.state, two.state_name) == (CardState.LEARNING, "learning")
        assert [(h.rating_name, h.state_before) for h in col.card_info(one.id).history] == [
            ("Good", CardState.NEW),
            ("Good", CardState.LEARNING),
        ]
        assert [h.rating for h in col.card_info(two.id).history] == [Rating.AGAIN]
        assert col.stats(now=NOW).cards_review == 1  # counted through CardState.REVIEW
        col.answer(two.id, Rating.GOOD, now=NOW, confidence=Confidence.CERTAIN)
        newest = col.conn.execute(
            "SELECT rating, kind, confidence, state_before FROM reviewlog ORDER BY id DESC"
        ).fetchone()
        old = col.conn.execute("SELECT DISTINCT kind FROM reviewlog WHERE id <= 3").fetchall()
    assert tuple(newest) == (3, "review", 3, 1) and [tuple(row) for row in old] == [
        (LogKind.REVIEW,)
    ]
    assert [int(s) for s in CardState] == [0, 1, 2, 3] and [int(r) for r in Rating] == [1, 2, 3, 4]
    assert [int(c) for c in Confidence] == [1, 2, 3] and [str(k) for k in LogKind] == [
        "review",
        "cram",
    ]


def test_a_bundle_preview_writes_nothing_and_the_export_keeps_the_previewed_pairing_id(
    capsys, tmp_path: Path
) -> None:
    """The pairing id is made on first use but kept only when a file carries it."""
    run(capsys, "cy", "goal", "add", "Draw daily", "--shared")
    before = fingerprint("cy")
    run(capsys, "cy", "mentor", "export", "--preview", "--name", "Cy")
    assert fingerprint("cy") == before
    pair_profiles("cy", "bo")
    bundle = tmp_path / "cy.json"
    run(capsys, "cy", "mentor", "export", "--to", str(bundle), "--name", "Cy")
    with Collection.open("cy", bundled=False) as col:
        kept = col.meta("pairing_id")
        assert col.mentor.display_name() == "Cy"
    assert kept and kept in open_doc(bundle)["mentee"]["pairing_id"]
