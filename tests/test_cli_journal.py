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
