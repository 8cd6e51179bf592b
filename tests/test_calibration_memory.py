"""Issue 15: calibration's sorts spill to temporary files, not memory; the figures are the
same, and the profile's connection keeps its own setting afterwards."""

from __future__ import annotations

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
