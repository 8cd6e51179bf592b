"""Mentor files from someone else: every field is checked before anything is stored, data
already stored that cannot be valid never breaks a later command, and text from files reaches
the terminal with its control characters made visible."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mentor_files import open_doc, pair, pair_profiles, reseal, seal_doc
from test_tui_helpers import SIZE, make_app, screen_text

from mastery.cli import main
from mastery.collection import Collection
from mastery.days import to_ms, utcnow
from mastery.text import safe_line, safe_text
from mastery.tui.screens.mentees import MenteesScreen

ESCAPES = "\x1b]0;pwned\x07 and \x1b[2J"


def run(capsys: pytest.CaptureFixture[str], profile: str, *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", "--profile", profile, *args])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], profile: str, *args: str) -> str:
    code, out, err = run(capsys, profile, *args)
    assert code == 0, err
    return out


def dump(profile: str) -> list[str]:
    with Collection.open(profile, bundled=False) as col:
        return list(col.conn.iterdump())


def one_error_line(err: str, *parts: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for part in parts:
        assert part in lines[0], (part, lines[0])


@pytest.fixture
def bundle(capsys, tmp_path: Path) -> Path:
    """Ana shares a goal with a milestone and an entry linked to it, and exports a bundle
    sealed for Bo, her paired mentor."""
    pair_profiles("ana", "bo")
    ok(capsys, "ana", "goal", "add", "Speak German", "--milestone", "Finish A1", "--shared")
    goal = json.loads(ok(capsys, "ana", "goal", "show", "1", "--json"))
    (tmp_path / "goal-uid").write_text(goal["uid"])  # how mentor files name the goal
    ok(capsys, "ana", "goal", "checkin", "1", "6", "first week")
    ok(
        capsys,
        "ana",
        "journal",
        "add",
        "Learned the dative",
        "--title",
        "Dative",
        "--tag",
        "grammar",
    )
    ok(
        capsys,
        "ana",
        "journal",
        "add",
        "Shared one",
        "--title",
        "Shared",
        "--goal",
        "1",
        "--shared",
    )
    path = tmp_path / "ana.json"
    ok(capsys, "ana", "mentor", "export", "--to", str(path), "--name", "Ana")
    ok(capsys, "bo", "mentor", "list")  # the mentor's profile exists, still empty
    return path


def _set(*path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


FAR_FUTURE = "9999-12-31T23:59:59.000+00:00"
BAD_BUNDLES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "created-year-9999": (_set("created_at", value=FAR_FUTURE), "field created_at: "),
    "created-year-0": (_set("created_at", value="0000-01-01T00:00:00+00:00"), "field created_at"),
    "created-1999": (_set("created_at", value="1999-12-31T00:00:00+00:00"), "before 2000"),
    "created-huge-int": (_set("created_at", value=10**30), "field created_at"),
    "created-not-a-date": (_set("created_at", value="next tuesday"), "field created_at"),
    "created-no-zone": (_set("created_at", value="2026-11-21T10:00:00"), "time zone"),
    "name-empty": (_set("mentee", "name", value="   "), "field mentee.name"),
    "name-number": (_set("mentee", "name", value=7), "field mentee.name"),
    "reviews-as-text": (_set("summary", "reviews_30d", value="1"), "field summary.reviews_30d"),
    "streak-true": (_set("summary", "review_streak", value=True), "field summary.review_streak"),
    "streak-negative": (_set("summary", "review_streak", value=-1), "field summary.review_streak"),
    "retention-over-1": (
        _set("summary", "retention_30d", value=1.5),
        "field summary.retention_30d",
    ),
    "decks-not-objects": (_set("summary", "decks", value=[1, 2]), "field summary.decks[0]"),
    "tags-a-string": (_set("entries", 0, "tags", value="grammar"), "field entries[0].tags"),
    "tags-too-many": (_set("entries", 0, "tags", value=["t"] * 1001), "field entries[0].tags"),
    "body-a-number": (_set("entries", 0, "body", value=12), "field entries[0].body"),
    "title-too-long": (_set("entries", 0, "title", value="x" * 20_000), "field entries[0].title"),
    "day-not-a-date": (_set("entries", 0, "day", value="2026-13-01"), "field entries[0].day"),
    "progress-as-text": (_set("goals", 0, "progress", value="0.5"), "field goals[0].progress"),
    "confidence-11": (
        _set("goals", 0, "confidence_trend", value=[["2026-11-01", 11]]),
        "field goals[0].confidence_trend[0][1]",
    ),
    "milestone-done-1": (
        _set("goals", 0, "milestones", 0, "done", value=1),
        "field goals[0].milestones[0].done",
    ),
    "entries-an-object": (_set("entries", value={"a": 1}), "field entries"),
}


@pytest.mark.parametrize("kind", BAD_BUNDLES)
def test_bundle_with_a_wrong_field_is_refused_naming_file_and_field(
    capsys, bundle: Path, tmp_path: Path, kind: str
) -> None:
    change, field = BAD_BUNDLES[kind]
    bad = reseal(bundle, change, tmp_path / f"bad-{kind}.json")
    before = dump("bo")
    code, out, err = run(capsys, "bo", "mentor", "add", str(bad))
    assert code == 2 and out == ""
    one_error_line(err, f"mastery: error: {bad}: ", field)
    assert "Traceback" not in err
    assert dump("bo") == before
    # The genuine bundle is still accepted afterwards.
    assert "Added Ana" in ok(capsys, "bo", "mentor", "add", str(bundle))


@pytest.fixture
def feedback(capsys, bundle: Path, tmp_path: Path) -> Path:
    """Bo stored Ana's bundle, commented on her goal, wrote a note and replied."""
    ok(capsys, "bo", "mentor", "add", str(bundle))
    goal = (tmp_path / "goal-uid").read_text()
    ok(capsys, "bo", "mentor", "comment", "Ana", goal, "Book the first chat")
    ok(capsys, "bo", "mentor", "note", "Ana", "A steady month")
    path = tmp_path / "bo.json"
    ok(capsys, "bo", "mentor", "reply", "Ana", "--to", str(path), "--name", "Bo")
    return path


