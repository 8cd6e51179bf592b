"""`mastery goal ...` as a user types it."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

from mastery.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_goal_life_cycle_from_the_command_line(capsys) -> None:
    code, out, _ = run(
        capsys,
        "goal",
        "add",
        "Learn Rust",
        "--vision",
        "Ship a CLI in Rust",
        "--reality",
        "Read half the book",
        "--target",
        "in 3 months",
        "--milestone",
        "Finish the book",
        "--milestone",
        "Ship a tool",
        "--json",
    )
    goal = json.loads(out)
    assert code == 0 and goal["title"] == "Learn Rust" and goal["milestones_total"] == 2
    assert run(capsys, "goal", "milestone", "done", "learn", "1")[1].startswith("[x] 1.")
    code, out, _ = run(capsys, "goal", "show", "--json", str(goal["id"]))
    detail = json.loads(out)
    assert detail["progress"] == 0.5
    assert detail["vision"] == "Ship a CLI in Rust"
    assert detail["milestones"][0]["done"] is True

    run(capsys, "goal", "edit", "learn", "--reality", "Finished the book")
    code, out, _ = run(capsys, "goal", "show", "learn")
    assert "Reality: Finished the book" in out and "[x] 1. Finish the book" in out

    run(capsys, "goal", "check-in", "learn", "8", "on track")  # "checkin" works too (below)
    assert json.loads(run(capsys, "goal", "show", "--json", "learn")[1])["confidence"] == 8

    assert run(capsys, "goal", "done", "learn")[0] == 0
    assert json.loads(run(capsys, "goal", "list", "--json")[1]) == []
    achieved = json.loads(run(capsys, "goal", "list", "--status", "achieved", "--json")[1])
    assert [g["title"] for g in achieved] == ["Learn Rust"]
    assert achieved[0]["progress"] == 1.0


def test_goal_errors_are_one_line_with_exit_2(capsys) -> None:
    code, _, err = run(capsys, "goal", "add", "X", "--target", "03/04/2027")
    assert code == 2 and "understood" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "goal", "show", "nothing")
    assert code == 2 and err.startswith("mastery: error:")
    run(capsys, "goal", "add", "Alpha")
    code, _, err = run(capsys, "goal", "checkin", "alpha", "11")
    assert code == 2 and "1" in err and "10" in err
    code, _, err = run(capsys, "goal", "add", "Beta", "--deck", "no-such-deck")
    assert code == 2 and "no-such-deck" in err


def test_empty_goal_list_says_how_to_add_one(capsys) -> None:
    code, out, _ = run(capsys, "goal", "list")
    assert code == 0 and "mastery goal add" in out


def test_the_readme_goal_example_runs_as_written(capsys) -> None:
    """Issue 13: every command of the README's goal example, word for word, succeeds."""
    deck = 'id = "spanish"\nname = "Spanish"\n\n[[cards]]\nfront = "hola"\nback = "hello"\n'
    path = Path(os.environ["MASTERY_HOME"]).parent / "spanish.toml"
    path.write_text(deck, encoding="utf-8")
    assert run(capsys, "import", str(path))[0] == 0
    example = [
        'goal add "Speak Spanish at work" --vision "Run a meeting in Spanish" '
        '--reality "I follow slow podcasts" --target "end of quarter" --cadence "mon,wed,fri" '
        '--deck spanish --milestone "Finish A2 course" --milestone "First meeting"',
        "goal milestone done spanish 1",
        'goal edit spanish --reality "I follow normal-speed podcasts"',
        'goal checkin spanish 7 "on track, but the meeting date moved"',
        "goal show spanish",
    ]
    for line in example:
        code, out, err = run(capsys, *shlex.split(line))
        assert code == 0, (line, err)
    assert "[x] 1. Finish A2 course" in out and "normal-speed" in out


def test_goal_add_says_which_target_date_it_understood(capsys, monkeypatch) -> None:
    from conftest import NOW

    monkeypatch.setattr("mastery.days.utcnow", lambda: NOW)  # Saturday 2026-11-21
    code, out, _ = run(capsys, "goal", "add", "Ship", "--target", "march 5 2027")
    assert code == 0 and "Target: 2027-03-05 (march 5 2027, 104 days left)" in out
    code, _, err = run(capsys, "goal", "edit", "ship", "--target", "march 5")
    assert code == 2 and "understood: 2026-03-05" in err and "2027-03-05" in err


def test_a_second_check_in_the_same_day_says_it_replaces_the_first(capsys) -> None:
    run(capsys, "goal", "add", "Alpha")
    code, out, _ = run(capsys, "goal", "checkin", "alpha", "7")
    assert code == 0 and "replaces" not in out
    code, out, _ = run(capsys, "goal", "checkin", "alpha", "5", "--json")
    assert json.loads(out)["replaced"] == 7
    code, out, _ = run(capsys, "goal", "checkin", "alpha", "6")
    assert "This replaces today's earlier check-in (5/10): one a day." in out


def test_counts_are_in_words_with_the_right_plural(capsys, monkeypatch) -> None:
    """Issue 13: "1 days", "member(s)"."""
    from conftest import NOW

    monkeypatch.setattr("mastery.days.utcnow", lambda: NOW)
    run(capsys, "goal", "add", "Soon", "--target", "tomorrow")
    code, out, _ = run(capsys, "goal", "show", "soon")
    assert "(1 day left)" in out
