"""Team decks are namespaced by team (issue 11): a team pull stores a team's deck under
``team-id/deck-id``, so it can never update, take over or count a learner's own deck with the
same id; decks pulled before that are moved into the namespace on the next pull."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_tui_helpers import SIZE, make_app, screen_text

from conftest import NOW
from mastery.cli import main
from mastery.collection import Collection
from mastery.decks import load_deck
from mastery.decks.namespace import split_team_deck_key, team_deck_key
from mastery.errors import DeckFormatError
from mastery.scheduler import DEFAULT_PARAMETERS
from mastery.tui.screens.review import ReviewScreen


def deck_text(deck_id: str, name: str, fronts: dict[str, str]) -> str:
    lines = [f'id = "{deck_id}"', f'name = "{name}"', 'version = "1.0.0"']
    for card_id, front in fronts.items():
        lines += ["", "[[cards]]", f'id = "{card_id}"', f'front = "{front}"', 'back = "answer"']
    return "\n".join(lines) + "\n"


TEAM_CARDS = {"alpha": "Team alpha?", "beta": "Team beta?"}
OWN_CARDS = {"alpha": "My alpha?", "beta": "My beta?", "gamma": "My gamma?"}


def make_team(folder: Path, team_id: str = "crew", decks: dict[str, str] | None = None) -> Path:
    """A team folder whose decks/ holds `decks` (file stem -> TOML), by default one deck with
    the id `git-essentials`, as a personal (bundled) deck has."""
    (folder / "decks").mkdir(parents=True)
    for stem, text in (decks or {"git": deck_text("git-essentials", "Git", TEAM_CARDS)}).items():
        (folder / "decks" / f"{stem}.toml").write_text(text, encoding="utf-8")
    (folder / "team.toml").write_text(
        f'id = "{team_id}"\nname = "The {team_id}"\nk = 2\n', encoding="utf-8"
    )
    return folder


def own_deck(col: Collection, tmp_path: Path, deck_id: str = "git-essentials") -> int:
    """A personal deck, studied: three cards answered on three days. Returns its row id."""
    path = tmp_path / "mine" / f"{deck_id}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(deck_text(deck_id, "Git", OWN_CARDS), encoding="utf-8")
    col.import_files([path], now=NOW - timedelta(days=5))
    for n, card in enumerate(col.deck_cards(deck_id)):
        col.answer(card.id, 3, now=NOW - timedelta(days=4 - n))
    return col.deck(deck_id).id


def snapshot(col: Collection, key: str) -> tuple[Any, ...]:
    """Every stored byte of a deck: its row, its cards (schedules) and their review history."""
    conn = col.conn
    deck = conn.execute("SELECT * FROM deck WHERE key = ?", (key,)).fetchone()
    cards = conn.execute("SELECT * FROM card WHERE deck_id = ? ORDER BY id", (deck["id"],))
    logs = conn.execute(
        "SELECT * FROM reviewlog WHERE card_id IN (SELECT id FROM card WHERE deck_id = ?) "
        "ORDER BY id",
        (deck["id"],),
    )
    return tuple(deck), [tuple(r) for r in cards], [tuple(r) for r in logs]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- the keys
def test_team_deck_keys_round_trip_and_personal_keys_are_not_team_keys() -> None:
    assert team_deck_key("crew", "git-essentials") == "crew/git-essentials"
    assert split_team_deck_key("crew/git-essentials") == ("crew", "git-essentials")
    for key in ("git-essentials", "crew/", "/git", "crew/git/x", "Crew/git", ""):
        assert split_team_deck_key(key) is None
    for team, deck in (("crew/x", "git"), ("crew", "a/b"), ("", "git"), ("crew", "Git")):
        with pytest.raises(ValueError):
            team_deck_key(team, deck)


# ----------------------------------------------------------------------------- the clash
def test_team_pull_never_touches_a_personal_deck_with_the_same_id(
    col: Collection, tmp_path: Path
) -> None:
    mine = own_deck(col, tmp_path)
    goal = col.goals.add("My own git", decks=["git-essentials"], now=NOW)
    before = snapshot(col, "git-essentials")
    col.team.join(make_team(tmp_path / "team"))
    reports = col.team.pull(now=NOW)
    assert [r.deck_key for r in reports] == ["crew/git-essentials"]
    assert reports[0].added == 2 and reports[0].renamed_from is None
    assert snapshot(col, "git-essentials") == before  # cards, schedules, history: untouched
    team = col.deck("crew/git-essentials")
    assert team.id != mine and team.total == 2 and team.new == 2
    assert [c.front for c in col.deck_cards("crew/git-essentials")] == list(TEAM_CARDS.values())
    assert [c.front for c in col.deck_cards("git-essentials")] == list(OWN_CARDS.values())
    assert [d.key for d in col.goals.get(goal.id, now=NOW).decks] == ["git-essentials"]
    # Pulling again (a changed team file) still leaves the personal deck alone.
    folder = tmp_path / "team" / "decks" / "git.toml"
    folder.write_text(deck_text("git-essentials", "Git", {"alpha": "Changed?"}), "utf-8")
    col.team.pull(now=NOW + timedelta(days=1))
    assert snapshot(col, "git-essentials") == before


def test_reviewing_a_team_card_never_buries_a_personal_card_with_the_same_ids(
    col: Collection, tmp_path: Path
) -> None:
    """Cards of one note are siblings (one waits while the other was reviewed today); a team
    card and a personal card with the same deck and card ids are not."""
    path = tmp_path / "solo.toml"
    path.write_text(deck_text("git-essentials", "Git", {"alpha": "My alpha?"}), "utf-8")
    col.import_files([path], now=NOW)
    col.team.join(make_team(tmp_path / "team"))
    col.team.pull(now=NOW)
    team_alpha = col.deck_cards("crew/git-essentials")[0]
    col.answer(team_alpha.id, 3, now=NOW)
    mine = col.deck("git-essentials")
    shown = col.next_card(now=NOW, deck_id=mine.id)
    assert shown is not None and shown.front == "My alpha?"


def test_two_teams_with_the_same_deck_id_get_two_decks(col: Collection, tmp_path: Path) -> None:
    crew = make_team(tmp_path / "crew", "crew")
    band = make_team(
        tmp_path / "band", "band", {"g": deck_text("git-essentials", "Git", {"z": "Band z?"})}
    )
    col.team.join(crew)
    col.team.join(band)
    col.team.pull("crew", now=NOW)
    col.team.pull("band", now=NOW)
    assert sorted(d.key for d in col.decks()) == ["band/git-essentials", "crew/git-essentials"]
    assert [c.key for c in col.deck_cards("band/git-essentials")] == ["z"]
    assert [c.key for c in col.deck_cards("crew/git-essentials")] == ["alpha", "beta"]
    col.answer(col.deck_cards("band/git-essentials")[0].id, 3, now=NOW)
    crew_record = col.team.record(col.team.get("crew"), now=NOW)
    band_record = col.team.record(col.team.get("band"), now=NOW)
    assert crew_record["decks"]["git-essentials"]["studied"] == 0
    assert band_record["decks"]["git-essentials"]["studied"] == 1


def test_contributions_count_the_team_deck_never_a_personal_one(
    col: Collection, tmp_path: Path
) -> None:
    own_deck(col, tmp_path)  # three personal cards studied, same deck id as the team's
    col.team.join(make_team(tmp_path / "team"), sync=True)
    col.team.pull(now=NOW)
    record = col.team.record(col.team.get(), now=NOW)
    deck = record["decks"]["git-essentials"]
    assert deck["cards"] == 2 and deck["studied"] == 0 and deck["card_stats"] == {}
    assert deck["reviews_30d"] == 0


# ----------------------------------------------------------------------------- migration
def test_pull_renames_a_deck_pulled_under_its_plain_id_keeping_history_goals_and_weights(
    col: Collection, tmp_path: Path
) -> None:
    folder = make_team(tmp_path / "team")
    config = col.team.join(folder)
    # What `team pull` did before decks were namespaced: the plain id, source in decks/.
    col.import_files(config.deck_files, now=NOW - timedelta(days=3))
    old = col.deck("git-essentials")
    for card in col.deck_cards("git-essentials"):
        col.answer(card.id, 3, now=NOW - timedelta(days=2))
    goal = col.goals.add("Team git", decks=["git-essentials"], now=NOW - timedelta(days=2))
    weights = list(DEFAULT_PARAMETERS)
    weights[0] = 0.5
    col.set_fsrs_parameters(weights, deck_key="git-essentials")
    progress_before = col.goals.get(goal.id, now=NOW).decks[0]
    _, cards_before, logs_before = snapshot(col, "git-essentials")

    reports = col.team.pull(now=NOW)
    assert [(r.deck_key, r.renamed_from) for r in reports] == [
        ("crew/git-essentials", "git-essentials")
    ]
    assert reports[0].unchanged == 2 and reports[0].added == reports[0].updated == 0
    deck = col.deck("crew/git-essentials")
    assert deck.id == old.id and not [d for d in col.decks() if d.key == "git-essentials"]
    _, cards_after, logs_after = snapshot(col, "crew/git-essentials")
    assert logs_after == logs_before  # every answer kept, byte for byte
    note = [c.note_key for c in col.deck_cards("crew/git-essentials")]
    assert note == ["crew/git-essentials/alpha", "crew/git-essentials/beta"]
    schedule = [(c[0], c[2]) + tuple(c[7:]) for c in cards_before]  # all but the note key
    assert [(c[0], c[2]) + tuple(c[7:]) for c in cards_after] == schedule
    linked = col.goals.get(goal.id, now=NOW).decks
    assert [d.key for d in linked] == ["crew/git-essentials"]
    assert linked[0].studied == progress_before.studied == 2
    assert col.fsrs_parameters("crew/git-essentials") == tuple(weights)
    assert col.decks_with_own_parameters() == ["crew/git-essentials"]
    # The next pull renames nothing and keeps the history.
    again = col.team.pull(now=NOW + timedelta(days=1))
    assert again[0].renamed_from is None and again[0].unchanged == 2
    assert snapshot(col, "crew/git-essentials")[2] == logs_before


def test_migration_leaves_a_personal_deck_with_a_plain_team_id_alone(
    col: Collection, tmp_path: Path
) -> None:
    """A deck with the plain id that did not come from the team's folder is the learner's."""
    folder = make_team(tmp_path / "team")
    col.team.join(folder)
    mine = own_deck(col, tmp_path)  # imported from the learner's own folder
    before = snapshot(col, "git-essentials")
    reports = col.team.pull(now=NOW)
    assert [(r.deck_key, r.renamed_from, r.added) for r in reports] == [
        ("crew/git-essentials", None, 2)
    ]
    assert snapshot(col, "git-essentials") == before and col.deck("git-essentials").id == mine


def test_a_refused_pull_renames_nothing(
    capsys: pytest.CaptureFixture[str], col: Collection, tmp_path: Path
) -> None:
    folder = make_team(tmp_path / "team")
    config = col.team.join(folder)
    col.import_files(config.deck_files, now=NOW)  # pulled before namespacing
    before = snapshot(col, "git-essentials")
    # A second file with the same deck id: the import refuses after the rename was made.
    (folder / "decks" / "zz.toml").write_text(
        deck_text("git-essentials", "Copy", {"x": "X?"}), "utf-8"
    )
    with pytest.raises(DeckFormatError, match="also used by"):
        col.team.pull(now=NOW)
    assert snapshot(col, "git-essentials") == before
    assert [d.key for d in col.decks()] == ["git-essentials"]
    col.close()
    code, _, err = cli(capsys, "team", "pull")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "also used by" in err


def test_cli_pull_says_what_it_renamed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = make_team(tmp_path / "team")
    assert cli(capsys, "team", "join", str(folder))[0] == 0
    assert cli(capsys, "import", str(folder.resolve() / "decks" / "git.toml"))[0] == 0  # old pull
    code, out, _ = cli(capsys, "team", "pull")
    assert code == 0
    assert "crew/git-essentials: renamed from git-essentials" in out
    code, out, _ = cli(capsys, "team", "pull", "--json")
    assert code == 0 and "renamed_from" not in json.loads(out)[0]


# ----------------------------------------------------------------------------- using the key
def test_commands_take_and_show_the_namespaced_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = make_team(tmp_path / "team")
    mine = tmp_path / "git.toml"
    mine.write_text(deck_text("git-essentials", "Git", OWN_CARDS), "utf-8")
    assert cli(capsys, "import", str(mine))[0] == 0
    cli(capsys, "team", "join", str(folder))
    assert cli(capsys, "team", "pull")[0] == 0

    code, out, _ = cli(capsys, "decks", "--json")
    listed = {d["id"]: (d["team"], d["cards"]) for d in json.loads(out)}
    assert listed == {"git-essentials": (None, 3), "crew/git-essentials": ("crew", 2)}
    code, out, _ = cli(capsys, "decks")
    assert code == 0 and "crew/git-essentials" in out

    code, out, _ = cli(capsys, "stats", "--deck", "crew/git-essentials", "--json")
    assert code == 0 and json.loads(out)["deck"] == "crew/git-essentials"
    code, out, _ = cli(capsys, "calibration", "--deck", "crew/git-essentials", "--json")
    assert code == 0
    code, out, err = cli(capsys, "optimize", "--deck", "crew/git-essentials", "--reset")
    assert code == 0, err
    code, out, _ = cli(capsys, "card", "show", "crew/git-essentials/alpha", "--json")
    assert code == 0 and json.loads(out)["front"] == "Team alpha?"
    code, out, _ = cli(capsys, "card", "show", "git-essentials/alpha", "--json")
    assert code == 0 and json.loads(out)["front"] == "My alpha?"
    code, out, _ = cli(capsys, "cram", "deck:crew/git-essentials", "--json")
    assert code == 0 and [c["ref"] for c in json.loads(out)] == [
        "crew/git-essentials/alpha",
        "crew/git-essentials/beta",
    ]
    code, out, _ = cli(capsys, "goal", "add", "Team git", "--deck", "crew/git-essentials")
    assert code == 0
    code, out, _ = cli(capsys, "goal", "show", "1", "--json")
    assert code == 0 and [d["key"] for d in json.loads(out)["decks"]] == ["crew/git-essentials"]
    for args in (
        ("stats", "--deck", "nope/git-essentials"),
        ("card", "show", "nope/git-essentials/alpha"),
    ):
        code, _, err = cli(capsys, *args)
        assert code == 2 and len(err.strip().splitlines()) == 1


def test_export_of_a_team_deck_writes_the_files_own_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = make_team(tmp_path / "team")
    cli(capsys, "team", "join", str(folder))
    cli(capsys, "team", "pull")
    out = tmp_path / "out.toml"
    code, text, _ = cli(capsys, "deck", "export", "crew/git-essentials", "--to", str(out))
    assert code == 0 and "crew/git-essentials" in text
    spec = load_deck(out)  # a valid deck file: its id has no team
    assert spec.key == "git-essentials" and spec.name == "Git"
    assert [c.front for c in spec.cards] == list(TEAM_CARDS.values())
    # Imported as a personal deck, it is the learner's own copy, beside the team's.
    assert cli(capsys, "import", str(out))[0] == 0
    code, text, _ = cli(capsys, "decks", "--json")
    assert sorted(d["id"] for d in json.loads(text)) == ["crew/git-essentials", "git-essentials"]


def test_a_personal_import_can_never_write_into_a_team_namespace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = make_team(tmp_path / "team")
    cli(capsys, "team", "join", str(folder))
    cli(capsys, "team", "pull")
    forged = tmp_path / "forged.toml"
    forged.write_text(deck_text("crew/git-essentials", "Forged", {"alpha": "Forged?"}), "utf-8")
    code, _, err = cli(capsys, "import", str(forged))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("mastery: error: ") and "forged.toml" in err and "id" in err
    code, out, _ = cli(capsys, "card", "show", "crew/git-essentials/alpha", "--json")
    assert json.loads(out)["front"] == "Team alpha?"
    code, out, _ = cli(capsys, "decks", "--json")
    assert [d["id"] for d in json.loads(out)] == ["crew/git-essentials"]


# ----------------------------------------------------------------------------- the app
async def test_dashboard_and_review_show_the_team_of_a_team_deck(
    col: Collection, tmp_path: Path
) -> None:
    own_deck(col, tmp_path)
    col.team.join(make_team(tmp_path / "team"))
    col.team.pull(now=NOW)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rows = [line for line in screen_text(app).splitlines() if "Git" in line]
        assert len(rows) == 2 and sum("crew" in row for row in rows) == 1
        app.start_review("crew/git-essentials")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        text = screen_text(app)
        assert "Git (crew)" in text and "Team alpha?" in text
