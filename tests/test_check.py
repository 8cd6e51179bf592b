"""`mastery check`: cards set back to their review history, orphans removed, invariants
repaired, a dry run that changes nothing, and a damaged file sent to its backups."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from test_backup import big_enough, damage, new_profile

from conftest import NOW
from mastery import check, optimize, paths
from mastery.cli import main
from mastery.collection import Collection
from mastery.errors import DatabaseCorruptError
from mastery.scheduler import DEFAULT_PARAMETERS

DECK = """
id = "demo"
name = "Demo"

[[cards]]
id = "one"
front = "One?"
back = "1"

[[cards]]
id = "two"
front = "Two?"
back = "2"

[[cards]]
id = "three"
front = "Three?"
back = "3"
"""

SCHEDULE = "state, step, stability, difficulty, due, last_review, reps, lapses"


def studied(col: Collection, write_deck) -> list[int]:
    """Three cards: one answered four times (a lapse among them), one once, one new."""
    col.import_files([write_deck(DECK)], now=NOW)
    one, two = col.card("demo/one").id, col.card("demo/two").id
    for days, rating in ((0, 3), (1, 3), (5, 1), (6, 3)):
        col.answer(one, rating, now=NOW + timedelta(days=days))
    col.answer(two, 4, now=NOW)
    return [one, two, col.card("demo/three").id]


def schedule(col: Collection, card_id: int) -> tuple[Any, ...]:
    return tuple(
        col.conn.execute(f"SELECT {SCHEDULE} FROM card WHERE id = ?", (card_id,)).fetchone()
    )


def everything(col: Collection) -> list[Any]:
    """Every row of the tables a check may touch, to prove a dry run wrote nothing."""
    return [
        col.conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        for table in ("deck", "card", "reviewlog")
    ]


def test_a_clean_profile_has_no_problems(col: Collection, write_deck, capsys) -> None:
    studied(col, write_deck)
    report = col.check(now=NOW)
    assert report.ok and report.lines() == ["No problems found."]
    assert main(["--no-bundled-decks", "check"]) == 0
    assert capsys.readouterr().out == "No problems found.\n"


def test_a_card_that_disagrees_with_its_history_is_set_to_its_last_review(
    col: Collection, write_deck
) -> None:
    one, two, _ = studied(col, write_deck)
    good_one, good_two = schedule(col, one), schedule(col, two)
    with col.db.transaction() as conn:  # as a bad edit or a bug would leave them
        conn.execute(
            "UPDATE card SET state = 0, due = NULL, stability = NULL, reps = 0, lapses = 0 "
            "WHERE id = ?",
            (one,),
        )
        conn.execute("UPDATE card SET stability = stability * 3 WHERE id = ?", (two,))
    report = col.check(now=NOW)
    assert report.fixed and report.problems == {check.HISTORY: 2}
    assert schedule(col, one) == good_one
    assert schedule(col, two) == good_two
    assert col.check(now=NOW).ok  # and stays fixed


def test_rescheduled_cards_are_not_taken_for_damage(col: Collection, write_deck) -> None:
    """The optimizer's --reschedule rewrites cards without logging; check leaves them."""
    one, _, _ = studied(col, write_deck)
    before = schedule(col, one)
    weights = list(DEFAULT_PARAMETERS)
    weights[2], weights[3] = 6.0, 20.0  # different first-answer stabilities
    col.set_fsrs_parameters(weights)
    assert optimize.reschedule_cards(col) == 2
    assert schedule(col, one) != before
    rescheduled = schedule(col, one)
    assert col.check(now=NOW).ok
    assert schedule(col, one) == rescheduled


def test_orphans_are_removed_and_counted(col: Collection, write_deck) -> None:
    one, two, three = studied(col, write_deck)
    col.import_files(
        [write_deck('id = "gone"\nname = "Gone"\n[[cards]]\nfront = "a"\nback = "b"\n', "g.toml")],
        now=NOW,
    )
    # Written with foreign keys off, as another tool (or an old bug) could.
    col.conn.execute("PRAGMA foreign_keys = OFF")
    col.conn.execute("DELETE FROM card WHERE id = ?", (one,))  # its 4 logs stay behind
    col.conn.execute("DELETE FROM deck WHERE key = 'gone'")  # its card stays behind
    col.conn.execute("PRAGMA foreign_keys = ON")
    report = col.check(now=NOW)
    assert report.problems == {
        "review logs of deleted cards (removed)": 4,
        "cards of deleted decks (removed, with their review logs)": 1,
    }
    assert col.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert col.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == 1
    assert {r[0] for r in col.conn.execute("SELECT id FROM card")} == {two, three}


