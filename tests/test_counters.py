"""The statistics' counters (schema 9, `storage/counters.py`): kept by triggers through every
kind of write, filled by the migration from a schema-6 profile with the figures schema 6
computed, and checked and rebuilt by `mastery check`."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import NOW, ROOT
from mastery import check, db, stats
from mastery.cli import main
from mastery.collection import Collection
from mastery.errors import ConflictError, DamagedCardError, NotFoundError
from mastery.storage import counters
from mastery.storage.reviews import ReplayedLog, rewrite_schedules

V6_DUMP = ROOT / "tests" / "data" / "profile_v6.sql"
V6_STATS = ROOT / "tests" / "data" / "profile_v6_stats.json"
V6_NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def two_decks(folder: Path) -> list[Path]:
    """Alpha (4 new cards) and Beta (3) as deck files in `folder`."""
    files = []
    for key, n in (("alpha", 4), ("beta", 3)):
        cards = "".join(
            f'\n[[cards]]\nid = "{key[0]}{i}"\nfront = "{key} {i}?"\nback = "{i}"\n'
            for i in range(n)
        )
        path = folder / f"{key}.toml"
        path.write_text(f'id = "{key}"\nname = "{key.title()}"\n{cards}', encoding="utf-8")
        files.append(path)
    return files


def load_v6(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(V6_DUMP.read_text(encoding="utf-8"))
    conn.close()
    return path


# ----------------------------------------------------------------------------- the migration
def test_a_schema_6_profile_gets_counters_and_the_same_figures(tmp_path: Path) -> None:
    """The migration fills the counters from the log and the cards, and every figure of the
    stats (all decks and one deck, in a +05:30 zone whose every day's bound cuts an hour)
    is the one schema 6 computed from the log itself."""
    expected = json.loads(V6_STATS.read_text(encoding="utf-8"))
    with Collection.open_path(load_v6(tmp_path / "v6.db")) as col:
        assert col.db.version == db.SCHEMA_VERSION
        assert counters.differences(col.conn) == 0
        assert col.conn.execute("SELECT sum(reviews) FROM reviewhour").fetchone()[0] == 86
        assert stats.insight(col, now=V6_NOW).to_dict() == expected["all"]
        assert stats.insight(col, now=V6_NOW, deck_key="more").to_dict() == expected["more"]
        overview = col.stats(now=V6_NOW)
        assert (overview.reviews_total, overview.cards_total, overview.cards_suspended) == (
            85,
            12,
            1,
        )


def test_the_counters_keep_up_after_the_migration(tmp_path: Path) -> None:
    """The triggers the migration created count the next answers and their undo."""
    with Collection.open_path(load_v6(tmp_path / "v6.db")) as col:
        later = V6_NOW + timedelta(days=9)
        card = col.next_card(now=later)
        assert card is not None
        col.answer(card.id, 1, now=later, duration_ms=3000)
        assert counters.differences(col.conn) == 0
        before = col.stats(now=later).reviews_total
        col.undo()
        assert counters.differences(col.conn) == 0
        assert col.stats(now=later).reviews_total == before - 1


# ----------------------------------------------------------------------------- every writer
_CARD = st.integers(0, 6)
_MINUTES = st.sampled_from((0, 1, 17, 59, 60, 61, 600, 1440, 4000))
OPERATION = st.one_of(
    st.tuples(st.just("answer"), _CARD, st.integers(1, 4), _MINUTES),
    st.tuples(st.just("cram"), _CARD, st.integers(1, 4), _MINUTES),
    st.tuples(st.just("undo")),
    # sync's replay: schedule columns rewritten in place (state and stability before)
    st.tuples(
        st.just("replay"),
        st.integers(0, 40),
        st.integers(0, 3),
        st.none() | st.floats(0.1, 400),
    ),
    # what no code does, but a hand edit could: the answer's moment, rating, kind, deck
    st.tuples(st.just("retime"), st.integers(0, 40), st.integers(-10_000_000, 10_000_000)),
    st.tuples(st.just("rerate"), st.integers(0, 40), st.integers(1, 4)),
    st.tuples(st.just("unfile"), st.integers(0, 40)),
    st.tuples(st.just("suspend"), _CARD, st.booleans()),
    st.tuples(st.just("delete_log"), st.integers(0, 40)),
    st.tuples(st.just("delete_card"), _CARD),
    st.tuples(st.just("check")),
)


def _log_id(conn: sqlite3.Connection, n: int) -> int | None:
    ids = [r[0] for r in conn.execute("SELECT id FROM reviewlog ORDER BY id")]
    return ids[n % len(ids)] if ids else None


def _apply(col: Collection, op: tuple, moment: datetime) -> datetime:  # type: ignore[type-arg]
    conn = col.conn
    cards = [r[0] for r in conn.execute("SELECT id FROM card ORDER BY id")]
    kind = op[0]
    if kind in ("answer", "cram") and cards:
        moment += timedelta(minutes=op[3])
        card = cards[op[1] % len(cards)]
        # A card the hand edits below left damaged (an empty stability after a rewritten
        # log row was undone to) is refused with nothing written: the counters must agree.
        with contextlib.suppress(DamagedCardError):
            if kind == "answer":
                col.answer(card, op[2], now=moment, duration_ms=1000 + op[3])
            else:
                col.cram_answer(card, op[2], now=moment, duration_ms=500)
    elif kind == "undo":
        # Refused, as it should be, when the card changed since or is gone.
        with contextlib.suppress(ConflictError, NotFoundError):
            col.undo()
    elif kind == "suspend" and cards:
        card = cards[op[1] % len(cards)]
        (col.suspend if op[2] else col.unsuspend)([card], now=moment)
    elif kind == "delete_card" and cards:
        with col.db.transaction() as c:  # its logs go with it (ON DELETE CASCADE)
            c.execute("DELETE FROM card WHERE id = ?", (cards[op[1] % len(cards)],))
    elif kind == "check":
        assert col.check(now=moment).problems.get(check.COUNTERS) is None
    else:
        log = _log_id(conn, op[1])
        if log is None:
            return moment
        with col.db.transaction() as c:
            if kind == "replay":
                row = c.execute(
                    "SELECT state_after, step_after, due_after, stability_after, "
                    "difficulty_after, elapsed_days, scheduled_days FROM reviewlog WHERE id = ?",
                    (log,),
                ).fetchone()
                rewrite_schedules(
                    c,
                    [
                        ReplayedLog(
                            op[2],
                            row[0],
                            None,
                            row[1],
                            None,
                            row[2],
                            op[3],
                            row[3],
                            None,
                            row[4],
                            None,
                            row[5],
                            row[6],
                            log,
                        )
                    ],
                )
            elif kind == "retime":
                c.execute(
                    "UPDATE reviewlog SET reviewed_at = reviewed_at + ? WHERE id = ?",
                    (op[2] * 1000, log),
                )
            elif kind == "rerate":
                c.execute("UPDATE reviewlog SET rating = ? WHERE id = ?", (op[2], log))
            elif kind == "unfile":
                c.execute("UPDATE reviewlog SET deck_id = NULL WHERE id = ?", (log,))
            elif kind == "delete_log":
                c.execute("DELETE FROM reviewlog WHERE id = ?", (log,))
    return moment


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(OPERATION, min_size=1, max_size=25))
def test_after_any_writes_the_counters_equal_a_recount(
    empty_profile_db: Path,
    operations: list[tuple],  # type: ignore[type-arg]
) -> None:
    """Answers, cram answers, undos, sync's in-place rewrites, hand edits of the counted
    columns, suspensions, removed logs and cards, `mastery check`: after each, the counters
    are what counting the log and the cards from scratch gives."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.db"
        shutil.copyfile(empty_profile_db, path)
        with Collection.open_path(path) as col:
            col.import_files(two_decks(Path(folder)), now=NOW)
            assert counters.differences(col.conn) == 0
            moment = NOW
            for op in operations:
                moment = _apply(col, op, moment)
                assert counters.differences(col.conn) == 0, op


def test_a_replaced_log_row_is_counted_once(col: Collection, tmp_path: Path) -> None:
    """INSERT OR REPLACE removes the old row without a DELETE statement: its delete trigger
    fires because profiles open with recursive triggers on."""
    col.import_files(two_decks(tmp_path), now=NOW)
    card = col.next_card(now=NOW)
    assert card is not None
    col.answer(card.id, 3, now=NOW)
    with col.db.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO reviewlog SELECT * FROM reviewlog WHERE id = "
            "(SELECT max(id) FROM reviewlog)"
        )
        conn.execute("UPDATE reviewlog SET reviewed_at = reviewed_at - 7200000")
    assert counters.differences(col.conn) == 0
    assert col.conn.execute("SELECT sum(reviews) FROM reviewhour").fetchone()[0] == 1


