"""Issue 15: calibration's sorts spill to temporary files, not memory; the figures are the
same, and the profile's connection keeps its own setting afterwards."""

from __future__ import annotations

import sys
from contextlib import nullcontext

import pytest
from test_calibration import AGAIN, CERTAIN, FAIRLY, GOOD, UNSURE, answers, log
from test_tui_helpers import add_deck

from conftest import NOW
from mastery import calibration as cal
from mastery.collection import Collection

MEMORY = 2  # PRAGMA temp_store: 0 default, 1 file, 2 memory


def test_figures_are_the_same_sorted_on_disk_and_the_setting_comes_back(
    col: Collection, write_deck, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_deck(col, write_deck, "lo", "Learning org", [(f"F{n}", f"B{n}") for n in range(6)])
    ids = [r[0] for r in col.conn.execute("SELECT id FROM card ORDER BY position")]
    for n, card in enumerate(ids):
        answers(col, card, (UNSURE, FAIRLY, CERTAIN)[n % 3], recalled=4 + n, failed=n % 3)
        log(col, card, AGAIN if n % 2 else GOOD, elapsed=n + 1, stability=2.0 + n)
    assert col.conn.execute("PRAGMA temp_store").fetchone()[0] == MEMORY
    seen: list[int] = []
    real_model = cal._model_calibration

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(col.conn.execute("PRAGMA temp_store").fetchone()[0])
        return real_model(*args, **kwargs)

    monkeypatch.setattr(cal, "_model_calibration", spy)
    on_disk = cal.calibration(col, now=NOW).to_dict()
    assert seen == [1]  # FILE while the figures are grouped
    assert col.conn.execute("PRAGMA temp_store").fetchone()[0] == MEMORY
    monkeypatch.setattr(cal, "_sorts_on_disk", lambda conn: nullcontext())
    assert cal.calibration(col, now=NOW).to_dict() == on_disk
    assert on_disk["fsrs"]["answers"] > 0 and on_disk["score"]["answers"] > 0


def test_the_setting_comes_back_when_a_figure_fails(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(cal, "_certain_misses", broken)
    with pytest.raises(RuntimeError):
        cal.calibration(col, now=NOW)
    assert col.conn.execute("PRAGMA temp_store").fetchone()[0] == MEMORY


def _answered(col: Collection, write_deck) -> None:  # type: ignore[no-untyped-def]
    add_deck(col, write_deck, "lo", "Learning org", [(f"F{n}", f"B{n}") for n in range(6)])
    ids = [r[0] for r in col.conn.execute("SELECT id FROM card ORDER BY position")]
    for n, card in enumerate(ids):
        for k in range(7):
            log(col, card, AGAIN if (n + k) % 4 == 0 else GOOD, elapsed=k + 1, stability=1.5 + n)


def test_fsrs_calibration_grouped_a_slice_of_logs_at_a_time_is_the_same(
    col: Collection, write_deck, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bins are counts and sums, so slices of the log add up to the whole (up to the order of
    the float sums); each slice moves the bar, which never goes back."""
    _answered(col, write_deck)
    whole = cal.calibration(col, now=NOW).model
    monkeypatch.setattr(cal, "_CHUNK_LOGS", 5)
    seen: list[tuple[float, str]] = []
    sliced = cal.calibration(col, now=NOW, progress=lambda f, what: seen.append((f, what)))
    model = sliced.model
    assert model.answers == whole.answers == 42 and model.recalled == whole.recalled
    assert [(b.count, b.recalled) for b in model.bins] == [
        (b.count, b.recalled) for b in whole.bins
    ]
    assert model.log_loss == pytest.approx(whole.log_loss, rel=1e-12)
    assert model.calibration_rmse == pytest.approx(whole.calibration_rmse, rel=1e-9)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert sum(what == "FSRS's calibration" for _, what in seen) == 1 + 9  # 42 logs, 5 a slice


def test_calibration_of_an_empty_log_reports_no_answers(col: Collection) -> None:
    assert cal.calibration(col, now=NOW, progress=lambda f, what: None).model.answers == 0


def test_cli_shows_a_bar_on_a_terminal_and_none_in_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mastery.cli import main

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["--no-bundled-decks", "calibration"]) == 0
    err = capsys.readouterr().err
    assert "FSRS's calibration" in err and "100%" in err and err.endswith("\n")
    assert main(["--no-bundled-decks", "calibration", "--json"]) == 0
    assert capsys.readouterr().err == ""
