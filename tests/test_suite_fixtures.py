"""The shortcuts tests/conftest.py takes to keep the suite fast must not change what a test
sees: the `col` fixture's copied profile is a new profile, and the CLI parser shared between
`main([...])` calls carries nothing from one call to the next."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from conftest import NOW
from mastery import paths
from mastery.cli import main
from mastery.collection import Collection


def test_col_is_the_profile_a_new_empty_profile_in_utc_would_be(col, tmp_path: Path) -> None:
    """If creating a profile ever writes more (a random key, a first-run row), the copied
    template would hand every test the same one: this fails, and the fixture must follow."""
    with Collection.open("fresh", tmp_path / "other", bundled=False, now=NOW) as fresh:
        fresh.set_setting("timezone", "UTC")
        assert list(col.conn.iterdump()) == list(fresh.conn.iterdump())
    assert col.setting("timezone") == "UTC" and col.setting("load_bundled_decks") is False


def test_the_shared_cli_parser_keeps_no_option_between_calls(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """argparse defaults are per call: `--profile other` in one call must not make the next
    call, without it, open `other` again."""
    assert main(["--no-bundled-decks", "--profile", "other", "decks"]) == 0
    assert main(["decks"]) == 0  # the default profile, with its bundled decks
    capsys.readouterr()
    with closing(sqlite3.connect(paths.database_path("other"))) as conn:
        assert conn.execute("SELECT count(*) FROM deck").fetchone()[0] == 0
    with closing(sqlite3.connect(paths.database_path())) as conn:
        assert conn.execute("SELECT count(*) FROM deck").fetchone()[0] > 0
