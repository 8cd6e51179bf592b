"""Mastery's benchmarks: `python benchmarks/run.py` (one command; the last line is JSON).

Builds (once, cached in benchmarks/.cache/) a synthetic profile of 100,000 cards and
1,000,000 review logs with 2,000 cards due, then measures the figures the issues name.
Anki's own Rust backend on the same 2-core machine and the same work is the figure to beat
(see ../shared/PERFORMANCE.md and benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from mastery.collection import Collection  # noqa: E402
from mastery.days import to_ms  # noqa: E402
from mastery.storage import counters  # noqa: E402

CACHE = HERE / ".cache"
BIG_VERSION = 4  # bump when the generator or the schema changes
N_DECKS = 10
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Size:
    """One benchmark profile: `cards` cards (72% of them studied), `logs` review logs spread
    over the studied cards, `due` cards due today (the first ones, some overdue)."""

    name: str
    cards: int
    logs: int
    due: int

    @property
    def path(self) -> Path:
        # The 100k profile keeps its first file name, so caches built before sizes stay valid.
        suffix = "" if self.name == "100k" else f"-{self.name}"
        return CACHE / f"big-v{BIG_VERSION}{suffix}.db"


SIZES = {
    "10k": Size("10k", 10_000, 100_000, 1_000),  # enough due for `answer`'s 1,000 answers
    "100k": Size("100k", 100_000, 1_000_000, 2_000),
    "1m": Size("1m", 1_000_000, 10_000_000, 20_000),
}
SIZE = SIZES["100k"]  # set by --size
CHUNK = 200_000  # rows per executemany: the 1M build never holds its 10M logs at once


def big_profile(size: Size | None = None) -> Path:
    """The cached synthetic profile of a size, built if missing: a few seconds for 100k,
    a few minutes for 1m (plain sqlite3 `executemany` in chunks, indexes built afterwards)."""
    size = size or SIZE
    path = size.path
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for leftover in CACHE.glob(tmp.name + "*"):
        leftover.unlink()
    col = Collection.open_path(tmp)
    col.set_setting("timezone", "UTC")
    col.set_setting("load_bundled_decks", False)
    col.set_setting("reviews_per_day", 9999)
    col.close()
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        _fill(conn, size)
    finally:
        conn.close()
    with Collection.open_path(tmp) as col:  # back in the profile's own journal mode
        assert col.conn.execute("SELECT count(*) FROM reviewlog").fetchone()[0] == size.logs
    tmp.replace(path)
    return path


def _fill(conn: sqlite3.Connection, size: Size) -> None:
    """Cards and logs as random as the first 100k generator made them (same draws, same
    order), written in chunks with the card and log indexes dropped and rebuilt at the end
    (a sort each instead of random inserts into 10M-row B-trees). Each log carries its card's
    deck, so the deck trigger has nothing to do."""
    rng = random.Random(42)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    indexes = [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('card', 'reviewlog')"
        )
    ]
    # The counters' triggers too: the counters are filled once at the end (a GROUP BY each).
    triggers = [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name != 'tr_reviewlog_deck'"
        )
    ]
    conn.execute("BEGIN")
    for sql in indexes:
        conn.execute("DROP INDEX " + sql.split()[2])
    for sql in triggers:
        conn.execute("DROP TRIGGER " + sql.split()[2])
    now_ms = to_ms(NOW)
    day = 86_400_000
    start_of_today = to_ms(NOW.replace(hour=4, minute=0, second=0, microsecond=0))
    conn.executemany(
        "INSERT INTO deck (id, key, name, description, version, tags, source, created_at, "
        "updated_at) VALUES (?, ?, ?, '', '1', '', '', ?, ?)",
        [(d + 1, f"deck-{d}", f"Deck {d}", now_ms, now_ms) for d in range(N_DECKS)],
    )
    cards = []
    reviewed = 0
    for i in range(size.cards):
        deck = i % N_DECKS + 1
        if i < size.due:  # due today (some overdue)
            state, due = 2, start_of_today - rng.randint(0, 5) * day + rng.randint(0, day)
        elif i < size.cards * 0.7:  # review, due later
            state, due = 2, start_of_today + rng.randint(1, 365) * day
        elif i < size.cards * 0.72:  # learning, due later today or tomorrow
            state, due = 1, now_ms + rng.randint(30, 2000) * 60_000
        else:
            state, due = 0, None
        stab = rng.uniform(1, 300) if state else None
        diff = rng.uniform(2, 9) if state else None
        last = (due - int(stab * day)) if state and stab else None
        reviewed += state != 0  # studied cards are the first ones: ids 1..reviewed
        cards.append(
            (
                i + 1,
                deck,
                f"c{i}",
                f"deck-{deck}/c{i}",
                f"Front {i} lorem ipsum",
                f"Back {i}",
                "tag" if i % 7 == 0 else "",
                i,
                state,
                0 if state == 1 else None,
                stab,
                diff,
                due,
                last,
                10 if state else 0,
                1 if state else 0,
                now_ms,
                now_ms,
            )
        )
        if len(cards) == CHUNK or i == size.cards - 1:
            conn.executemany(
                "INSERT INTO card (id, deck_id, key, note_key, front, back, tags, position, "
                "state, step, stability, difficulty, due, last_review, reps, lapses, "
                "suspended, in_deck, created_at, updated_at) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?)",
                cards,
            )
            cards = []
    logs = []
    for n in range(size.logs):
        card_id = n % reviewed + 1
        at = now_ms - rng.randint(1, 365) * day - rng.randint(0, day)
        rating = rng.choices((1, 2, 3, 4), (10, 5, 80, 5))[0]
        logs.append(
            (
                card_id,
                rating,
                at,
                rng.randint(2000, 15000),
                2,
                2,
                at - 5 * day,
                at + 10 * day,
                5.0,
                6.0,
                5.0,
                5.0,
                at - 5 * day,
                5,
                10,
                (card_id - 1) % N_DECKS + 1,
            )
        )
        if len(logs) == CHUNK or n == size.logs - 1:
            conn.executemany(
                "INSERT INTO reviewlog (card_id, rating, reviewed_at, duration_ms, kind, "
                "state_before, state_after, due_before, due_after, stability_before, "
                "stability_after, difficulty_before, difficulty_after, last_review_before, "
                "elapsed_days, scheduled_days, suspended_before, deck_id) "
                "VALUES (?, ?, ?, ?, 'review', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                logs,
            )
            logs = []
            print(f"  {n + 1:,} of {size.logs:,} logs", file=sys.stderr)
    for sql in indexes:
        conn.execute(sql)
    for sql in triggers:
        conn.execute(sql)
    counters.rebuild(conn)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")


def copy_of(path: Path, folder: Path) -> Path:
    target = folder / "profile.db"
    shutil.copy2(path, target)
    return target


def bench_import_10k(folder: Path) -> float:
    tsv = folder / "ten-thousand.tsv"
    rng = random.Random(7)
    tsv.write_text(
        "".join(
            f"Question {i} {rng.random():.6f}\tAnswer {i}\ttag{i % 10}\n" for i in range(10_000)
        ),
        encoding="utf-8",
    )
    timings = []
    for run in range(3):
        with Collection.open_path(folder / f"import-{run}.db") as col:
            t0 = time.perf_counter()
            [report] = col.import_files([tsv], now=NOW)
            timings.append(time.perf_counter() - t0)
            assert report.added == 10_000, report
    return min(timings)


def bench_apkg_import_10k(folder: Path) -> float:
    """Import a 10,000-note Anki package (schema 18, 14,000 cards, ~13,900 answers of history
    on 2,000 cards) with `with_history` into a fresh profile: read, copy, replay, one
    transaction. The package is built once (tests/anki_package.py) and cached."""
    package = CACHE / "apkg-10k-v1.apkg"
    if not package.exists():
        sys.path.insert(0, str(HERE.parent / "tests"))
        from anki_package import synthetic_package

        CACHE.mkdir(exist_ok=True)
        tmp = package.with_suffix(".tmp")
        synthetic_package(10_000).write_latest(tmp)
        tmp.replace(package)
    timings = []
    for run in range(3):
        with Collection.open_path(folder / f"apkg-{run}" / "profile.db") as col:
            t0 = time.perf_counter()
            reports = col.import_files([package], now=NOW, with_history=True)
            timings.append(time.perf_counter() - t0)
            assert sum(r.added for r in reports) == 14_000, reports
            assert sum(r.history_cards for r in reports) == 2_000, reports
    return min(timings)


def bench_apkg_export_10k(folder: Path) -> float:
    """Export the profile `bench_apkg_import_10k` makes (10,000 notes: 14,000 cards, ~13,900
    answers on 2,000 cards) as one Anki package with `--all --with-history`: read the cards and
    log, Markdown to HTML, write the schema-11 collection, zip it atomically. Best of 3."""
    profile = folder / "apkg-0" / "profile.db"
    if not profile.exists():
        bench_apkg_import_10k(folder)
    timings = []
    with Collection.open_path(profile) as col:
        for run in range(3):
            out = folder / f"export-{run}.apkg"
            t0 = time.perf_counter()
            report = col.export_apkg([], out, with_history=True, now=NOW)
            timings.append(time.perf_counter() - t0)
            assert report.cards == 14_000, report
            assert report.reviews >= 13_000, report
    size = (folder / "export-0.apkg").stat().st_size
    print(f"apkg export: {size / 1e6:.1f} MB package", file=sys.stderr)
    return min(timings)


def bench_answers(big: Path, folder: Path, *, copy: bool = True) -> tuple[float, float]:
    rng = random.Random(1)
    with Collection.open_path(copy_of(big, folder) if copy else big) as col:
        col.scheduler  # noqa: B018 - build the scheduler (and import fsrs) outside the timing
        times = []
        for _ in range(1000):
            rating = rng.choices((3, 1, 2), (85, 10, 5))[0]
            t0 = time.perf_counter()
            card = col.next_card(now=NOW)
            assert card is not None
            col.answer(card.id, rating, now=NOW, duration_ms=5000)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def with_presets(profile: Path) -> Path:
    """Every other deck on a preset of its own limits (the slower path: per-deck limits
    within the Default preset's), as `presets` measures answer and dashboard with them."""
    with Collection.open_path(profile) as col:
        col.presets.add("Bench")
        col.presets.edit("Bench", "reviews_per_day", 9999)
        col.presets.edit("Bench", "new_per_day", 50)
        for deck in col.decks(now=NOW)[::2]:
            col.presets.use(deck.key, "Bench")
    return profile


def bench_dashboard(big: Path) -> float:
    with Collection.open_path(big) as col:
        col.decks(now=NOW)
        runs = []
        for _ in range(7):
            t0 = time.perf_counter()
            decks = col.decks(now=NOW)
            runs.append((time.perf_counter() - t0) * 1000)
        assert sum(d.due for d in decks) >= SIZE.due
    return statistics.median(runs)


def bench_stats(big: Path) -> float:
    """The Stats screen's data for every deck (`stats.insight`): heatmap, reviews per day,
    true retention per deck and period, forecast, card states, distributions; median of 7
    warm runs."""
    from mastery.stats import insight

    with Collection.open_path(big) as col:
        insight(col, now=NOW)
        runs = []
        for _ in range(7):
            t0 = time.perf_counter()
            figures = insight(col, now=NOW)
            runs.append((time.perf_counter() - t0) * 1000)
        assert figures.retention.period(365).total > SIZE.logs * 0.9, figures.retention
    return statistics.median(runs)


FIRST_CARD = r"""
import sys
sys.path.insert(0, {src!r})
from datetime import datetime, timezone
from mastery.collection import Collection
from mastery.tui.app import MasteryApp
from mastery.tui.screens.review import ReviewScreen
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
col = Collection.open_path({db!r})
review = {review!r}
app = MasteryApp(col, clock=lambda: NOW, start_review=review)
def drawn(screen) -> bool:
    if review:  # the first due card's front is in its widget
        return isinstance(screen, ReviewScreen) and screen.query_one("#front").drawn
    # the dashboard's deck table holds its rows
    return screen.id == "dashboard" and screen.is_built and screen.query_one("#decks").row_count > 0
def ready() -> None:
    screen = app.screen
    if drawn(screen):
        print("READY", flush=True)
        app.exit()
    else:
        app.set_timer(0.002, ready)
app.call_later(ready)
app.run(headless=True, size=(100, 30))
col.close()
# The process's own peak (VmHWM starts afresh at exec, unlike ru_maxrss, which also counts
# the forked copy of the benchmark parent).
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")]
print("RSS_KB", hwm[0].split()[1] if hwm else 0, flush=True)
"""


def bench_first_card(big: Path, folder: Path, *, review: bool = True) -> tuple[float, float]:
    """`mastery review`'s first due card drawn (`review`), or `mastery`'s dashboard with its
    decks: a fresh process from its start, median of 3 after a warm-up; its peak memory."""
    db = copy_of(big, folder)
    # The copy's dirty pages (1.7 GB at 1m) are written back before the clock starts, and one
    # untimed run warms the file cache as a profile opened every day is: otherwise the timing
    # at 1m is the disk's writeback competing with the app, not the app (stop 7 measured
    # 0.34 s at 1m against 0.28 s at 100k with a cProfile showing the same work).
    os.sync()
    script = FIRST_CARD.format(src=str(HERE.parent / "src"), db=str(db), review=review)
    # Bytecode is written and read as an installed package's is (`pip install` compiles it):
    # with PYTHONDONTWRITEBYTECODE set, as in this project's shell, every run compiled the
    # ~50 modules of the start path from source, 0.08-0.16 s of the figure.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    timings, peaks = [], []
    for run in range(4):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - t0
        rest = proc.stdout.read()
        proc.wait()
        if not line.startswith("READY"):
            raise SystemExit(f"first-card run failed: {line}{proc.stderr.read()}")  # type: ignore[union-attr]
        if run:
            timings.append(elapsed)
        peaks += [int(w.split()[1]) for w in rest.splitlines() if w.startswith("RSS_KB")]
    return statistics.median(timings), max(peaks, default=0) / 1024


def bench_due_cli(big: Path, folder: Path) -> float:
    """`mastery due` on the big profile: the whole process, as a shell prompt runs it (the
    `mastery` script's own Python, start-up and imports included), median of 9 after a warm-up
    run. The profile is the big one, put where `--home` finds it. Bytecode may be written (an
    installed package has its .pyc files; PYTHONDONTWRITEBYTECODE would time compiling)."""
    home = folder / "due-home"
    profile = home / "profiles" / "default"
    profile.mkdir(parents=True)
    shutil.copyfile(big, profile / "mastery.db")
    script = Path(sys.executable).with_name("mastery")
    command = [str(script), "due", "--home", str(home)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    timings = []
    for n in range(10):
        t0 = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0 or " due · " not in proc.stdout:
            raise SystemExit(f"mastery due failed: {proc.stdout}{proc.stderr}")
        if n:  # the first run warms the file cache
            timings.append(elapsed)
    return statistics.median(timings) * 1000


def _team_of_1000(folder: Path) -> tuple[Path, Collection, Collection]:
    """A team folder with the bundled decks, two stewards and 1,000 members on the roster, each
    with a sealed contribution to last week's round (random 0/1 vectors within the layout's
    bound), and one member profile that joined, pulled the decks and answered 50 cards."""
    from mastery.identity import Identity
    from mastery.team import init_team, load_team
    from mastery.team.config import change_stewards
    from mastery.team.contribution import seal_contribution
    from mastery.team.layout import deck_cards, layout_of
    from mastery.team.roster import entry_name, roster_entry
    from mastery.team.store import FolderStore
    from mastery.team.wire import round_of

    team = folder / "team"
    steward = Collection.open_path(folder / "steward.db")
    steward.set_setting("timezone", "UTC")
    init_team(team, name="Bench", today=NOW.date(), steward=Identity.of(steward).public)
    col = Collection.open_path(folder / "member.db")
    col.set_setting("timezone", "UTC")
    change_stewards(team, add=("Member", Identity.of(col).public))
    steward.team.join(team, sync=True)
    col.team.join(team, sync=True)
    col.team.pull(now=NOW)
    config = load_team(team)
    for card in col.deck_cards(f"{config.id}/{config.decks[0]}")[:50]:
        col.answer(card.id, 3, now=NOW)
    layout = layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])
    store = FolderStore(team)
    last_week = round_of(NOW.date() - timedelta(days=7))
    rng = random.Random(7)
    for n in range(1000):
        member = Identity.generate()
        store.put_member(entry_name(member.public), roster_entry(member, config.id, NOW.date()))
        vector = [0] * layout.size
        for i in rng.sample(range(layout.size), min(layout.bound, layout.size)):
            vector[i] = 1
        data = seal_contribution(member, config, layout, last_week, vector, now=NOW)
        store.put_contribution(last_week, f"{n:032x}", data)
    return team, col, steward


