"""The Optimize FSRS screen: reached from Settings (ctrl+o, the button) and the palette; fits
with a progress bar, applies, reschedules, and sets the desired retention from the simulated
workload."""

from __future__ import annotations

from simulated_learner import simulate_learner
from test_tui_helpers import SIZE, make_app, screen_text
from textual.widgets import Checkbox, ProgressBar, Select

from conftest import NOW
from mastery.collection import Collection
from mastery.scheduler import DEFAULT_PARAMETERS
from mastery.tui.screens.optimize import OptimizeScreen, Scope
from mastery.tui.screens.settings import SettingsScreen


async def wait_workers(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def open_optimize(pilot) -> OptimizeScreen:
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, SettingsScreen)
    await pilot.press("ctrl+o")
    await wait_workers(pilot)
    assert isinstance(pilot.app.screen, OptimizeScreen)
    return pilot.app.screen


async def test_fit_apply_and_reschedule(col: Collection) -> None:
    simulate_learner(col, cards=200, reviews_per_card=8, end=NOW, seed=3)
    dues = col.conn.execute("SELECT id, due FROM card ORDER BY id").fetchall()
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_optimize(pilot)
        assert "FSRS's default weights" in screen_text(app)
        await pilot.press("a")  # nothing fitted yet: apply does nothing
        assert col.setting("fsrs_parameters") == []
        await pilot.press("o")
        await wait_workers(pilot)
        text = screen_text(app)
        assert "1,400 reviews of 200 cards (profile)" in text
        assert "weights in force" in text and "fitted weights" in text
        assert "Better: press a to apply" in text
        assert screen.query_one(ProgressBar).progress == 1.0
        screen.query_one(Checkbox).value = True
        await pilot.press("a")
        await wait_workers(pilot)
        fitted = col.setting("fsrs_parameters")
        assert fitted and tuple(fitted) != DEFAULT_PARAMETERS
        assert col.conn.execute("SELECT id, due FROM card ORDER BY id").fetchall() != dues
        assert any("200 cards rescheduled" in message for _, message in app.notes)
        assert "uses weights fitted to your reviews" in screen_text(app)


async def test_too_few_reviews_is_said_politely(col: Collection) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_optimize(pilot)
        await pilot.press("o")
        await wait_workers(pilot)
        assert "at least 400 reviews" in screen_text(app)
        assert col.setting("fsrs_parameters") == []


async def test_workload_table_sets_the_desired_retention(col: Collection) -> None:
    simulate_learner(col, cards=50, reviews_per_card=4, end=NOW)
    app = make_app(col)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_optimize(pilot)
        text = screen_text(app)
        assert "Help me decide" in text
        assert "0.91 ◀ now" in text  # the row nearest the setting (0.90) is marked
        assert "0.70" in text and "0.97" in text
        await pilot.press("down", "enter")  # cursor starts on 0.91: one row down is 0.94
        await pilot.pause()
        assert col.setting("desired_retention") == 0.94
        assert "0.94 ◀ now" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.query_one("#setting-desired_retention").value == "0.94"


async def test_deck_scope_and_palette(col: Collection) -> None:
    simulate_learner(col, cards=200, reviews_per_card=8, end=NOW, seed=3)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"optimize fsrs")
        await pilot.pause()
        await pilot.press("enter")
        await wait_workers(pilot)
        screen = app.screen
        assert isinstance(screen, OptimizeScreen)
        screen.query_one(Select).value = Scope(deck="sim")
        await wait_workers(pilot)
        await pilot.press("o")
        await wait_workers(pilot)
        assert "(deck sim)" in screen_text(app)
        await pilot.press("a")
        await wait_workers(pilot)
        assert col.decks_with_own_parameters() == ["sim"]
        assert col.setting("fsrs_parameters") == []
        assert "Deck sim has weights of its own" in screen_text(app)
        await pilot.press("d")
        await pilot.pause()
        assert col.decks_with_own_parameters() == []


async def test_result_names_anki_s_figures_and_shows_the_health_check(col: Collection) -> None:
    """Issue 12: the figures as Anki's Evaluate shows them, Mastery's own one labelled as
    such, and Anki's health check in plain words after the fit."""
    from mastery import optimize

    simulate_learner(col, cards=300, reviews_per_card=8, end=NOW, seed=11, forward=True)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_optimize(pilot)
        await pilot.press("o")
        await wait_workers(pilot)
        text = screen_text(app)
        assert "log loss" in text and "RMSE (bins)" in text and "unweighted" in text
        assert "as Anki's Evaluate shows them" in text
        assert "Health check passed: FSRS can adapt to your memory well" in text
        result = screen.result
        assert result is not None and result.health is not None and result.health.passed
        before = optimize.evaluate(optimize.training_set(col), DEFAULT_PARAMETERS)
        assert f"{before.log_loss:.4f}" in text and f"{before.rmse_bins:.2%}" in text


