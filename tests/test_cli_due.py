"""`mastery due`: one line for shell prompts, tmux status lines and cron, and quick."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import NOW
from mastery import paths
from mastery.cli import main
from mastery.collection import Collection
from mastery.days import FixedTime

DECK = """id = "demo"
name = "Demo"

[[cards]]
front = "one"
back = "1"

[[cards]]
front = "two"
back = "2"

[[cards]]
front = "three"
back = "3"
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own exits
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def profile(capsys, tmp_path: Path, monkeypatch) -> None:
    deck = tmp_path / "demo.toml"
    deck.write_text(DECK, encoding="utf-8")
    assert run(capsys, "--no-bundled-decks", "import", str(deck))[0] == 0
    with Collection.open(bundled=False, clock=FixedTime(NOW)) as col:
        col.set_setting("timezone", "UTC")
        card = col.next_card()
        assert card is not None
        col.answer(card.id, 1)  # Again: a learning step, due in minutes
    monkeypatch.setattr("mastery.days.utcnow", lambda: NOW + timedelta(hours=1))


def test_due_is_one_short_line(capsys, profile) -> None:
    code, out, err = run(capsys, "due")
    # "due" as the dashboard's Due column (review cards); the learning card apart
    assert (code, out, err) == (0, "0 due · 1 learning · 2 new · journal ✗\n", "")
    assert run(capsys, "journal", "add", "Learned something")[0] == 0
    assert run(capsys, "due")[1] == "0 due · 1 learning · 2 new · journal ✓\n"
    assert run(capsys, "due", "--ascii")[1] == "0 due, 1 learning, 2 new, journal yes\n"
    data = json.loads(run(capsys, "due", "--json")[1])
    assert data == {"due": 0, "learning": 1, "new": 2, "journal_today": True}


def test_due_takes_the_global_options_before_or_after(capsys, profile) -> None:
    home = os.environ["MASTERY_HOME"]
    assert run(capsys, "--home", home, "due")[1].startswith("0 due · 1 learning")
    assert run(capsys, "due", "--profile", "default", "--home", home)[1].startswith(
        "0 due · 1 learning"
    )
    code, _, err = run(capsys, "due", "--bogus")
    assert code == 2 and len(err.splitlines()) == 1 and "--bogus" in err


def test_due_never_makes_a_profile(capsys) -> None:
    code, out, err = run(capsys, "due")
    assert code == 2 and out == ""
    assert err == "mastery: error: no profile yet: run `mastery` once to make one\n"
    code, _, err = run(capsys, "due", "--profile", "ana")
    assert code == 2 and "no profile 'ana'" in err
    assert not paths.home_dir().exists()


def test_due_loads_neither_the_ui_nor_fsrs_nor_pydantic(tmp_path: Path, profile) -> None:
    """The prompt path stays quick: what it would import costs more than the whole budget
    (textual 0.14 s, sqlmodel 0.43 s; ../shared/PERFORMANCE.md). Measured in a fresh process;
    the benchmark `due_cli_ms` times it."""
    script = (
        "import sys\n"
        "from mastery.cli import main\n"
        "assert main(['due']) == 0\n"
        "heavy = ['textual', 'rich', 'fsrs', 'fsrs_rs_python', 'pydantic', 'sqlmodel',\n"
        "         'sqlalchemy', 'tomlkit', 'bs4', 'markdownify', 'nacl', 'filelock']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.splitlines()[-1] == "[]", proc.stdout + proc.stderr