def bench_team(folder: Path) -> tuple[float, float, float]:
    """A member's sync into a team of 1,000 (best of 3); both stewards summing the 1,000
    contributions of a round (once: a steward publishes a round once); the report."""
    team, col, steward = _team_of_1000(folder)
    syncs, reports = [], []
    for _ in range(3):
        t = time.perf_counter()
        col.team.sync(now=NOW)
        syncs.append(time.perf_counter() - t)
    t = time.perf_counter()
    for who in (steward, col):
        outcomes = who.team.aggregate(now=NOW)
        if not outcomes or any(o.members < 1000 for o in outcomes):
            raise SystemExit(f"team aggregate did not sum 1,000 members: {outcomes}")
    aggregate_s = time.perf_counter() - t
    for _ in range(3):
        t = time.perf_counter()
        report = col.team.report(now=NOW)
        reports.append(time.perf_counter() - t)
        if report.problems or report.latest is None:  # type: ignore[union-attr]
            raise SystemExit(f"team report skipped files: {report.problems[:1]}")
    col.close()
    steward.close()
    return min(syncs), aggregate_s, min(reports)


TEAM_PG_VERSION = 3  # bump when the contribution format or the generator changes
TEAM_PG_MEMBERS = 10_000


def _bench_stewards() -> list[object]:
    """The benchmark team's two stewards, from fixed seeds: a cached round stays valid."""
    import nacl.public
    import nacl.signing

    from mastery.identity import Identity

    return [
        Identity(
            nacl.signing.SigningKey(bytes([n]) * 32), nacl.public.PrivateKey(bytes([n + 9]) * 32)
        )
        for n in (1, 2)
    ]