def test_cards_without_history_get_their_invariants_back(col: Collection, write_deck) -> None:
    col.import_files([write_deck(DECK)], now=NOW)
    one, two, three = (col.card(f"demo/{k}").id for k in ("one", "two", "three"))
    with col.db.transaction() as conn:
        conn.execute(
            "UPDATE card SET state = 2, stability = 5.0, difficulty = 5.0, due = NULL, "
            "last_review = ? WHERE id = ?",
            (1_700_000_000_000, one),
        )
        # NaN cannot be stored (SQLite keeps NULL), infinity can.
        conn.execute(
            "UPDATE card SET state = 2, stability = ?, difficulty = 5.0, due = 1 WHERE id = ?",
            (float("inf"), two),
        )
        conn.execute("UPDATE card SET state = 7, reps = -2 WHERE id = ?", (three,))
    report = col.check(now=NOW)
    assert report.problems == {
        check.BAD_STATE: 1,
        check.NO_DUE: 1,
        check.BAD_MEMORY: 1,
    }
    now_ms = int(NOW.timestamp() * 1000)
    assert schedule(col, one)[:5] == (2, None, 5.0, 5.0, now_ms)  # due now, memory kept
    assert schedule(col, two)[:5] == (0, None, None, None, None)  # back to new
    assert schedule(col, three)[0] == 0 and schedule(col, three)[6] == 0
    assert col.check(now=NOW).ok


def test_review_logs_filed_under_another_deck_are_refiled(col: Collection, write_deck) -> None:
    one, _, _ = studied(col, write_deck)
    col.conn.execute("UPDATE reviewlog SET deck_id = NULL WHERE card_id = ?", (one,))
    assert col.check(now=NOW).problems == {check.LOG_DECK: 4}
    deck = col.card(one).deck_id
    assert {r[0] for r in col.conn.execute("SELECT deck_id FROM reviewlog")} == {deck}


def test_dry_run_reports_and_changes_nothing(write_deck, capsys) -> None:
    col = new_profile()
    one, _, _ = studied(col, write_deck)
    col.conn.execute("UPDATE card SET due = NULL WHERE id = ?", (one,))
    col.conn.execute("PRAGMA foreign_keys = OFF")
    col.conn.execute("DELETE FROM card WHERE id = ?", (one,))
    col.conn.execute("PRAGMA foreign_keys = ON")
    before = everything(col)
    col.close()

    assert main(["--no-bundled-decks", "check", "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Found (dry run, nothing changed):")
    assert "4 review logs of deleted cards" in out
    with Collection.open_path(paths.database_path()) as again:
        assert everything(again) == before

    assert main(["--no-bundled-decks", "check", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fixed"] and data["problems"] == {"review logs of deleted cards (removed)": 4}
    assert main(["--no-bundled-decks", "check"]) == 0
    assert capsys.readouterr().out == "No problems found.\n"


def test_damaged_indexes_are_rebuilt(write_deck) -> None:
    col = new_profile()
    studied(col, write_deck)
    # Point an index's definition at another column: its entries no longer match the table,
    # the state a crashed write on a bad disk can leave an index in.
    col.conn.execute("PRAGMA writable_schema = ON")
    col.conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_card_note ON card (front)' "
        "WHERE name = 'ix_card_note'"
    )
    col.conn.execute("PRAGMA writable_schema = OFF")
    col.close()
    with Collection.open_path(paths.database_path()) as again:
        assert again.conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
        report = again.check(now=NOW)
        assert check.INDEXES in report.problems
        assert again.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_damaged_database_is_exit_2_with_a_hint_to_restore(capsys) -> None:
    col = new_profile()
    big_enough(col)
    col.close()
    damage(paths.database_path())
    assert main(["--no-bundled-decks", "check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "damaged beyond repair" in err and "mastery backup --restore" in err


def test_check_of_a_damaged_database_raises_the_typed_error() -> None:
    col = new_profile()
    big_enough(col)
    path = col.db.path
    col.close()
    damage(path)
    with Collection.open_path(path) as damaged, pytest.raises(DatabaseCorruptError):
        damaged.check(now=NOW)


def test_a_missing_profile_is_one_line(capsys, tmp_path) -> None:
    assert main(["--home", str(tmp_path / "none"), "check"]) == 2
    assert "no profile" in capsys.readouterr().err


def test_damage_hint_names_the_check_only_for_damage() -> None:
    assert "mastery check" in check.damage_hint("database disk image is malformed")
    assert check.damage_hint("no card 7") == ""
    assert check.damage_hint("damaged; run `mastery check`") == ""


def test_foreign_key_check_is_what_sqlite_says(col: Collection) -> None:
    """The orphan pass relies on foreign_key_check listing every declared key."""
    fks = {
        (t, r[2])
        for (t,) in col.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        for r in col.conn.execute(f"PRAGMA foreign_key_list({t})")
    }
    assert ("reviewlog", "card") in fks and ("card", "deck") in fks
    assert isinstance(col.conn, sqlite3.Connection)


def test_a_profile_whose_schema_is_damaged_points_at_check_then_restore(capsys) -> None:
    new_profile().close()
    path = paths.database_path()
    with path.open("r+b") as fh:  # garbage over the schema's own page (page 1, past the header)
        fh.seek(100)
        fh.write(b"\xff" * 3000)
    assert main(["--no-bundled-decks", "decks"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "malformed" in err and "run `mastery check`" in err
    assert main(["--no-bundled-decks", "check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "beyond repair" in err and "--restore" in err
