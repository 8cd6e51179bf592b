"""Issue 11, organisations: a team living in PostgreSQL keeps the same protocol and privacy.

The store contract runs against a team folder and a real PostgreSQL database (tests/pg.py
starts the server), so both keep the same files the same way; then a whole round goes through
the database (roster, sealed contributions, two stewards, the report), and the database's
host plays the attacker: reading every row, planting rows Mastery never writes, replaying
contributions, forging sums.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from test_team import make_team, open_share

from conftest import NOW
from mastery.collection import Collection
from mastery.identity import PAIRED_MAGIC, Identity
from mastery.team import TeamError, load_team
from mastery.team import pg_store as pg_store_module
from mastery.team import store as store_module
from mastery.team.config import TeamConfig
from mastery.team.contribution import member_vector, seal_contribution
from mastery.team.layout import Layout, deck_cards, layout_of
from mastery.team.pg_store import (
    SCHEMA_VERSION,
    PostgresStore,
    download_team,
    migrate,
    publish_team,
)
from mastery.team.report import build_rounds_report, read_partials
from mastery.team.roster import entry_name, read_roster, roster_entry
from mastery.team.steward import aggregate
from mastery.team.store import FolderStore, TeamStore, store_for
from mastery.team.wire import MODULUS, decode_vector, encode_vector, round_of

pytestmark = pytest.mark.postgres

ROUND = round_of(NOW.date())  # 2026-W47; NOW is a Saturday
LATER = "2026-W48"
EARLIER = "2026-W46"  # closed, like ROUND, when the stewards run
CLOSED = NOW + timedelta(days=3)  # the Tuesday after: the round can be summed
TABLES = ("team_meta", "team_deck", "team_member", "team_contribution", "team_partial")


# ----------------------------------------------------------------------------- helpers
@pytest.fixture(params=["folder", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TeamStore]:
    """The same contract, kept by a team folder and by a database."""
    if request.param == "folder":
        (tmp_path / "team").mkdir()
        yield FolderStore(tmp_path / "team")
        return
    dsn = request.getfixturevalue("pg_dsn")
    with PostgresStore(dsn, team="crew") as pg:
        yield pg


def plant(store: TeamStore, table: str, name: str, data: bytes, round_id: str = "") -> None:
    """Write a row or file the way a hostile host would: around Mastery, past its checks
    (for the database, with the table's own checks dropped first)."""
    if isinstance(store, FolderStore):
        folder = store.folder / "members" if table == "member" else store.folder / "rounds"
        if table != "member":
            folder = folder / round_id / f"{table}s"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.json").write_bytes(data)
        return
    assert isinstance(store, PostgresStore)
    with psycopg.connect(store.url) as conn:
        conn.execute(f"ALTER TABLE team_{table} DROP CONSTRAINT IF EXISTS team_{table}_name")
        if table == "member":
            conn.execute(
                "INSERT INTO team_member (team, name, data) VALUES (%s, %s, %s)",
                (store.team, name, data),
            )
        else:
            conn.execute(
                f"INSERT INTO team_{table} (team, round, name, data) VALUES (%s, %s, %s, %s)",
                (store.team, round_id, name, data),
            )


def with_stewards(folder: Path, *stewards: Identity, k: int = 3) -> Path:
    make_team(folder, k=k, stewards=False)
    text = "".join(
        f'\n[[stewards]]\nname = "S{n}"\nidentity = "{s.public.to_text()}"\n'
        for n, s in enumerate(stewards)
    )
    path = folder / "team.toml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return folder


def layout_for(config: TeamConfig) -> Layout:
    return layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])


def vector_of(layout: Layout, n: int) -> list[int]:
    """A valid member vector: active on some days, one bucket per histogram."""
    vector = [0] * layout.size
    for day in range(7):
        vector[day] = int((day + n) % 3 == 0)
    for deck, _ in layout.decks:
        vector[layout.at(f"coverage:{deck}") + n % 5] = 1
        vector[layout.at(f"maturity:{deck}")] = 1
    vector[layout.at("review_streak") + 1] = 1
    vector[layout.at("journal_streak")] = 1
    return vector


def contribute(
    store: TeamStore, config: TeamConfig, layout: Layout, members: list[Identity]
) -> dict[str, list[int]]:
    """Each member joins the roster and stores one sealed contribution; their vectors."""
    vectors = {}
    for n, member in enumerate(members):
        store.put_member(entry_name(member.public), roster_entry(member, config.id, NOW.date()))
        vector = vector_of(layout, n)
        data = seal_contribution(member, config, layout, ROUND, vector, now=NOW)
        store.put_contribution(ROUND, f"c{n:03d}", data)
        vectors[member.public.signing_key] = vector
    return vectors