# ----------------------------------------------------------------------------- readers
def test_answers_without_a_deck_count_for_every_deck_only(col: Collection, tmp_path: Path) -> None:
    """A log written with foreign keys off has no deck (the trigger found no card): it is
    not in the counters, and the stats add it from the log, as they always counted it."""
    col.import_files(two_decks(tmp_path), now=NOW)
    card = col.next_card(now=NOW)
    assert card is not None
    col.answer(card.id, 3, now=NOW - timedelta(hours=2), duration_ms=7000)
    col.conn.execute("UPDATE reviewlog SET deck_id = NULL")
    assert col.conn.execute("SELECT sum(reviews) FROM reviewhour").fetchone()[0] == 0
    figures = stats.insight(col, now=NOW)
    assert figures.heatmap[-1].reviews == 1
    assert figures.activity[-1].duration_ms == 7000
    assert figures.retention.period(7).total == 0  # retention is per deck: none here
    assert col.stats(now=NOW).reviews_total == 1


def test_deck_sizes_and_card_states_follow_suspensions(col: Collection, tmp_path: Path) -> None:
    col.import_files(two_decks(tmp_path), now=NOW)
    alpha = col.deck("alpha", now=NOW)
    col.suspend([c.id for c in col.deck_cards("alpha")[:3]], now=NOW)
    after = col.deck("alpha", now=NOW)
    assert (alpha.total, alpha.suspended, after.total, after.suspended) == (4, 0, 4, 3)
    cards = stats.insight(col, now=NOW).cards
    assert (cards.new, cards.suspended) == (4, 3)


