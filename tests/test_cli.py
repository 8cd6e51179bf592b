"""The `mastery` command as a user types it: output, JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mastery import __version__
from mastery.cli import main

DECK = """
id = "demo"
name = "Demo"

[[cards]]
id = "one"
front = "One?"
back = "1"

[[cards]]
front = "Two?"
back = "2"
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mastery", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("mastery ")


def test_import_reports_counts_then_decks_lists_them(capsys, write_deck) -> None:
    path = write_deck(DECK)
    code, out, _ = run(capsys, "import", str(path))
    assert code == 0 and "demo" in out and "2" in out
    code, out, _ = run(capsys, "import", "--json", str(path))
    assert json.loads(out) == [
        {
            "deck": "demo",
            "name": "Demo",
            "source": str(path),
            "added": 0,
            "updated": 0,
            "unchanged": 2,
            "suspended": 0,
            "restored": 0,
        }
    ]
    code, out, _ = run(capsys, "decks", "--json")
    [deck] = json.loads(out)
    assert (deck["id"], deck["cards"], deck["new"]) == ("demo", 2, 2)


def test_malformed_deck_is_one_line_on_stderr_and_exit_2(capsys, write_deck) -> None:
    bad = write_deck('id = "x"\nname = "X"\n[[cards]]\nfront = "Q"\nback = ""\n', "bad.toml")
    code, out, err = run(capsys, "import", str(bad))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "bad.toml:3" in err
    assert "Traceback" not in err
    code, out, _ = run(capsys, "decks", "--json")
    assert json.loads(out) == []


def test_missing_file_is_a_clean_error(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "import", str(tmp_path / "nope.toml"))
    assert code == 2 and "nope.toml" in err and len(err.strip().splitlines()) == 1


def test_deck_check_exit_status(capsys, write_deck) -> None:
    good = write_deck(DECK, "good.toml")
    code, out, _ = run(capsys, "deck", "check", str(good))
    assert code == 0 and "OK" in out
    dup = write_deck(DECK.replace('front = "Two?"', 'id = "one"\nfront = "Two?"'), "dup.toml")
    code, out, _ = run(capsys, "deck", "check", str(good), str(dup))
    assert code == 1 and "dup.toml" in out and "good.toml" not in out


def test_deck_fmt_writes_explicit_ids_keeping_progress(capsys, write_deck) -> None:
    path = write_deck(DECK)
    run(capsys, "import", str(path))
    code, out, _ = run(capsys, "card", "show", "--json", "1")
    code, _, _ = run(capsys, "deck", "fmt", "--check", str(path))
    assert code == 1
    code, out, _ = run(capsys, "deck", "fmt", str(path))
    assert code == 0 and "wrote" in out
    assert path.read_text(encoding="utf-8").count("id = ") == 3
    code, out, _ = run(capsys, "import", "--json", str(path))
    assert json.loads(out)[0]["unchanged"] == 2
    assert run(capsys, "deck", "fmt", "--check", str(path))[0] == 0


def test_deck_fmt_of_a_file_that_is_not_utf8_is_one_line_and_leaves_it(capsys, tmp_path) -> None:
    path = tmp_path / "latin1.toml"
    data = 'id = "demo"\nname = "Caf\xe9"\n[[cards]]\nfront = "Q"\nback = "A"\n'.encode("latin-1")
    path.write_bytes(data)
    for args in (("deck", "fmt", str(path)), ("deck", "fmt", "--check", str(path))):
        code, out, err = run(capsys, *args)
        assert (code, out) == (2, ""), args
        assert err == f"mastery: error: {path}: not UTF-8 text (byte 23)\n", args
    assert path.read_bytes() == data