def _team_pg_team(folder: Path) -> tuple[object, list[object], object]:
    """The benchmark team: the bundled decks (`init_team`), k = 3 and two stewards whose keys
    come from fixed seeds, so a cached round stays valid across runs. Returns (config,
    stewards, layout)."""
    from mastery.team import init_team, load_team
    from mastery.team.layout import deck_cards, layout_of

    stewards = _bench_stewards()
    init_team(folder, name="Bench", today=NOW.date())
    path = folder / "team.toml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "".join(
            f'\n[[stewards]]\nname = "S{n}"\nidentity = "{s.public.to_text()}"\n'
            for n, s in enumerate(stewards)
        ),
        encoding="utf-8",
    )
    config = load_team(folder)
    layout = layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])
    return config, stewards, layout


def _team_pg_team_keys(folder: str) -> tuple[object, list[object], object]:
    """The benchmark team of `_team_pg_team`, already in `folder`: (config, stewards,
    layout), the stewards' keys made again from their fixed seeds."""
    from mastery.team import load_team
    from mastery.team.layout import deck_cards, layout_of

    stewards = _bench_stewards()
    config = load_team(Path(folder))
    layout = layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])
    return config, stewards, layout


def _team_pg_round(config, layout) -> list[tuple[str, bytes, bytes]]:  # type: ignore[no-untyped-def]
    """10,000 members' roster entries and sealed contributions to round 2026-W47 (name,
    roster entry, contribution), made once (about a minute) and cached."""
    from mastery.identity import Identity
    from mastery.team.contribution import seal_contribution
    from mastery.team.roster import entry_name, roster_entry
    from mastery.team.wire import round_of

    path = CACHE / f"team-pg-{TEAM_PG_MEMBERS}-v{TEAM_PG_VERSION}-{layout.digest[:12]}.tsv"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        rng = random.Random(11)
        lines = []
        for _ in range(TEAM_PG_MEMBERS):
            member = Identity.generate()
            vector = [0] * layout.size
            for day in range(7):
                vector[day] = int(rng.random() < 0.5)
            for deck, _ in layout.decks:
                vector[layout.at(f"coverage:{deck}") + rng.randrange(5)] = 1
                vector[layout.at(f"maturity:{deck}") + rng.randrange(5)] = 1
                vector[layout.at(f"retention:{deck}") + rng.randrange(6)] = 1
            for n in rng.sample(range(layout.cards), min(5, layout.cards)):
                vector[layout.at(f"again:{layout.decks[0][0]}") + n] = 1
            vector[layout.at("review_streak") + rng.randrange(5)] = 1
            vector[layout.at("journal_streak") + rng.randrange(5)] = 1
            for goal in layout.goals:
                vector[layout.at(f"progress:{goal}") + rng.randrange(5)] = 1
            lines.append(
                "\t".join(
                    (
                        entry_name(member.public),
                        roster_entry(member, config.id, NOW.date()).decode(),
                        seal_contribution(
                            member, config, layout, round_of(NOW.date()), vector, now=NOW
                        ).decode(),
                    )
                )
            )
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(path)
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name, entry, contribution = line.split("\t")
        out.append((name, entry.encode(), contribution.encode()))
    return out


