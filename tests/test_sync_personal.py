"""Sync of the mentor and team state that is the person's (issue 14, docs/sync.md,
sync/personal.py): feedback received and whether it was read, a mentor's mentees, their
entries and the comments written on them, the teams joined; never keys, pairings, team
pseudonyms or whether a device contributes to a team."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import test_sync
from mentor_files import pair
from test_sync import PASS, sync_of
from test_team import make_team

from conftest import NOW
from mastery.collection import Collection
from mastery.days import utcnow
from mastery.errors import SyncError
from mastery.sync.events import PersonalEvent
from mastery.sync.hlc import Clock
from mastery.sync.personal import personal_channel

deck = test_sync.deck
open_profile = test_sync.open_profile


def later_clock(col: Collection, seconds: int) -> None:
    moment = utcnow() + timedelta(seconds=seconds)
    col.set_clock(lambda: moment)


def mentor_state(col: Collection) -> tuple[Any, ...]:
    """Everything of the mentor feature both sides keep, by uid (local row ids differ)."""
    tables = {
        "feedbackcomment": "comment_uid, mentor_id, body, target_uid, read_at",
        "feedbacknote": "note_uid, body, read_at",
        "mentee": "pairing_id, display_name, note, note_uid, summary_json, goals_json",
        "menteeentry": "uid, title, body, read_at",
        "mentorcomment": "comment_uid, target_uid, body, deleted_at",
    }
    return tuple(
        sorted(tuple(r) for r in col.conn.execute(f"SELECT {cols} FROM {table}"))
        for table, cols in tables.items()
    )


@pytest.fixture
def folder(tmp_path: Path) -> str:
    path = tmp_path / "synced"
    path.mkdir()
    return str(path)


@pytest.fixture
def exchange(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> tuple[Collection, Collection, str, str]:
    """Ana (a mentee) shares two entries with Bo (her mentor), who comments on both and
    replies; Ana imports the reply. Returns (ana, bo, first entry uid, second entry uid)."""
    ana, bo = open_profile("ana"), open_profile("bo")
    pair(ana, bo)
    first = ana.journal.add("Learned the dative", visibility="shared", now=NOW)
    second = ana.journal.add("Read a story", visibility="shared", now=NOW)
    bundle = tmp_path / "ana.bundle"
    ana.mentor.export_bundle(bundle, name="Ana", now=NOW)
    bo.mentor.add_bundle(bundle, now=NOW)
    bo.mentor.comment("Ana", "entry", first.uid, "Try it in a sentence", now=NOW)
    bo.mentor.comment("Ana", "entry", second.uid, "Which story?", now=NOW)
    bo.mentor.set_note("Ana", "Steady progress.", now=NOW)
    feedback = tmp_path / "bo.feedback"
    bo.mentor.reply("Ana", feedback, name="Bo", now=NOW + timedelta(minutes=1))
    ana.mentor.import_feedback(feedback, now=NOW + timedelta(minutes=2))
    return ana, bo, first.uid, second.uid


def test_feedback_received_on_one_device_is_on_the_other_and_read_once_is_read(
    exchange: tuple[Collection, Collection, str, str],
    open_profile: Callable[..., Collection],
    folder: str,
) -> None:
    ana, _, first, second = exchange
    laptop = open_profile("ana-laptop")
    sync_of(ana).setup(folder, PASS)
    sync_of(laptop).setup(folder, PASS)
    got = laptop.mentor.comments_for_entry(first)
    assert [(c.body, c.mentor_name, c.unread) for c in got] == [
        ("Try it in a sentence", "Bo", True)
    ]
    assert laptop.mentor.unread_count() == 2
    note = laptop.mentor.latest_note()
    assert note is not None and note.body == "Steady progress." and note.unread
    # Read on the laptop: read on the phone too.
    assert laptop.mentor.mark_read([got[0].uid], now=NOW + timedelta(hours=1)) == 1
    later_clock(laptop, 1)
    sync_of(laptop).run(PASS)
    sync_of(ana).run(PASS)
    assert ana.mentor.unread_count() == 1
    # Both read the other one between syncs: the earlier moment stays, whatever wins.
    [other] = ana.mentor.comments_for_entry(second)
    ana.mentor.mark_read([other.uid], now=NOW + timedelta(hours=3))
    laptop.mentor.mark_read([other.uid], now=NOW + timedelta(hours=2))
    later_clock(ana, 2)
    later_clock(laptop, 3)
    for col in (ana, laptop, ana):
        sync_of(col).run(PASS)
    assert mentor_state(ana) == mentor_state(laptop)
    read_at = ana.conn.execute(
        "SELECT read_at FROM feedbackcomment WHERE comment_uid = ?", (other.uid,)
    ).fetchone()[0]
    assert read_at == int((NOW + timedelta(hours=2)).timestamp() * 1000)
    assert sync_of(ana).run(PASS).sent == sync_of(laptop).run(PASS).sent == 0


def test_a_mentors_comment_written_on_one_device_continues_on_the_other(
    exchange: tuple[Collection, Collection, str, str],
    open_profile: Callable[..., Collection],
    folder: str,
    tmp_path: Path,
) -> None:
    ana, bo, first, _ = exchange
    laptop = open_profile("bo-laptop")
    sync_of(bo).setup(folder, PASS)
    sync_of(laptop).setup(folder, PASS)
    assert [m.name for m in laptop.mentor.mentees()] == ["Ana"]
    assert laptop.mentor.mentee("Ana").note == "Steady progress."
    [written] = [c for c in laptop.mentor.mentee_comments("Ana") if c.target_id == first]
    assert written.body == "Try it in a sentence"
    # On the laptop, Bo edits it and writes another; Bo's paired desktop replies with both.
    laptop.mentor.edit_comment(written.uid, "Try it in two sentences", now=NOW + timedelta(hours=1))
    laptop.mentor.open_entry("Ana", first, now=NOW + timedelta(hours=1))
    added = laptop.mentor.comment("Ana", "entry", first, "Nice work", now=NOW + timedelta(hours=1))
    later_clock(laptop, 1)
    sync_of(laptop).run(PASS)
    sync_of(bo).run(PASS)
    assert mentor_state(bo) == mentor_state(laptop)
    assert not bo.mentor.mentee_entry("Ana", first).unread
    feedback = tmp_path / "second.feedback"
    bo.mentor.reply("Ana", feedback, now=NOW + timedelta(hours=2))
    report = ana.mentor.import_feedback(feedback, now=NOW + timedelta(hours=2))
    assert (report.added, report.updated) == (1, 1)
    assert {c.body for c in ana.mentor.comments_for_entry(first)} == {
        "Try it in two sentences",
        "Nice work",
    }
    assert added.uid in {c.uid for c in ana.mentor.comments_for_entry(first)}
    # Forgotten on one device: gone on the other, with its entries and comments.
    bo.mentor.remove_mentee("Ana")
    later_clock(bo, 2)
    sync_of(bo).run(PASS)
    sync_of(laptop).run(PASS)
    assert laptop.mentor.mentees() == [] and mentor_state(laptop) == mentor_state(bo)


def test_a_team_joined_on_one_device_is_joined_on_the_other_but_contributes_from_one(
    open_profile: Callable[..., Collection], folder: str, tmp_path: Path
) -> None:
    phone, laptop = open_profile("phone"), open_profile("laptop")
    sync_of(phone).setup(folder, PASS)
    sync_of(laptop).setup(folder, PASS)
    team = make_team(tmp_path / "crew")
    phone.team.join(team, sync=True)
    sync_of(phone).run(PASS)
    sync_of(laptop).run(PASS)
    [joined] = laptop.team.list()
    assert (joined.id, joined.name, joined.folder, joined.sync) == (
        "crew",
        "The Crew",
        team,
        False,  # whether a device contributes stays with it: one person, counted once
    )
    assert phone.team.list()[0].sync
    assert laptop.meta("team_secret") is None and laptop.meta("identity") is None
    phone.team.leave("crew")
    later_clock(phone, 1)
    sync_of(phone).run(PASS)
    sync_of(laptop).run(PASS)
    assert laptop.team.list() == []


def test_a_mentees_entry_before_its_mentee_waits_and_unknown_rows_wait(
    open_profile: Callable[..., Collection],
) -> None:
    col = open_profile("a")
    channel = personal_channel()
    entry = {
        "day": "2026-01-02",
        "title": "t",
        "body": "b",
        "tags": "",
        "prompt": None,
        "goal_ids": "",
        "received_at": 1,
        "changed_at": 1,
        "read_at": None,
    }
    mentee = {
        "display_name": "Ana",
        "bundle_created_at": 1,
        "summary_json": "{}",
        "goals_json": "[]",
        "added_at": 1,
        "updated_at": 1,
        "note": "",
        "note_uid": None,
        "note_updated_at": None,
    }
    pairing = "p-" + "a" * 26
    device = "f" * 32
    with col.db.transaction() as conn:
        channel.apply(
            conn,
            device,
            [
                PersonalEvent(what="mentee_entry", key=f"{pairing}/e-1", stamp=5, value=entry),
                PersonalEvent(what="feedback_note", key="n-abcdef", stamp=6, value={"x": 1}),
                PersonalEvent(what="telepathy", key="k", stamp=7, value=[1, 2]),
            ],
        )
        assert conn.execute("SELECT count(*) FROM menteeentry").fetchone()[0] == 0
        assert channel.outgoing(conn, "e" * 32, Clock(), 10).events == []
        channel.apply(
            conn, device, [PersonalEvent(what="mentee", key=pairing, stamp=8, value=mentee)]
        )
        titles = [r[0] for r in conn.execute("SELECT title FROM menteeentry")]
        waiting = conn.execute(  # a newer kind, and values kept until they can be stored
            "SELECT (SELECT count(*) FROM syncitem WHERE applied = 0) + (SELECT count(*) "
            "FROM syncpending WHERE kind IN ('setting', 'personal'))"
        ).fetchone()[0]
    assert titles == ["t"] and waiting == 2


def test_three_mentor_devices_in_random_orders_end_identical(
    exchange: tuple[Collection, Collection, str, str],
    open_profile: Callable[..., Collection],
    folder: str,
) -> None:
    _, bo, first, second = exchange
    devices = [bo, open_profile("bo-2"), open_profile("bo-3")]
    for col in devices:
        sync_of(col).setup(folder, PASS)
    rng = random.Random(1411)
    moment = NOW
    for _ in range(6):
        for col in devices:
            moment += timedelta(minutes=rng.randint(1, 90))
            action = rng.random()
            comments = col.mentor.mentee_comments("Ana")
            if action < 0.3:
                col.mentor.comment("Ana", "entry", rng.choice([first, second]), "More?", now=moment)
            elif action < 0.5 and comments:
                col.mentor.edit_comment(rng.choice(comments).uid, f"v{rng.random()}", now=moment)
            elif action < 0.6 and comments:
                col.mentor.delete_comment(rng.choice(comments).uid, now=moment)
            elif action < 0.8:
                col.mentor.open_entry("Ana", rng.choice([first, second]), now=moment)
            else:
                col.mentor.set_note("Ana", f"note {rng.randint(1, 5)}", now=moment)
        for col in rng.sample(devices, k=rng.randint(1, 3)):
            sync_of(col).run(PASS)
    for _ in range(2):
        for col in rng.sample(devices, k=3):
            sync_of(col).run(PASS)
    states = [mentor_state(col) for col in devices]
    assert states[0] == states[1] == states[2]
    assert len(states[0][4]) >= 2  # the comments Bo wrote, and those added since


def test_team_and_mentor_files_keys_and_pairings_never_reach_the_target(
    exchange: tuple[Collection, Collection, str, str],
    open_profile: Callable[..., Collection],
    folder: str,
    tmp_path: Path,
) -> None:
    """Everything on the target, opened with the key: the header and sealed chunks only
    (no bundle, feedback or team file), and inside them none of this device's own: its
    identity's keys, its pairing id, the team pseudonym secret, a team contribution."""
    import json
    import re

    from mastery.sync import chunks, crypto

    ana, _, _, _ = exchange
    team = make_team(tmp_path / "crew")
    ana.team.join(team, sync=True)
    ana.team.sync(now=NOW)
    contributions = [p for p in team.rglob("*") if p.is_file() and p.suffix != ".toml"]
    assert contributions  # a sealed contribution was written to the team folder
    sync_of(ana).setup(folder, PASS)
    target = Path(folder)
    names = [p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()]
    assert names and all(
        n == chunks.HEADER_NAME or re.fullmatch(r"[0-9a-f]{32}/[0-9]{8}\.chunk", n) for n in names
    ), names
    key = sync_of(ana).keys.load()
    assert key is not None
    opened = ""
    for name in names:
        if name != chunks.HEADER_NAME:
            device, seq = name.split("/")
            data = (target / name).read_bytes()
            opened += json.dumps(crypto.open_chunk(key, device, int(seq[:8]), data, name))
    assert "Try it in a sentence" in opened  # the feedback did go, as rows
    identity = json.dumps(ana.meta("identity"))
    secrets = [
        *re.findall(r"[0-9A-Za-z+/=_-]{40,}", identity),  # the identity's keys
        str(ana.meta("pairing_id")),
        str(ana.meta("team_secret")),
    ]
    assert len(secrets) >= 4, secrets
    for secret in secrets:
        assert secret not in opened
    for path in contributions:
        assert path.name not in opened


