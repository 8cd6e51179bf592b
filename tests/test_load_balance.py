"""The load balancer and easy days (Anki 24.11+): the day Anki would pick inside a review's
fuzz range, checked against a straight port of rslib/src/scheduler/states/load_balancer.rs
and fuzz.rs written here from the Rust source, against hand-derived picks, and end to end
through answering (the day on the button is the day kept; switched off, nothing changes)."""

from __future__ import annotations

import json
import math
import random
from datetime import timedelta

import pytest

from conftest import NOW
from mastery.collection import Collection
from mastery.days import from_ms, to_ms
from mastery.load_balance import DueLoad
from mastery.scheduler import GOOD, REVIEW, Memory, _constrained_fuzz_bounds, format_interval

# ---------------------------------------------------------------- Anki, ported from the Rust
# fuzz.rs
_FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))


def _rust_round(x: float) -> int:
    return math.floor(x + 0.5)


def anki_fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    minimum = min(minimum, maximum)
    interval = min(max(interval, minimum), maximum)
    delta = 0.0
    if interval >= 2.5:
        delta = 1.0
        for start, end, factor in _FUZZ_RANGES:
            delta += factor * max(min(interval, end) - start, 0.0)
    lower = min(max(_rust_round(interval - delta), minimum), maximum)
    upper = min(max(_rust_round(interval + delta), minimum), maximum)
    if upper == lower and upper > 2 and upper < maximum:
        upper = lower + 1
    return lower, upper


# load_balancer.rs
def anki_find_interval(
    interval: float,
    minimum: int,
    maximum: int,
    days: list[int],  # LOAD_BALANCE_DAYS review counts from today
    weekday_today: int,
    easy_days_percentages: list[float],  # 0.0..1.0, as Anki stores them
    sibling_days: set[int],
    uniform: float,  # stands for StdRng::seed_from_u64(fuzz_seed)'s draw in [0, 1)
) -> int | None:
    if int(interval) > 90 or minimum > 90:
        return None
    if not any(days):  # `days_by_preset.get(&deckconfig_id)?`: no card of the preset
        return None
    before, after = anki_fuzz_bounds(interval, minimum, maximum)
    review_counts = days[before : after + 1]
    # interval_to_weekday: next_day_at + (interval - 1) days = the start of day today + i
    weekdays = [(weekday_today + i) % 7 for i in range(before, after + 1)]

    def load(p: float) -> float:  # EasyDay::from(f32).load_modifier()
        return 1.0 if p == 1.0 else 0.0001 if p == 0.0 else 0.5

    easy_load = [load(p) for p in easy_days_percentages]
    total_reviews = sum(review_counts)
    total_percents = sum(easy_load[w] for w in weekdays)
    easy_mod = []
    for w, count in zip(weekdays, review_counts, strict=True):
        m = easy_load[w]
        if m == 0.5:
            other = total_reviews - count
            other_pct = total_percents - 0.5
            threshold = other / other_pct if other_pct else (math.inf if other else math.nan)
            m = 0.0001 if count / 0.5 > threshold else 1.0
        easy_mod.append(m)
    steps = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]
    ranges = [1.0, 0.8, 0.6, 0.4, 0.2, 0.000001, 0.2, 0.4, 0.6, 0.8, 1.0]
    sib = [1.0] * (after - before + 1)
    for day in sibling_days:
        for step, value in zip(steps, ranges, strict=True):
            t = day + step - before
            if 0 <= t < len(sib):
                sib[t] *= value
    weights = []
    for i, count in enumerate(review_counts):
        target = before + i
        if count == 0:
            weights.append(1.0)
        else:
            weights.append((1.0 / count) ** 2.15 * (1.0 / target) ** 3 * sib[i] * easy_mod[i])
    # rand's WeightedIndex: cumulative weights, a uniform sample in [0, total), and the
    # number of cumulative weights (all but the total) at or below it.
    cumulative, running = [], 0.0
    for w in weights[:-1]:
        running += w
        cumulative.append(running)
    sample = uniform * (running + weights[-1])
    index = sum(1 for c in cumulative if c <= sample)
    return before + index


