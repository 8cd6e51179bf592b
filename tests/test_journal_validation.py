"""Prompts files and journal front matter are checked models: a bad file is one line naming the
file and the field (exit 2 in the CLI), and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from mastery.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def prompts_file(mastery_home: Path) -> Path:
    return mastery_home / "profiles" / "default" / "prompts.toml"


GOOD_PROMPT = '[[prompt]]\nkey = "standup"\nname = "Stand-up"\ntemplate = "## Today\\n"\n'

BAD_PROMPTS = [
    ('[[prompt]]\nkey = "x"\nname = "X"\n', "prompt 'x': template is required"),
    ('[[prompt]]\nkey = "x"\nname = "  "\ntemplate = "t"\n', "prompt 'x': name is required"),
    ('[[prompt]]\nkey = "Bad Key"\nname = "X"\ntemplate = "t"\n', "prompt 1: key must be"),
    ('[[prompt]]\nkey = "x"\nname = 3\ntemplate = "t"\n', "prompt 'x': name must be text"),
    ('[[prompt]]\nkey = "x"\nname = "X"\ntemplate = "t"\nmood = 1\n', "unknown field 'mood'"),
    ('[[prompts]]\nkey = "x"\n', "unknown table 'prompts'"),
    ("prompt = 3\n", "prompts are [[prompt]] tables"),
    ("prompt = [3]\n", "prompt 1 is not a table"),
    ("[[prompt]\n", "not valid TOML"),
    ("a = " + "[" * 100_000 + "\n", "nested more than"),
    ("a = " + "1" * 5000 + "\n", "too large"),
    (
        '[[prompt]]\nkey = "x"\nname = "X"\ntemplate = "t"\ndescription = "' + "d" * 2000 + '"\n',
        "description is too long",
    ),
]


@pytest.mark.parametrize(("text", "says"), BAD_PROMPTS)
def test_a_bad_prompts_file_is_one_line_naming_file_and_field_and_adds_nothing(
    capsys, mastery_home: Path, text: str, says: str
) -> None:
    assert run(capsys, "journal", "prompts")[0] == 0  # creates the profile
    path = prompts_file(mastery_home)
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "journal", "add", "--prompt", "daily", "what I learned")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"mastery: error: {path}: ")
    assert says in err
    path.write_text(GOOD_PROMPT, encoding="utf-8")
    code, out, _ = run(capsys, "journal", "list")
    assert code == 0 and "No entries" in out


def test_a_huge_prompts_file_is_refused_before_reading(capsys, mastery_home: Path) -> None:
    run(capsys, "journal", "prompts")
    path = prompts_file(mastery_home)
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    code, _, err = run(capsys, "journal", "prompts")
    assert code == 2 and "too large" in err and err.count("\n") == 1


def test_a_good_prompts_file_still_works(capsys, mastery_home: Path) -> None:
    run(capsys, "journal", "prompts")
    prompts_file(mastery_home).write_text(GOOD_PROMPT, encoding="utf-8")
    code, out, _ = run(capsys, "journal", "prompts")
    assert code == 0 and "standup" in out


BAD_FRONT_MATTER = [
    ("date: 0000-01-01", 2, "date must be YYYY-MM-DD"),
    ("date: 1969-12-31", 2, "from 1970-01-01 to 9998-12-31"),
    ("date: 9999-12-31", 2, "from 1970-01-01 to 9998-12-31"),
    ("date: [2026-01-01]", 2, "'date' takes one value"),
    ("date: 2026-01-01\nuid: 'bad uid'", 3, "not a valid uid"),
    ("date: 2026-01-01\nprompt: 'Bad Key'", 3, "not a prompt key"),
    ("date: 2026-01-01\ntitle: " + "t" * 600, 3, "title: at most 500 characters"),
    (
        "date: 2026-01-01\ntags: [" + ", ".join(f"t{i}" for i in range(150)) + "]",
        3,
        "tags: at most",
    ),
    ('date: 2026-01-01\ntitle: "\\ud800"', 3, "not valid Unicode"),
    ('date: 2026-01-01\ngoals: ["\\udfff"]', 3, "not valid Unicode"),
]


@pytest.mark.parametrize(("meta", "line", "says"), BAD_FRONT_MATTER)
def test_bad_front_matter_is_one_line_naming_file_line_and_field(
    capsys, tmp_path: Path, meta: str, line: int, says: str
) -> None:
    good = tmp_path / "a-good.md"
    good.write_text("---\ndate: 2026-11-01\n---\nfine\n", encoding="utf-8")
    bad = tmp_path / "b-bad.md"
    bad.write_text(f"---\n{meta}\n---\nbody\n", encoding="utf-8")
    code, out, err = run(capsys, "journal", "import", str(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"mastery: error: {bad}:{line}: ")
    assert says in err
    assert "No entries" in run(capsys, "journal", "list")[1]


def test_journal_date_phrases_outside_the_range_are_one_line(capsys) -> None:
    for phrase in ("0000-01-01", "1969-12-31", "in 9000 years"):
        code, _, err = run(capsys, "journal", "add", "--date", phrase, "text")
        assert code == 2 and err.count("\n") == 1 and "can't read" in err
    for phrase in ("since 0000-01-01", "0000-01-01..2026-01-01"):
        code, _, err = run(capsys, "journal", "list", "--when", phrase)
        assert code == 2 and err.count("\n") == 1 and "years go from 1970 to 9998" in err
    assert "No entries" in run(capsys, "journal", "list")[1]


def test_a_huge_journal_file_is_refused(capsys, tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with big.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    code, _, err = run(capsys, "journal", "import", str(big))
    assert code == 2 and "too large" in err and err.count("\n") == 1


def test_a_huge_entry_on_stdin_is_refused(capsys, monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("x" * (16 * 1024 * 1024 + 1)))
    code, _, err = run(capsys, "journal", "add")
    assert code == 2 and "too large" in err and err.count("\n") == 1
    assert "No entries" in run(capsys, "journal", "list")[1]


@pytest.mark.parametrize("ref", ["1" * 5000, "99999999999999999999", "²"])
def test_entry_and_goal_numbers_that_cannot_exist_are_not_found_in_one_line(capsys, ref) -> None:
    code, _, err = run(capsys, "journal", "show", ref)
    assert code == 2 and err.count("\n") == 1 and "no journal entry" in err and len(err) < 200
    code, _, err = run(capsys, "journal", "add", "--goal", ref, "text")
    assert code == 2 and err.count("\n") == 1 and "no goal" in err and len(err) < 200
    assert "No entries" in run(capsys, "journal", "list")[1]
