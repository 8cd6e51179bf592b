"""Team folders are written by every member: a bad record in summary/ is skipped with one
warning and never breaks the report, a bad team.toml is one error line naming the field, and
text from team files reaches the terminal with its control characters made visible."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_team import STEWARDS, legacy_sync, make_team, member

from conftest import NOW
from mastery import team as team_module
from mastery.cli import main
from mastery.collection import Collection

ESCAPES = "\x1b]0;pwned\x07 and \x1b[2J"


def run(capsys: pytest.CaptureFixture[str], profile: str, *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", "--profile", profile, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def crew(mastery_home: Path, tmp_path: Path) -> Path:
    """A team (k=2) with two members who synced: enough for every figure to be shown."""
    folder = make_team(tmp_path / "t", k=2)
    for n in range(2):
        col = member(mastery_home, f"m{n}", folder, reviews=3 + n)
        legacy_sync(col)
        col.close()
    return folder


def _good(folder: Path) -> dict[str, Any]:
    path = sorted((folder / "summary").glob("*.json"))[0]
    return json.loads(path.read_text(encoding="utf-8"))


def _changed(folder: Path, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    record = _good(folder)
    change(record)
    return record


def _put(folder: Path, record: dict[str, Any], raw: str | None = None) -> Path:
    """A record filed under its own (made-up) pseudonym, as a member would write it."""
    pseudonym = f"{len(list((folder / 'summary').iterdir())):064x}"
    record = {**record, "pseudonym": pseudonym}
    path = folder / "summary" / f"{pseudonym}.json"
    text = raw if raw is not None else json.dumps(record)
    path.write_text(text.replace("PSEUDONYM", pseudonym), encoding="utf-8")
    return path


def _set(*keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        target = record
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


BAD_RECORDS: dict[str, Callable[[dict[str, Any]], None]] = {
    "daily-a-string": _set("daily", value="oops"),
    "streaks-null": _set("streaks", value=None),
    "decks-a-list": _set("decks", value=[1, 2]),
    "studied-negative": _set("decks", "team-deck", "studied", value=-5),
    "mature-over-cards": _set("decks", "team-deck", "mature", value=10**6),
    "retention-over-1": _set("decks", "team-deck", "retention_30d", value=1.5),
    "goal-progress-text": _set("goals", "basics", value="0.5"),
    "streak-float": _set("streaks", "review", value=2.5),
    "synced-in-the-future": _set("synced_on", value="2999-01-01"),
    "daily-key-not-a-day": _set("daily", value={"yesterday": 3}),
}


def _percents(text: str) -> list[float]:
    return [float(p) for p in re.findall(r"(-?[\d.]+)%", text)]


def test_report_skips_every_bad_record_with_one_warning_each(
    capsys, crew: Path, tmp_path: Path
) -> None:
    code, good_out, err = run(capsys, "m0", "team", "report", "--format", "json")
    assert code == 0 and err == ""
    good = json.loads(good_out)
    assert good["members"] == 2 and good["decks"][0]["coverage"]["suppressed"] is False

    bad: list[Path] = []
    for change in BAD_RECORDS.values():
        bad.append(_put(crew, _changed(crew, change)))
    record = _good(crew)
    nan = json.dumps(record).replace('"mean_stability": ', '"mean_stability": NaN, "x": ', 1)
    bad.append(_put(crew, record, raw=nan))
    inf = json.dumps(record).replace('"retention_30d": ', '"retention_30d": 1e999, "y": ', 1)
    bad.append(_put(crew, record, raw=inf))
    fifo = crew / "summary" / "x.json"
    os.mkfifo(fifo)
    bad.append(fifo)
    folder_like = crew / "summary" / "d.json"
    folder_like.mkdir()
    bad.append(folder_like)
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(record), encoding="utf-8")
    link = crew / "summary" / "link.json"
    link.symlink_to(outside)
    bad.append(link)
    twin = crew / "summary" / f"{'f' * 64}.json"  # a copy under another name counts twice
    twin.write_text(json.dumps(record), encoding="utf-8")
    bad.append(twin)

    for fmt in ("json", "text", "markdown"):
        code, out, err = run(capsys, "m0", "team", "report", "--format", fmt)
        assert code == 0 and "Traceback" not in err
        warnings = err.strip().splitlines()
        assert len(warnings) == len(bad), err
        for path in bad:
            assert sum(str(path) in line for line in warnings) == 1, path
        assert all(line.startswith("mastery: warning: skipped ") for line in warnings)
        if fmt == "json":
            data = json.loads(out)
            assert data["members"] == 2
            assert data["decks"] == good["decks"] and data["goals"] == good["goals"]
            assert data["hardest_cards"] == good["hardest_cards"]
        else:
            assert "nan" not in out.lower() and "inf" not in out.lower()
            assert _percents(out) and all(0 <= p <= 100 for p in _percents(out))
            assert "2 members" in out


def test_oversized_record_is_skipped(capsys, crew: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(team_module.records, "MAX_RECORD_BYTES", 2_000)
    record = _good(crew)
    record["decks"]["team-deck"]["card_stats"].update(
        {f"c{n}": {"reviews": 1, "lapses": 0, "difficulty": 5.0} for n in range(100)}
    )
    big = _put(crew, record)
    code, out, err = run(capsys, "m0", "team", "report")
    assert code == 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(big) in lines[0] and "larger than" in lines[0]


def test_sync_refuses_to_overwrite_its_own_invalid_record(
    capsys, mastery_home: Path, crew: Path
) -> None:
    with Collection.open("m0", mastery_home, bundled=False) as col:
        path = crew / "summary" / f"{col.team.pseudonym('crew')}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["streaks"] = None
    text = json.dumps(record)
    path.write_text(text, encoding="utf-8")
    with (
        Collection.open("m0", mastery_home, bundled=False) as col,
        pytest.raises(team_module.TeamError, match="streaks") as exc,
    ):
        legacy_sync(col)
    assert "\n" not in str(exc.value)
    assert path.read_text(encoding="utf-8") == text
    code, out, err = run(capsys, "m0", "team", "sync")  # a sync now replaces it with nothing
    assert code == 0 and not path.exists()


# ----------------------------------------------------------------------------- team.toml
BAD_TEAM_TOML = {
    "name-a-number": ('id = "crew"\nname = 5\n', "field name"),
    "k-as-text": ('id = "crew"\nname = "C"\nk = "3"\n', "k must be"),
    "k-huge": ('id = "crew"\nname = "C"\nk = 99999999999\n', "k must be"),
    "id-uppercase": ('id = "Crew"\nname = "C"\n', "field id"),
    "vision-a-list": ('id = "crew"\nname = "C"\nvision = ["a"]\n', "field vision"),
    "vision-too-long": (f'id = "crew"\nname = "C"\nvision = "{"v" * 20000}"\n', "field vision"),
    "goals-a-string": ('id = "crew"\nname = "C"\ngoals = "x"\n', "field goals"),
    "goal-target-datetime": (
        'id = "crew"\nname = "C"\n[[goals]]\ntitle = "G"\ntarget = 2027-06-30T10:00:00\n',
        "field goals[0].target",
    ),
    "goal-target-year-1": (
        'id = "crew"\nname = "C"\n[[goals]]\ntitle = "G"\ntarget = 0001-01-01\n',
        "field goals[0].target",
    ),
    "goal-title-missing": ('id = "crew"\nname = "C"\n[[goals]]\nid = "g"\n', "goals[0].title"),
    "goal-decks-numbers": (
        'id = "crew"\nname = "C"\n[[goals]]\ntitle = "G"\ndecks = [1]\n',
        "field goals[0].decks[0]",
    ),
}


def _dump(profile: str) -> list[str]:
    with Collection.open(profile, bundled=False) as col:
        return list(col.conn.iterdump())


@pytest.mark.parametrize("kind", BAD_TEAM_TOML)
def test_bad_team_toml_is_one_line_naming_file_and_field(capsys, tmp_path: Path, kind: str) -> None:
    text, field = BAD_TEAM_TOML[kind]
    folder = make_team(tmp_path / "t")
    (folder / "team.toml").write_text(text, encoding="utf-8")
    run(capsys, "p", "decks")  # the profile exists
    before = _dump("p")
    code, out, err = run(capsys, "p", "team", "join", str(folder))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(folder / "team.toml") in lines[0] and field in lines[0], err
    assert _dump("p") == before


def test_a_fifo_named_team_toml_does_not_hang_join(capsys, tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    os.mkfifo(folder / "team.toml")
    code, _, err = run(capsys, "p", "team", "join", str(folder))
    assert code == 2 and len(err.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- the terminal
def test_escape_sequences_in_team_files_never_reach_the_terminal(
    capsys, mastery_home: Path, tmp_path: Path
) -> None:
    folder = make_team(tmp_path / "t", k=2)
    toml_escapes = ESCAPES.replace("\x1b", "\\u001b").replace("\x07", "\\u0007")
    (folder / "team.toml").write_text(
        f'id = "crew"\nname = "Crew {toml_escapes}"\nvision = "V {toml_escapes}"\nk = 2\n'
        f'[[goals]]\nid = "basics"\ntitle = "Goal {toml_escapes}"\ndecks = ["team-deck"]\n'
        f'[[stewards]]\nname = "S {toml_escapes}"\nidentity = "{STEWARDS[0].public.to_text()}"\n',
        encoding="utf-8",
    )
    deck = (folder / "decks" / "team-deck.toml").read_text(encoding="utf-8")
    deck = deck.replace('name = "Team Deck"', f'name = "Deck {toml_escapes}"')
    deck = deck.replace('front = "Beta question"', f'front = "Beta {toml_escapes}"')
    (folder / "decks" / "team-deck.toml").write_text(deck, encoding="utf-8")
    for n in range(2):
        member(mastery_home, f"m{n}", folder, reviews=2).close()
    outputs = []
    for args in (
        ("team", "join", str(folder), "--sync"),
        ("team", "list"),
        ("team", "pull"),
        ("team", "sync"),
        ("team", "report"),
        ("team", "report", "--format", "markdown", "--cards"),
        ("team", "report", "--format", "json"),
        ("decks",),
        ("decks", "--json"),
        ("cram", "--list"),
        ("card", "show", "crew/team-deck/beta"),  # a team deck: team/deck/card
    ):
        code, out, err = run(capsys, "m0", *args)
        assert code == 0, (args, err)
        outputs.append(out + err)
    for out in outputs:
        assert "\x1b" not in out and "\x07" not in out
    joined = "".join(outputs)
    assert "\\x1b]0;pwned\\x07" in joined and "\\x1b[2J" in joined


def test_fuzzed_records_are_read_or_skipped_and_figures_stay_in_range(
    crew: Path, tmp_path: Path
) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from test_mentor_validation import JSON_VALUES, _mutate, _paths

    from mastery.team import build_report, load_team, read_records

    config = load_team(crew)
    base = _good(crew)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(pick=st.integers(min_value=0), value=JSON_VALUES, drop=st.booleans())
    def check(pick: int, value: Any, drop: bool) -> None:
        record = json.loads(json.dumps(base))
        places = [p for p in _paths(record) if p != ("pseudonym",)]
        _mutate(record, places[pick % len(places)], value, drop)
        path = _put(crew, record)
        try:
            records, problems = read_records(crew, "crew", NOW.date())
            assert len(records) + len(problems) == 3
            assert all("\n" not in str(p) for p in problems)
            report = build_report(config, now=NOW, records=records, problems=problems)
            figures = [f for _, f in report.goals] + [
                f for d in report.decks for f in (d.coverage, d.retention, d.maturity)
            ]
            for fig in figures:
                assert fig.value is None or 0 <= fig.value <= 1
            for card in report.hardest:
                assert card.lapse_rate is None or 0 <= card.lapse_rate <= 1
        finally:
            path.unlink()

    check()


def _verdict(raw: bytes) -> Any:
    """What the step-by-step path makes of a file: the record, or the refusal's type."""
    from mastery.errors import InputError
    from mastery.limits import loads_json
    from mastery.team_formats import FormatProblem, parse_record

    try:
        return parse_record(loads_json(raw.decode("utf-8"), source="x"), NOW.date())
    except (UnicodeDecodeError, InputError, FormatProblem):
        return None


