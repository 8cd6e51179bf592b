"""`mastery team ...` as a user types it: init, join, list, pull, sync, report, leave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mastery.cli import main


def run(
    capsys: pytest.CaptureFixture[str], *args: str, profile: str = "default"
) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", "--profile", profile, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_init_join_pull_sync_report_leave(capsys, tmp_path: Path) -> None:
    folder = tmp_path / "team"
    code, out, _ = run(capsys, "team", "init", str(folder), "--name", "Core Team", "--json")
    assert code == 0 and json.loads(out)["id"] == "core-team"
    assert (folder / "decks" / "git-essentials.toml").exists()

    code, out, _ = run(capsys, "team", "join", str(folder))
    assert code == 0 and "Sync is off" in out
    code, out, _ = run(capsys, "team", "list", "--json")
    assert [(t["id"], t["sync"]) for t in json.loads(out)] == [("core-team", False)]

    code, out, _ = run(capsys, "team", "pull", "--json")
    assert code == 0 and {r["deck"] for r in json.loads(out)} == {
        "core-team/git-essentials",  # team decks are namespaced by their team
        "core-team/learning-organization",
    }
    code, out, _ = run(capsys, "decks", "--json")
    assert len(json.loads(out)) == 2

    assert "[[stewards]]" in (folder / "team.toml").read_text(encoding="utf-8")  # you, to start

    code, _, err = run(capsys, "team", "sync")
    assert code == 2 and "--enable" in err and len(err.strip().splitlines()) == 1
    assert not list(folder.rglob("contributions/*.json"))
    code, out, _ = run(capsys, "team", "sync", "--enable")
    assert code == 0 and "Sealed your contribution" in out
    assert len(list(folder.rglob("contributions/*.json"))) == 2

    for fmt in ("text", "markdown"):
        code, out, _ = run(capsys, "team", "report", "--format", fmt)
        assert code == 0 and "No round to show yet" in out and "one steward, who sees" in out
    code, out, _ = run(capsys, "team", "report", "core-team", "--format", "json")
    data = json.loads(out)
    assert data["latest_round"] is None and data["roster_members"] == 1

    code, out, _ = run(capsys, "team", "leave", "core-team")
    assert code == 0 and "removed" in out
    assert not list(folder.rglob("contributions/*.json"))
    assert not list((folder / "members").glob("*.json"))
    code, out, _ = run(capsys, "team", "list")
    assert "No teams yet" in out


def test_join_bad_folder_is_one_line(capsys, tmp_path: Path) -> None:
    (tmp_path / "team.toml").write_text('id = "x"\nname = "X"\nk = 0\n', encoding="utf-8")
    code, _, err = run(capsys, "team", "join", str(tmp_path))
    assert code == 2 and "k must be" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "team", "join", str(tmp_path / "nowhere"))
    assert code == 2 and "no team.toml" in err


def test_report_warns_about_bad_files(capsys, tmp_path: Path) -> None:
    folder = tmp_path / "team"
    run(capsys, "team", "init", str(folder))
    run(capsys, "team", "join", str(folder), "--sync")
    (folder / "summary").mkdir()  # left from the first team design
    (folder / "summary" / "bad.json").write_text("{", encoding="utf-8")
    code, out, err = run(capsys, "team", "report")
    assert code == 0 and "bad.json" in err and len(err.strip().splitlines()) == 1
    assert "plaintext records of the first team design" in out


def test_no_team_joined(capsys) -> None:
    code, _, err = run(capsys, "team", "pull")
    assert code == 2 and "team join" in err


def test_aggregate_with_nothing_to_sum_says_when_the_next_round_can_be(
    capsys, tmp_path: Path
) -> None:
    """A steward's `team aggregate` while this week's round is still open: nothing to sum,
    and the day from which that round can be summed (the day after its Sunday has ended)."""
    import re

    from mastery.team.steward import CLOSE_AFTER
    from mastery.team.wire import round_days

    folder = tmp_path / "team"
    run(capsys, "team", "init", str(folder), "--name", "Core Team")
    run(capsys, "team", "join", str(folder))
    code, _, _ = run(capsys, "team", "sync", "--enable")
    assert code == 0
    run(capsys, "team", "aggregate")  # last week's round, if it has closed by now
    code, out, _ = run(capsys, "team", "aggregate")
    assert code == 0 and out.startswith("Nothing to sum")
    found = re.search(r"Round (\S+) can be summed from (\S+) 04:00\.\n$", out)
    assert found, out  # a profile's days start at 4:00 unless set otherwise
    rounds = sorted({p.parent.parent.name for p in folder.rglob("contributions/*.json")})
    assert found[1] in rounds  # this week's round, or last week's before its day has come
    first = round_days(found[1])[1] + CLOSE_AFTER + CLOSE_AFTER
    assert found[2] == first.isoformat()