def test_deck_fmt_missing_or_not_toml_is_one_line(capsys, tmp_path, write_deck) -> None:
    code, out, err = run(capsys, "deck", "fmt", str(tmp_path / "nope.toml"))
    assert (code, out) == (2, "") and "nope.toml" in err and len(err.splitlines()) == 1
    csv = write_deck("front,back\nQ,A\n", "deck.csv")
    code, _, err = run(capsys, "deck", "fmt", str(csv))
    assert (code, err) == (2, f"mastery: error: {csv}: deck fmt works on .toml deck files only\n")


def test_review_refuses_an_empty_or_unknown_deck_before_the_app_opens(
    capsys, monkeypatch, write_deck
) -> None:
    import mastery.tui.app

    opened: list[dict[str, object]] = []
    monkeypatch.setattr(mastery.tui.app, "run_app", lambda col, **kw: opened.append(kw))
    assert run(capsys, "import", str(write_deck(DECK)))[0] == 0
    for deck in ("", " ", "nope"):
        code, out, err = run(capsys, "review", "--deck", deck)
        assert (code, out) == (2, ""), deck
        assert err == f"mastery: error: no deck {deck!r}; see `mastery decks`\n"
    assert opened == []
    assert run(capsys, "review", "--deck", "demo")[0] == 0
    assert run(capsys, "review")[0] == 0
    assert opened == [
        {"start_review": True, "deck_key": "demo"},
        {"start_review": True, "deck_key": None},
    ]


def test_a_command_counts_and_says_in_n_days_by_one_clock(capsys, monkeypatch, write_deck) -> None:
    """The CLI opens the profile with its one clock (`cli.common.wall_clock`), so what a
    command counts as "today" and the "in N days" it prints agree, whatever the machine's date."""
    from datetime import timedelta

    from conftest import NOW
    from mastery.collection import Collection
    from mastery.days import FixedTime

    assert run(capsys, "import", str(write_deck(DECK)))[0] == 0
    with Collection.open(bundled=False, clock=FixedTime(NOW)) as col:
        card = col.next_card()
        assert card is not None
        col.answer(card.id, 3)
    monkeypatch.setattr("mastery.days.utcnow", lambda: NOW + timedelta(minutes=5))
    code, out, _ = run(capsys, "stats", "--json")
    assert code == 0 and json.loads(out)["reviews_today"] == 1
    code, out, _ = run(capsys, "stats")
    assert "Reviews today: 1 " in out and "Next due: 2026-11-21T10:10:00+00:00 (in 5m)" in out


def test_card_show_by_ref_and_number(capsys, write_deck) -> None:
    run(capsys, "import", str(write_deck(DECK)))
    code, out, _ = run(capsys, "card", "show", "--json", "demo/one")
    data = json.loads(out)
    assert (data["front"], data["state"], data["history"]) == ("One?", "new", [])
    code, out, _ = run(capsys, "card", "show", str(data["number"]))
    assert code == 0 and "One?" in out
    code, _, err = run(capsys, "card", "show", "demo/missing")
    assert code == 2 and "no card" in err


def test_stats_json_has_the_documented_keys(capsys) -> None:
    code, out, _ = run(capsys, "stats", "--json")
    data = json.loads(out)
    assert code == 0
    assert {"reviews_today", "reviews_total", "streak_days"} <= data.keys()


def test_backup_command(capsys) -> None:
    code, out, _ = run(capsys, "backup", "--json")
    data = json.loads(out)
    assert code == 0 and Path(data["backup"]).is_file()


def test_config_set_and_reject(capsys) -> None:
    assert run(capsys, "config", "new_per_day", "5")[0] == 0
    code, out, _ = run(capsys, "config", "--json", "new_per_day")
    assert json.loads(out) == {"new_per_day": 5}
    code, _, err = run(capsys, "config", "desired_retention", "1.5")
    assert code == 2 and "at most" in err
    code, _, err = run(capsys, "config", "no_such_thing", "1")
    assert code == 2 and "unknown setting" in err