def test_a_sync_folder_in_a_teams_folder_or_holding_the_profile_is_refused(
    open_profile: Callable[..., Collection], tmp_path: Path
) -> None:
    """Team files are no part of the personal target, and the personal target no part of a
    team's folder: there every teammate would get the chunks. Nor the profile's folder (or
    one holding it): the remembered key is in it, and the host would get it with the chunks
    it opens; nor a folder among the sync cache's (the clone, the key)."""
    col = open_profile("ana")
    team = make_team(tmp_path / "crew")
    col.team.join(team)
    profile = col.db.path.parent
    for inside in (team, team / "sync", profile, profile.parent, profile / "sync" / "t"):
        inside.mkdir(parents=True, exist_ok=True)
        with pytest.raises(SyncError) as caught:
            sync_of(col).setup(str(inside), PASS)
        assert "\n" not in str(caught.value) and "give a folder" in str(caught.value)
        assert sync_of(col).status().target is None and not (inside / "mastery-sync.json").exists()
    assert not sync_of(col).keys.exists()
    beside = profile / "to-sync"  # a folder of its own, synced alone: nothing else goes
    beside.mkdir()
    assert sync_of(col).setup(str(beside), PASS).joined is False


def _kept_keys(col: Collection) -> list[str]:
    """The meta keys of a steward's kept pairwise keys (team/peers.py)."""
    rows = col.conn.execute(
        "SELECT key FROM setting WHERE key LIKE '\\_team\\_peers/%' ESCAPE '\\'"
    )
    return [row[0] for row in rows]


