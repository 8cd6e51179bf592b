"""Issue 15: members seal their shares under the key they share with each steward (paired
shares), and a steward keeps those keys between runs. Played from both sides: a steward's
run with kept keys must count exactly what a first run counts, and nobody without one of
the pair's secrets can make, read, or link a paired share, or make a steward believe a
roster entry its key's holder never signed.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import nacl.bindings
import pytest
from test_team import STEWARDS, aggregate_as_the_command, make_team
from test_team_forked_opening import (
    CLOSED,
    NOW,
    ROUND,
    _column_sums,
    _contribute,
    _fork,
    _join,
    _published,
    _team,
    _total,
)

from mastery.identity import (
    PAIRED_MAGIC,
    Identity,
    Peer,
    SignatureError,
    TamperedError,
    UnknownSenderError,
    WrongRecipientError,
    paired_tag,
)
from mastery.team.peers import Kept, decode_peers, encode_peers, round_label, round_tags
from mastery.team.roster import entry_name, read_roster, roster_entry
from mastery.team.store import FolderStore
from mastery.team.wire import CONTRIBUTION_FORMAT, SHARE_FORMAT, dumps, encode_vector, round_of

LABEL = round_label("crew", ROUND)


def _peer(me: Identity, other: Identity) -> Peer:
    return Peer.of(
        other.public.signing_bytes,
        other.public.encryption_bytes,
        me.pair_key(other.public.encryption_bytes),
    )


# ----------------------------------------------------------------------------- one paired file
def test_a_paired_file_opens_for_its_recipient_with_the_senders_keys() -> None:
    member, steward = Identity.generate(), Identity.generate()
    box = member.seal_paired(b"the share", steward.public, LABEL)
    # both sides derive the same key: the steward needs nothing from the member but its entry
    assert member.pair_key(steward.public.encryption_bytes) == steward.pair_key(
        member.public.encryption_bytes
    )
    opened = steward.open_paired(box, round_tags([_peer(steward, member)], LABEL))
    assert opened.payload == b"the share" and opened.sender == member.public


def test_nobody_else_opens_links_or_forges_a_paired_file() -> None:
    member, steward, other = Identity.generate(), Identity.generate(), Identity.generate()
    box = member.seal_paired(b"the share", steward.public, LABEL)
    # another steward (or a teammate) with every pair it can make: addressed to someone else
    with pytest.raises(WrongRecipientError, match="another identity"):
        other.open_paired(box, round_tags([_peer(other, member)], LABEL))
    # the bytes name neither of the member's keys; the tag is unlike any key's
    for key in (member.public.signing_bytes, member.public.encryption_bytes):
        assert key not in box
    # two rounds' files of one member carry unrelated tags: the folder cannot link them
    later = member.seal_paired(b"x", steward.public, round_label("crew", "2026-W48"))
    header = len(PAIRED_MAGIC) + 32
    assert box[header : header + 16] != later[header : header + 16]
    # the same round of another team: another tag too, so a replayed file finds no pair
    with pytest.raises(UnknownSenderError):
        steward.open_paired(box, round_tags([_peer(steward, member)], round_label("other", ROUND)))
    # one changed byte anywhere in the box: refused
    for at in (len(box) - 1, header + 16 + 24 + 3):
        changed = bytearray(box)
        changed[at] ^= 1
        with pytest.raises(TamperedError):
            steward.open_paired(bytes(changed), round_tags([_peer(steward, member)], LABEL))
    with pytest.raises(TamperedError, match="cut short"):
        steward.open_paired(box[: header + 20], round_tags([_peer(steward, member)], LABEL))


def test_a_member_who_names_another_members_keys_inside_is_refused() -> None:
    """A paired file proves only its encryption key: a member who writes another member's
    signing key inside, under its own pair's key, is caught by the names inside."""
    mallory, victim, steward = Identity.generate(), Identity.generate(), Identity.generate()
    key = mallory.pair_key(steward.public.encryption_bytes)
    inner = (
        b"mastery paired v1\x00"
        + victim.public.signing_bytes
        + mallory.public.encryption_bytes
        + steward.public.encryption_bytes
        + b"the share"
    )
    nonce = os.urandom(24)
    forged = (
        PAIRED_MAGIC
        + steward.public.encryption_bytes
        + paired_tag(key, LABEL)
        + nonce
        + nacl.bindings.crypto_box_afternm(inner, nonce, key)
    )
    with pytest.raises(SignatureError, match="does not name the keys"):
        steward.open_paired(forged, round_tags([_peer(steward, mallory)], LABEL))


