"""`mastery journal ...` as a user types it: text, stdin, $EDITOR, search, export/import."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from mastery.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


class FakeStdin(io.StringIO):
    def __init__(self, text: str, tty: bool = False) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_add_from_argument_stdin_and_editor(capsys, monkeypatch, tmp_path: Path) -> None:
    code, out, _ = run(
        capsys,
        "journal",
        "add",
        "Saw my ladder of inference at work",
        "--tag",
        "mental-models",
        "--json",
    )
    first = json.loads(out)
    assert code == 0 and first["tags"] == ["mental-models"] and first["visibility"] == "private"

    monkeypatch.setattr(sys, "stdin", FakeStdin("Piped in from stdin"))
    code, out, _ = run(capsys, "journal", "add", "--date", "yesterday", "--json")
    assert json.loads(out)["body"] == "Piped in from stdin"

    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "\\nWhat I expected: speed\\n" >> "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.setattr(sys, "stdin", FakeStdin("", tty=True))
    code, out, _ = run(capsys, "journal", "add", "--prompt", "after-action", "--json")
    written = json.loads(out)
    assert code == 0 and written["prompt"] == "after-action"
    assert "What I expected: speed" in written["body"]
    assert "## " in written["body"]  # the prompt's questions came as the template

    code, out, _ = run(capsys, "journal", "list", "--json")
    assert len(json.loads(out)) == 3


def test_editor_left_unchanged_saves_nothing(capsys, monkeypatch) -> None:
    monkeypatch.setenv("EDITOR", "true")
    monkeypatch.setattr(sys, "stdin", FakeStdin("", tty=True))
    code, _, err = run(capsys, "journal", "add", "--prompt", "daily")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert json.loads(run(capsys, "journal", "list", "--json")[1]) == []


def test_search_marks_matches_and_filters(capsys, monkeypatch) -> None:
    run(capsys, "journal", "add", "Dialogue beats discussion in our retro", "--tag", "team")
    run(capsys, "journal", "add", "Private doubts about the plan")
    code, out, _ = run(capsys, "journal", "search", "dialogue")
    # Piped, the text is as written (issue 13: *asterisks* were added); on a terminal the
    # matches are shown in reverse video.
    assert code == 0 and "Dialogue beats discussion" in out and "Private" not in out
    assert "*" not in out and "\x1b" not in out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = run(capsys, "journal", "search", "dialogue")
    assert "\x1b[7mDialogue\x1b[0m beats" in out
    code, out, _ = run(capsys, "journal", "search", "--tag", "team", "--json")
    assert [h["entry"]["tags"] for h in json.loads(out)] == [["team"]]
    code, out, _ = run(capsys, "journal", "search", "nothing-like-this")
    assert "No entries match" in out
    code, _, err = run(capsys, "journal", "list", "--when", "soonish")
    assert code == 2 and "soonish" in err


def test_show_export_and_import_round_trip(capsys, tmp_path: Path) -> None:
    _, out, _ = run(
        capsys, "journal", "add", "Größe matters — ünïcode ok", "--title", "Übung", "--json"
    )
    uid = json.loads(out)["uid"]
    code, out, _ = run(capsys, "journal", "show", uid)
    assert code == 0 and "# Übung" in out
    single = tmp_path / "journal.md"
    assert run(capsys, "journal", "export", "--to", str(single))[0] == 0
    folder = tmp_path / "entries"
    assert run(capsys, "journal", "export", "--dir", str(folder))[0] == 0
    assert len(list(folder.glob("*.md"))) == 1
    # Into another profile, then back out: identical text.
    code, out, _ = run(capsys, "--profile", "other", "journal", "import", str(single), "--json")
    assert json.loads(out)["added"] == 1
    again = tmp_path / "again.md"
    run(capsys, "--profile", "other", "journal", "export", "--to", str(again))
    assert again.read_text(encoding="utf-8") == single.read_text(encoding="utf-8")
    code, out, _ = run(capsys, "--profile", "other", "journal", "import", str(folder), "--json")
    assert json.loads(out)["unchanged"] == 1


def test_prompts_are_listed(capsys) -> None:
    code, out, _ = run(capsys, "journal", "prompts")
    assert code == 0
    for key in ("daily", "after-action", "mental-model"):
        assert key in out


# ----------------------------------------------------------------------------- jrnl habits
def test_add_without_quotes_joins_the_words_and_reads_inline_tags(capsys) -> None:
    """Issue 13: `mastery journal add Today I learned ...` as jrnl users type it."""
    code, out, _ = run(
        capsys, "journal", "add", "Today", "I", "learned", "about", "#mental-models.", "--json"
    )
    entry = json.loads(out)
    assert code == 0 and entry["body"] == "Today I learned about #mental-models."
    assert entry["tags"] == ["mental-models"]
    code, out, _ = run(capsys, "journal", "add", "Retro", "with", "#team", "--tag", "work")
    # every tag shown once: #team in the title, #work after it
    assert code == 0 and out.rstrip().endswith("Retro with #team  #work")
    assert out.count("#team") == 1 and out.count("#work") == 1
    tagged = json.loads(run(capsys, "journal", "list", "--tag", "team", "--json")[1])
    assert [e["tags"] for e in tagged] == [["work", "team"]]


def test_edit_with_text_or_editor(capsys, monkeypatch, tmp_path: Path) -> None:
    run(capsys, "journal", "add", "First draft")
    [entry] = json.loads(run(capsys, "journal", "list", "--json")[1])
    code, out, _ = run(capsys, "journal", "edit", entry["uid"], "--text", "Second #draft")
    assert code == 0 and out.startswith(f"Saved {entry['uid']}")
    shown = json.loads(run(capsys, "journal", "show", entry["uid"], "--json")[1])
    assert shown["body"] == "Second #draft" and shown["tags"] == ["draft"]

    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "Third\\n" > "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.setattr(sys, "stdin", FakeStdin("", tty=True))
    assert run(capsys, "journal", "edit", "1")[0] == 0
    assert json.loads(run(capsys, "journal", "show", "1", "--json")[1])["body"] == "Third"
    monkeypatch.setenv("EDITOR", "true")  # leaves the text as it was
    code, out, _ = run(capsys, "journal", "edit", "1")
    assert code == 0 and out.startswith("Unchanged")
    monkeypatch.setattr(sys, "stdin", FakeStdin(""))
    code, _, err = run(capsys, "journal", "edit", "1")
    assert code == 2 and "needs --text" in err


def test_delete_asks_unless_yes(capsys, monkeypatch) -> None:
    run(capsys, "journal", "add", "Keep or not")
    monkeypatch.setattr(sys, "stdin", FakeStdin("n\n", tty=True))
    code, out, _ = run(capsys, "journal", "delete", "1")
    assert code == 0 and "Delete e-" in out and "Kept." in out
    assert len(json.loads(run(capsys, "journal", "list", "--json")[1])) == 1
    monkeypatch.setattr(sys, "stdin", FakeStdin(""))  # a script: no one to ask
    code, _, err = run(capsys, "journal", "delete", "1")
    assert code == 2 and "add --yes" in err
    monkeypatch.setattr(sys, "stdin", FakeStdin("y\n", tty=True))
    assert run(capsys, "journal", "delete", "1")[0] == 0
    assert json.loads(run(capsys, "journal", "list", "--json")[1]) == []
    uid = json.loads(run(capsys, "journal", "add", "Another", "--json")[1])["uid"]
    code, out, _ = run(capsys, "journal", "delete", uid, "--yes")
    assert code == 0 and out.startswith(f"Deleted {uid}")
    code, _, err = run(capsys, "journal", "delete", uid, "--yes")
    assert code == 2 and "no journal entry" in err


def test_share_and_unshare(capsys) -> None:
    run(capsys, "journal", "add", "Worth sharing")
    code, out, _ = run(capsys, "journal", "share", "1")
    assert code == 0 and "Shared e-" in out
    assert json.loads(run(capsys, "journal", "show", "1", "--json")[1])["visibility"] == "shared"
    code, out, _ = run(capsys, "journal", "unshare", "1")
    assert code == 0 and "Private e-" in out
    assert json.loads(run(capsys, "journal", "show", "1", "--json")[1])["visibility"] == "private"


def test_list_on_this_day(capsys, monkeypatch) -> None:
    from conftest import NOW  # Saturday 2026-11-21

    monkeypatch.setattr("mastery.days.utcnow", lambda: NOW)
    for day, text in [
        ("2025-11-21", "A year ago"),
        ("2026-10-21", "A month ago"),
        ("2026-10-20", "Not this day"),
        ("2026-11-21", "Today itself"),
    ]:
        assert run(capsys, "journal", "add", text, "--date", day)[0] == 0
    code, out, _ = run(capsys, "journal", "list", "--on-this-day")
    assert code == 0
    assert [line.split("  ")[2] for line in out.splitlines()] == ["A month ago", "A year ago"]
    monkeypatch.setattr("mastery.days.utcnow", lambda: NOW.replace(day=22))
    code, out, _ = run(capsys, "journal", "list", "--on-this-day")
    assert "No entries from this day" in out