# ----------------------------------------------------------------------------- mastery check
def test_check_rebuilds_counters_that_disagree_with_a_recount(
    col: Collection, tmp_path: Path, capsys
) -> None:
    col.import_files(two_decks(tmp_path), now=NOW)
    card = col.next_card(now=NOW)
    assert card is not None
    col.answer(card.id, 3, now=NOW)
    right = stats.insight(col, now=NOW)
    # As a copy made without the triggers, or a hand edit, could leave them.
    col.conn.execute("UPDATE reviewhour SET reviews = reviews + 5")
    col.conn.execute("DELETE FROM cardcount WHERE state = 0")
    assert stats.insight(col, now=NOW) != right

    dry = col.check(fix=False, now=NOW)
    assert dry.problems == {check.COUNTERS: 3}  # one hour row, two decks' new cards
    assert stats.insight(col, now=NOW) != right  # a dry run changes nothing

    assert col.check(now=NOW).problems == {check.COUNTERS: 3}
    assert counters.differences(col.conn) == 0
    assert stats.insight(col, now=NOW) == right
    col.close()
    assert main(["--no-bundled-decks", "check"]) == 0
    assert capsys.readouterr().out == "No problems found.\n"


# A scheduled answer as sync writes it with the insert trigger dropped: state before,
# stability before (None for a new card), rating, minutes after NOW (hours apart or not),
# duration.
SYNCED_ROW = st.tuples(
    st.integers(0, 3),
    st.one_of(st.none(), st.sampled_from([0.5, 20.99, 21.0, 21.01, 400.0])),
    st.integers(1, 4),
    st.integers(-180, 3000),
    st.integers(0, 90_000),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(SYNCED_ROW, min_size=1, max_size=40), st.booleans())
def test_rows_added_with_the_insert_trigger_dropped_are_counted_as_the_trigger_counts(
    empty_profile_db: Path,
    rows: list[tuple[int, float | None, int, int, int]],
    answered_first: bool,
) -> None:
    """A join adds its rows without the insert trigger and counts them in Python
    (`HourTally`, `reviews.rebuilt_after`): the counters end as a recount gives them, beside
    an answer counted by the trigger before (same hours, so both add to one row)."""
    from mastery.storage import reviews

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.db"
        shutil.copyfile(empty_profile_db, path)
        with Collection.open_path(path) as col:
            col.import_files(two_decks(Path(folder)), now=NOW)
            cards = [r[0] for r in col.conn.execute("SELECT id, deck_id FROM card")]
            if answered_first:
                col.answer(cards[0], 3, now=NOW)
            with col.db.transaction() as conn:
                first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM reviewlog").fetchone()
                with reviews.rebuilt_after(conn, when=True) as tally:
                    assert tally is not None
                    synced = []
                    for i, (state, stability, rating, minutes, duration) in enumerate(rows):
                        card = cards[i % len(cards)]
                        deck = conn.execute(
                            "SELECT deck_id FROM card WHERE id = ?", (card,)
                        ).fetchone()[0]
                        at = int((NOW + timedelta(minutes=minutes)).timestamp() * 1000)
                        synced.append(
                            (first[0] + i, card, rating, at, duration, None, state, 2, None,
                             None, None, at + 86_400_000, stability, 3.0, None, 5.0, None, 0,
                             1, deck)
                        )  # fmt: skip
                    reviews.log_synced(conn, synced, tally)
                    assert counters.differences(conn) != 0  # not counted yet: no trigger
            assert counters.differences(col.conn) == 0
            answers = col.conn.execute("SELECT sum(reviews) FROM reviewhour").fetchone()[0]
            assert answers == len(rows) + answered_first
