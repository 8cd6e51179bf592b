"""Attacks on paired shares (issue 15), each played against the steward as it runs: a roster
writer, a teammate, the folder's host or the other steward trying to make a paired share
count wrongly, go uncounted, or make a run with kept keys count other than a first run.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from test_team import STEWARDS, aggregate_as_the_command
from test_team_forked_opening import (
    CLOSED,
    NOW,
    ROUND,
    _column_sums,
    _fork,
    _published,
    _total,
)
from test_team_paired import _round
from test_team_paired import _sum_round as _outcomes

from mastery.identity import Identity, Peer, PublicIdentity
from mastery.team.peers import entry_digest
from mastery.team.roster import entry_name
from mastery.team.wire import ROSTER_FORMAT, dumps


def _entry_naming(signer: Identity, encryption: PublicIdentity, team_id: str) -> bytes:
    """A roster entry `signer` signs for its own signing key and someone else's encryption
    key: anyone can write one (the entry's signature binds only what its signer says)."""
    payload = {
        "format": ROSTER_FORMAT,
        "version": 1,
        "team": team_id,
        "identity": f"mastery-id1:{signer.public.signing_key}:{encryption.encryption_key}",
        "joined_on": NOW.date().isoformat(),
    }
    signed = signer.sign(dumps(payload))
    return dumps(
        {
            "format": ROSTER_FORMAT,
            "fingerprint": signer.fingerprint,
            "signed": base64.b64encode(signed).decode("ascii"),
        }
    )


@pytest.mark.parametrize("fork", [True, False])
def test_an_entry_claiming_a_members_encryption_key_never_silences_that_member(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    """Mallory joins with an entry of her own signing key and the victim's encryption key
    (she can sign that; she cannot read what it receives). Her pair with a steward is then
    the victim's pair, so the two share every round's tag: the victim's shares must still
    count as the victim's, on a first run and with kept keys, forked or on threads."""
    _fork(monkeypatch, fork=fork)
    store, config, layout, people, vectors = _round(tmp_path, 3)
    victim = people[0]
    victim_data = store.folder / "members" / f"{entry_name(victim.public)}.json"
    victim_digest = entry_digest(config.id, victim_data.read_bytes())
    while True:  # whichever order the steward reads them in, Mallory's entry comes last
        mallory = Identity.generate()
        data = _entry_naming(mallory, victim.public, config.id)
        if (
            entry_name(mallory.public) > entry_name(victim.public)
            and entry_digest(config.id, data) > victim_digest
        ):
            break
    store.put_member(entry_name(mallory.public), data)
    kept: list[dict[bytes, Peer]] = [{}, {}]
    for run in ("first", "kept"):
        outcomes = _outcomes(store, config, layout, kept)
        assert [(o.members, o.ignored) for o in outcomes] == [(3, {}), (3, {})], run
        assert _total(_published(store, config, layout)) == _column_sums(vectors), run


def test_joining_another_folder_under_the_teams_id_drops_the_kept_keys(
    mastery_home: Path, tmp_path: Path
) -> None:
    """A steward re-joins `crew` from another folder (another team that chose the same id):
    its membership's sums are no longer this one's, nor are the keys it kept for the old
    folder's members, which nothing would ever read or remove again."""
    import test_team_rounds as rounds
    from test_team import make_team

    folders = [make_team(tmp_path / name, k=2, stewards=False) for name in ("old", "new")]
    steward = rounds.open_profile(mastery_home, "s0")
    for folder in folders:
        rounds.add_stewards(folder, steward)
    steward.team.join(folders[0])
    steward.team.aggregate(now=rounds.CLOSED)  # reads the roster: the keys are kept
    assert _kept(steward)
    steward.team.join(folders[1])
    assert _kept(steward) == []
    steward.close()


def _kept(col: Any) -> list[str]:
    rows = col.conn.execute(
        "SELECT key FROM setting WHERE key LIKE '\\_team\\_peers/%' ESCAPE '\\'"
    )
    return [row[0] for row in rows]


@pytest.mark.parametrize("fork", [True, False])
def test_thousands_of_entries_naming_one_members_key_cost_the_steward_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    """Someone who can write the roster and the round signs 1,500 entries naming the
    victim's encryption key (all one tag) and copies the victim's file 40 times. The victim
    counts once, and the steward's work stays in proportion to the files: telling the
    entries apart compares each peer about once, never each with every other (which made
    a round of such entries take seconds, then minutes)."""
    _fork(monkeypatch, fork=fork)
    store, config, layout, people, vectors = _round(tmp_path, 3)
    victim = people[0]
    for _ in range(1500):
        mallory = Identity.generate()
        store.put_member(
            entry_name(mallory.public), _entry_naming(mallory, victim.public, config.id)
        )
    contributions = store.folder / "rounds" / ROUND / "contributions"
    original = contributions / f"{0:032x}.json"
    for n in range(40):
        (contributions / f"{n + 100:032x}.json").write_bytes(original.read_bytes())
    compared = 0
    equal = Peer.__eq__

    def counted(self: Peer, other: object) -> bool:
        nonlocal compared
        compared += 1
        return equal(self, other)

    monkeypatch.setattr(Peer, "__eq__", counted)
    kept: list[dict[bytes, Peer]] = [{}, {}]
    for run in ("first", "kept"):
        outcomes = _outcomes(store, config, layout, kept)
        assert [(o.members, o.ignored) for o in outcomes] == [(3, {}), (3, {})], run
        assert _total(_published(store, config, layout)) == _column_sums(vectors), run
    assert compared < 4 * 1503 * 2  # each steward's kept peers met again on the roster


@pytest.mark.parametrize("fork", [True, False])
def test_a_member_whose_entry_changes_keys_counts_with_the_new_key_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    """A member gets a new encryption key (same signing key, so the same roster file) after
    the stewards kept the old pair: their file sealed under the new key counts, the one
    under the old key never does, exactly as on a first run (the kept pair is found by the
    entry's content, not its name), and the stewards say so alike."""
    import nacl.public
    from test_team_forked_opening import _contribute, _join

    _fork(monkeypatch, fork=fork)
    store, config, layout, people, vectors = _round(tmp_path, 3)
    kept: list[dict[bytes, Peer]] = [{}, {}]
    assert [o.members for o in _outcomes(store, config, layout, kept)] == [3, 3]
    old = people[0]
    new = Identity(old._signing, nacl.public.PrivateKey.generate())
    _join(store, config, new)  # the same file name: the entry is replaced
    fresh = _contribute(store, config, layout, new, f"{99:032x}", NOW)
    for run in ("kept", "first"):
        outcomes = _outcomes(store, config, layout, kept if run == "kept" else [{}, {}])
        # both stewards say why the old file is left out, the second (which sums the first
        # one's list) too, whether it opened the file with a kept key or found no key for it
        assert [(o.members, o.ignored) for o in outcomes] == [
            (3, {"not from a member on the roster": 1})
        ] * 2, run
        assert _total(_published(store, config, layout)) == _column_sums([fresh, *vectors[1:]])


@pytest.mark.parametrize(("fork_kept", "fork_fresh"), [(True, False), (False, True), (True, True)])
def test_stewards_with_and_without_kept_keys_agree_when_members_joined_between_their_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork_kept: bool, fork_fresh: bool
) -> None:
    """The first steward kept its keys on an earlier run; since then three members joined
    and one left. The second steward (no keys kept: a new device) sums first, the first one
    follows with its old keys (the newcomers' shares opened once the roster is read), each
    in forked children or on threads: one list, the members' sums, in one run each."""
    from test_team_forked_opening import _contribute, _join

    store, config, layout, people, vectors = _round(tmp_path, 4)
    kept: dict[bytes, Peer] = {}
    _fork(monkeypatch, fork=fork_kept)
    aggregate_as_the_command(STEWARDS[0], store, config, layout, CLOSED, kept)
    for partial in store.folder.glob(f"rounds/{ROUND}/partials/*.json"):
        partial.unlink()
    for n in range(3):
        newcomer = Identity.generate()
        _join(store, config, newcomer)
        vectors.append(_contribute(store, config, layout, newcomer, f"{n + 10:032x}", NOW))
    assert store.remove_member(entry_name(people[0].public))
    _fork(monkeypatch, fork=fork_fresh)
    [fresh] = [
        o
        for o in aggregate_as_the_command(STEWARDS[1], store, config, layout, CLOSED)
        if o.round == ROUND
    ]
    _fork(monkeypatch, fork=fork_kept)
    [follower] = [
        o
        for o in aggregate_as_the_command(STEWARDS[0], store, config, layout, CLOSED, kept)
        if o.round == ROUND
    ]
    assert (fresh.members, follower.members) == (6, 6)
    published = _published(store, config, layout)
    assert len({p[1] for p in published}) == 1  # both partial sums list the same files
    assert _total(published) == _column_sums(vectors[1:])