BAD_FEEDBACK: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "created-year-9999": (_set("created_at", value=FAR_FUTURE), "field created_at"),
    "comment-created-text": (
        _set("comments", 0, "created_at", value="yesterday"),
        "field comments[0].created_at",
    ),
    "comment-body-empty": (_set("comments", 0, "body", value="  "), "field comments[0].body"),
    "comment-kind": (_set("comments", 0, "target_kind", value="card"), "comments[0].target_kind"),
    "note-updated-int": (_set("note", "updated_at", value=1), "field note.updated_at"),
    "withdrawn-numbers": (_set("withdrawn", value=[1]), "field withdrawn[0]"),
    "mentor-name-list": (_set("mentor", "name", value=["Bo"]), "field mentor.name"),
    "bundle-created-future": (
        _set("bundle_created_at", value=FAR_FUTURE),
        "field bundle_created_at",
    ),
}


@pytest.mark.parametrize("kind", BAD_FEEDBACK)
def test_feedback_with_a_wrong_field_is_refused_naming_file_and_field(
    capsys, feedback: Path, tmp_path: Path, kind: str
) -> None:
    change, field = BAD_FEEDBACK[kind]
    bad = reseal(feedback, change, tmp_path / f"bad-{kind}.json")
    before = dump("ana")
    code, out, err = run(capsys, "ana", "mentor", "feedback", str(bad))
    assert code == 2 and out == ""
    one_error_line(err, f"mastery: error: {bad}: ", field)
    assert dump("ana") == before
    assert "Feedback from Bo: 1 new comment" in ok(
        capsys, "ana", "mentor", "feedback", str(feedback)
    )