def steward_run(steward: Identity, store: TeamStore, config: TeamConfig) -> list[Any]:
    layout = layout_for(config)
    roster = read_roster(store, config.id)
    published = {r: read_partials(store, config, r)[0] for r in store.rounds()}
    return aggregate(
        steward, store, config, layout, roster, published, now=CLOSED, today=CLOSED.date()
    )


@pytest.fixture
def team(tmp_path: Path, pg_dsn: str) -> dict[str, Any]:
    """A team (k=3, two stewards) published into a database and joined from it."""
    stewards = [Identity.generate(), Identity.generate()]
    folder = with_stewards(tmp_path / "crew", *stewards)
    publish_team(pg_dsn, folder)
    config = load_team(pg_dsn, cache=tmp_path / "profile" / "teams")
    return {"dsn": pg_dsn, "config": config, "stewards": stewards, "folder": folder}


def every_row(dsn: str) -> bytes:
    """Everything the database's host can read: every column of every row of every table."""
    out = []
    with psycopg.connect(dsn) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        ]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    out.append(value if isinstance(value, bytes) else str(value).encode())
    return b"\n".join(out)


# ----------------------------------------------------------------------------- the contract
def test_members_are_put_replaced_read_and_removed(store: TeamStore) -> None:
    store.put_member("aaaa", b'{"v":1}')
    store.put_member("bbbb", b'{"v":2}')
    store.put_member("aaaa", b'{"v":3}')  # joining again replaces the entry
    entries, problems = store.roster()
    assert [(e.name, e.data) for e in entries] == [("aaaa", b'{"v":3}'), ("bbbb", b'{"v":2}')]
    assert problems == []
    assert store.remove_member("aaaa") is True
    assert store.remove_member("aaaa") is False
    assert [e.name for e in store.roster()[0]] == ["bbbb"]


def test_contributions_are_kept_per_round_and_every_round_is_listed(store: TeamStore) -> None:
    assert store.rounds() == []
    store.put_contribution(ROUND, "c1", b"one")
    store.put_contribution(ROUND, "c2", b"two")
    store.put_contribution(LATER, "c1", b"later")
    store.put_partial("2026-W40", "s1", b"sum")  # a round with only a partial sum
    assert store.rounds() == ["2026-W40", ROUND, LATER]
    assert [(e.name, e.data) for e in store.contributions(ROUND)[0]] == [
        ("c1", b"one"),
        ("c2", b"two"),
    ]
    assert store.remove_contribution(ROUND, "c1") is True
    assert store.remove_contribution(ROUND, "c1") is False
    assert [e.name for e in store.contributions(ROUND)[0]] == ["c2"]
    assert [e.data for e in store.contributions(LATER)[0]] == [b"later"]
    assert store.contributions("2026-W30") == ([], [])