async def test_a_failed_health_check_gives_anki_s_advice(col: Collection, monkeypatch) -> None:
    from mastery import optimize

    simulate_learner(col, cards=200, reviews_per_card=8, end=NOW, seed=3)
    failed = optimize.HealthCheck(
        passed=False,
        reviews=1400,
        log_loss=0.4,
        rmse_bins=0.1,
        retention=0.8,
        scaled_log_loss=1.3,
        scaled_rmse=2.0,
    )
    monkeypatch.setattr(optimize, "health_check", lambda data, steps=1: failed)
    app = make_app(col)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_optimize(pilot)
        await pilot.press("o")
        await wait_workers(pilot)
        text = screen_text(app)
        assert "Health check failed: your memory is difficult for FSRS to predict" in text
        assert "Hard is a passing grade" in text


async def test_evaluate_measures_the_weights_in_force_as_anki_does(col: Collection) -> None:
    """e is Anki's Evaluate button: the weights in force measured, nothing fitted or stored."""
    from mastery import optimize

    simulate_learner(col, cards=300, reviews_per_card=8, end=NOW, seed=11, forward=True)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_optimize(pilot)
        assert "evaluate them as Anki does" in " ".join(screen_text(app).split())
        await pilot.press("e")
        await wait_workers(pilot)
        text = screen_text(app)
        assert "The weights in force, measured on 2,100 reviews (profile)" in text
        figures = optimize.evaluate(optimize.training_set(col), DEFAULT_PARAMETERS)
        assert f"{figures.log_loss:.4f}" in text and f"{figures.rmse_bins:.2%}" in text
        assert "as Anki's Evaluate shows them" in text
        assert screen.result is None and col.setting("fsrs_parameters") == []
        await pilot.press("a")  # nothing fitted: apply does nothing
        assert col.setting("fsrs_parameters") == []


async def test_evaluate_without_reviews_says_so(col: Collection) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_optimize(pilot)
        await pilot.press("e")
        await wait_workers(pilot)
        assert "nothing to evaluate" in screen_text(app)
        assert any("nothing to evaluate" in message for _, message in app.notes)


async def choose_scope(pilot, label: str) -> None:
    """Open the scope selector with a click and move down to `label`, as a user would."""
    screen = pilot.app.screen
    select = screen.query_one("#opt-scope", Select)
    scopes = [(str(prompt), value) for prompt, value in screen._scopes()]
    target = [prompt for prompt, _ in scopes].index(label)
    now = [value for _, value in scopes].index(select.value)
    await pilot.click("#opt-scope")
    await pilot.pause()
    for _ in range(target - now):
        await pilot.press("down")
    await pilot.press("enter")
    await wait_workers(pilot)


async def test_a_preset_scope_fits_applies_and_resets_that_preset_only(
    col: Collection, monkeypatch
) -> None:
    """Issue 12: Anki optimizes per preset. Every action of the screen honours the preset
    chosen: the weights shown, the fit and its health check, Evaluate, apply, back to the
    defaults and the workload table."""
    from mastery import optimize

    simulate_learner(col, cards=200, reviews_per_card=8, end=NOW, seed=3)
    simulate_learner(col, cards=10, reviews_per_card=3, end=NOW, seed=4, deck_key="other")
    col.presets.add("Languages")
    col.presets.edit("Languages", "desired_retention", 0.85)
    col.presets.use("sim", "Languages")
    simulated: list[tuple[str | None, object]] = []
    workload = optimize.workload

    def spy(col, deck_key=None, **kw):  # type: ignore[no-untyped-def]
        simulated.append((deck_key, kw.get("preset")))
        return workload(col, deck_key, **kw)

    monkeypatch.setattr(optimize, "workload", spy)
    app = make_app(col)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await open_optimize(pilot)
        assert "Preset: Languages (1 deck)" in [str(p) for p, _ in screen._scopes()]
        languages = col.presets.preset("Languages").id
        await choose_scope(pilot, "Preset: Languages (1 deck)")
        assert screen.scope == Scope(preset=languages)
        assert simulated[-1] == (None, languages)
        text = screen_text(app)
        assert "Preset Languages uses FSRS's default weights. Its decks: sim." in text
        assert "0.85 ◀ now" in text  # the preset's desired retention, not the profile's

        await pilot.press("e")
        await wait_workers(pilot)
        assert "reviews (preset Languages)" in screen_text(app)

        await pilot.press("o")
        await wait_workers(pilot)
        text = screen_text(app)
        assert "1,400 reviews of 200 cards (preset Languages)" in text
        assert "Health check" in text
        await pilot.press("a")
        await wait_workers(pilot)
        fitted = col.presets.preset("Languages").values["fsrs_parameters"]
        assert fitted and tuple(fitted) != DEFAULT_PARAMETERS
        assert col.setting("fsrs_parameters") == [], "the profile's weights are untouched"
        assert col.fsrs_parameters("other") == DEFAULT_PARAMETERS
        assert any("used for the preset Languages" in message for _, message in app.notes)
        assert "Preset Languages uses weights fitted to its decks' reviews" in screen_text(app)
        assert simulated[-1] == (None, languages)

        await pilot.press("w", "down", "enter")  # 0.85 is marked: one row down is 0.88
        await pilot.pause()
        assert col.presets.preset("Languages").values["desired_retention"] == 0.88
        assert col.setting("desired_retention") == 0.9

        await pilot.press("d")
        await wait_workers(pilot)
        assert col.presets.preset("Languages").values["fsrs_parameters"] == []
        assert any("Preset Languages now uses FSRS's default" in m for _, m in app.notes)
        await pilot.press("d")
        await pilot.pause()
        assert app.notes[-1][1] == (
            "Preset Languages already uses FSRS's default weights: nothing changed."
        )