def test_the_fast_path_accepts_exactly_what_the_step_by_step_path_accepts(crew: Path) -> None:
    """The report reads records through pydantic's JSON parser (`fast_record`) and only falls
    back to the step-by-step path to word a refusal: the two must agree on every file, or the
    fast path would let through what the checks refuse."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from test_mentor_validation import JSON_VALUES, _mutate, _paths

    from mastery.team_formats import fast_record

    base = _good(crew)
    text = json.dumps(base)
    crafted = [
        text.replace('"mean_stability": ', '"mean_stability": NaN, "x": ', 1),
        text.replace('"retention_30d": ', '"retention_30d": 1e999, "y": ', 1),
        text.replace('"review": ', '"review": ' + "9" * 5000 + ', "z": ', 1),
        text.replace('"goals": ', '"deep": ' + "[" * 300 + "]" * 300 + ', "goals": ', 1),
        "\ufeff" + text,
        text.replace('"synced_on": ', '"synced_on": "2026-01-01", "synced_on": ', 1),
        text[: len(text) // 2],
    ]
    for raw in [text, *crafted]:
        data = raw.encode("utf-8")
        assert fast_record(data, NOW.date()) == _verdict(data), raw[:80]
    assert fast_record(text.encode(), NOW.date()) is not None
    assert fast_record(b"\xff" + text.encode(), NOW.date()) is None

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(pick=st.integers(min_value=0), value=JSON_VALUES, drop=st.booleans())
    def check(pick: int, value: Any, drop: bool) -> None:
        record = json.loads(text)
        places = _paths(record)
        _mutate(record, places[pick % len(places)], value, drop)
        data = json.dumps(record).encode("utf-8")
        assert fast_record(data, NOW.date()) == _verdict(data)

    check()