def test_a_fifo_named_like_a_bundle_is_refused_without_hanging(
    capsys, bundle: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.json"
    import os

    os.mkfifo(fifo)
    before = dump("bo")
    code, _, err = run(capsys, "bo", "mentor", "add", str(fifo))
    assert code == 2
    one_error_line(err, str(fifo), "not a regular file")
    assert dump("bo") == before


# ----------------------------------------------------------------------------- stored data
def _sql(profile: str, sql: str, *params: Any) -> None:
    with Collection.open(profile, bundled=False) as col:
        col.conn.execute(sql, params)
        col.conn.commit()


def _count(profile: str, table: str) -> int:
    with Collection.open(profile, bundled=False) as col:
        return int(col.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


YEAR_9999_MS = to_ms(datetime(9999, 12, 31, tzinfo=UTC))
CRAFTED_ROWS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "created-year-9999": ("UPDATE mentee SET bundle_created_at = ?", (YEAR_9999_MS,)),
    "created-text": ("UPDATE mentee SET bundle_created_at = ?", ("not a moment",)),
    "created-huge-real": ("UPDATE mentee SET bundle_created_at = ?", (1e30,)),
    "summary-not-json": ("UPDATE mentee SET summary_json = ?", ("{oops",)),
    "summary-wrong-types": ("UPDATE mentee SET summary_json = ?", ('{"review_streak": "4"}',)),
    "goals-wrong-types": ("UPDATE mentee SET goals_json = ?", ('[{"id": 3}]',)),
    "note-time-null": (
        "UPDATE mentee SET note = 'n', note_uid = 'n-abcdefgh', note_updated_at = ?",
        (None,),
    ),
    "entry-day-text": ("UPDATE menteeentry SET day = ?", ("someday",)),
    "entry-received-text": ("UPDATE menteeentry SET received_at = ?", ("later",)),
}


@pytest.mark.parametrize("kind", CRAFTED_ROWS)
def test_invalid_stored_mentee_never_breaks_list_show_or_remove(
    capsys, bundle: Path, kind: str
) -> None:
    ok(capsys, "bo", "mentor", "add", str(bundle))
    sql, params = CRAFTED_ROWS[kind]
    _sql("bo", sql, *params)

    code, out, err = run(capsys, "bo", "mentor", "list")
    assert code == 0 and "Ana" in out and "Traceback" not in err
    code, out, err = run(capsys, "bo", "mentor", "list", "--json")
    assert code == 0 and json.loads(out)[0]["name"] == "Ana"
    code, out, err = run(capsys, "bo", "mentor", "show", "Ana")
    assert code == 0 and "Ana" in out, err
    code, out, err = run(capsys, "bo", "mentor", "show", "Ana", "--json")
    assert code == 0 and json.loads(out)["mentee"]["name"] == "Ana"

    out = ok(capsys, "bo", "mentor", "remove", "Ana")
    assert "Removed mentee" in out
    assert _count("bo", "mentee") == 0 and _count("bo", "menteeentry") == 0


def test_invalid_stored_mentee_is_listed_with_one_warning(capsys, bundle: Path) -> None:
    ok(capsys, "bo", "mentor", "add", str(bundle))
    _sql("bo", "UPDATE mentee SET bundle_created_at = ?", "garbage")
    code, out, err = run(capsys, "bo", "mentor", "list")
    assert code == 0 and "Ana (invalid)" in out
    one_error_line(err, "warning", "Ana", "mastery mentor remove 1")


def test_stored_future_bundle_time_does_not_lock_out_the_genuine_bundle(
    capsys, bundle: Path
) -> None:
    ok(capsys, "bo", "mentor", "add", str(bundle))
    # Written by an older Mastery that let any time in: "newer" than anything genuine.
    _sql("bo", "UPDATE mentee SET bundle_created_at = ?", YEAR_9999_MS)
    ok(capsys, "ana", "mentor", "export", "--to", str(bundle))  # her next bundle
    out = ok(capsys, "bo", "mentor", "add", str(bundle))
    assert "Updated Ana" in out
    assert json.loads(ok(capsys, "bo", "mentor", "list", "--json"))[0]["problem"] is None


def test_stored_future_feedback_time_does_not_lock_out_genuine_feedback(
    capsys, feedback: Path
) -> None:
    with Collection.open("bo", bundled=False) as bo:
        mentor_id = bo.mentor.pairing_id()
    with Collection.open("ana", bundled=False) as ana:
        ana.set_meta("feedback_received", {mentor_id: YEAR_9999_MS})
    out = ok(capsys, "ana", "mentor", "feedback", str(feedback))
    assert "1 new comment" in out


def test_bundle_from_a_clock_far_ahead_is_refused(capsys, bundle: Path, tmp_path: Path) -> None:
    ahead = (utcnow() + timedelta(days=3)).isoformat(timespec="milliseconds")
    bad = reseal(bundle, _set("created_at", value=ahead), tmp_path / "ahead.json")
    code, _, err = run(capsys, "bo", "mentor", "add", str(bad))
    assert code == 2
    one_error_line(err, "field created_at", "in the future")
    assert _count("bo", "mentee") == 0


async def test_mentees_screen_shows_an_invalid_stored_mentee(capsys, bundle: Path) -> None:
    ok(capsys, "bo", "mentor", "add", str(bundle))
    _sql("bo", "UPDATE mentee SET bundle_created_at = ?, goals_json = ?", "garbage", "[")
    with Collection.open("bo", bundled=False) as bo:
        app = make_app(bo)
        async with app.run_test(size=SIZE) as pilot:
            app.open_mentees()
            await pilot.pause()
            assert isinstance(app.screen, MenteesScreen)
            text = screen_text(app)
            assert "Ana (invalid)" in text and "Invalid stored copy" in text


# ----------------------------------------------------------------------------- the terminal
def test_safe_text_makes_controls_visible_and_keeps_lines() -> None:
    assert safe_text("a\x1b[2Jb\n\tc\x07\x9b\u202e") == "a\\x1b[2Jb\n\tc\\x07\\x9b\\u202e"
    assert safe_line("a\nb\rc") == "a\\x0ab\\x0dc"
    assert safe_text("Grüße — ok") == "Grüße — ok"


def test_escape_sequences_in_a_bundle_never_reach_the_terminal(
    capsys, bundle: Path, tmp_path: Path
) -> None:
    def poison(doc: dict[str, Any]) -> None:
        doc["mentee"]["name"] = f"Ana {ESCAPES}"
        doc["entries"][0]["title"] = f"T {ESCAPES}"
        doc["entries"][0]["body"] = f"line one {ESCAPES}\nline two \x9b2J \u202eevil"
        doc["entries"][0]["tags"] = [f"x{ESCAPES}"]
        doc["goals"][0]["title"] = f"G {ESCAPES}"
        doc["goals"][0]["milestones"][0]["title"] = f"M {ESCAPES}"

    bad = reseal(bundle, poison, tmp_path / "poison.json")
    outputs = [ok(capsys, "bo", "mentor", "add", str(bad))]
    for args in (("list",), ("list", "--json"), ("show", "Ana", "--keep-unread")):
        outputs.append(ok(capsys, "bo", "mentor", *args))
    outputs.append(ok(capsys, "bo", "mentor", "show", "Ana", "--json"))
    for out in outputs:
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
        assert "\u202e" not in out
    shown = outputs[3]
    assert "\\x1b]0;pwned\\x07" in shown and "\\x1b[2J" in shown and "line two" in shown
    # JSON output keeps the value: it decodes to exactly what the file said.
    assert json.loads(outputs[-1])["entries"][0]["body"].endswith("\u202eevil")


def test_escape_sequences_in_feedback_never_reach_the_terminal(
    capsys, bundle: Path, tmp_path: Path
) -> None:
    ok(capsys, "bo", "mentor", "add", str(bundle))
    goal = (tmp_path / "goal-uid").read_text()
    ok(capsys, "bo", "mentor", "comment", "Ana", goal, f"Hi {ESCAPES}")
    ok(capsys, "bo", "mentor", "note", "Ana", f"Note {ESCAPES}")
    reply = tmp_path / "bo.json"
    ok(capsys, "bo", "mentor", "reply", "Ana", "--to", str(reply), "--name", "Bo")
    outputs = [ok(capsys, "ana", "mentor", "feedback", str(reply))]
    outputs.append(ok(capsys, "ana", "goal", "show", "1"))
    for out in outputs:
        assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J" in outputs[0] and "\\x1b[2J" in outputs[1]


def test_escape_sequences_in_an_error_line_are_made_visible(
    capsys, bundle: Path, tmp_path: Path
) -> None:
    bad = reseal(bundle, _set("created_at", value=f"{ESCAPES}"), tmp_path / "esc.json")
    code, out, err = run(capsys, "bo", "mentor", "add", str(bad))
    assert code == 2 and "\x1b" not in err and "\x07" not in err
    one_error_line(err, "field created_at")


@given(st.text())
def test_safe_text_never_lets_a_control_character_through(text: str) -> None:
    for shown, allowed in ((safe_text(text), "\n\t"), (safe_line(text), "")):
        for ch in shown:
            code = ord(ch)
            is_control = code < 0x20 or 0x7F <= code <= 0x9F
            is_bidi = 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069
            assert not (is_control and ch not in allowed) and not is_bidi


# ----------------------------------------------------------------------------- fuzz
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "9999-12-31T00:00:00+00:00", "2026-11-21", "g-1", "e-x", "\x1b[2J"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document a value can be replaced or a key dropped."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            found += _paths(value, (*prefix, n))
    return found


def _mutate(doc: dict[str, Any], where: tuple[Any, ...], value: Any, drop: bool) -> None:
    target: Any = doc
    for key in where[:-1]:
        target = target[key]
    if drop and isinstance(target, dict):
        del target[where[-1]]
    else:
        target[where[-1]] = value


def test_fuzzed_mentor_files_are_stored_or_refused_with_one_line(
    mastery_home: Path, tmp_path: Path
) -> None:
    from hypothesis import HealthCheck, settings

    from conftest import NOW
    from mastery.errors import BundleError

    with (
        Collection.open("ana", bundled=False, now=NOW) as ana,
        Collection.open("bo", bundled=False, now=NOW) as bo,
    ):
        goal = ana.goals.add("Speak", milestones=["A1"], visibility="shared", now=NOW)
        ana.goals.check_in(goal.id, 6, "ok", now=NOW)
        ana.journal.add(
            "Body", title="T", tags=["x"], goals=[goal.id], visibility="shared", now=NOW
        )
        source = tmp_path / "ana.json"
        pair(ana, bo)
        ana.mentor.export_bundle(source, name="Ana", now=NOW)
        bo.mentor.add_bundle(source, now=NOW)
        bo.mentor.comment("Ana", "goal", goal.uid, "Hi", now=NOW)
        bo.mentor.set_note("Ana", "Note", now=NOW)
        reply = tmp_path / "bo.json"
        bo.mentor.reply("Ana", reply, name="Bo", now=NOW)
        files = {
            "bundle": (source, bo.mentor.add_bundle, bo),
            "feedback": (reply, ana.mentor.import_feedback, ana),
        }
        docs = {k: open_doc(p, col) for k, (p, _, col) in files.items()}
        writers = {"bundle": ana, "feedback": bo}
        numbers = iter(range(1, 10**6))

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            kind=st.sampled_from(sorted(files)),
            pick=st.integers(min_value=0),
            value=JSON_VALUES,
            drop=st.booleans(),
        )
        def check(kind: str, pick: int, value: Any, drop: bool) -> None:
            doc = json.loads(json.dumps(docs[kind]))
            doc["sequence"] += next(numbers)  # a new file each time, unless mutated below
            places = list(_paths(doc))
            _mutate(doc, places[pick % len(places)], value, drop)
            _, store, col = files[kind]
            # Sealed by the genuine (paired) writer: only the field checks stand in the way.
            bad = seal_doc(doc, writers[kind], col, tmp_path / f"fuzz-{kind}.json")
            before = col.conn.total_changes
            try:
                store(bad, now=NOW)
            except BundleError as exc:
                assert "\n" not in str(exc) and str(exc).startswith(f"{bad}: ")
                assert col.conn.total_changes == before
            # Whatever was stored must read back: list and show never fail afterwards.
            for mentee in bo.mentor.mentees():
                bo.mentor.mentee_entries(mentee)
                bo.mentor.mentee_goals(mentee)

        check()


def test_export_refuses_a_bundle_its_mentor_would_refuse(capsys, tmp_path: Path) -> None:
    ok(capsys, "ana", "journal", "add", "Old", "--date", "1999-12-31", "--shared")
    target = tmp_path / "ana.json"
    code, out, err = run(capsys, "ana", "mentor", "export", "--to", str(target), "--name", "A")
    assert code == 2 and out == "" and not target.exists()
    one_error_line(err, "would be refused", "field entries[0].day", "1999-12-31")
