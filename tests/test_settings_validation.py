"""Every setting has a type and a range: invalid values are refused before they are stored, and
values stored by older versions that are now invalid are reset (with a warning), never crash."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli import DECK
from test_tui_helpers import SIZE, add_deck, make_app, review_count
from test_tui_settings import open_settings, type_into
from textual.widgets import Input

from conftest import NOW
from mastery import settings as settings_mod
from mastery.cli import main
from mastery.collection import Collection
from mastery.scheduler import DEFAULT_PARAMETERS
from mastery.tui.screens.review import ReviewScreen


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", *args])
    out, err = capsys.readouterr()
    return code, out, err


def stored(home: Path) -> dict[str, str]:
    """The user settings rows as they are in the database."""
    with sqlite3.connect(home / "profiles" / "default" / "mastery.db") as conn:
        rows = conn.execute("SELECT key, value FROM setting WHERE key NOT LIKE '\\_%' ESCAPE '\\'")
        return dict(rows.fetchall())


def store_raw(home: Path, key: str, raw: str) -> None:
    """Write a value straight into the table, as an older version (or a hand edit) could."""
    with sqlite3.connect(home / "profiles" / "default" / "mastery.db") as conn:
        conn.execute(
            "INSERT INTO setting(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, raw),
        )


# One of each kind of wrong value, with what the error line must say.
INVALID = [
    ("desired_retention", "nan", "finite"),
    ("desired_retention", "inf", "finite"),
    ("desired_retention", "-inf", "finite"),
    ("desired_retention", "0.5", "at least 0.7"),
    ("desired_retention", "1.5", "at most 0.99"),
    ("desired_retention", "high", "expected a number"),
    ("learning_steps", "999999999d", "at most 30d"),
    ("learning_steps", "0.5s", "at least 1s"),
    ("learning_steps", "0m", "at least 1s"),
    ("learning_steps", "1" * 5000 + "d", "invalid step"),
    ("learning_steps", "", "at least one step"),
    ("learning_steps", "soon", "invalid step 'soon'"),
    ("learning_steps", " ".join(["1m"] * 21), "at most 20 steps"),
    ("relearning_steps", "31d", "at most 30d"),
    ("maximum_interval", "0", "at least 1"),
    ("maximum_interval", "36501", "at most 36500"),
    ("maximum_interval", "1.5", "whole number"),
    ("new_per_day", "1" * 5000, "whole number"),
    ("new_per_day", "-1", "at least 0"),
    ("new_per_day", "10000", "at most 9999"),
    ("new_per_day", "nan", "finite"),
    ("reviews_per_day", "100000", "at most 99999"),
    ("rollover_hour", "24", "at most 23"),
    ("leech_threshold", "100", "at most 99"),
    ("leech_action", "delete", "one of suspend, tag"),
    ("enable_fuzz", "maybe", "true or false"),
    ("timezone", "Mars/Olympus", "unknown time zone"),
    ("timezone", "Europe", "unknown time zone"),
    ("timezone", "../../etc/passwd", "unknown time zone"),
    ("timezone", "x" * 300, "unknown time zone"),
    ("fsrs_parameters", "1 2 3", "expected 21 numbers, got 3"),
    ("fsrs_parameters", " ".join(["nan"] * 21), "finite"),
    ("fsrs_parameters", " ".join(["100"] * 21), "parameters["),
    ("easy_days", "100 100 100", "expected 7 percentages (Mon..Sun), got 3"),
    ("easy_days", "100 100 100 100 100 100 999", "Sun must be from 0 to 100"),
    ("easy_days", "100 100 100 100 100 100 50.5", "Sun must be a whole percentage"),
    ("easy_days", "-1 100 100 100 100 100 100", "Mon must be a whole percentage"),
    ("load_balancer", "sometimes", "true or false"),
]


@pytest.mark.parametrize(("key", "value", "says"), INVALID)
def test_config_refuses_an_invalid_value_in_one_line_and_stores_nothing(
    capsys, mastery_home: Path, key: str, value: str, says: str
) -> None:
    assert run(capsys, "config", "new_per_day", "7")[0] == 0  # the profile exists, one row
    before = stored(mastery_home)
    code, out, err = run(capsys, "config", "--", key, value)  # "--": values like -inf
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"mastery: error: {key}")
    assert says in err and "allowed:" in err
    assert len(err) < 300  # the value is shown cut short, never 5,000 digits
    assert stored(mastery_home) == before


def test_valid_values_are_stored_typed(capsys, mastery_home: Path) -> None:
    for key, value in [
        ("desired_retention", " 0.85 "),
        ("learning_steps", "30s, 1.5m 1d"),
        ("relearning_steps", ""),
        ("enable_fuzz", "off"),
        ("timezone", "Europe/Paris"),
        ("maximum_interval", "36500"),
    ]:
        assert run(capsys, "config", key, value)[0] == 0
    assert {k: json.loads(v) for k, v in stored(mastery_home).items()} == {
        "desired_retention": 0.85,
        "learning_steps": ["30s", "1.5m", "1d"],
        "relearning_steps": [],
        "enable_fuzz": False,
        "timezone": "Europe/Paris",
        "maximum_interval": 36500,
        "load_bundled_decks": False,  # --no-bundled-decks on the first run
    }


def test_every_setting_default_is_valid_and_says_what_it_allows() -> None:
    for key, spec in settings_mod.SETTINGS.items():
        assert settings_mod.coerce(key, spec.default) == spec.default
        assert spec.allowed


def test_a_bool_is_not_a_number() -> None:
    with pytest.raises(settings_mod.SettingError, match="not true or false"):
        settings_mod.coerce("new_per_day", True)


# ----------------------------------------------------------------------------- stored values
STORED_INVALID = [
    ("desired_retention", "NaN"),  # what `config desired_retention nan` stored before
    ("desired_retention", "Infinity"),
    ("desired_retention", "1.5"),
    ("learning_steps", '["999999999d"]'),
    ("learning_steps", "[]"),
    ("relearning_steps", '{"10m": 1}'),  # a wrong type: an object, not a list
    ("maximum_interval", "0"),
    ("new_per_day", "{{{ garbage"),
    ("new_per_day", "1" * 5000),
    ("reviews_per_day", "[" * 100_000),
    ("rollover_hour", '"four"'),
    ("timezone", '"Mars/Olympus"'),
    ("timezone", "5"),
    ("leech_action", "null"),
    ("enable_fuzz", "3"),
    ("fsrs_parameters", "[1, 2, 3]"),
    ("fsrs_parameters", json.dumps([100.0] * 21)),  # out of py-fsrs's bounds
    ("easy_days", json.dumps([100] * 6 + [1e9])),  # a hand edit: the balancer never sees it
    ("easy_days", json.dumps([100] * 8)),
    ("easy_days", '"weekends off"'),
    ("load_balancer", '"yes please"'),
]


@pytest.mark.parametrize(("key", "raw"), STORED_INVALID)
def test_a_stored_invalid_value_is_reported_once_reset_and_reviews_work(
    capsys, mastery_home: Path, write_deck, key: str, raw: str
) -> None:
    assert run(capsys, "import", str(write_deck(DECK)))[0] == 0
    store_raw(mastery_home, key, raw)

    code, out, err = run(capsys, "config", key)
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"mastery: warning: setting {key}")
    assert "default" in lines[0] and len(lines[0]) < 400
    shown_default = settings_mod.as_text(settings_mod.SETTINGS[key].default) or "(empty)"
    assert out.splitlines()[-1].split(None, 1)[1] == shown_default

    # The reset lasted: the next command says nothing.
    assert run(capsys, "config", key)[2] == ""
    assert key not in stored(mastery_home)

    with Collection.open(bundled=False, now=NOW) as col:
        card = col.next_card(now=NOW)
        assert card is not None
        col.answer(card.id, 3, now=NOW)
        assert col.settings_warnings == []
    assert json.loads(run(capsys, "stats", "--json")[1])["reviews_total"] == 1


def test_a_stored_invalid_value_is_tolerated_even_when_the_reset_cannot_be_written(
    mastery_home: Path, write_deck
) -> None:
    """Another connection (a worker) reads settings without repairing them: defaults, warnings."""
    with Collection.open(bundled=False, now=NOW) as col:
        col.import_files([write_deck(DECK)], now=NOW)
        path = col.db.path
    store_raw(mastery_home, "desired_retention", "NaN")
    with Collection.open_path(path) as other:
        assert other.setting("desired_retention") == 0.9
        card = other.next_card(now=NOW)
        assert card is not None
        other.answer(card.id, 3, now=NOW)
        assert len(other.settings_warnings) == 1
        assert "desired_retention" in other.settings_warnings[0]
    assert stored(mastery_home)["desired_retention"] == "NaN"  # reads never write


def test_deck_parameters_out_of_bounds_fall_back_with_a_warning(col, write_deck) -> None:
    add_deck(col, write_deck, "geo", "Geography", [("a", "b")])
    col.set_meta("deck_fsrs_parameters", {"geo": [100.0] * 21})  # stored before bounds checks
    col.reload_settings()
    card = col.next_card(now=NOW)
    assert card is not None
    col.answer(card.id, 3, now=NOW)
    assert tuple(col.scheduler_for(card.deck_id)._fsrs.parameters) == DEFAULT_PARAMETERS
    assert [line for line in col.settings_warnings if "deck geo" in line]


def test_config_reset_puts_the_default_back(capsys, mastery_home: Path) -> None:
    assert run(capsys, "config", "new_per_day", "7")[0] == 0
    code, out, _ = run(capsys, "config", "--reset", "new_per_day")
    assert code == 0 and "20" in out
    assert "new_per_day" not in stored(mastery_home)
    code, _, err = run(capsys, "config", "--reset", "no_such_thing")
    assert code == 2 and "unknown setting" in err and err.count("\n") == 1
    code, _, err = run(capsys, "config", "--reset")
    assert code == 2 and err.count("\n") == 1


# ----------------------------------------------------------------------------- the TUI
@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("desired_retention", "nan", "finite"),
        ("learning_steps", "999999999d", "at most 30d"),
        ("new_per_day", "1" * 5000, "whole number"),
        ("maximum_interval", "0", "at least 1"),
        ("timezone", "Mars/Olympus", "unknown time zone"),
        ("fsrs_parameters", "1 2 3", "expected 21 numbers"),
    ],
)
async def test_the_settings_screen_refuses_an_invalid_value(col, key, value, says) -> None:
    before = col.settings()
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        box = screen.query_one(f"#setting-{key}", Input)
        await type_into(pilot, box, value)
        assert box.has_class("-invalid")
        errors = [msg for sev, msg in app.notes if sev == "error"]
        assert len(errors) == 1 and says in errors[0] and "\n" not in errors[0]
        assert key in errors[0] and "allowed:" in errors[0]
    col.reload_settings()
    assert col.settings() == before


async def test_the_app_says_a_stored_value_was_reset_and_reviews(
    mastery_home: Path, write_deck
) -> None:
    with Collection.open(bundled=False, now=NOW) as col:
        add_deck(col, write_deck, "geo", "Geography", [("Capital of France?", "Paris")])
    store_raw(mastery_home, "learning_steps", '["999999999d"]')
    with Collection.open(bundled=False, now=NOW) as col:
        app = make_app(col)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            warnings = [msg for sev, msg in app.notes if sev == "warning"]
            assert len(warnings) == 1 and "learning_steps" in warnings[0]
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            await pilot.press("space", "3")
            await pilot.pause()
        assert review_count(col) == 1


def test_an_app_that_stops_on_an_error_exits_non_zero(col, monkeypatch) -> None:
    """A crash in the TUI used to end `mastery review` with status 0."""
    from mastery.tui import app as app_module
    from mastery.tui.screens.dashboard import DashboardScreen

    def broken(self):  # noqa: ANN001, ANN202
        raise RuntimeError("boom")

    original = app_module.MasteryApp.run
    monkeypatch.setattr(DashboardScreen, "compose", broken)
    monkeypatch.setattr(
        app_module.MasteryApp, "run", lambda self: original(self, headless=True, size=SIZE)
    )
    assert app_module.run_app(col) == 1


# ----------------------------------------------------------------------------- properties
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(list(settings_mod.SETTINGS)), value=JSON | st.text())
def test_loading_any_stored_value_never_raises_and_gives_a_valid_value(key, value) -> None:
    for raw in (json.dumps(value), value if isinstance(value, str) else json.dumps(value)):
        values, problems = settings_mod.load([(key, raw)])
        assert settings_mod.coerce(key, values[key]) == values[key]
        assert len(problems) <= 1 and all("\n" not in p.message for p in problems)


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(list(settings_mod.SETTINGS)), value=JSON | st.text())
def test_a_value_is_either_refused_in_one_line_or_stored_and_read_back(key, value) -> None:
    try:
        checked = settings_mod.coerce(key, value)
    except settings_mod.SettingError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(key)
        return
    values, problems = settings_mod.load([(key, settings_mod.encode(checked))])
    assert problems == [] and values[key] == checked


STORED_LIKE = JSON | st.text() | st.sampled_from([" Good ", "ease", "UTC", "1m 10m", 0.7, 0.99])


@settings(max_examples=600, deadline=None)
@given(key=st.sampled_from(list(settings_mod.SETTINGS)), value=STORED_LIKE)
def test_the_fast_check_of_stored_values_agrees_with_the_pydantic_type(key, value) -> None:
    """Start-up skips pydantic for stored values in canonical form: whatever that fast check
    accepts, the pydantic type accepts too, giving the very same value and type."""
    ok, fast = settings_mod._stored_value_ok(settings_mod.SETTINGS[key], value)
    if not ok:
        return
    slow = settings_mod.coerce(key, value)
    assert fast == slow and type(fast) is type(slow)


def test_opening_a_profile_with_valid_settings_does_not_load_pydantic(tmp_path: Path) -> None:
    """~0.1 s of every start: stored settings in canonical form are read without pydantic."""
    import subprocess
    import sys

    with Collection.open(home=tmp_path, bundled=False) as col:
        col.set_setting("desired_retention", 0.85)
        col.set_setting("learning_steps", "2m 20m")
        col.set_setting("timezone", "Europe/Paris")
    code = (
        "import sys; from mastery.collection import Collection; "
        f"col = Collection.open(home={str(tmp_path)!r}); "
        "print(col.setting('desired_retention'), col.setting('learning_steps'), "
        "'pydantic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0.85", "['2m',", "'20m']", "False"]


def test_config_shows_values_as_they_are_typed_and_lines_them_up(capsys) -> None:
    """No Python in the output (`True`, `['1m', '10m']`): on/off, steps with spaces, an empty
    value said to be empty; every value starts in the same column."""
    code, out, _ = run(capsys, "config")
    assert code == 0
    rows = dict(line.split(None, 1) for line in out.splitlines()[2:])
    assert rows["enable_fuzz"] == "on" and rows["confidence_step"] == "off"
    assert rows["learning_steps"] == "1m 10m" and rows["timezone"] == "(empty)"
    assert rows["maximum_interval"] == "36500" and rows["desired_retention"] == "0.9"
    assert rows["easy_days"] == "100 100 100 100 100 100 100"
    starts = {line.index(line.split(None, 1)[1]) for line in out.splitlines()[2:]}
    assert len(starts) == 1
    assert "True" not in out and "[" not in out
    assert run(capsys, "config", "enable_fuzz", "off")[1] == "enable_fuzz = off\n"
    assert run(capsys, "config", "--reset", "learning_steps")[1] == (
        "learning_steps = 1m 10m (the default)\n"
    )