def ours(interval, minimum, maximum, days, weekday, easy, siblings, u) -> int | None:
    load = DueLoad(days, weekday, [round(p * 100) for p in easy], sorted(siblings))
    return load.find_day(interval, minimum, _constrained_fuzz_bounds(interval, minimum, maximum), u)


NORMAL = [1.0] * 7


# ------------------------------------------------------------------------- differential
def test_fuzz_bounds_match_anki_for_every_interval() -> None:
    for tenth in range(10, 1200):
        interval = tenth / 10
        for minimum, maximum in ((1, 36500), (interval // 2 + 1, 36500), (1, int(interval) + 1)):
            assert _constrained_fuzz_bounds(interval, int(minimum), maximum) == anki_fuzz_bounds(
                interval, int(minimum), maximum
            )


def test_picks_match_anki_on_random_workloads() -> None:
    rng = random.Random(12)
    levels = (0.0, 0.5, 1.0)
    for _ in range(4000):
        days = [rng.choice((0, 0, 1, 3, 8, 20, 50)) for _ in range(99)]
        interval = rng.uniform(1.0, 100.0)
        minimum = rng.choice((1, 1, 2, int(interval * 0.8) or 1, 95))
        maximum = rng.choice((36500, 36500, 30, 120))
        easy = [rng.choice(levels) for _ in range(7)]
        siblings = {rng.randrange(99) for _ in range(rng.choice((0, 0, 1, 3)))}
        u = rng.random()
        weekday = rng.randrange(7)
        args = (interval, minimum, maximum, days, weekday, easy, siblings, u)
        assert ours(*args) == anki_find_interval(*args), args


# ------------------------------------------------------------------ picks derived by hand
# Interval 10: fuzz delta 1 + 0.15 * 4.5 + 0.1 * 3 = 1.975, so days 8..12.
def _days(**counts: int) -> list[int]:
    days = [0] * 99
    days[1] = 1  # the preset has cards: the balancer is on
    for key, n in counts.items():
        days[int(key[1:])] = n
    return days


def test_the_empty_day_of_the_range_wins() -> None:
    days = _days(d8=10, d9=10, d10=0, d11=10, d12=10)
    # weights: day 10 1.0, the others (1/10)^2.15 / d^3 < 1.4e-5: day 10 for nearly any u
    for u in (0.01, 0.5, 0.99):
        assert ours(10.0, 1, 36500, days, 0, NORMAL, set(), u) == 10


def test_equal_loads_favour_earlier_days_by_the_cube_of_the_interval() -> None:
    days = _days(d8=5, d9=5, d10=5, d11=5, d12=5)
    # shares 1/512 : 1/729 : 1/1000 : 1/1331 : 1/1728 = .345 .243 .177 .133 .102
    assert ours(10.0, 1, 36500, days, 0, NORMAL, set(), 0.30) == 8
    assert ours(10.0, 1, 36500, days, 0, NORMAL, set(), 0.50) == 9
    assert ours(10.0, 1, 36500, days, 0, NORMAL, set(), 0.70) == 10
    assert ours(10.0, 1, 36500, days, 0, NORMAL, set(), 0.80) == 11
    assert ours(10.0, 1, 36500, days, 0, NORMAL, set(), 0.95) == 12


def test_a_sibling_day_is_avoided_and_its_neighbours_damped() -> None:
    days = _days(d8=5, d9=5, d10=5, d11=5, d12=5)
    # sibling on day 9: day 9 x 1e-6, days 8 and 10 x 0.2, 11 x 0.4, 12 x 0.6
    picks = {ours(10.0, 1, 36500, days, 0, NORMAL, {9}, u / 100) for u in range(100)}
    assert 9 not in picks
    assert ours(10.0, 1, 36500, days, 0, NORMAL, {9}, 0.99) == 12


def test_a_day_off_is_skipped_and_a_reduced_day_takes_half() -> None:
    # today is a Monday (0): day 10 is a Thursday (3)
    days = _days(d8=4, d9=4, d10=4, d11=4, d12=4)
    thursday_off = [1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0]
    assert 10 not in {ours(10.0, 1, 36500, days, 0, thursday_off, set(), u / 50) for u in range(50)}
    # reduced: others 16 reviews over 4 normal days = 4 a day; Thursday's 4 count as 8 > 4: off
    thursday_half = [1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0]
    assert 10 not in {
        ours(10.0, 1, 36500, days, 0, thursday_half, set(), u / 50) for u in range(50)
    }
    # with 1 review Thursday counts as 2 <= 4: an ordinary day again
    light = _days(d8=4, d9=4, d10=1, d11=4, d12=4)
    assert ours(10.0, 1, 36500, light, 0, thursday_half, set(), 0.5) == 10


def test_an_empty_day_weighs_one_whatever_its_easy_day_as_in_anki() -> None:
    # Anki's `select_weighted_interval` gives a day with no reviews the full weight before the
    # modifiers: a day off with nothing due still takes cards (documented in docs/scheduling.md).
    days = _days(d8=4, d9=4, d10=0, d11=4, d12=4)
    thursday_off = [1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0]
    assert ours(10.0, 1, 36500, days, 0, thursday_off, set(), 0.5) == 10


def test_long_intervals_and_an_empty_profile_fall_back_to_plain_fuzz() -> None:
    days = _days(d8=5)
    assert ours(91.0, 1, 36500, days, 0, NORMAL, set(), 0.5) is None
    assert ours(90.9, 1, 36500, days, 0, NORMAL, set(), 0.5) is not None  # Anki truncates
    assert ours(50.0, 91, 36500, days, 0, NORMAL, set(), 0.5) is None
    assert ours(10.0, 1, 36500, [0] * 99, 0, NORMAL, set(), 0.5) is None


# --------------------------------------------------------------------- answering a card
DECK = 'id = "lb"\nname = "LB"\n' + "".join(
    f'\n[[cards]]\nid = "c{i}"\nfront = "Q{i}?"\nback = "A{i}"\n' for i in range(40)
)


def _review(col: Collection, card_id: int, due_day: int, stability: float = 10.0) -> None:
    """Make a card a review card due on day today + due_day (test set-up, not a user path)."""
    clock = col.clock
    due = clock.day_start(clock.day_of(NOW) + timedelta(days=due_day))
    with col.db.transaction() as conn:
        conn.execute(
            "UPDATE card SET state = ?, step = NULL, stability = ?, difficulty = 5.0, due = ?, "
            "last_review = ?, reps = 4 WHERE id = ?",
            (REVIEW, stability, to_ms(due), to_ms(due - timedelta(days=10)), card_id),
        )
    col.queue.forget()


def _card_ids(col: Collection, write_deck) -> list[int]:
    col.import_files([write_deck(DECK)], now=NOW)
    return [r["id"] for r in col.conn.execute("SELECT id FROM card ORDER BY position")]


def _plain_good_day(col: Collection, card_id: int) -> int:
    row = col.conn.execute("SELECT * FROM card WHERE id = ?", (card_id,)).fetchone()
    memory = Memory(
        REVIEW, None, row["stability"], row["difficulty"], from_ms(row["due"]),
        from_ms(row["last_review"]), row["reps"], row["lapses"],
    )  # fmt: skip
    outcome = col.scheduler_for(row["deck_id"]).answer(
        memory, GOOD, NOW, seed=card_id * 1000 + row["reps"]
    )
    return outcome.scheduled_days


def _due_day(col: Collection, card_id: int) -> int:
    due = col.conn.execute("SELECT due FROM card WHERE id = ?", (card_id,)).fetchone()["due"]
    return (col.clock.day_of(from_ms(due)) - col.clock.day_of(NOW)).days


def _crowd(col: Collection, ids: list[int], days: list[int], per_day: int) -> None:
    it = iter(ids)
    for day in days:
        for _ in range(per_day):
            _review(col, next(it), day)


def test_an_answer_goes_to_the_quiet_day_and_the_button_says_so(col, write_deck) -> None:
    ids = _card_ids(col, write_deck)
    card = ids[0]
    _review(col, card, 0)
    col.set_setting("load_balancer", False)
    plain = _plain_good_day(col, card)
    col.set_setting("load_balancer", True)
    # every day around the plain pick is crowded but the next one
    crowded = [d for d in range(plain - 4, plain + 5) if d > 0 and d != plain + 1]
    _crowd(col, ids[1:], crowded, 4)
    choice = {c.rating: c for c in col.choices(card, now=NOW)}[GOOD]
    col.answer(card, GOOD, now=NOW)
    assert _due_day(col, card) == plain + 1
    assert choice.label == format_interval(timedelta(days=plain + 1))


def test_switched_off_an_answer_is_exactly_as_before(col, write_deck) -> None:
    ids = _card_ids(col, write_deck)
    card = ids[0]
    _review(col, card, 0)
    plain = _plain_good_day(col, card)
    _crowd(col, ids[1:], [d for d in range(plain - 4, plain + 5) if d > 0 and d != plain + 1], 4)
    col.set_setting("load_balancer", False)
    choice = {c.rating: c for c in col.choices(card, now=NOW)}[GOOD]
    col.answer(card, GOOD, now=NOW)
    assert _due_day(col, card) == plain
    assert choice.label == format_interval(timedelta(days=plain))


def test_with_fuzz_off_the_load_balancer_does_nothing(col, write_deck) -> None:
    ids = _card_ids(col, write_deck)
    col.set_setting("enable_fuzz", False)
    card = ids[0]
    _review(col, card, 0)
    plain = _plain_good_day(col, card)
    _crowd(col, ids[1:], [plain], 10)
    col.answer(card, GOOD, now=NOW)
    assert _due_day(col, card) == plain


def test_easy_days_keep_cards_off_a_day_off(col, write_deck) -> None:
    ids = _card_ids(col, write_deck)
    card = ids[0]
    _review(col, card, 0)
    plain = _plain_good_day(col, card)
    days = [d for d in range(plain - 3, plain + 4) if d > 0]
    _crowd(col, ids[1:], days, 3)
    off = (col.clock.day_of(NOW) + timedelta(days=plain)).weekday()
    week = [100] * 7
    week[off] = 0
    col.set_setting("easy_days", week)
    col.answer(card, GOOD, now=NOW)
    got = _due_day(col, card)
    assert got != plain and (col.clock.day_of(NOW) + timedelta(days=got)).weekday() != off


def test_counts_kept_in_memory_equal_a_fresh_count_after_answers(col, write_deck) -> None:
    ids = _card_ids(col, write_deck)
    for n, card in enumerate(ids):
        _review(col, card, n % 3)
    col.choices(ids[0], now=NOW)  # counts built
    for card in ids[:25]:
        col.answer(card, GOOD, now=NOW)
    kept = col.queue.balance.due_counts(1, NOW)
    col.queue.forget()
    assert kept == col.queue.balance.due_counts(1, NOW)
    assert sum(kept) == len(ids)


def test_a_card_suspended_elsewhere_is_not_counted(col, write_deck) -> None:
    ids = _card_ids(col, write_deck)
    for card in ids[:5]:
        _review(col, card, 3)
    col.choices(ids[0], now=NOW)
    assert col.queue.balance.due_counts(1, NOW)[3] == 5
    col.suspend([ids[1]], now=NOW)
    assert col.queue.balance.due_counts(1, NOW)[3] == 4


@pytest.mark.parametrize(
    "value",
    ["100 100 100", "100 100 100 100 100 50 101", "a 100 100 100 100 100 100", "-1 0 0 0 0 0 0"],
)
def test_bad_easy_days_are_refused_with_one_line(col, value) -> None:
    from mastery.errors import SettingError

    with pytest.raises(SettingError) as err:
        col.set_setting("easy_days", value)
    assert "\n" not in str(err.value) and "easy_days" in str(err.value)
    assert col.setting("easy_days") == [100] * 7


def test_easy_days_accept_percentages_monday_first(col) -> None:
    assert col.set_setting("easy_days", "100 100 100 100 100 50% 0") == [100] * 5 + [50, 0]
    assert col.setting("easy_days") == [100, 100, 100, 100, 100, 50, 0]


# ------------------------------------------------------------------------- rescheduling
def _studied_easy(col: Collection, write_deck, days_ago: int = 3) -> tuple[list[int], int]:
    """A new card answered Easy `days_ago` days ago: a review card due in a few days."""
    ids = _card_ids(col, write_deck)
    card = ids[0]
    col.answer(card, 4, now=NOW - timedelta(days=days_ago))
    return ids, card


def test_rescheduling_moves_a_card_off_a_crowded_day(col, write_deck) -> None:
    from mastery import optimize

    ids, card = _studied_easy(col, write_deck)
    col.set_setting("load_balancer", False)
    optimize.reschedule_cards(col, now=NOW)
    plain = _due_day(col, card)
    col.set_setting("load_balancer", True)
    _crowd(col, ids[1:], [plain], 12)
    optimize.reschedule_cards(col, now=NOW)
    balanced = _due_day(col, card)
    assert balanced != plain and balanced >= 0
    # the reschedule's work is not taken for damage
    before = col.conn.execute("SELECT due FROM card WHERE id = ?", (card,)).fetchone()["due"]
    assert col.check(now=NOW).ok
    assert (
        col.conn.execute("SELECT due FROM card WHERE id = ?", (card,)).fetchone()["due"] == before
    )


def test_rescheduling_switched_off_is_the_plain_replay(col, write_deck) -> None:
    from mastery import optimize

    ids, card = _studied_easy(col, write_deck)
    col.set_setting("load_balancer", False)
    optimize.reschedule_cards(col, now=NOW)
    plain = _due_day(col, card)
    _crowd(col, ids[1:], [plain], 12)
    optimize.reschedule_cards(col, now=NOW)
    assert _due_day(col, card) == plain


def test_rescheduling_keeps_off_a_day_off(col, write_deck) -> None:
    from mastery import optimize

    ids, card = _studied_easy(col, write_deck)
    col.set_setting("load_balancer", False)
    optimize.reschedule_cards(col, now=NOW)
    plain = _due_day(col, card)
    col.set_setting("load_balancer", True)
    _crowd(col, ids[1:], [d for d in range(max(0, plain - 4), plain + 5)], 2)
    week = [100] * 7
    week[(col.clock.day_of(NOW) + timedelta(days=plain)).weekday()] = 0
    col.set_setting("easy_days", week)
    optimize.reschedule_cards(col, now=NOW)
    assert _due_day(col, card) != plain


def test_a_due_moved_past_the_fuzz_range_is_still_repaired(col, write_deck) -> None:
    from mastery import optimize

    ids, card = _studied_easy(col, write_deck)
    optimize.reschedule_cards(col, now=NOW)
    with col.db.transaction() as conn:  # tampered: 30 days later than any fuzz allows
        conn.execute("UPDATE card SET due = due + ? WHERE id = ?", (30 * 86_400_000, card))
    report = col.check(now=NOW)
    assert not report.ok


def test_config_sets_easy_days_and_refuses_bad_ones_with_one_line(capsys) -> None:
    from mastery.cli import main

    assert main(["--no-bundled-decks", "config", "easy_days", "100 100 100 100 100 50 0"]) == 0
    assert "easy_days = 100 100 100 100 100 50 0" in capsys.readouterr().out
    assert main(["--no-bundled-decks", "config", "easy_days", "100 100 200 100 100 50 0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mastery: error: easy_days: Wed must be from 0 to 100")
    assert err.count("\n") == 1
    assert main(["--no-bundled-decks", "config", "load_balancer", "off"]) == 0
    capsys.readouterr()
    assert main(["--no-bundled-decks", "config", "--json", "easy_days"]) == 0
    assert json.loads(capsys.readouterr().out) == {"easy_days": [100, 100, 100, 100, 100, 50, 0]}


def test_every_button_shows_the_day_the_answer_keeps(col, write_deck) -> None:
    ids = _card_ids(col, write_deck)
    rng = random.Random(7)
    for card in ids:
        _review(col, card, rng.randrange(0, 30), stability=rng.choice((3.0, 8.0, 15.0, 40.0)))
    for card in ids[:16]:
        _review(col, card, 0, stability=rng.choice((3.0, 8.0, 15.0, 40.0)))
        rating = rng.choice((2, 3, 4))
        shown = {c.rating: c.label for c in col.choices(card, now=NOW)}
        assert shown == {c.rating: c.label for c in col.choices(card, now=NOW)}  # seeded
        col.answer(card, rating, now=NOW)
        assert shown[rating] == format_interval(timedelta(days=_due_day(col, card)))


# ------------------------------------------------------------------------ per deck preset
# Anki balances per deck-options preset (`days_by_preset`): an answer is weighed against the
# cards of its own deck's preset only, with that preset's easy days; siblings are looked up in
# every preset (`calculate_sibling_modifiers`). Two presets with different easy days here.
TWO = 'id = "two"\nname = "Two"\n' + "".join(
    f'\n[[cards]]\nid = "t{i}"\nfront = "T{i}?"\nback = "B{i}"\n' for i in range(40)
)
WEEKEND_OFF = [100, 100, 100, 100, 100, 0, 0]
HALF_WEEK = [50, 100, 50, 100, 0, 100, 50]


def _two_presets(col: Collection, write_deck) -> tuple[list[int], list[int]]:
    """Deck lb on the default preset (a normal week), deck two on "Weekend" (weekends off):
    their card ids."""
    col.import_files([write_deck(DECK), write_deck(TWO, "two.toml")], now=NOW)
    col.presets.add("Weekend")
    col.presets.edit("Weekend", "easy_days", " ".join(map(str, WEEKEND_OFF)))
    col.presets.use("two", "Weekend")

    def ids(deck: str) -> list[int]:
        return [
            r["id"]
            for r in col.conn.execute(
                "SELECT c.id FROM card c JOIN deck d ON d.id = c.deck_id WHERE d.key = ? "
                "ORDER BY c.position",
                (deck,),
            )
        ]

    return ids("lb"), ids("two")


def _oracle_inputs(col: Collection, card_id: int) -> tuple[list[int], set[int], list[float], int]:
    """What Anki's LoadBalancer holds for this card, read straight from the database: the
    review counts of its deck's preset, its siblings' days in any preset, that preset's easy
    days (0..1, as Anki stores them) and maximum interval."""
    clock = col.clock
    today = clock.day_of(NOW)
    row = col.conn.execute("SELECT deck_id, note_key FROM card WHERE id = ?", (card_id,)).fetchone()
    preset = col.presets.preset_of(row["deck_id"])
    days, siblings = [0] * 99, set()
    for r in col.conn.execute(
        "SELECT id, deck_id, note_key, due FROM card WHERE state = ? AND suspended = 0",
        (REVIEW,),
    ):
        day = (clock.day_of(from_ms(r["due"])) - today).days
        if not 0 <= day < 99:
            continue
        if col.presets.preset_of(r["deck_id"]) == preset:
            days[day] += 1
        if r["note_key"] == row["note_key"] and r["id"] != card_id:
            siblings.add(day)
    config = col.presets.config(preset)
    return days, siblings, [p / 100 for p in config["easy_days"]], config["maximum_interval"]


def test_answers_match_anki_per_preset_with_two_presets_of_different_easy_days(
    col, write_deck, monkeypatch
) -> None:
    default_ids, weekend_ids = _two_presets(col, write_deck)
    col.presets.add("Half")
    col.presets.edit("Half", "easy_days", HALF_WEEK)
    col.presets.edit("Half", "maximum_interval", 40)
    rng = random.Random(5)
    for card in default_ids + weekend_ids:
        _review(col, card, rng.randrange(0, 45), stability=rng.choice((3.0, 8.0, 20.0, 60.0)))
    # siblings across presets: a note's cards may sit in decks of different presets
    with col.db.transaction() as conn:
        for a, b in zip(default_ids[:8], weekend_ids[:8], strict=True):
            conn.execute(
                "UPDATE card SET note_key = (SELECT note_key FROM card WHERE id = ?) WHERE id = ?",
                (a, b),
            )
    col.queue.forget()
    calls: list[tuple[DueLoad, float, int, tuple[int, int], float, int | None]] = []
    real = DueLoad.find_day

    def spy(self, interval, minimum, bounds, u):
        day = real(self, interval, minimum, bounds, u)
        calls.append((self, interval, minimum, bounds, u, day))
        return day

    monkeypatch.setattr(DueLoad, "find_day", spy)
    checked = 0
    answered = default_ids[:10] + weekend_ids[:10]
    rng.shuffle(answered)
    for n, card in enumerate(answered):
        if n == 10:  # half way: the other deck changes preset, the counts follow
            col.presets.use("lb", "Half")
        _review(col, card, 0, stability=rng.choice((3.0, 8.0, 15.0, 40.0)))
        days, siblings, easy, maximum = _oracle_inputs(col, card)
        weekday = col.clock.day_of(NOW).weekday()
        calls.clear()
        shown = {c.rating: c.label for c in col.choices(card, now=NOW)}
        assert calls, "the balancer was consulted"
        for load, interval, minimum, bounds, u, day in calls:
            assert bounds == anki_fuzz_bounds(interval, minimum, maximum)
            assert list(load.counts) == days
            assert list(load.easy_days) == [round(p * 100) for p in easy]
            expected = anki_find_interval(
                interval, minimum, maximum, days, weekday, easy, siblings, u
            )
            assert day == expected, (card, interval, bounds)
            checked += 1
        rating = rng.choice((2, 3, 4))
        col.answer(card, rating, now=NOW)
        assert shown[rating] == format_interval(timedelta(days=_due_day(col, card)))
    assert checked >= 40


def test_a_crowded_day_of_another_preset_does_not_move_an_answer(col, write_deck) -> None:
    default_ids, weekend_ids = _two_presets(col, write_deck)
    card = default_ids[0]
    _review(col, card, 0)
    plain = _plain_good_day(col, card)
    # the other preset's cards crowd every day around the plain pick but the next one
    _crowd(col, weekend_ids, [d for d in range(plain - 4, plain + 5) if d > 0 and d != plain], 4)
    _review(col, default_ids[1], plain)  # the preset has a card due: it is balanced
    col.answer(card, GOOD, now=NOW)
    got = _due_day(col, card)
    lower, upper = _constrained_fuzz_bounds(plain, 1, 36500)
    assert got != plain  # its own preset's one card on the plain day moved it ...
    assert lower - 1 <= got <= upper + 1  # ... within the range, whatever the other preset


def test_each_preset_keeps_its_own_days_off(col, write_deck) -> None:
    default_ids, weekend_ids = _two_presets(col, write_deck)
    weekday_today = col.clock.day_of(NOW).weekday()
    saturdays = [d for d in range(1, 60) if (weekday_today + d) % 7 == 5]
    landed: dict[str, set[int]] = {"lb": set(), "two": set()}
    for deck, ids in (("lb", default_ids), ("two", weekend_ids)):
        for card in ids[20:]:  # every day of the coming weeks has a few reviews
            _review(col, card, 1 + (card % 40))
        for card in ids[:20]:
            _review(col, card, 0, stability=12.0)
            col.answer(card, GOOD, now=NOW)
            day = _due_day(col, card)
            landed[deck].add((weekday_today + day) % 7)
    assert landed["two"].isdisjoint({5, 6})  # Weekend's easy days: no Saturday or Sunday
    assert landed["lb"] & {5, 6} or not saturdays  # the default preset's week is normal


def test_a_sibling_in_a_deck_of_another_preset_is_kept_apart(col, write_deck) -> None:
    default_ids, weekend_ids = _two_presets(col, write_deck)
    card, sibling = default_ids[0], weekend_ids[0]
    _review(col, card, 0)
    plain = _plain_good_day(col, card)
    # one review of its own preset on each day of the range (an empty day weighs 1 whatever
    # its siblings, as in Anki), the sibling's day among them
    _crowd(col, default_ids[1:], [d for d in range(plain - 5, plain + 6) if d > 0], 1)
    with col.db.transaction() as conn:
        conn.execute(
            "UPDATE card SET note_key = (SELECT note_key FROM card WHERE id = ?) WHERE id = ?",
            (card, sibling),
        )
    _review(col, sibling, plain)
    col.answer(card, GOOD, now=NOW)
    assert _due_day(col, card) != plain


def test_preset_easy_days_default_to_the_profiles_and_are_edited_per_preset(
    col, write_deck
) -> None:
    _two_presets(col, write_deck)
    col.set_setting("easy_days", "100 100 100 100 100 50 50")
    col.presets.add("Fresh")  # a copy of the default preset: the profile's easy days
    assert col.presets.preset("Fresh").values["easy_days"] == [100] * 5 + [50, 50]
    assert col.presets.preset("Default").values["easy_days"] == [100] * 5 + [50, 50]
    assert col.presets.preset("Weekend").values["easy_days"] == WEEKEND_OFF
    col.presets.edit("Default", "easy_days", [0] * 7)  # the default preset is the profile's
    assert col.setting("easy_days") == [0] * 7
    assert col.presets.preset("Weekend").values["easy_days"] == WEEKEND_OFF


def test_preset_edit_and_show_give_easy_days(col, write_deck, capsys) -> None:
    from mastery.cli import main

    col.import_files([write_deck(DECK)], now=NOW)
    col.close()
    assert main(["preset", "add", "Exam"]) == 0
    assert main(["preset", "edit", "Exam", "easy_days", "100 100 100 100 100 50 0"]) == 0
    assert "easy_days = 100 100 100 100 100 50 0" in capsys.readouterr().out
    assert main(["preset", "show", "Exam"]) == 0
    assert "100 100 100 100 100 50 0" in capsys.readouterr().out
    assert main(["preset", "edit", "Exam", "easy_days", "100 100 100"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("mastery: error: easy_days: expected 7 percentages") and err.count("\n") == 1
    )
    assert main(["preset", "show", "--json", "Exam"]) == 0
    assert json.loads(capsys.readouterr().out)["values"]["easy_days"] == [100] * 5 + [50, 0]


def test_rescheduling_balances_each_card_against_its_own_preset(col, write_deck) -> None:
    from mastery import optimize

    default_ids, weekend_ids = _two_presets(col, write_deck)
    col.presets.edit("Weekend", "easy_days", [100] * 7)
    card = default_ids[0]
    col.answer(card, 4, now=NOW - timedelta(days=3))
    answered = col.conn.execute("SELECT due FROM card WHERE id = ?", (card,)).fetchone()["due"]

    def rescheduled() -> int:
        with col.db.transaction() as conn:  # each run starts from the card as answered
            conn.execute("UPDATE card SET due = ? WHERE id = ?", (answered, card))
        optimize.reschedule_cards(col, now=NOW)
        return _due_day(col, card)

    alone = rescheduled()
    _crowd(col, weekend_ids, [alone], 12)  # another preset's crowd: no effect
    assert rescheduled() == alone
    _crowd(col, default_ids[1:], [alone], 12)  # its own preset's: moved
    assert rescheduled() != alone


def test_rescheduling_keeps_off_the_day_off_of_the_cards_preset(col, write_deck) -> None:
    from mastery import optimize

    default_ids, weekend_ids = _two_presets(col, write_deck)
    card = weekend_ids[0]
    col.answer(card, 4, now=NOW - timedelta(days=3))
    col.set_setting("load_balancer", False)
    optimize.reschedule_cards(col, now=NOW)
    plain = _due_day(col, card)
    col.set_setting("load_balancer", True)
    _crowd(col, weekend_ids[1:], [d for d in range(max(0, plain - 4), plain + 5)], 2)
    week = [100] * 7
    week[(col.clock.day_of(NOW) + timedelta(days=plain)).weekday()] = 0
    col.set_setting("easy_days", [0] * 7)  # the default preset's week does not apply
    col.presets.edit("Weekend", "easy_days", week)
    optimize.reschedule_cards(col, now=NOW)
    assert _due_day(col, card) != plain


def test_check_accepts_a_rescheduled_card_within_its_presets_maximum_interval(
    col, write_deck
) -> None:
    """The profile's maximum interval is short, the card's preset's is not: a balanced
    reschedule inside the preset's fuzz range is the reschedule's work, not damage."""
    from mastery import optimize

    default_ids, weekend_ids = _two_presets(col, write_deck)
    col.presets.edit("Weekend", "easy_days", [100] * 7)
    col.presets.edit("Weekend", "maximum_interval", 36500)
    card = weekend_ids[0]
    col.answer(card, 4, now=NOW - timedelta(days=1))
    col.set_setting("load_balancer", False)
    optimize.reschedule_cards(col, now=NOW)
    plain = _due_day(col, card)
    col.set_setting("maximum_interval", 2)
    col.set_setting("load_balancer", True)
    _crowd(col, weekend_ids[1:], [plain], 12)
    optimize.reschedule_cards(col, now=NOW)
    moved = col.conn.execute("SELECT due FROM card WHERE id = ?", (card,)).fetchone()["due"]
    assert _due_day(col, card) != plain
    assert col.check(now=NOW).ok
    assert col.conn.execute("SELECT due FROM card WHERE id = ?", (card,)).fetchone()["due"] == moved