def _a_stewards_laptop_and_a_phone(
    open_profile: Callable[..., Collection], folder: str, tmp_path: Path
) -> tuple[Collection, Collection]:
    """One person's phone and laptop, synced; the laptop is a steward of a team the phone
    joined, and has summed a round (so it keeps the key it shares with the phone's entry)."""
    import test_team_rounds as rounds

    phone, laptop = open_profile("phone"), open_profile("laptop")
    sync_of(phone).setup(folder, PASS)
    sync_of(laptop).setup(folder, PASS)
    team = make_team(tmp_path / "crew", k=2, stewards=False)
    rounds.add_stewards(team, laptop)
    phone.team.join(team, sync=True)
    sync_of(phone).run(PASS)
    sync_of(laptop).run(PASS)
    laptop.team.aggregate(now=rounds.CLOSED)  # reads the roster: the phone's entry
    return phone, laptop


def test_a_team_left_on_another_device_takes_the_stewards_kept_keys_with_it(
    open_profile: Callable[..., Collection], folder: str, tmp_path: Path
) -> None:
    """The laptop is a steward and keeps the keys it shares with the members; the team is
    left on the phone. The leave reaches the laptop, and so must its consequence: the keys
    of a team left are secrets no device keeps (they never travel, so each drops its own)."""
    phone, laptop = _a_stewards_laptop_and_a_phone(open_profile, folder, tmp_path)
    assert _kept_keys(laptop) and not _kept_keys(phone)  # kept where made, never synced
    phone.team.leave("crew")
    later_clock(phone, 1)
    sync_of(phone).run(PASS)
    sync_of(laptop).run(PASS)
    assert laptop.team.list() == [] and _kept_keys(laptop) == []