async def test_apply_with_nothing_fitted_says_so(col: Collection) -> None:
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_optimize(pilot)
        assert "a Apply" in screen_text(app)
        await pilot.press("a")
        await pilot.pause()
        assert app.notes[-1] == (
            "warning",
            "Nothing fitted yet: press o to fit FSRS to your reviews, then a to apply.",
        )
        assert col.setting("fsrs_parameters") == []


async def test_reschedule_is_unticked_by_default_as_in_the_cli(col: Collection) -> None:
    """Issue 13: the box looked ticked (Textual draws an X either way); it is off, as
    `mastery optimize --apply` without --reschedule, and looks it."""
    simulate_learner(col, cards=200, reviews_per_card=8, end=NOW, seed=3)
    dues = col.conn.execute("SELECT id, due FROM card ORDER BY id").fetchall()
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_optimize(pilot)
        box = screen.query_one("#opt-reschedule", Checkbox)
        assert box.value is False
        assert "▐ ▌ Reschedule cards when applying" in screen_text(app)
        await pilot.click("#opt-reschedule")
        await pilot.pause()
        assert box.value is True and "▐X▌ Reschedule" in screen_text(app)
        await pilot.click("#opt-reschedule")
        await pilot.pause()
        assert "▐ ▌ Reschedule" in screen_text(app)
        await pilot.press("o")
        await wait_workers(pilot)
        await pilot.press("a")
        await wait_workers(pilot)
        assert col.setting("fsrs_parameters")
        assert col.conn.execute("SELECT id, due FROM card ORDER BY id").fetchall() == dues
        assert any("move to the new weights at their next answer" in m for _, m in app.notes)


async def test_default_weights_already_in_force_change_nothing_and_say_so(
    col: Collection,
) -> None:
    simulate_learner(col, cards=20, reviews_per_card=3, end=NOW, seed=3)
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        await open_optimize(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert app.notes[-1][1] == (
            "The profile already uses FSRS's default weights: nothing changed."
        )
        assert col.setting("fsrs_parameters") == []
        await choose_scope(pilot, "Deck: Simulated sim")
        await pilot.press("d")
        await pilot.pause()
        assert app.notes[-1][1] == "Deck sim already uses the profile's weights: nothing changed."
        assert col.decks_with_own_parameters() == []
        assert not any("now uses" in message for _, message in app.notes)


async def test_a_preset_removed_from_another_window_gives_one_line_errors(
    col: Collection,
) -> None:
    """Two windows: the preset chosen here is removed elsewhere. Each key then says so in
    one line; nothing crashes and nothing is written."""
    simulate_learner(col, cards=50, reviews_per_card=4, end=NOW, seed=3)
    col.presets.add("Gone")
    col.presets.use("sim", "Gone")
    app = make_app(col)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_optimize(pilot)
        await choose_scope(pilot, "Preset: Gone (1 deck)")
        with Collection.open_path(col.db.path) as other:
            other.presets.remove("Gone")
        for key in ("o", "e", "d", "w", "enter"):
            await pilot.press(key)
            await wait_workers(pilot)
        errors = [message for severity, message in app.notes if severity != "information"]
        assert errors and all("no preset" in m and "\n" not in m for m in errors)
        assert isinstance(app.screen, OptimizeScreen) and screen.result is None
        assert col.setting("desired_retention") == 0.9


async def test_no_new_cards_a_day_is_an_empty_workload_without_bars(col: Collection) -> None:
    """New cards per day 0: no answers at any retention, and no bar drawn for them (a row of
    0 answers had one block, as if a little work were left)."""
    col.set_setting("new_per_day", 0)
    app = make_app(col)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_optimize(pilot)
        text = screen_text(app)
        row = next(line for line in text.splitlines() if "0.91 ◀ now" in line)
        assert row.split()[3:6] == ["0", "0", "0"] and "█" not in text