def test_a_key_that_cannot_be_paired_is_one_refusal() -> None:
    with pytest.raises(Exception, match="cannot receive files"):
        Identity.generate().pair_key(bytes(32))


# ----------------------------------------------------------------------------- the kept keys
def test_kept_keys_come_back_only_for_the_profile_that_kept_them() -> None:
    steward, members = Identity.generate(), [Identity.generate() for _ in range(3)]
    peers = {bytes([n]) * 16: _peer(steward, m) for n, m in enumerate(members)}
    refused = {b"\x09" * 16: "the signature is not by the key it names (forged or changed)"}
    value = json.loads(json.dumps(encode_peers(steward, Kept(peers, refused))))  # as stored
    assert decode_peers(steward, value) == Kept(peers, refused)
    assert decode_peers(Identity.generate(), value) == Kept()  # another profile's: not believed
    packed = bytearray(base64.b64decode(value["peers"]))
    packed[-1] ^= 1  # a key changed by hand
    assert decode_peers(steward, {**value, "peers": base64.b64encode(packed).decode()}) == Kept()
    # a refusal edited away (so that an entry would be verified again) or added: not believed
    for edited in (
        "{}",
        json.dumps({(b"\x08" * 16).hex(): "junk", **json.loads(value["refused"])}),
    ):
        assert decode_peers(steward, {**value, "refused": edited}) == Kept()
    for damaged in (None, "x", [], {**value, "version": 1}, {**value, "peers": "%%"}, {}):
        assert decode_peers(steward, damaged) == Kept()
    # the keys are secrets: the stored value holds no key in clear
    assert all(base64.b64encode(p.key).decode() not in json.dumps(value) for p in peers.values())


def _round(tmp_path: Path, members: int) -> tuple[FolderStore, Any, Any, list[Identity], list[Any]]:
    store, config, layout = _team(tmp_path / "crew")
    people = [Identity.generate() for _ in range(members)]
    vectors = []
    for n, who in enumerate(people):
        _join(store, config, who)
        vectors.append(_contribute(store, config, layout, who, f"{n:032x}", NOW))
    return store, config, layout, people, vectors


def _sum_round(
    store: FolderStore, config: Any, layout: Any, kept: list[dict[bytes, Peer]]
) -> list[Any]:
    """Both stewards sum the round afresh (earlier partial sums removed), each with its own
    kept keys (updated in place); their outcomes for ROUND."""
    for partial in store.folder.glob(f"rounds/{ROUND}/partials/*.json"):
        partial.unlink()
    outcomes = []
    for steward, keys in zip(STEWARDS, kept, strict=True):
        done = aggregate_as_the_command(steward, store, config, layout, CLOSED, keys)
        outcomes += [o for o in done if o.round == ROUND]
    return outcomes