def test_profiles_are_separate_and_home_can_be_given(capsys, write_deck, tmp_path) -> None:
    run(capsys, "--profile", "alice", "import", str(write_deck(DECK)))
    assert json.loads(run(capsys, "--profile", "bob", "decks", "--json")[1]) == []
    assert len(json.loads(run(capsys, "--profile", "alice", "decks", "--json")[1])) == 1
    other = tmp_path / "elsewhere"
    run(capsys, "--home", str(other), "decks")
    assert (other / "profiles" / "default" / "mastery.db").is_file()


def test_bad_profile_name_is_refused(capsys) -> None:
    code, _, err = run(capsys, "--profile", "../evil", "decks")
    assert code == 2 and "invalid profile name" in err


def test_new_profile_gets_bundled_decks(capsys) -> None:
    assert main(["decks", "--json"]) == 0
    decks = json.loads(capsys.readouterr().out)
    assert len(decks) >= 2 and all(d["cards"] >= 40 for d in decks)


def test_deck_export_round_trips_with_cloze_cards(capsys, write_deck, tmp_path) -> None:
    text = DECK + '\n[[cards]]\nid = "cz"\nfront = "{{c1::Paris}} is in {{c2::France::country}}"\n'
    run(capsys, "import", str(write_deck(text)))
    out_file = tmp_path / "exported.toml"
    code, out, _ = run(capsys, "deck", "export", "demo", "--to", str(out_file))
    assert code == 0
    assert "{{c2::France::country}}" in out_file.read_text(encoding="utf-8")
    code, out, _ = run(capsys, "import", "--json", str(out_file))
    assert json.loads(out)[0]["unchanged"] == 4
    code, _, err = run(capsys, "deck", "export", "nope", "--to", str(out_file))
    assert code == 2 and "no deck" in err


def test_stats_says_cards_are_due_now_and_counts_in_words(capsys, monkeypatch, write_deck) -> None:
    """Issue 13: "Streak: 1 days", two different "Cards:" lines, and a "Next due" two days
    away while a learning card was overdue."""
    from datetime import timedelta

    from conftest import NOW
    from mastery.collection import Collection
    from mastery.days import FixedTime

    assert run(capsys, "import", str(write_deck(DECK)))[0] == 0
    with Collection.open(bundled=False, clock=FixedTime(NOW)) as col:
        first = col.next_card()
        assert first is not None
        col.answer(first.id, 4)  # Easy: due in days
        second = col.next_card()
        assert second is not None
        col.answer(second.id, 1)  # Again: a learning step due in minutes
    monkeypatch.setattr("mastery.days.utcnow", lambda: NOW + timedelta(hours=2))
    code, out, _ = run(capsys, "stats")
    assert code == 0
    assert "Streak: 1 day\n" in out
    assert "Next due: now (1 card waiting)" in out
    assert sum(line.startswith("Cards:") for line in out.splitlines()) == 1
    assert "Card states: " in out


def test_deck_check_of_a_missing_file_says_so_and_types_name_apkg(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "deck", "check", str(tmp_path / "nonexistent"))
    assert code == 1 and "no such file" in out and "unknown deck file type" not in out
    other = tmp_path / "deck.json"
    other.write_text("{}", encoding="utf-8")
    code, out, _ = run(capsys, "deck", "check", str(other))
    assert code == 1 and ".apkg" in out and ".toml" in out


def test_review_without_a_terminal_says_so_instead_of_hanging(capsys, write_deck) -> None:
    """Issue 13: `mastery review` from cron or a pipe waited for keys forever."""
    assert run(capsys, "import", str(write_deck(DECK)))[0] == 0
    for argv in (["review"], [], ["cram"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "", argv
        assert "needs a terminal" in err and "mastery cram --list is:due" in err
        assert len(err.splitlines()) == 1
    code, out, _ = run(capsys, "cram", "--list", "is:due")
    assert code == 0


def test_deck_check_counts_files_in_words(capsys, write_deck) -> None:
    code, out, _ = run(capsys, "deck", "check", str(write_deck(DECK)))
    assert code == 0 and out.strip() == "1 deck file OK"