def test_a_team_moved_to_another_database_on_another_device_starts_the_steward_afresh(
    open_profile: Callable[..., Collection], folder: str, tmp_path: Path
) -> None:
    """The team's lead moves it to a database and the phone joins it there; the change
    reaches the laptop, a steward of the old store: as joining the new store would, it
    forgets the old store's kept keys and partial sums (another store's sums must never be
    put back into this one)."""
    phone, laptop = _a_stewards_laptop_and_a_phone(open_profile, folder, tmp_path)
    token = laptop.meta("teams")["crew"]["partials"]
    assert _kept_keys(laptop)
    joined = phone.meta("teams")
    joined["crew"]["store_url"] = "postgresql://db.example/crew"  # as a join there records it
    phone.set_meta("teams", joined)
    later_clock(phone, 1)
    sync_of(phone).run(PASS)
    sync_of(laptop).run(PASS)
    moved = laptop.meta("teams")["crew"]
    assert moved["store_url"] == "postgresql://db.example/crew"
    assert "partials" not in moved and _kept_keys(laptop) == []
    assert laptop.meta(f"team_peers/{token}") is None


def test_the_same_database_under_another_password_on_another_device_is_no_move(
    open_profile: Callable[..., Collection], folder: str, tmp_path: Path
) -> None:
    """The laptop, a steward, joined the team's database with the old password; the phone
    joins it again with the new one (spelled `postgres://`, the host in capitals). The
    change reaches the laptop: the same database, so the steward keeps its membership's
    token (under which its published partial sums are kept: losing them would let it sum a
    round again with fresh noise) and its pairwise keys."""
    phone, laptop = _a_stewards_laptop_and_a_phone(open_profile, folder, tmp_path)
    token = laptop.meta("teams")["crew"]["partials"]
    kept = _kept_keys(laptop)
    assert kept
    for device, url in (
        (laptop, "postgresql://ana:old@db.example/crew?team=crew&sslmode=require"),
        (phone, "postgres://ana:new@DB.example/crew?sslmode=require&team=crew"),
    ):
        joined = device.meta("teams")
        joined["crew"]["store_url"] = url  # as a join there records it
        device.set_meta("teams", joined)
    later_clock(phone, 1)
    sync_of(phone).run(PASS)
    sync_of(laptop).run(PASS)
    here = laptop.meta("teams")["crew"]
    assert here["store_url"].startswith("postgres://ana:new@")  # the phone's, the newer
    assert here["partials"] == token and _kept_keys(laptop) == kept
