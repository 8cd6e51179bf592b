"""`mastery mentor ...` as two people type it: a mentee exports, a mentor answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mentor_files import know, open_doc, pair_profiles, reseal, seal_doc

from mastery.cli import main
from mastery.collection import Collection
from mastery.mentor.formats import FORMAT_VERSION

CANARY = "CANARY-PRIVATE-ENTRY-7f3a-ü"


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


@pytest.fixture
def shared(capsys, tmp_path: Path) -> dict[str, Any]:
    """The mentee shares a goal and an entry (and keeps one private), exports, and the mentor
    adds the bundle."""
    goal = json.loads(
        ok(
            capsys,
            "ana",
            "goal",
            "add",
            "Speak German",
            "--vision",
            "Chat",
            "--milestone",
            "Finish A1",
            "--shared",
            "--json",
        )
    )
    ok(capsys, "ana", "goal", "add", f"Secret {CANARY}", "--json")
    entry = json.loads(
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
            "--goal",
            "1",
            "--shared",
            "--json",
        )
    )
    ok(capsys, "ana", "journal", "add", f"Private {CANARY}", "--tag", "diary")
    # Pairing, as two people do it: Ana invites, Bo pairs and answers, Ana pairs.
    invitation, answer = tmp_path / "ana-invitation.json", tmp_path / "bo-invitation.json"
    ok(
        capsys,
        "ana",
        "mentor",
        "invite",
        "--as",
        "mentee",
        "--to",
        str(invitation),
        "--name",
        "Ana",
    )
    ok(
        capsys,
        "bo",
        "mentor",
        "pair",
        str(invitation),
        "--yes",
        "--to",
        str(answer),
        "--name",
        "Bo",
    )
    ok(capsys, "ana", "mentor", "pair", str(answer), "--yes")
    know("ana", "bo")  # for the tests' own re-sealing
    bundle = tmp_path / "ana.json"
    out = ok(capsys, "ana", "mentor", "export", "--to", str(bundle), "--name", "Ana")
    assert "1 shared entry and 1 shared goal" in out and str(bundle) in out
    ok(capsys, "bo", "mentor", "add", str(bundle))
    return {
        "goal": goal["uid"],
        "goal_id": goal["id"],
        "entry": entry["uid"],
        "bundle": bundle,
    }


def test_mentee_and_mentor_close_the_loop(capsys, shared, tmp_path: Path) -> None:
    data = shared["bundle"].read_bytes()
    assert CANARY.encode() not in data and json.dumps(CANARY)[1:-1].encode() not in data

    listed = json.loads(ok(capsys, "bo", "mentor", "list", "--json"))
    assert [(m["name"], m["entries"], m["unread"], m["goals"]) for m in listed] == [
        ("Ana", 1, 1, 1)
    ]
    out = ok(capsys, "bo", "mentor", "list")
    assert "Ana" in out and "unread" in out

    out = ok(capsys, "bo", "mentor", "show", "ana", "--keep-unread")
    assert "Dative" in out and "[new]" in out and "Speak German" in out and "Finish A1" in out
    shown = json.loads(ok(capsys, "bo", "mentor", "show", "Ana", "--tag", "grammar", "--json"))
    assert [e["uid"] for e in shown["entries"]] == [shared["entry"]]
    assert shown["entries"][0]["unread"] is True  # as it was when shown; now read
    assert json.loads(ok(capsys, "bo", "mentor", "list", "--json"))[0]["unread"] == 0
    out = ok(capsys, "bo", "mentor", "show", "Ana", "--tag", "nothing")
    assert "No shared entries match." in out

    out = ok(capsys, "bo", "mentor", "comment", "Ana", shared["entry"], "Use it in a sentence")
    assert shared["entry"] in out
    comment = json.loads(
        ok(
            capsys,
            "bo",
            "mentor",
            "comment",
            "Ana",
            shared["goal"],
            "Book the first chat",
            "--json",
        )
    )
    assert comment["target_kind"] == "goal"
    assert "saved" in ok(capsys, "bo", "mentor", "note", "Ana", "Steady work")
    feedback = tmp_path / "feedback.json"
    out = ok(capsys, "bo", "mentor", "reply", "Ana", "--to", str(feedback), "--name", "Bo")
    assert "2 comments and your note" in out

    out = ok(capsys, "ana", "mentor", "feedback", str(feedback))
    assert "Feedback from Bo: 2 new comments" in out and "Steady work" in out
    out = ok(capsys, "ana", "journal", "show", shared["entry"])
    assert "Feedback:" in out and "Bo" in out and "Use it in a sentence" in out and "(new)" in out
    out = ok(capsys, "ana", "journal", "show", shared["entry"])
    assert "(new)" not in out  # read now
    goal = json.loads(ok(capsys, "ana", "goal", "show", str(shared["goal_id"]), "--json"))
    assert [c["body"] for c in goal["feedback"]] == ["Book the first chat"]
    code, out, err = run(capsys, "ana", "mentor", "feedback", str(feedback), "--json")
    assert code == 2 and out == "" and "replayed or older" in err  # the same file again


def test_reply_preview_prints_the_feedback_and_writes_nothing(capsys, shared, tmp_path) -> None:
    ok(capsys, "bo", "mentor", "comment", "Ana", shared["entry"], "Use it in a sentence")
    before = dump("bo")
    out = ok(capsys, "bo", "mentor", "reply", "Ana", "--preview", "--name", "Bo")
    assert "Use it in a sentence" in json.loads(out)["comments"][0]["body"]
    assert dump("bo") == before and list(tmp_path.glob("*feedback*")) == []
    code, _, err = run(capsys, "bo", "mentor", "reply", "Ana")
    assert code == 2 and err.count("\n") == 1 and "--to FILE" in err
    assert dump("bo") == before


def test_export_preview_prints_the_bundle_and_writes_nothing(capsys, tmp_path: Path) -> None:
    ok(capsys, "ana", "journal", "add", "Shared thought", "--shared")
    out = ok(capsys, "ana", "mentor", "export", "--preview", "--name", "Ana")
    doc = json.loads(out)
    assert doc["format"] == "mastery-mentor-bundle" and "checksum" not in doc
    assert not list(tmp_path.glob("*.json"))
    code, _, err = run(capsys, "ana", "mentor", "export")
    assert code == 2 and "--to FILE" in err


def test_first_export_needs_a_name_then_remembers_it(capsys, tmp_path: Path) -> None:
    pair_profiles("ana", "bo")
    code, out, err = run(capsys, "ana", "mentor", "export", "--to", str(tmp_path / "b.json"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--name" in err
    assert not (tmp_path / "b.json").exists()
    ok(capsys, "ana", "mentor", "export", "--to", str(tmp_path / "b.json"), "--name", "Ana")
    ok(capsys, "ana", "mentor", "export", "--to", str(tmp_path / "c.json"))
    assert open_doc(tmp_path / "c.json")["mentee"]["name"] == "Ana"


def test_export_since_and_deck_summary(capsys, tmp_path: Path, write_deck) -> None:
    deck = write_deck('id = "de"\nname = "German"\n\n[[cards]]\nfront = "Hund"\nback = "dog"\n')
    ok(capsys, "ana", "import", str(deck))
    ok(capsys, "ana", "journal", "add", "Old one", "--date", "20 days ago", "--shared")
    ok(capsys, "ana", "journal", "add", "New one", "--shared")
    pair_profiles("ana", "bo")
    path = tmp_path / "b.json"
    ok(
        capsys,
        "ana",
        "mentor",
        "export",
        "--to",
        str(path),
        "--name",
        "Ana",
        "--since",
        "1 week ago",
        "--deck",
        "de",
    )
    doc = open_doc(path)
    assert [e["body"] for e in doc["entries"]] == ["New one"]
    assert doc["summary"]["decks"] == [
        {"key": "de", "name": "German", "cards": 1, "studied": 0, "mature": 0}
    ]
    assert b"Hund" not in path.read_bytes()
    code, _, err = run(capsys, "ana", "mentor", "export", "--to", str(path), "--deck", "nope")
    assert code == 2 and "nope" in err


def test_open_checks_the_mentee_before_the_screen(capsys, monkeypatch, shared) -> None:
    import mastery.tui.app

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(mastery.tui.app, "run_app", lambda col, **kw: calls.append(kw))
    code, _, err = run(capsys, "bo", "mentor", "open", "Nobody")
    assert code == 2 and "no mentee 'Nobody'" in err and len(err.strip().splitlines()) == 1
    assert calls == []
    assert run(capsys, "bo", "mentor", "open", "Ana")[0] == 0
    assert run(capsys, "bo", "mentor", "open")[0] == 0
    assert calls == [
        {"start_screen": "mentees", "mentee": "Ana"},
        {"start_screen": "mentees", "mentee": None},
    ]


def test_open_refuses_an_empty_mentee_name_before_the_screen(capsys, monkeypatch, shared) -> None:
    import mastery.tui.app

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(mastery.tui.app, "run_app", lambda col, **kw: calls.append(kw))
    for name in ("", "  "):
        code, out, err = run(capsys, "bo", "mentor", "open", name)
        assert (code, out) == (2, "")
        assert err == "mastery: error: which mentee? give their name (see `mastery mentor list`)\n"
    assert calls == []


def test_unknown_mentee_and_target_are_one_line_errors(capsys, shared) -> None:
    for args in (
        ("show", "Nobody"),
        ("comment", "Nobody", "e-x", "hi"),
        ("comment", "Ana", "e-nothing", "hi"),
        ("comment", "Ana", "g-99", "hi"),
        ("note", "Nobody", "hi"),
    ):
        code, _, err = run(capsys, "bo", "mentor", *args)
        assert code == 2 and len(err.strip().splitlines()) == 1, args


def test_empty_mentee_list_says_what_to_do(capsys) -> None:
    assert "mastery mentor add FILE" in ok(capsys, "bo", "mentor", "list")


# ----------------------------------------------------------------------------- refused files
def _reseal(path: Path, to: Path, **changes: Any) -> Path:
    """Changed and sealed again by the genuine, paired writer."""
    return reseal(path, lambda doc: doc.update(changes), to)


def _tampered(path: Path, to: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x20
    to.write_bytes(bytes(data))
    return to


def _truncated(path: Path, to: Path) -> Path:
    to.write_bytes(path.read_bytes()[:-40])
    return to


def _future(path: Path, to: Path) -> Path:
    return _reseal(path, to, version=FORMAT_VERSION + 1)


def _wrong_format(path: Path, to: Path) -> Path:
    other = "mastery-mentor-bundle" if "feedback" in path.name else "mastery-mentor-feedback"
    return _reseal(path, to, format=other)


def _missing(path: Path, to: Path) -> Path:
    return reseal(path, lambda doc: doc.pop("created_at"), to)


def _unknown_entry(path: Path, to: Path) -> Path:
    doc = open_doc(path)
    doc["comments"][0]["target_id"] = "e-notmine123"
    return _reseal(path, to, comments=doc["comments"])


def _foreign(path: Path, to: Path) -> Path:
    """Bo's genuine feedback, sealed for another profile than Ana's."""
    with Collection.open("bo", bundled=False) as bo, Collection.open("sam", bundled=False) as sam:
        return seal_doc(open_doc(path), bo, sam, to)


COMMON = {
    "tampered": (_tampered, "changed or damaged"),
    "truncated": (_truncated, "changed or damaged"),
    "future-version": (_future, "please upgrade Mastery"),
    "wrong-format": (_wrong_format, "this is a "),
    "missing-field": (_missing, "no 'created_at' field"),
}


@pytest.fixture
def feedback(capsys, shared, tmp_path: Path) -> Path:
    ok(capsys, "bo", "mentor", "comment", "Ana", shared["entry"], "Use it in a sentence")
    path = tmp_path / "feedback.json"
    ok(capsys, "bo", "mentor", "reply", "Ana", "--to", str(path), "--name", "Bo")
    return path


@pytest.mark.parametrize(
    "kind",
    {
        **COMMON,
        "unknown-entry": (_unknown_entry, "e-notmine123"),
        "foreign": (_foreign, "sealed for another identity"),
    },
)
def test_bad_feedback_exits_2_with_one_line_and_imports_nothing(
    capsys, feedback, tmp_path: Path, kind: str
) -> None:
    make, reason = {
        **COMMON,
        "unknown-entry": (_unknown_entry, "e-notmine123"),
        "foreign": (_foreign, "sealed for another identity"),
    }[kind]
    bad = make(feedback, tmp_path / f"bad-{kind}.json")
    before = dump("ana")
    code, out, err = run(capsys, "ana", "mentor", "feedback", str(bad))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"mastery: error: {bad}: ") and reason in err
    assert dump("ana") == before


@pytest.mark.parametrize("kind", COMMON)
def test_bad_bundle_exits_2_with_one_line_and_changes_nothing(
    capsys, shared, tmp_path: Path, kind: str
) -> None:
    make, reason = COMMON[kind]
    bad = make(shared["bundle"], tmp_path / f"bad-{kind}.json")
    before = dump("bo")
    code, out, err = run(capsys, "bo", "mentor", "add", str(bad))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"mastery: error: {bad}: ") and reason in err
    assert dump("bo") == before


def test_older_bundle_and_missing_file_exit_2(capsys, shared, tmp_path: Path) -> None:
    older = _reseal(shared["bundle"], tmp_path / "older.json", sequence=1)
    code, _, err = run(capsys, "bo", "mentor", "add", str(older))
    assert code == 2 and "replayed or older than the one already applied from Ana" in err
    code, _, err = run(capsys, "bo", "mentor", "add", str(tmp_path / "nowhere.json"))
    assert code == 2 and "cannot read" in err and len(err.strip().splitlines()) == 1