def bench_team_pg(folder: Path) -> dict[str, float]:
    """Issue 11's organisation figure: a round of 10,000 members in PostgreSQL (a server
    started as tests/pg.py starts the suite's), then timed as `Team.aggregate` and
    `Team.report` do it: for each steward the roster read (entries not re-verified) and
    `aggregate` of the round; then the verified roster and `build_rounds_report`. One run: a steward
    publishes a round once, so a second run would time nothing."""
    from datetime import timedelta

    import psycopg

    sys.path.insert(0, str(HERE.parent / "tests"))
    from pg import start_server

    from mastery.team import load_team
    from mastery.team.peers import Kept
    from mastery.team.pg_store import PostgresStore, publish_team
    from mastery.team.report import build_rounds_report, read_partials
    from mastery.team.roster import read_roster
    from mastery.team.steward import aggregate
    from mastery.team.store import store_for
    from mastery.team.wire import round_of

    config, stewards, layout = _team_pg_team(folder / "team")
    members = _team_pg_round(config, layout)
    server = start_server()
    try:
        dsn = server.new_database()
        publish_team(dsn, config.folder)
        config = load_team(dsn, cache=folder / "cache")
        store = store_for(config)
        assert isinstance(store, PostgresStore)
        round_id = round_of(NOW.date())
        with (
            psycopg.connect(dsn) as conn,
            conn.cursor() as cursor,
            cursor.copy("COPY team_member (team, name, data) FROM STDIN") as copy,
        ):
            for name, entry, _ in members:
                copy.write_row((config.id, name, entry))
        store.put_contributions(round_id, [(f"c{n:05d}", c) for n, (_, _, c) in enumerate(members)])
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        closed = NOW + timedelta(days=3)
        times: dict[str, float] = {}
        t0 = time.perf_counter()
        t = t0
        for n, steward in enumerate(stewards):
            # As `Team.aggregate` reads it on a steward's first run (no pairwise key kept):
            # every entry verified and its key derived; then as every later run reads it,
            # with the keys kept (`roster_warm_N`, not part of `total`).
            roster = read_roster(store, config.id, keys=(steward, Kept()))
            times[f"roster_{n}"] = time.perf_counter() - t
            t = time.perf_counter()
            assert roster.peers is not None
            kept = Kept(roster.peers, roster.refusals or {})
            roster = read_roster(store, config.id, keys=(steward, kept))
            warm = time.perf_counter() - t
            t = time.perf_counter()
            published = {r: read_partials(store, config, r)[0] for r in store.rounds()}
            [outcome] = aggregate(
                steward, store, config, layout, roster, published, now=closed, today=closed.date()
            )
            times[f"aggregate_{n}"] = time.perf_counter() - t
            times[f"roster_warm_{n}"] = warm
            if outcome.status != "published" or outcome.members != TEAM_PG_MEMBERS:
                raise SystemExit(f"team_pg_10k: steward {n}: {outcome}")
            t = time.perf_counter()
        problems: list[str] = []
        # As `Team.report` reads it: entries counted, not re-verified (stewards verify shares).
        entries = read_roster(store, config.id, verify=False)
        report = build_rounds_report(
            store, config, len(entries), today=closed.date(), problems=problems
        )
        times["report"] = time.perf_counter() - t
        times["total"] = time.perf_counter() - t0 - times["roster_warm_0"] - times["roster_warm_1"]
        [figures] = report.rounds
        if figures.status != "shown" or figures.members != TEAM_PG_MEMBERS or problems:
            raise SystemExit(
                f"team_pg_10k: report {figures.status} {figures.members} {problems[:1]}"
            )
        for name, value in times.items():
            print(f"team_pg_10k {name:>12}: {value:.3f} s", file=sys.stderr)
        return times
    finally:
        server.stop()


OPTIMIZE_PROFILE = r"""
import sys, time
sys.path.insert(0, {src!r})
from mastery.collection import Collection
from mastery import optimize
def peak() -> str:
    return [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
col = Collection.open_path({db!r})
t0 = time.perf_counter()
def progress(fraction: float, what: str) -> None:
    print(f"  {{time.perf_counter() - t0:7.1f}} s  {{fraction:4.0%}}  {{what}}  (peak {{int(peak()) // 1024}} MB)",
          file=sys.stderr, flush=True)
c0 = time.process_time()
result = optimize.optimize(col, progress=progress)
elapsed = time.perf_counter() - t0
print(result.fitted_on if hasattr(result, "fitted_on") else result.reviews, result.before_eval,
      result.after_eval, result.health, file=sys.stderr, flush=True)
print("RESULT", elapsed, peak(), result.reviews, result.after_eval.log_loss,
      time.process_time() - c0, flush=True)
"""

FIT_ONLY = r"""
import sys, time, sqlite3
from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview
def peak() -> str:
    return [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
conn = sqlite3.connect("file:" + {db!r} + "?mode=ro", uri=True)
items, card, history = [], None, []
for card_id, rating, gap in conn.execute(
    "SELECT card_id, rating, elapsed_days FROM reviewlog WHERE kind = 'review' "
    "ORDER BY card_id, reviewed_at, id"
):
    if card_id != card:
        card, history = card_id, []
    gap = max(0, gap) if history else 0
    history.append(FSRSReview(rating, gap))
    if gap > 0:
        items.append(FSRSItem(history))
built = peak()
t0, c0 = time.perf_counter(), time.process_time()
FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(items)
print("RESULT", time.perf_counter() - t0, peak(), len(items), built, time.process_time() - c0,
      flush=True)
"""