def test_each_contribution_yields_every_file_a_page_at_a_time(
    store: TeamStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a steward reads: every contribution once, rows refused as problems included,
    however the pages fall (three rows a page here, so pages end on a refused row too)."""
    monkeypatch.setattr(pg_store_module, "EACH_PAGE", 3)
    for n in range(7):
        store.put_contribution(ROUND, f"c{n}", f"data {n}".encode())
    plant(store, "contribution", "BAD_NAME", b"x", ROUND)
    items = list(store.each_contribution(ROUND))
    entries = [i for i in items if not isinstance(i, str)]
    assert sorted(e.name for e in entries) == [f"c{n}" for n in range(7)]
    assert sum(isinstance(i, str) and "not a name Mastery writes" in i for i in items) == 1
    assert list(store.each_contribution("2026-W30")) == []


def test_a_second_partial_sum_of_a_steward_is_refused_and_the_first_kept(
    store: TeamStore,
) -> None:
    store.put_partial(ROUND, "s1", b"first")
    with pytest.raises(TeamError, match="already published a partial sum"):
        store.put_partial(ROUND, "s1", b"second, freshly noised")
    store.put_partial(ROUND, "s2", b"other steward")
    store.put_partial(LATER, "s1", b"next round")
    assert [(e.name, e.data) for e in store.partials(ROUND)[0]] == [
        ("s1", b"first"),
        ("s2", b"other steward"),
    ]


@pytest.mark.parametrize("name", ["", "UPPER", "../escape", "a/b", "-dash", "x" * 81, "é"])
def test_names_and_rounds_mastery_never_writes_are_refused_before_writing(
    store: TeamStore, name: str
) -> None:
    with pytest.raises(TeamError, match="not a file name Mastery writes"):
        store.put_member(name, b"{}")
    with pytest.raises(TeamError, match="not a file name Mastery writes"):
        store.put_contribution(ROUND, name, b"{}")
    with pytest.raises(TeamError, match="not a file name Mastery writes"):
        store.put_partial(ROUND, name, b"{}")
    assert store.remove_member(name) is False
    for bad_round in ("2026-47", "../2026-W47", "2026-W47; DROP TABLE team_member"):
        with pytest.raises(TeamError, match="is not a round"):
            store.put_contribution(bad_round, "c1", b"{}")
        with pytest.raises(TeamError, match="is not a round"):
            store.contributions(bad_round)
    assert store.roster() == ([], [])
    assert store.rounds() == []


def test_entries_a_host_planted_are_problems_and_the_rest_is_read(
    store: TeamStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "MAX_MEMBER_BYTES", 64)
    monkeypatch.setattr(pg_store_module, "MAX_MEMBER_BYTES", 64)
    store.put_member("good", b'{"ok":true}')
    store.put_member("huge", b"x" * 65)
    plant(store, "member", "Not-Mastery", b"{}")
    plant(store, "contribution", "BAD", b"{}", ROUND)
    store.put_contribution(ROUND, "fine", b"{}")
    entries, problems = store.roster()
    assert [e.name for e in entries] == ["good"]
    assert len(problems) == 2
    assert any("huge" in p and "larger than" in p for p in problems)
    assert any("Not-Mastery" in p and "not a name Mastery writes" in p for p in problems)
    assert all("\n" not in p for p in problems)
    entries, problems = store.contributions(ROUND)
    assert [e.name for e in entries] == ["fine"]
    assert len(problems) == 1 and "not a name Mastery writes" in problems[0]


def test_teams_sharing_a_database_never_see_each_others_rows(pg_dsn: str) -> None:
    with (
        PostgresStore(pg_dsn, team="sales") as sales,
        PostgresStore(pg_dsn + "&team=support") as support,
    ):
        sales.put_member("aaaa", b"sales")
        sales.put_contribution(ROUND, "c1", b"sales")
        support.put_partial(ROUND, "s1", b"support")
        support.put_partial(ROUND, "s1x", b"support")
        sales.put_partial(ROUND, "s1", b"sales: the same steward name, another team")
        assert support.roster() == ([], [])
        assert support.contributions(ROUND) == ([], [])
        assert [e.data for e in sales.partials(ROUND)[0]] == [
            b"sales: the same steward name, another team"
        ]
        assert support.rounds() == [ROUND] and sales.rounds() == [ROUND]
        assert support.where.endswith("#support") and sales.team == "sales"


def test_many_contributions_in_one_copy_are_checked_before_any_row(pg_dsn: str) -> None:
    with PostgresStore(pg_dsn, team="crew") as store:
        with pytest.raises(TeamError, match="not a file name Mastery writes"):
            store.put_contributions(ROUND, [("c1", b"one"), ("../c2", b"two")])
        assert store.rounds() == []
        store.put_contributions(ROUND, [(f"c{n}", f"{n}".encode()) for n in range(300)])
        entries, problems = store.contributions(ROUND)
        assert len(entries) == 300 and problems == []
        assert {e.name: e.data for e in entries}["c299"] == b"299"


# ----------------------------------------------------------------------------- the round
def test_a_round_through_postgresql_reaches_the_report(team: dict[str, Any]) -> None:
    config: TeamConfig = team["config"]
    store = store_for(config)
    assert isinstance(store, PostgresStore)
    layout = layout_for(config)
    members = [Identity.generate() for _ in range(3)]
    vectors = contribute(store, config, layout, members)
    outcomes = [steward_run(s, store, config) for s in team["stewards"]]
    assert [[(o.round, o.status, o.members) for o in out] for out in outcomes] == [
        [(ROUND, "published", 3)],
        [(ROUND, "published", 3)],
    ]
    assert steward_run(team["stewards"][0], store, config) == []  # published once
    report = build_rounds_report(store, config, 3, today=CLOSED.date(), problems=[])
    [figures] = report.rounds
    assert (figures.round, figures.status, figures.members) == (ROUND, "shown", 3)
    assert report.problems == []
    truth = [sum(v[day] for v in vectors.values()) for day in range(7)]
    for estimate, true in zip(figures.days, truth, strict=True):
        assert estimate.value is not None
        assert abs(estimate.value - true) <= max(estimate.margin * 3, 1)
    store.close()


def test_a_real_profile_studies_decks_pulled_from_the_database_and_contributes(
    team: dict[str, Any], col: Collection
) -> None:
    """Joining from a database gives a folder in the profile: pull imports its decks, the
    member's vector counts their reviews, and the sealed contribution lands in the database."""
    config: TeamConfig = team["config"]
    [report] = col.import_files(config.deck_files, now=NOW)
    assert report.added == 2
    card = col.deck_cards("team-deck")[0]
    col.answer(card.id, 3, now=NOW - timedelta(days=1))
    layout = layout_for(config)
    vector = member_vector(col, config, layout, ROUND, now=NOW)
    assert vector[NOW.weekday() - 1] == 1  # active the day before NOW
    me = Identity.of(col)
    with store_for(config) as store:
        store.put_member(entry_name(me.public), roster_entry(me, config.id, NOW.date()))
        store.put_contribution(
            ROUND, "mine", seal_contribution(me, config, layout, ROUND, vector, now=NOW)
        )
        assert me.public in read_roster(store, config.id)
        [entry] = store.contributions(ROUND)[0]
        share = base64.b64decode(json.loads(entry.data)["shares"][0])
        opened = open_share(team["stewards"][0], share, [me.public], ROUND, config.id)
        assert opened.sender == me.public


def test_the_same_round_in_a_folder_and_in_the_database_reads_the_same(
    team: dict[str, Any], tmp_path: Path
) -> None:
    """Same commands, same results: the store changes where files live, nothing else."""
    config: TeamConfig = team["config"]
    folder_config = load_team(team["folder"])
    layout = layout_for(config)
    assert layout.digest == layout_for(folder_config).digest
    members = [Identity.generate() for _ in range(4)]
    results = []
    for cfg, store in ((folder_config, FolderStore(team["folder"])), (config, store_for(config))):
        contribute(store, cfg, layout, members)
        for steward in team["stewards"]:
            steward_run(steward, store, cfg)
        report = build_rounds_report(store, cfg, 4, today=CLOSED.date(), problems=[])
        results.append([(r.round, r.status, r.members) for r in report.rounds])
    assert results[0] == results[1] == [(ROUND, "shown", 4)]


def test_too_few_members_in_the_database_is_a_suppressed_round(team: dict[str, Any]) -> None:
    config: TeamConfig = team["config"]
    with store_for(config) as store:
        contribute(store, config, layout_for(config), [Identity.generate() for _ in range(2)])
        for steward in team["stewards"]:
            assert [o.status for o in steward_run(steward, store, config)] == ["suppressed"]
        report = build_rounds_report(store, config, 2, today=CLOSED.date(), problems=[])
        assert [(r.status, r.days) for r in report.rounds] == [("suppressed", [])]


# ----------------------------------------------------------------------------- the host attacks
def test_the_database_host_reads_no_member_figure_in_any_row(team: dict[str, Any]) -> None:
    config: TeamConfig = team["config"]
    store = store_for(config)
    layout = layout_for(config)
    members = [Identity.generate() for _ in range(3)]
    vectors = contribute(store, config, layout, members)
    for steward in team["stewards"]:
        steward_run(steward, store, config)
    dump = every_row(team["dsn"])
    for member in members:
        vector = vectors[member.public.signing_key]
        # The vector in any form Mastery writes is nowhere: not in clear, not as base64.
        assert encode_vector(vector).encode() not in dump
        assert json.dumps(vector).encode() not in dump
        assert json.dumps(vector, separators=(",", ":")).encode() not in dump
    # Contributions say only their team and round in clear; every share is a sealed box
    # addressed to a steward, and nothing names or fingerprints the member.
    stewards = {s.public.encryption_bytes for s in team["stewards"]}
    for entry in store.contributions(ROUND)[0]:
        clear = json.loads(entry.data)
        assert set(clear) == {"format", "version", "team", "round", "shares"}
        for share in clear["shares"]:
            box = base64.b64decode(share)
            assert box.startswith(PAIRED_MAGIC)
            assert box[len(PAIRED_MAGIC) : len(PAIRED_MAGIC) + 32] in stewards
            for member in members:  # nor in bytes: a paired share's tag is no key of theirs
                assert member.public.signing_bytes not in box
                assert member.public.encryption_bytes not in box
        for member in members:
            for key in (member.public.signing_key, member.public.encryption_key):
                assert key.encode() not in entry.data
            assert member.fingerprint.encode() not in entry.data
    # A partial sum is one steward's sum of shares: alone it looks uniformly random, and it
    # names contributions (random ids), never a member's key.
    partials, problems = read_partials(store, config, ROUND)
    assert problems == [] and len(partials) == 2
    for partial in partials:
        assert partial.n == 3
        assert partial.sums is not None
        sums = decode_vector(partial.sums, layout.size)
        assert sum(1 for v in sums if 2**40 < v < MODULUS - 2**40) > 0.9 * len(sums)
        assert all(sums != v for v in vectors.values())
        text = json.dumps(partial.model_dump(mode="json"))
        assert all(m.public.signing_key not in text for m in members)
    # Only the two partial sums together, which everyone may read, give the (noisy) total.
    total = [
        sum(vs) % MODULUS
        for vs in zip(*(decode_vector(p.sums or "", layout.size) for p in partials), strict=True)
    ]
    true = [sum(col) for col in zip(*vectors.values(), strict=True)]
    assert all(
        abs((t - s + MODULUS // 2) % MODULUS - MODULUS // 2) < 50
        for t, s in zip(total, true, strict=True)
    )
    store.close()


def _partial_rows(dsn: str, round_id: str) -> dict[str, bytes]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT name, data FROM team_partial WHERE round = %s", (round_id,)
        ).fetchall()
    return {name: bytes(data) for name, data in rows}


def test_a_steward_joining_again_with_a_new_password_never_sums_a_round_twice(
    tmp_path: Path, pg_dsn: str, col: Collection
) -> None:
    """The database's password changes and the steward joins again with the new one (its
    parameters in another order): the same database, so what it published there is still
    its own. Someone deletes its partial sum: the steward puts back the very sum it
    published, never a second, freshly noised one (the two would average the noise away)."""
    me = Identity.of(col)
    publish_team(pg_dsn, with_stewards(tmp_path / "crew", me, Identity.generate()))
    config = col.team.join(pg_dsn)
    with store_for(config) as store:
        contribute(store, config, layout_for(config), [Identity.generate() for _ in range(3)])
    [first] = col.team.aggregate(now=CLOSED)
    assert (first.round, first.status, first.members) == (ROUND, "published", 3)
    published = _partial_rows(pg_dsn, ROUND)
    assert len(published) == 1
    user, _, rest = pg_dsn.partition("@")
    path, _, query = rest.partition("?")
    rotated = f"{user}:rotated@{path}?{'&'.join(reversed(query.split('&')))}"
    assert rotated != pg_dsn
    col.team.join(rotated)
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("DELETE FROM team_partial")
    [again] = col.team.aggregate(now=CLOSED)
    assert again.status == "published" and "is back" in (again.detail or "")
    assert _partial_rows(pg_dsn, ROUND) == published


def test_rows_forged_or_replayed_in_the_database_never_count(team: dict[str, Any]) -> None:
    config: TeamConfig = team["config"]
    store = store_for(config)
    assert isinstance(store, PostgresStore)
    layout = layout_for(config)
    members = [Identity.generate() for _ in range(3)]
    contribute(store, config, layout, members)
    outsider = Identity.generate()  # not on the roster: a Sybil the host made up
    for n in range(5):
        data = seal_contribution(outsider, config, layout, ROUND, vector_of(layout, n), now=NOW)
        store.put_contribution(ROUND, f"sybil{n}", data)
    # A genuine contribution copied by the host into the round before (a replay).
    genuine = store.contributions(ROUND)[0][0].data
    with psycopg.connect(team["dsn"]) as conn:
        conn.execute(
            "INSERT INTO team_contribution (team, round, name, data) VALUES (%s, %s, %s, %s)",
            (config.id, EARLIER, "replayed", genuine),
        )
    # A partial sum for that round signed by someone who is not a steward.
    forged = json.dumps({"format": "mastery-team-partial", "fingerprint": "x", "signed": ""})
    store.put_partial(EARLIER, entry_name(outsider.public), forged.encode())
    outcomes = steward_run(team["stewards"][0], store, config)
    by_round = {o.round: o for o in outcomes}
    assert by_round[ROUND].members == 3
    assert by_round[ROUND].ignored == {"not from a member on the roster": 5}
    assert by_round[EARLIER].members == 0
    assert by_round[EARLIER].ignored == {"damaged, forged or not a contribution": 1}
    report = build_rounds_report(store, config, 3, today=CLOSED.date(), problems=[])
    assert any("partials" in p for p in report.problems)
    assert all(r.status != "shown" for r in report.rounds if r.round == EARLIER)
    store.close()


def test_a_hostile_team_row_never_writes_outside_the_profile_cache(
    team: dict[str, Any], tmp_path: Path
) -> None:
    with psycopg.connect(team["dsn"]) as conn:
        conn.execute("ALTER TABLE team_deck DROP CONSTRAINT team_deck_name")
        conn.execute(
            "INSERT INTO team_deck (team, name, text) VALUES ('crew', '../../../evil.toml', 'x')"
        )
    cache = tmp_path / "cache"
    with pytest.raises(TeamError, match="not one Mastery writes") as caught:
        load_team(team["dsn"], cache=cache)
    assert "\n" not in str(caught.value)
    assert not list(tmp_path.rglob("evil.toml"))


def test_a_team_toml_that_names_another_team_is_refused(team: dict[str, Any]) -> None:
    with psycopg.connect(team["dsn"]) as conn:
        conn.execute("UPDATE team_meta SET team_toml = replace(team_toml, 'crew', 'other')")
    with pytest.raises(TeamError, match="published as team 'crew'"):
        load_team(team["dsn"], cache=Path(team["folder"]).parent / "cache")


# ----------------------------------------------------------------------------- team files
def test_joining_downloads_the_team_files_into_the_profile_cache(
    team: dict[str, Any], tmp_path: Path
) -> None:
    config: TeamConfig = team["config"]
    cache = tmp_path / "profile" / "teams"
    assert config.folder == (cache / "crew").resolve()
    assert config.store_url == team["dsn"]
    assert [p.name for p in config.deck_files] == ["team-deck.toml"]
    assert config.decks == ("team-deck",) and len(config.stewards) == 2
    assert config.to_dict()["store"] == team["dsn"]  # no password in this one to hide
    # The lead publishes again with another deck instead: the cache follows.
    source = Path(team["folder"])
    (source / "decks" / "team-deck.toml").rename(source / "decks" / "renamed.toml")
    publish_team(team["dsn"], source)
    again = load_team(team["dsn"], cache=cache)
    assert [p.name for p in again.deck_files] == ["renamed.toml"]
    assert isinstance(store_for(again), PostgresStore)


def test_store_for_picks_a_folder_or_a_database(tmp_path: Path, pg_dsn: str) -> None:
    assert isinstance(store_for(tmp_path), FolderStore)
    assert isinstance(store_for(str(tmp_path)), FolderStore)
    for url in (pg_dsn, pg_dsn.replace("postgresql://", "postgres://", 1)):
        with store_for(url) as found:
            assert isinstance(found, PostgresStore)
            with pytest.raises(TeamError, match="no team lives in this database yet"):
                found.roster()  # no ?team= and none published: nothing to guess
    folder_team = load_team(make_team(tmp_path / "crew"))
    assert isinstance(store_for(folder_team), FolderStore)


def test_a_database_with_several_teams_asks_which_one(tmp_path: Path, pg_dsn: str) -> None:
    for name in ("alpha", "beta"):
        folder = make_team(tmp_path / name)
        (folder / "team.toml").write_text(
            (folder / "team.toml").read_text().replace('id = "crew"', f'id = "{name}"')
        )
        publish_team(pg_dsn, folder)
    with pytest.raises(TeamError, match=r"several teams live in this database \(alpha, beta\)"):
        load_team(pg_dsn, cache=tmp_path / "cache")
    assert load_team(pg_dsn + "&team=beta", cache=tmp_path / "cache").id == "beta"
    with pytest.raises(TeamError, match="no team 'gamma'"):
        load_team(pg_dsn + "&team=gamma", cache=tmp_path / "cache")


# ----------------------------------------------------------------------------- schema
def test_the_schema_is_made_by_the_first_write_and_migrating_again_changes_nothing(
    pg_dsn: str,
) -> None:
    with PostgresStore(pg_dsn, team="crew") as store:
        assert store.roster() == ([], [])  # a read on an empty database...
        with psycopg.connect(pg_dsn) as conn:  # ...creates nothing (reads never write)
            assert conn.execute("SELECT to_regclass('team_member')").fetchone() == (None,)
        store.put_member("aaaa", b"x")
    with psycopg.connect(pg_dsn) as conn:
        versions = conn.execute("SELECT version FROM team_schema_version").fetchall()
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
    assert versions == [(SCHEMA_VERSION,)]
    assert tables == {*TABLES, "team_schema_version"}
    import sqlalchemy as sa

    engine = sa.create_engine(pg_dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            assert migrate(conn, "db") == SCHEMA_VERSION
        with engine.begin() as conn:
            assert migrate(conn, "db") == SCHEMA_VERSION
    finally:
        engine.dispose()
    with PostgresStore(pg_dsn, team="crew") as store:
        assert [e.name for e in store.roster()[0]] == ["aaaa"]


def test_first_writes_at_the_same_moment_make_the_schema_once(pg_dsn: str) -> None:
    """Eight members joining an empty database at once: the migration runs once (the others
    wait on its lock), and every entry lands."""
    from concurrent.futures import ThreadPoolExecutor

    def join(n: int) -> None:
        with PostgresStore(pg_dsn, team="crew") as store:
            store.put_member(f"m{n}", b"x")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(join, range(8)))
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT version FROM team_schema_version").fetchall() == [
            (SCHEMA_VERSION,)
        ]
        assert conn.execute("SELECT count(*) FROM team_member").fetchone() == (8,)


def test_a_database_of_a_newer_schema_is_refused_in_one_line(pg_dsn: str) -> None:
    with PostgresStore(pg_dsn, team="crew") as store:
        store.put_member("aaaa", b"x")
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("INSERT INTO team_schema_version (version) VALUES (%s)", (SCHEMA_VERSION + 1,))
    with PostgresStore(pg_dsn, team="crew") as store:
        for action in (store.roster, store.rounds, lambda: store.put_member("bbbb", b"y")):
            with pytest.raises(TeamError, match="newer than this Mastery knows") as caught:
                action()
            assert "\n" not in str(caught.value)
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT name FROM team_member").fetchall() == [("aaaa",)]


def test_the_team_tables_never_reach_a_profile_database() -> None:
    from sqlmodel import SQLModel

    assert not {*TABLES, "team_schema_version"} & set(SQLModel.metadata.tables)


def test_the_grants_in_the_docs_are_enough_and_keep_members_from_publishing_sums(
    pg_dsn: str, tmp_path: Path
) -> None:
    """docs/teams.md's roles, played for real: the owner creates the tables, members write
    the roster and contributions only, stewards add partial sums but cannot replace one."""
    suffix = pg_dsn.split("@/", 1)[1].split("?", 1)[0].removeprefix("test_")
    owner, member, steward = (f"{r}_{suffix}" for r in ("owner", "member", "steward"))

    def as_role(role: str) -> str:
        return pg_dsn.replace("mastery@", f"{role}@", 1)

    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {owner} LOGIN")
        admin.execute(f"GRANT CREATE ON SCHEMA public TO {owner}")
        admin.execute(f"CREATE ROLE {member} LOGIN")
        admin.execute(f"CREATE ROLE {steward} LOGIN IN ROLE {member}")
    try:
        publish_team(as_role(owner), make_team(tmp_path / "crew", stewards=False))
        with psycopg.connect(as_role(owner), autocommit=True) as conn:
            conn.execute(
                "GRANT SELECT ON team_schema_version, team_meta, team_deck, team_member, "
                f"team_contribution, team_partial TO {member}"
            )
            conn.execute(
                f"GRANT INSERT, UPDATE, DELETE ON team_member, team_contribution TO {member}"
            )
            conn.execute(f"GRANT INSERT ON team_partial TO {steward}")
        with PostgresStore(as_role(member)) as store:
            store.put_member("aaaa", b"x")
            store.put_member("aaaa", b"y")  # joining again: an upsert
            store.put_contribution(ROUND, "c1", b"x")
            assert store.remove_contribution(ROUND, "c1") is True
            with pytest.raises(TeamError, match="permission denied for table team_partial"):
                store.put_partial(ROUND, "s1", b"a sum")
            with pytest.raises(TeamError, match="permission denied for table team_meta"):
                publish_team(as_role(member), tmp_path / "crew")
            assert load_team(as_role(member), cache=tmp_path / "cache").id == "crew"
        with PostgresStore(as_role(steward)) as store:
            store.put_partial(ROUND, "s1", b"a sum")
            with pytest.raises(TeamError, match="already published"):
                store.put_partial(ROUND, "s1", b"a freshly noised sum")
        with (
            psycopg.connect(as_role(steward)) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute("UPDATE team_partial SET data = 'replaced'")
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            for role in (steward, member, owner):
                admin.execute(f"REASSIGN OWNED BY {role} TO mastery")
                admin.execute(f"DROP OWNED BY {role}")
                admin.execute(f"DROP ROLE {role}")


# ----------------------------------------------------------------------------- bad locations
@pytest.mark.parametrize(
    "url",
    [
        "postgresql://mastery:s3cret-pw@127.0.0.1:1/db",  # nothing listens on port 1
        "postgresql://mastery@/db?host=/nonexistent/socket&password=s3cret-pw",
        "postgresql://mastery:s3cret-pw@[::1/db",
        "postgres://mastery:s3cret-pw@127.0.0.1:1/db?team=Bad_Team",
    ],
)
def test_an_unreachable_or_bad_database_is_one_line_without_the_password(
    url: str, tmp_path: Path
) -> None:
    with pytest.raises(TeamError) as caught:
        load_team(url, cache=tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "s3cret-pw" not in message
    assert message.startswith(("postgresql://", "postgres://"))
    assert not list(tmp_path.iterdir())


def test_a_missing_database_and_a_wrong_user_are_one_line(pg_dsn: str, tmp_path: Path) -> None:
    name = pg_dsn.split("@/", 1)[1].split("?", 1)[0]
    missing = pg_dsn.replace(f"@/{name}?", "@/no_such_db?", 1)
    with pytest.raises(TeamError, match='database "no_such_db" does not exist'):
        download_team(missing, tmp_path)
    nobody = pg_dsn.replace("mastery@", "nobody@", 1)
    with pytest.raises(TeamError, match='role "nobody" does not exist'):
        PostgresStore(nobody, team="crew").roster()


# ----------------------------------------------------------------------------- the CLI
def test_the_cli_publishes_joins_syncs_sums_and_reports_through_postgresql(
    pg_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], mastery_home: Path
) -> None:
    """The same commands as for a folder: `team init URL --from DIR`, `team join URL`, sync,
    aggregate (once the round closes) and report; `team list` never shows a password."""
    from datetime import timedelta

    from conftest import NOW
    from mastery.cli import main
    from mastery.collection import Collection
    from mastery.team.config import change_stewards
    from mastery.team.wire import round_of

    def cli(profile: str, *args: str) -> tuple[int, str, str]:
        code = main(["--no-bundled-decks", "--profile", profile, *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    folder = tmp_path / "crew"
    assert cli("lead", "team", "init", str(folder), "--name", "Crew")[0] == 0
    with Collection.open("bo", mastery_home, bundled=False) as bo:
        from mastery.identity import Identity

        change_stewards(folder, add=("Bo", Identity.of(bo).public))
    code, out, _ = cli("lead", "team", "init", pg_dsn, "--from", str(folder))
    assert code == 0 and "Published team Crew (crew)" in out
    code, _, err = cli("lead", "team", "init", pg_dsn)  # a URL needs --from
    assert code == 2 and "--from" in err and err.count("\n") == 1
    for profile in ("lead", "bo", "cy"):
        code, out, err = cli(profile, "team", "join", pg_dsn, "--sync")
        assert code == 0, err
    code, out, _ = cli("cy", "team", "list", "--json")
    [listed] = json.loads(out)
    assert listed["database"] and "postgres" in listed["database"]
    # every profile studies a card of the team's deck a few days ago, then seals it
    for profile in ("lead", "bo", "cy"):
        with Collection.open(profile, mastery_home, bundled=False) as col:
            col.set_setting("timezone", "UTC")
            col.team.pull(now=NOW)
            key = next(d.key for d in col.decks() if d.key.startswith("crew/"))
            col.answer(col.deck_cards(key)[0].id, 3, now=NOW)
            col.team.sync(now=NOW)
    later = NOW + timedelta(days=3)
    for profile in ("lead", "bo"):
        with Collection.open(profile, mastery_home, bundled=False) as col:
            outcomes = col.team.aggregate(now=later)
            assert any(
                o.round == round_of(NOW.date()) and o.status == "published" for o in outcomes
            )
    with Collection.open("cy", mastery_home, bundled=False) as col:
        report = col.team.report(now=later)
    assert report.latest is not None and report.latest.members == 3  # type: ignore[union-attr]
    assert not list(folder.glob("rounds/*"))  # nothing of the rounds went to the folder