@pytest.mark.parametrize("fork", [True, False])
def test_a_run_with_kept_keys_sums_what_a_first_run_sums(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    """The first run verifies every entry and keeps the keys; a later run (the next round,
    or the same one summed again) finds the same members and the same sums, including
    members who joined since the keys were kept (their shares are opened after the roster
    is read), and leaves out one who left."""
    _fork(monkeypatch, fork=fork)
    store, config, layout, people, vectors = _round(tmp_path, 4)
    kept: list[dict[bytes, Peer]] = [{}, {}]
    assert [o.members for o in _sum_round(store, config, layout, kept)] == [4, 4]
    assert [len(k) for k in kept] == [4, 4]  # one key per roster entry, kept for the next run
    cold = _published(store, config, layout)
    assert _total(cold) == _column_sums(vectors)
    # the same round summed again with the kept keys: the same contributions and sums
    before = [dict(k) for k in kept]
    assert [o.members for o in _sum_round(store, config, layout, kept)] == [4, 4]
    assert _published(store, config, layout) == cold and kept == before
    # two members join, one leaves: a run with the old keys counts the new members too
    newcomers = [Identity.generate() for _ in range(2)]
    for n, who in enumerate(newcomers):
        _join(store, config, who)
        vectors.append(_contribute(store, config, layout, who, f"{n + 10:032x}", NOW))
    assert store.remove_member(entry_name(people[0].public))
    first, second = _sum_round(store, config, layout, kept)
    assert first.members == 5 and first.ignored == {"not from a member on the roster": 1}
    assert second.members == 5
    assert _total(_published(store, config, layout)) == _column_sums(vectors[1:])
    assert [len(k) for k in kept] == [5, 5]  # the one who left is no longer kept


def test_an_entry_that_pairs_a_members_signing_key_with_another_key_never_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone who can write the roster replaces a member's entry with one naming the
    member's signing key and their own encryption key. Unverified, it would let their
    paired shares count as that member's; a steward verifies every entry it pairs with, so
    it is refused (as deleting the entry would be) and their shares never count."""
    _fork(monkeypatch)
    store, config, layout, people, vectors = _round(tmp_path, 3)
    victim, mallory = people[0], Identity.generate()
    payload = {
        "format": "mastery-team-member",
        "version": 1,
        "team": config.id,
        "identity": f"mastery-id1:{victim.public.signing_key}:{mallory.public.encryption_key}",
        "joined_on": NOW.date().isoformat(),
    }
    signed = mallory.sign(dumps(payload))  # not the victim's signature: nobody else has it
    entry = {"format": "mastery-team-member", "fingerprint": victim.fingerprint}
    entry["signed"] = base64.b64encode(signed).decode()
    store.put_member(entry_name(victim.public), dumps(entry))
    steward = STEWARDS[0]
    roster = read_roster(store, config.id, keys=(steward, Kept()))
    assert victim.public.signing_key not in roster.members and len(roster.peers or {}) == 2
    assert any("signature" in p for p in roster.problems)
    # Mallory's share, naming the victim's signing key under Mallory's pair with the steward
    key = mallory.pair_key(steward.public.encryption_bytes)
    share = {
        "format": SHARE_FORMAT,
        "version": 1,
        "team": config.id,
        "round": ROUND,
        "contribution": "f" * 32,
        "layout": layout.digest,
        "created_at": NOW.isoformat(timespec="milliseconds"),
        "length": layout.size,
        "share": encode_vector([1] * layout.size),
    }
    inner = (
        b"mastery paired v1\x00"
        + victim.public.signing_bytes
        + mallory.public.encryption_bytes
        + steward.public.encryption_bytes
        + dumps(share)
    )
    nonce = os.urandom(24)
    box = (
        PAIRED_MAGIC
        + steward.public.encryption_bytes
        + paired_tag(key, round_label(config.id, ROUND))
        + nonce
        + nacl.bindings.crypto_box_afternm(inner, nonce, key)
    )
    contribution = {
        "format": CONTRIBUTION_FORMAT,
        "version": 1,
        "team": config.id,
        "round": ROUND,
        "shares": [base64.b64encode(box).decode()] * len(config.stewards),
    }
    store.put_contribution(ROUND, "e" * 32, dumps(contribution))
    [outcome] = [
        o
        for o in aggregate_as_the_command(steward, store, config, layout, CLOSED)
        if o.round == ROUND
    ]
    assert outcome.members == 2  # the two members left; neither the victim nor Mallory
    assert outcome.ignored == {"not from a member on the roster": 2}


def test_contributions_sealed_before_paired_shares_still_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member whose Mastery predates paired shares seals (and signs) each share: a round
    with both kinds sums all of them, however the steward opens it."""
    for fork in (True, False):
        _fork(monkeypatch, fork=fork)
        store, config, layout, people, vectors = _round(tmp_path / str(fork), 2)
        old = Identity.generate()
        _join(store, config, old)
        vector = [3] * layout.size
        from mastery.team.contribution import split

        shares = []
        for steward, part in zip(config.stewards, split(vector, 2), strict=True):
            payload = {
                "format": SHARE_FORMAT,
                "version": 1,
                "team": config.id,
                "round": ROUND,
                "contribution": "a" * 32,
                "layout": layout.digest,
                "created_at": NOW.isoformat(timespec="milliseconds"),
                "length": layout.size,
                "share": encode_vector(part),
            }
            sealed = old.seal(dumps(payload), to=steward.identity)
            shares.append(base64.b64encode(sealed).decode())
        contribution = {
            "format": CONTRIBUTION_FORMAT,
            "version": 1,
            "team": config.id,
            "round": ROUND,
            "shares": shares,
        }
        store.put_contribution(ROUND, "a" * 32, dumps(contribution))
        for steward in STEWARDS:
            [outcome] = [
                o
                for o in aggregate_as_the_command(steward, store, config, layout, CLOSED)
                if o.round == ROUND
            ]
            assert outcome.members == 3 and not outcome.ignored
        assert _total(_published(store, config, layout)) == _column_sums([*vectors, vector])


# ----------------------------------------------------------------------------- the command
def test_the_command_keeps_the_keys_in_the_profile_and_forgets_them_on_leave(
    mastery_home: Path, tmp_path: Path
) -> None:
    import test_team_rounds as rounds

    folder = make_team(tmp_path / "crew", k=2, stewards=False)
    stewards = [rounds.open_profile(mastery_home, f"s{n}") for n in range(2)]
    rounds.add_stewards(folder, *stewards)
    members = [rounds.open_profile(mastery_home, f"m{n}") for n in range(2)]
    for col in [*stewards, *members]:
        col.team.join(folder, sync=True)
        col.team.pull(now=rounds.NOW)
        rounds.study(col, [0])
        col.team.sync(now=rounds.NOW)
    steward = stewards[0]
    first = {o.round: o for o in steward.team.aggregate(now=rounds.CLOSED)}[rounds.ROUND]
    assert first.status == "published" and first.members == 4
    [key] = [k for k in _meta_keys(steward) if k.startswith("team_peers/")]
    kept = decode_peers(Identity.of(steward), steward.meta(key)).peers
    assert len(kept) == 4
    # a value damaged by hand is not believed: the next run verifies afresh and replaces it
    steward.set_meta(key, {"version": 1, "peers": "AAAA", "mac": "00", "steward": "x"})
    later = rounds.NOW + timedelta(days=7)
    for col in [*stewards, *members]:
        rounds.study(col, [0])
        col.team.sync(now=later)
    outcomes = steward.team.aggregate(now=rounds.CLOSED + timedelta(days=7))
    assert [(o.round, o.members) for o in outcomes] == [(round_of(later.date()), 4)]
    assert decode_peers(Identity.of(steward), steward.meta(key)).peers == kept
    # leaving the team drops the keys with it
    steward.team.leave("crew")
    assert not [k for k in _meta_keys(steward) if k.startswith("team_peers/")]
    for col in [*stewards, *members]:
        col.close()


def _meta_keys(col: Any) -> list[str]:
    rows = col.conn.execute("SELECT key FROM setting WHERE key LIKE '\\_%' ESCAPE '\\'")
    return [row[0][1:] for row in rows]


def test_a_kept_noise_scale_is_used_only_while_opendp_says_it_protects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A steward keeps OpenDP's noise scale between runs (its search is a tenth of a second).
    A kept scale is checked with OpenDP's privacy map before each use: one edited down by
    hand (or kept by another OpenDP) would publish sums with too little noise, so it is
    found afresh instead."""
    from mastery.team import steward as steward_module
    from mastery.team.noise import noise_scale
    from mastery.team.report import read_partials

    _fork(monkeypatch)
    store, config, layout, people, vectors = _round(tmp_path, 3)
    right = noise_scale(layout.size, layout.sensitivity, config.rho)
    key = f"{layout.size}:{layout.sensitivity}:{config.rho!r}"

    def published_sigma(scales: dict[str, Any]) -> float:
        for partial in store.folder.glob(f"rounds/{ROUND}/partials/*.json"):
            partial.unlink()
        steward_module.aggregate(
            STEWARDS[0],
            store,
            config,
            layout,
            lambda: read_roster(store, config.id, keys=(STEWARDS[0], Kept())),
            {},
            now=CLOSED,
            today=CLOSED.date(),
            noise_scales=scales,
        )
        [partial] = read_partials(store, config, ROUND)[0]
        return partial.sigma

    scales: dict[str, Any] = {}
    assert published_sigma(scales) == right and scales == {key: right}  # found and kept
    searched = []
    monkeypatch.setattr(steward_module, "noise_scale", lambda *a: searched.append(a) or right)
    assert published_sigma(scales) == right and searched == []  # the kept one, checked
    for bad in (right / 10, 0.0, -1.0, float("nan"), "7", None):
        scales[key] = bad
        assert published_sigma(scales) == right and len(searched) == 1
        assert scales[key] == right  # replaced by the one found afresh
        searched.clear()


def test_a_steward_never_pairs_with_a_roster_nobody_verified(tmp_path: Path) -> None:
    """A roster read without checking signatures (as the report counts members) could hold
    an entry naming a member's signing key beside someone else's encryption key: a steward
    given one refuses to pair with it, rather than count whatever that key seals."""
    from mastery.team.steward import aggregate

    store, config, layout, _, _ = _round(tmp_path, 2)
    with pytest.raises(ValueError, match="verified"):
        aggregate(
            STEWARDS[0],
            store,
            config,
            layout,
            read_roster(store, config.id, verify=False),
            {},
            now=CLOSED,
            today=CLOSED.date(),
        )
    assert not list(store.folder.glob("rounds/*/partials/*.json"))  # nothing published


def test_entries_refused_once_are_not_verified_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone fills the roster folder with junk entries (forged signatures, another team's):
    each is refused, with its reason, on every run, but verified only once, since what a
    steward keeps holds its refusals beside its pairs; a junk entry that changes is a new
    entry, checked again."""
    from mastery.team import roster as roster_module
    from mastery.team.steward import aggregate

    store, config, layout, people, _ = _round(tmp_path, 2)
    mallory = Identity.generate()
    for n in range(3):  # junk: no entry at all, each different
        text = dumps({"format": "mastery-team-member", "version": 1, "team": config.id, "n": n})
        store.put_member(f"{n:016x}", text)
    other_team = roster_entry(mallory, "another-team", CLOSED.date())
    store.put_member(entry_name(mallory.public), other_team)
    checked: list[bytes] = []
    pair_one = roster_module._pair_one

    def counted(identity: Identity, team_id: str, data: bytes) -> Peer | str:
        checked.append(data)
        return pair_one(identity, team_id, data)

    monkeypatch.setattr(roster_module, "_pair_one", counted)
    kept = Kept()

    def run() -> tuple[list[str], Kept]:
        nonlocal kept
        for partial in store.folder.glob(f"rounds/{ROUND}/partials/*.json"):
            partial.unlink()
        rosters = []

        def read() -> Any:
            rosters.append(read_roster(store, config.id, keys=(STEWARDS[0], kept)))
            return rosters[-1]

        def keep(now_kept: Kept) -> None:
            nonlocal kept
            kept = now_kept

        [outcome] = [
            o
            for o in aggregate(
                STEWARDS[0],
                store,
                config,
                layout,
                read,
                {},
                now=CLOSED,
                today=CLOSED.date(),
                kept=kept,
                keep=keep,
            )
            if o.round == ROUND
        ]
        assert outcome.members == 2
        return rosters[0].problems, kept

    first, kept_first = run()
    assert len(checked) == 6 and len(first) == 4 and len(kept_first.refused) == 4
    checked.clear()
    again, _ = run()
    assert checked == [] and again == first  # the same lines, nothing verified
    store.put_member("0" * 16, dumps({"format": "mastery-team-member", "version": 2}))
    third, _ = run()
    assert len(checked) == 1 and len(third) == 4  # the changed entry, checked afresh