def _subprocess_result(script: str) -> list[str]:
    """Run a benchmark script in a fresh Python (so VmHWM is its own peak); its RESULT line."""
    proc = subprocess.run(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, check=False
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT")]
    if proc.returncode or not lines:
        raise SystemExit(f"benchmark subprocess failed ({proc.returncode}): {proc.stdout[-500:]}")
    return lines[-1].split()[1:]


def bench_optimize_profile(big: Path) -> dict[str, float]:
    """Issue 15: `optimize()` on the whole synthetic profile (about 0.93 items per log), in a
    fresh process: time and peak memory (VmHWM); then fsrs-rs-python's own fit alone on the
    same items (built the plainest way, in another fresh process), its time and peak. Once
    each: at 1m a run takes minutes."""
    src = str(HERE.parent / "src")
    seconds, peak_kb, items, _, cpu = _subprocess_result(
        OPTIMIZE_PROFILE.format(src=src, db=str(big))
    )
    fit_s, fit_peak_kb, fit_items, built_kb, fit_cpu = _subprocess_result(
        FIT_ONLY.format(db=str(big))
    )
    assert int(items) == int(fit_items), (items, fit_items)
    return {
        "optimize_profile_s": float(seconds),
        "optimize_profile_cpu_s": float(cpu),
        "optimize_profile_peak_mb": int(peak_kb) / 1024,
        "optimize_profile_items": float(items),
        "fit_only_s": float(fit_s),
        "fit_only_cpu_s": float(fit_cpu),
        "fit_only_peak_mb": int(fit_peak_kb) / 1024,
        "fit_only_items_built_mb": int(built_kb) / 1024,
    }


OPTIMIZE_SAMPLE = r"""
import sys, time
sys.path.insert(0, {src!r})
from fsrs_rs_python import FSRS
from mastery.collection import Collection
from mastery import optimize
col = Collection.open_path({db!r})
log = optimize.compact_log(col)
before = list(col.presets.parameters(None))
sets = [("defaults", before)]
for budget in {budgets!r}:
    items, cards = optimize.fit_sample(log, budget)
    t0 = time.process_time()
    sets.append((len(items), [float(w) for w in FSRS(before).compute_parameters(items)]))
    print(f"  fit on {{len(items):,}} items of {{cards:,}} cards: {{time.process_time() - t0:.1f}} s CPU",
          file=sys.stderr, flush=True)
    del items
for (name, _), f in zip(sets, optimize.evaluate_log(log, [w for _, w in sets])):
    print("RESULT", name, f.log_loss, f.rmse_bins, f.log_loss_unweighted, flush=True)
"""


def bench_optimize_sample(big: Path) -> dict[str, float]:
    """Issue 15 (`--only optimize_sample`, never by default: minutes at 1m, 3 GB for the whole
    fit): how well fits on samples of whole cards (`optimize.fit_sample`) and on all items
    predict every item of the profile, by `optimize.evaluate_log`: Anki's log loss, RMSE
    (bins) and the unweighted log loss, per fitted sample size (`all` for every item)."""
    budgets = [100_000, 200_000, 400_000, 2_000_000, 10**12]
    if SIZE.cards >= 1_000_000:
        budgets = [500_000, 1_000_000, 2_000_000, 10**12]
    script = OPTIMIZE_SAMPLE.format(src=str(HERE.parent / "src"), db=str(big), budgets=budgets)
    proc = subprocess.run(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, check=True
    )
    results: dict[str, float] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT"):
            _, name, log_loss, rmse, unweighted = line.split()
            results[f"optimize_sample_{name}_log_loss"] = float(log_loss)
            results[f"optimize_sample_{name}_rmse_bins"] = float(rmse)
            results[f"optimize_sample_{name}_log_loss_unweighted"] = float(unweighted)
    return results


CALIBRATION = r"""
import sys, time
sys.path.insert(0, {src!r})
from datetime import datetime, timezone
from mastery.collection import Collection
from mastery.calibration import calibration
def peak() -> str:
    return [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
col = Collection.open_path({db!r})
now = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)
before = peak()
runs = []
for _ in range(3):
    t0 = time.perf_counter()
    figures = calibration(col, now=now)
    runs.append(time.perf_counter() - t0)
assert figures.model.answers > 0
print("RESULT", sorted(runs)[1], peak(), before, flush=True)
"""


def bench_calibration(big: Path) -> dict[str, float]:
    """`mastery calibration`'s figures (`calibration.calibration`, every deck) on the profile,
    median of 3 in a fresh process; its peak memory (VmHWM) and the peak before the figures
    (the interpreter and Mastery's imports)."""
    script = CALIBRATION.format(src=str(HERE.parent / "src"), db=str(big))
    seconds, peak_kb, before_kb = _subprocess_result(script)
    return {
        "calibration_s": float(seconds),
        "calibration_peak_mb": int(peak_kb) / 1024,
        "calibration_baseline_mb": int(before_kb) / 1024,
    }


TEAM_FOLDER_STEP = r"""
import sys, time, pickle
sys.path.insert(0, {src!r})
sys.path.insert(0, {bench!r})
from datetime import timedelta
import run
from mastery.team import load_team
from mastery.team.report import build_rounds_report, read_partials
from mastery.team.peers import Kept, decode_peers, encode_peers
from mastery.team.roster import read_roster
from mastery.team.steward import aggregate
from mastery.team.store import FolderStore
import json, pathlib
def peak() -> int:
    return int([l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0])
config, stewards, layout = run._team_pg_team_keys({team!r})
store = FolderStore(config.folder)
closed = run.NOW + timedelta(days=3)
before = peak()
t, cpu = time.perf_counter(), time.process_time()
if {step!r} == "report":
    problems = []
    entries = read_roster(store, config.id, verify=False)
    report = build_rounds_report(store, config, len(entries), today=closed.date(), problems=problems)
    [figures] = report.rounds
    assert figures.status == "shown" and figures.members == run.TEAM_PG_MEMBERS, figures
else:
    # As `Team.aggregate` does it: the pairwise keys kept from an earlier run ("warm"; none
    # on a steward's first run, "cold") loaded, the roster read with them, and the keys kept
    # again when the roster changed them (here in a file, in the profile for the command).
    n, run_kind = {step!r}.split("-")
    steward = stewards[int(n)]
    kept_at = pathlib.Path({team!r}).with_name(f"team-folder-peers-{{n}}.json")
    scales_at = kept_at.with_name("team-folder-noise-scales.json")
    warm = run_kind == "warm"
    kept = decode_peers(steward, json.loads(kept_at.read_text())) if warm else Kept()
    scales = json.loads(scales_at.read_text()) if warm else {{}}
    before_scales = dict(scales)
    published = {{r: read_partials(store, config, r)[0] for r in store.rounds()}}
    [outcome] = aggregate(
        steward, store, config, layout, lambda: read_roster(store, config.id, keys=(steward, kept)),
        published, now=closed, today=closed.date(), kept=kept,
        keep=lambda now_kept: kept_at.write_text(json.dumps(encode_peers(steward, now_kept))),
        noise_scales=scales,
    )
    if scales != before_scales:
        scales_at.write_text(json.dumps(scales))
    assert outcome.status == "published" and outcome.members == run.TEAM_PG_MEMBERS, outcome
wall, cpu = time.perf_counter() - t, time.process_time() - cpu
# The processes a steward forks to open the shares (none on threads): their CPU time and
# the largest one's peak resident memory (pages shared with this process count in both).
import os, resource
children = os.times()
print("RESULT", wall, peak(), before, cpu, children.children_user + children.children_system,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)
"""


def _team_folder_10k() -> Path:
    """The 10,000 members of `team_pg_10k` (the same cached round) in a team folder, built once
    (writing 20,000 files atomically takes minutes here) and cached; the partial sums of an
    earlier run are removed, so every run sums the round afresh."""
    from mastery.team.store import FolderStore
    from mastery.team.wire import round_of

    team = CACHE / f"team-folder-{TEAM_PG_MEMBERS}-v{TEAM_PG_VERSION}"
    done = team / ".complete"
    if not done.exists():
        shutil.rmtree(team, ignore_errors=True)
        config, _, layout = _team_pg_team(team)
        members = _team_pg_round(config, layout)
        store = FolderStore(team)
        round_id = round_of(NOW.date())
        for n, (name, entry, contribution) in enumerate(members):
            store.put_member(name, entry)
            store.put_contribution(round_id, f"c{n:05d}", contribution)
        done.write_text("", encoding="utf-8")
    for partial in team.glob("rounds/*/partials/*.json"):
        partial.unlink()
    return team


def bench_team_folder() -> dict[str, float]:
    """Issue 15: the 10,000 members of `team_pg_10k` in a team folder: each steward's roster
    read and `aggregate` of the round, then the report (roster counted, partial sums verified
    and decoded), each in a fresh process for its own peak memory (VmHWM; `_before_mb` is the
    process's peak after its imports, before the work; `_child_peak_mb` the largest forked
    opener's) and CPU time (every thread's and every forked opener's, beside the wall time:
    the machine is shared), with the load average at the start."""
    from mastery.team.roster import entry_name  # noqa: F401 - imports ready before timing

    team = _team_folder_10k()
    out: dict[str, float] = {"team_folder_10k_loadavg": os.getloadavg()[0]}
    for step in ("0-cold", "0-warm", "1-cold", "1-warm", "report"):
        script = TEAM_FOLDER_STEP.format(
            src=str(HERE.parent / "src"), bench=str(HERE), team=str(team), step=step
        )
        partials = set(team.glob("rounds/*/partials/*.json"))
        seconds, peak_kb, before_kb, cpu, children_cpu, child_kb = _subprocess_result(script)
        if step.endswith("cold"):  # the same steward's warm run publishes the round again
            for partial in set(team.glob("rounds/*/partials/*.json")) - partials:
                partial.unlink()
        label = "report" if step == "report" else "steward_{}_{}".format(*step.split("-"))
        out[f"team_folder_10k_{label}_s"] = float(seconds)
        # Every process's CPU: the step's own (all its threads) and its forked children's.
        out[f"team_folder_10k_{label}_cpu_s"] = float(cpu) + float(children_cpu)
        out[f"team_folder_10k_{label}_peak_mb"] = int(peak_kb) / 1024
        out[f"team_folder_10k_{label}_before_mb"] = int(before_kb) / 1024
        if label != "report":
            out[f"team_folder_10k_{label}_child_peak_mb"] = int(child_kb) / 1024
    return out


def bench_optimize(folder: Path) -> dict[str, float]:
    """Fit FSRS to 100,000 answers of 10,000 cards by a simulated learner (tests/
    simulated_learner.py, histories running forward in time): the whole `optimize()` call,
    reading, both measurements and Anki's health check included, median of 3; the health check
    alone, median of 3. Figures on the same answers with FSRS's defaults, the fitted weights
    and the learner's true weights: Anki's log loss and RMSE (bins), and Mastery's unweighted
    log loss. The fit cannot beat the truth, so matching it is the best an optimiser can do."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    from simulated_learner import simulate_learner, true_parameters

    from mastery import optimize

    col = Collection.open_path(folder / "optimize.db")
    col.set_setting("timezone", "UTC")
    simulate_learner(col, cards=10_000, reviews_per_card=10, end=NOW, seed=42, forward=True)
    times, result = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        result = optimize.optimize(col)
        times.append(time.perf_counter() - t0)
    assert result is not None and result.health is not None
    data = optimize.training_set(col)
    health_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        optimize.health_check(data)
        health_times.append(time.perf_counter() - t0)
    truth = optimize.evaluate(data, true_parameters())
    col.close()
    figures = {"default": result.before_eval, "fitted": result.after_eval, "true_weights": truth}
    out = {
        "optimize_100k_s": statistics.median(times),
        "optimize_health_check_s": statistics.median(health_times),
        "optimize_health_passed": float(bool(result.health.passed)),
    }
    for name, e in figures.items():
        out[f"optimize_log_loss_{name}"] = e.log_loss
        out[f"optimize_rmse_bins_{name}"] = e.rmse_bins
        out[f"optimize_log_loss_unweighted_{name}"] = e.log_loss_unweighted
    return out


def bench_workload(big: Path, folder: Path) -> dict[str, float]:
    """The workload simulator ("help me decide") on a 10,000-card scope (one deck of the big
    profile, at 20 new cards and 9,999 reviews a day): the TUI's 10 retention points and the
    CLI's 28 (`mastery workload`), with the load balancer on (the default) and off; best of
    2 (the figures are seeded, so every run does the same work)."""
    from mastery import optimize

    out = {}
    with Collection.open_path(copy_of(big, folder)) as col:
        for balancer in (True, False):
            col.set_setting("load_balancer", balancer)
            suffix = "" if balancer else "_plain"
            for name, retentions in (
                ("workload_tui", optimize.WORKLOAD_RETENTIONS[::3]),
                ("workload", optimize.WORKLOAD_RETENTIONS),
            ):
                times, cpu = [], []
                for _ in range(2):
                    t0, c0 = time.perf_counter(), time.process_time()
                    points = optimize.workload(col, "deck-0", retentions=retentions)
                    times.append(time.perf_counter() - t0)
                    cpu.append(time.process_time() - c0)
                assert len(points) == len(retentions)
                out[f"{name}{suffix}_s"] = min(times)
                # On a shared machine the CPU time says more than the wall clock.
                print(f"{name}{suffix}: {min(cpu):.2f} s CPU", file=sys.stderr)
    return out


def _sync_pair(folder: Path, n_cards: int) -> tuple[Collection, Collection, str]:
    """Two devices with the same deck of `n_cards`, set up on one synced folder."""
    from mastery.sync import Sync

    tsv = folder / "sync-deck.tsv"
    tsv.write_text("".join(f"Q{i}\tA{i}\n" for i in range(n_cards)), encoding="utf-8")
    target = folder / "sync-target"
    target.mkdir()
    cols = []
    for name in ("a", "b"):
        col = Collection.open_path(folder / f"sync-{name}.db")
        col.set_setting("timezone", "UTC")
        col.import_files([tsv], now=NOW)
        Sync(col, fast_kdf=True).setup(str(target), "benchmark passphrase")
        cols.append(col)
    return cols[0], cols[1], str(target)


def bench_sync(folder: Path) -> dict[str, float]:
    """An everyday sync (300 answers on one device: its sync out, the other's sync in), and
    a device joining a history (`SYNC_JOIN_ANSWERS` answers on 2,000 cards, written straight
    into the log as an Anki history import would leave them)."""
    from mastery.sync import Sync

    out: dict[str, float] = {}
    every = folder / "sync-everyday"
    every.mkdir()
    a, b, _ = _sync_pair(every, 2_000)
    ids = [r[0] for r in a.conn.execute("SELECT id FROM card ORDER BY id LIMIT 300")]
    for i, card_id in enumerate(ids):
        a.answer(card_id, 3, now=NOW + timedelta(seconds=i * 10))
    t0 = time.perf_counter()
    Sync(a, fast_kdf=True).run("benchmark passphrase")
    out["sync_small_everyday_out_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = Sync(b, fast_kdf=True).run("benchmark passphrase")
    out["sync_small_everyday_in_s"] = time.perf_counter() - t0
    assert report.received == 300, report
    join = folder / "sync-join"
    join.mkdir()
    a, b, _ = _sync_pair(join, 2_000)
    rng = random.Random(3)
    cards = [r[0] for r in a.conn.execute("SELECT id FROM card ORDER BY id")]
    start = to_ms(NOW - timedelta(days=400))
    with a.db.transaction() as conn:
        conn.executemany(
            "INSERT INTO reviewlog (card_id, rating, reviewed_at, duration_ms, kind, "
            "state_before, state_after, due_after, stability_after, difficulty_after, "
            "elapsed_days, scheduled_days, suspended_before) "
            "VALUES (?, ?, ?, 0, 'review', 0, 2, ?, 1.0, 5.0, 0, 0, 0)",
            [
                (cards[i % len(cards)], rng.choice((1, 3, 3, 3, 4)), start + i * 30_000, start)
                for i in range(SYNC_JOIN_ANSWERS)
            ],
        )
    t0 = time.perf_counter()
    Sync(a, fast_kdf=True).run("benchmark passphrase")
    out["sync_small_first_push_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = Sync(b, fast_kdf=True).run("benchmark passphrase")
    out["sync_small_join_s"] = time.perf_counter() - t0
    assert report.received == SYNC_JOIN_ANSWERS, report
    return out


def bench_sync_content(big: Path, folder: Path) -> dict[str, float]:
    """The content channel on the big profile (issue 14): its first sync, where every deck
    has no file of its own (the synthetic decks' sources are not there), so every card goes
    (`outgoing` and recording it sent, then `apply` into an empty profile, each one
    transaction), the compressed chunk's size, and the check each later sync makes when
    nothing changed. Answers are left out: their replay is `sync_join_s`."""
    import zlib

    from mastery.sync import merge
    from mastery.sync.content import Contents
    from mastery.sync.hlc import Clock

    out: dict[str, float] = {}
    copy = folder / "content-a.db"
    shutil.copyfile(big, copy)
    a = Collection.open_path(copy)
    b = Collection.open_path(folder / "content-b.db")
    channel = Contents()
    now_ms = to_ms(NOW)
    t0 = time.perf_counter()
    with a.db.transaction() as conn:
        batch = channel.outgoing(conn, "a" * 32, Clock(), now_ms)
        batch.mark(conn)
    out["sync_content_first_out_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    plain = json.dumps(merge.dumps(batch.events), separators=(",", ":")).encode()
    out["sync_content_chunk_mb"] = len(zlib.compress(plain, 6)) / 1e6
    out["sync_content_dump_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with b.db.transaction() as conn:
        channel.apply(conn, "a" * 32, batch.events)
    out["sync_content_first_in_s"] = time.perf_counter() - t0
    n = b.conn.execute("SELECT count(*) FROM card").fetchone()[0]
    assert n == a.conn.execute("SELECT count(*) FROM card").fetchone()[0], n
    t0 = time.perf_counter()
    with a.db.transaction() as conn:
        idle = channel.outgoing(conn, "a" * 32, Clock(), now_ms)
    out["sync_content_idle_s"] = time.perf_counter() - t0
    assert idle.events == [], len(idle.events)
    out["sync_content_cards"] = n
    a.close()
    b.close()
    return out


SYNC_JOIN_ANSWERS = int(os.environ.get("SYNC_JOIN_ANSWERS", "50000"))
SYNC_PASS = "benchmark passphrase"
# Bump when the chunks change: the cached target was written by the code of then (3: each
# device's answers in replay order; 4: as answer rows; 5: card by card).
SYNC_TARGET_VERSION = 5


def _sync_target(big: Path) -> tuple[Path, Path, float | None]:
    """The big profile after its first sync, and the target it wrote (cached: the first
    sync replays every answer through the scheduler, minutes for 1M answers). Returns
    (profile, target, seconds of that first sync when it ran now, else None)."""
    cached = CACHE / f"sync-{SIZE.name}-v{SYNC_TARGET_VERSION}"
    profile, target = cached / "device-a.db", cached / "target"
    if profile.exists():
        return profile, target, None
    from mastery.sync import Sync

    work = cached.with_suffix(".tmp")
    shutil.rmtree(work, ignore_errors=True)
    (work / "target").mkdir(parents=True)
    shutil.copy2(big, work / "device-a.db")
    col = Collection.open_path(work / "device-a.db")
    t0 = time.perf_counter()
    Sync(col, fast_kdf=True).setup(str(work / "target"), SYNC_PASS)
    first = time.perf_counter() - t0
    col.close()
    work.rename(cached)
    return profile, target, first


def _device_copy(profile: Path, target: Path, folder: Path, name: str) -> Collection:
    """A copy of a synced device, pointed at `target` (a copy of its target), and moved
    there: the cached profile never syncs again, so the copy is that device, not a copy of a
    live one (`mastery sync setup --moved` would say the same)."""
    from mastery.sync import Sync
    from mastery.sync.place import here

    shutil.copy2(profile, folder / f"{name}.db")
    col = Collection.open_path(folder / f"{name}.db")
    state = dict(col.meta("sync"))
    state["target"] = str(target)
    state["place"] = here(folder / f"{name}.db")
    col.set_meta("sync", state)
    assert Sync(col).status().target == str(target)
    return col


def _new_device(big: Path, folder: Path) -> Collection:
    """A new device with the big profile's decks, cards and settings but no answers (as
    importing the same deck files on a new machine leaves it)."""
    path = folder / "device-b.db"
    shutil.copy2(big, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("BEGIN")
    conn.execute("DELETE FROM reviewlog")
    conn.execute(
        "UPDATE card SET state = 0, step = NULL, stability = NULL, difficulty = NULL, "
        "due = NULL, last_review = NULL, reps = 0, lapses = 0, suspended = 0, "
        "buried_until = NULL"
    )
    conn.execute("COMMIT")
    conn.execute("VACUUM")
    conn.close()
    return Collection.open_path(path)


def bench_sync_big(big: Path, folder: Path) -> dict[str, float]:
    """Issue 14 at the profile's size: a new empty device joining the target the big
    profile's first sync wrote (setup to done: every answer added, taken or replayed), then
    an everyday sync both ways (300 new answers on each device)."""
    from mastery.sync import Sync

    out: dict[str, float] = {}
    profile, cached_target, first = _sync_target(big)
    if first is not None:
        out["sync_first_push_s"] = first
    target = folder / "sync-big-target"
    shutil.copytree(cached_target, target)
    answers = int(sqlite3.connect(big).execute("SELECT count(*) FROM reviewlog").fetchone()[0])
    b = _new_device(big, folder)
    phases: dict[str, float] = {}

    def bar(fraction: float, what: str) -> None:
        phases.setdefault(what.split()[0], time.process_time())
        print(f"\r  join {fraction:4.0%} {what:<40}", end="", file=sys.stderr, flush=True)

    t0, c0 = time.perf_counter(), time.process_time()
    report = Sync(b, fast_kdf=True).setup(str(target), SYNC_PASS, progress=bar)
    out["sync_join_s"] = time.perf_counter() - t0
    # On a shared machine the CPU time says more than the wall clock.
    cpu = time.process_time() - c0
    # Reading ends where the next phase begins ("replaying cards", or "cards replayed" when
    # the join streamed its answers into the log as it read them).
    after = [t for what, t in phases.items() if what != "reading"]
    reading = min(after, default=c0) - phases.get("reading", c0)
    print(
        f"\n  join: {cpu:.1f} s CPU ({reading:.1f} s reading and adding chunks, "
        f"{cpu - reading:.1f} s replaying what is left and writing), load average {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    assert report.joined and report.received == answers, (report, answers)
    a = _device_copy(profile, target, folder, "device-a")
    same = "SELECT c.state, c.due, c.stability FROM card c ORDER BY c.id"
    assert a.conn.execute(same).fetchall() == b.conn.execute(same).fetchall()
    # Everyday: 300 answers on each device, on due cards of its own, then A, B, A sync.
    # A syncs once first (untimed): its cached profile predates the newest-row mark an
    # everyday sync starts from, as a device upgraded from an earlier Mastery does once.
    Sync(a, fast_kdf=True).run(SYNC_PASS)
    due = [r[0] for r in a.conn.execute("SELECT id FROM card WHERE state = 2 ORDER BY due, id")]
    for col, cards in ((a, due[:300]), (b, due[300:600])):
        for i, card_id in enumerate(cards):
            col.answer(card_id, 3, now=NOW + timedelta(seconds=i * 10))
    t0 = time.perf_counter()
    assert Sync(a, fast_kdf=True).run(SYNC_PASS).sent == 300
    out["sync_everyday_out_s"] = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    report = Sync(b, fast_kdf=True).run(SYNC_PASS)
    out["sync_everyday_s"] = time.perf_counter() - t0
    print(f"  everyday both ways: {time.process_time() - c0:.2f} s CPU", file=sys.stderr)
    assert report.received == 300 and report.sent == 300, report
    t0 = time.perf_counter()
    assert Sync(a, fast_kdf=True).run(SYNC_PASS).received == 300
    out["sync_everyday_in_s"] = time.perf_counter() - t0
    assert a.conn.execute(same).fetchall() == b.conn.execute(same).fetchall()
    a.close()
    b.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="comma-separated figures to run")
    parser.add_argument(
        "--size",
        choices=tuple(SIZES),
        default="100k",
        help="the synthetic profile: 10k cards / 100k logs, 100k / 1M (default), 1m / 10M",
    )
    args = parser.parse_args()
    global SIZE
    SIZE = SIZES[args.size]
    only = set(args.only.split(",")) if args.only else None

    def want(name: str) -> bool:
        return only is None or name in only

    t0 = time.perf_counter()
    big = big_profile()
    print(f"synthetic profile ready in {time.perf_counter() - t0:.1f} s: {big}", file=sys.stderr)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if want("import_10k_s"):
            results["import_10k_s"] = round(bench_import_10k(folder), 3)
        if want("apkg_import_10k_s"):
            results["apkg_import_10k_s"] = round(bench_apkg_import_10k(folder), 3)
        if want("apkg_export_10k_s"):
            results["apkg_export_10k_s"] = round(bench_apkg_export_10k(folder), 3)
        if want("answer"):
            p50, p99 = bench_answers(big, folder)
            results["answer_p50_ms"], results["answer_p99_ms"] = round(p50, 3), round(p99, 3)
        if want("dashboard_counts_ms"):
            results["dashboard_counts_ms"] = round(bench_dashboard(big), 2)
        if want("presets"):
            # The same two figures with every other deck on a preset of its own.
            profile = with_presets(copy_of(big, folder))
            results["dashboard_counts_presets_ms"] = round(bench_dashboard(profile), 2)
            p50, p99 = bench_answers(profile, folder, copy=False)
            results["answer_presets_p50_ms"] = round(p50, 3)
            results["answer_presets_p99_ms"] = round(p99, 3)
        if want("stats_ms"):
            results["stats_ms"] = round(bench_stats(big), 1)
        if want("first_card_s"):
            first, rss = bench_first_card(big, folder)
            results["first_card_s"], results["peak_rss_mb"] = round(first, 3), round(rss, 1)
        if want("first_dashboard_s"):
            first, rss = bench_first_card(big, folder, review=False)
            results["first_dashboard_s"] = round(first, 3)
            results["first_dashboard_peak_rss_mb"] = round(rss, 1)
        if want("due_cli_ms"):
            results["due_cli_ms"] = round(bench_due_cli(big, folder), 1)
        if want("optimize_100k_s"):
            for name, value in bench_optimize(folder).items():
                results[name] = round(value, 4)
        if want("optimize_profile"):
            for name, value in bench_optimize_profile(big).items():
                results[name] = round(value, 2)
        if only is not None and "optimize_sample" in only:
            for name, value in bench_optimize_sample(big).items():
                results[name] = round(value, 5)
        if want("calibration"):
            for name, value in bench_calibration(big).items():
                results[name] = round(value, 3)
        if want("workload_s"):
            for name, value in bench_workload(big, folder).items():
                results[name] = round(value, 2)
        if want("team"):
            sync_s, aggregate_s, report_s = bench_team(folder)
            results["team_sync_1000_s"] = round(sync_s, 3)
            results["team_aggregate_1000_s"] = round(aggregate_s, 3)
            results["team_report_1000_s"] = round(report_s, 3)
        if want("team_folder_10k"):
            for name, value in bench_team_folder().items():
                results[name] = round(value, 3)
        if want("team_pg_10k"):
            results["team_pg_10k_s"] = round(bench_team_pg(folder)["total"], 3)
        if want("sync"):
            for name, value in bench_sync_content(big, folder).items():
                results[name] = round(value, 3)
            for name, value in bench_sync(folder).items():
                results[name] = round(value, 3)
        if want("sync") or want("sync_big"):
            for name, value in bench_sync_big(big, folder).items():
                results[name] = round(value, 3)
        for name, value in results.items():
            print(f"{name:>22}: {value}", file=sys.stderr)
    print(json.dumps({"machine": f"{os.cpu_count()} cores", "size": SIZE.name, **results}))


if __name__ == "__main__":
    main()
