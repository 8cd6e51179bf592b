"""The team's roster: who is a member, by public key (`members/`).

`mastery team join` adds a signed entry holding the member's public identity; whoever controls
the team's folder (reviews the pull request, owns the shared drive, runs the database) approves
members by letting the entry stay. Stewards count a contribution only when it is signed by a
key on the roster, and only one per key per round, so files made up by someone who is not a
member (or many files by one member) never lift a figure over k.

An entry names a key, never a person: no display name, e-mail or host. Its file name is a
digest of the signing key, so joining twice (or from a restored backup) writes the same file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import nacl.bindings
import nacl.exceptions

from mastery.identity import (
    KEY_BYTES,
    TEXT_PREFIX,
    Identity,
    IdentityFormatError,
    Peer,
    PublicIdentity,
    SignatureError,
    claimed_message,
    verify,
)
from mastery.team.peers import Kept, entry_digest
from mastery.team.store import Entry, TeamStore
from mastery.team.wire import (
    ROSTER_FORMAT,
    RosterPayload,
    SignedFile,
    WireProblem,
    dumps,
    parse,
)

__all__ = ["Roster", "entry_name", "read_roster", "roster_entry"]


def entry_name(identity: PublicIdentity) -> str:
    """The roster file name of a key: 16 hex digits of its BLAKE2b digest (hashlib's, the
    digest libsodium's `crypto_generichash` gives, at a twentieth of the cost through cffi:
    a steward names 10,000 entries)."""
    return _name_of(identity.signing_bytes)


def _name_of(signing_key: bytes) -> str:
    return hashlib.blake2b(signing_key, digest_size=8).hexdigest()


def roster_entry(identity: Identity, team_id: str, today: date) -> bytes:
    """This profile's signed roster entry for a team."""
    payload = {
        "format": ROSTER_FORMAT,
        "version": 1,
        "team": team_id,
        "identity": identity.public.to_text(),
        "joined_on": today.isoformat(),
    }
    signed = identity.sign(dumps(payload))
    return dumps(
        {
            "format": ROSTER_FORMAT,
            "fingerprint": identity.fingerprint,
            "signed": base64.b64encode(signed).decode("ascii"),
        }
    )


class KeyTexts(Mapping[str, PublicIdentity]):
    """Members kept as their two keys' base64 texts, each made a `PublicIdentity` only when
    asked for: a steward's roster of 10,000 takes 2 MB so, not the 7 MB of 10,000 models."""

    __slots__ = ("_pairs",)

    def __init__(self, pairs: dict[str, str]) -> None:
        self._pairs = pairs  # signing key -> encryption key

    def __getitem__(self, signing_key: str) -> PublicIdentity:
        return PublicIdentity.model_construct(
            signing_key=signing_key, encryption_key=self._pairs[signing_key]
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __contains__(self, signing_key: object) -> bool:
        return signing_key in self._pairs

    def encryption_key(self, signing_key: str) -> str | None:
        return self._pairs.get(signing_key)


@dataclass(frozen=True, slots=True)
class Roster:
    """The members whose entries passed every check, by signing key (base64)."""

    members: Mapping[str, PublicIdentity]
    problems: list[str]
    # The pairwise keys of a steward's read (`read_roster(keys=...)`) by entry digest: one
    # per member, each from an entry whose signature was verified (now, or when it was kept).
    peers: dict[bytes, Peer] | None = None
    # Why each entry a steward's read refused was refused, by entry digest (kept with `peers`).
    refusals: dict[bytes, str] | None = None
    verified: bool = True  # every entry's signature checked (not `read_roster(verify=False)`)

    def __contains__(self, identity: PublicIdentity) -> bool:
        return self.has(identity.signing_key, identity.encryption_key)

    def has(self, signing_key: str, encryption_key: str) -> bool:
        """Whether an entry names both keys (base64, as `PublicIdentity` holds them)."""
        if isinstance(self.members, KeyTexts):
            return self.members.encryption_key(signing_key) == encryption_key
        known = self.members.get(signing_key)
        return known is not None and known.encryption_key == encryption_key

    def __len__(self) -> int:
        return len(self.members)


def _member(data: bytes, team_id: str) -> PublicIdentity:
    wrapper = parse(SignedFile, data)
    signed = base64.b64decode(wrapper.signed)
    payload = parse(RosterPayload, claimed_message(signed))
    identity = PublicIdentity.parse(payload.identity, source="roster entry")
    verify(signed, identity, source="roster entry")  # the very bytes `payload` was read from
    if payload.team != team_id:
        raise WireProblem(f"an entry of team {payload.team!r}, not of this team")
    return identity


def _named(data: bytes, team_id: str) -> PublicIdentity:
    """The identity an entry names, keys NOT checked and signature NOT verified: enough to
    compare with a signer whose own signature has been verified (see `read_roster`)."""
    wrapper = parse(SignedFile, data)
    payload = parse(RosterPayload, claimed_message(base64.b64decode(wrapper.signed)))
    if payload.team != team_id:
        raise WireProblem(f"an entry of team {payload.team!r}, not of this team")
    parts = payload.identity.removeprefix(TEXT_PREFIX).split(":")
    if not payload.identity.startswith(TEXT_PREFIX) or len(parts) != 2:
        raise WireProblem("not a public identity")
    return PublicIdentity.model_construct(signing_key=parts[0], encryption_key=parts[1])


def read_roster(
    store: TeamStore,
    team_id: str,
    *,
    verify: bool = True,
    keys: tuple[Identity, Kept] | None = None,
) -> Roster:
    """Every valid entry of the roster; an entry that is forged, damaged, of another team or
    filed under another key's name is left out with one line saying why.

    `verify=False` skips the entry's signature and key checks, for counting members (the
    report) and finding one's own entry (a sync): an entry with keys that are not keys, or
    a key its holder never signed beside another, can do no harm there. A steward never
    pairs with such a roster (`steward._RosterRead.peers` refuses it): a sealed share's own
    signature proves its signer, but a paired share proves only the encryption key, which
    only a verified entry binds to the member's signing key.

    `keys` (a steward's identity and what it kept of the roster, `team.peers.Kept`) reads
    the roster with the pairwise key of each member (`Roster.peers`), for opening paired
    shares: an entry kept before (paired or refused) is only looked up; any other is
    verified and its key derived (`Roster.refusals`: the refused ones' reasons). A paired
    share proves only the encryption key, so here the entry's signature is what binds that
    key to the member's signing key, whatever `verify` says."""
    if keys is not None:
        return _read_paired(store, team_id, *keys)
    problems: list[str] = []  # the store's, then the entries'
    refused: list[str] = []
    members: dict[str, PublicIdentity] = {}
    read = _member if verify else _named
    for entry in store.each_member():  # one at a time: 10,000 entries are 9 MB of files
        if isinstance(entry, str):
            problems.append(entry)
            continue
        where = f"{store.where}/members/{entry.name}.json"
        try:
            identity = read(entry.data, team_id)
            name = entry_name(identity)
        except (WireProblem, SignatureError, IdentityFormatError, binascii.Error) as exc:
            refused.append(f"{where}: {getattr(exc, 'reason', exc)}")
            continue
        if name != entry.name:
            refused.append(f"{where}: filed under a name that is not its key's")
            continue
        members[identity.signing_key] = identity
    return Roster(members, problems + refused, verified=verify)


PAIR_BATCH = 512  # entries verified and paired together, on two threads, at most
PAIR_THREADS_FROM = 64  # fewer new entries than this are verified on the caller's thread


def _read_paired(store: TeamStore, team_id: str, identity: Identity, kept: Kept) -> Roster:
    """`read_roster(keys=(identity, kept))`: entries `kept` (by `entry_digest`) are looked up;
    the others are verified and paired in batches, on two threads when there are many
    (a steward's first run: libsodium's verification and key derivation run beside
    Python's lock). The threads end before this returns, so the steward can still fork."""
    problems: list[str] = []
    refused: list[str] = []
    members: dict[str, str] = {}  # signing key -> encryption key (`KeyTexts`)
    peers: dict[bytes, Peer] = {}
    refusals: dict[bytes, str] = {}
    pending: list[tuple[Entry, bytes]] = []

    def add(entry: Entry, digest: bytes, peer: Peer) -> None:
        if _name_of(peer.signing) != entry.name:
            refused.append(
                f"{store.where}/members/{entry.name}.json: filed under a name that is not its key's"
            )
            return
        signing = base64.b64encode(peer.signing).decode("ascii")
        members[signing] = base64.b64encode(peer.encryption).decode("ascii")
        peers[digest] = peer

    def settle(pool: ThreadPoolExecutor | None) -> None:
        datas = [entry.data for entry, _ in pending]
        if pool is None:
            results = _pair_all(identity, team_id, datas)
        else:
            half = (len(datas) + 1) // 2
            parts = [
                pool.submit(_pair_all, identity, team_id, datas[i : i + half]) for i in (0, half)
            ]
            results = [r for part in parts for r in part.result()]
        for (entry, digest), result in zip(pending, results, strict=True):
            if isinstance(result, str):
                refused.append(f"{store.where}/members/{entry.name}.json: {result}")
                refusals[digest] = result
            else:
                add(entry, digest, result)
        pending.clear()

    with contextlib.ExitStack() as stack:
        pool: ThreadPoolExecutor | None = None
        for entry in store.each_member():
            if isinstance(entry, str):
                problems.append(entry)
                continue
            digest = entry_digest(team_id, entry.data)
            peer = kept.peers.get(digest)
            if peer is not None:
                add(entry, digest, peer)
                continue
            why = kept.refused.get(digest)
            if why is not None:
                refused.append(f"{store.where}/members/{entry.name}.json: {why}")
                refusals[digest] = why
                continue
            pending.append((entry, digest))
            if len(pending) >= PAIR_BATCH:
                pool = pool or stack.enter_context(ThreadPoolExecutor(max_workers=2))
                settle(pool)
        if pending:
            if pool is None and len(pending) >= PAIR_THREADS_FROM:
                pool = stack.enter_context(ThreadPoolExecutor(max_workers=2))
            settle(pool)
    return Roster(KeyTexts(members), problems + refused, peers, refusals)


def _pair_all(identity: Identity, team_id: str, datas: list[bytes]) -> list[Peer | str]:
    return [_pair_one(identity, team_id, data) for data in datas]


def _pair_one(identity: Identity, team_id: str, data: bytes) -> Peer | str:
    """A roster entry verified and paired with `identity`, or why not. The keys are checked
    by libsodium itself: verification refuses a small-order signing key, and pairing an
    encryption key that gives an all-zero secret (`Identity.pair_key`)."""
    try:
        wrapper = parse(SignedFile, data)
        signed = base64.b64decode(wrapper.signed, validate=True)
        payload = parse(RosterPayload, claimed_message(signed))
        parts = payload.identity.removeprefix(TEXT_PREFIX).split(":")
        if not payload.identity.startswith(TEXT_PREFIX) or len(parts) != 2:
            raise WireProblem("not a public identity")
        signing, encryption = (base64.b64decode(part, validate=True) for part in parts)
        if len(signing) != KEY_BYTES or len(encryption) != KEY_BYTES:
            raise WireProblem("not a public identity")
        try:
            nacl.bindings.crypto_sign_open(signed, signing)
        except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
            raise SignatureError(
                "roster entry", "the signature is not by the key it names (forged or changed)"
            ) from None
        if payload.team != team_id:
            raise WireProblem(f"an entry of team {payload.team!r}, not of this team")
        return Peer.of(signing, encryption, identity.pair_key(encryption))
    except (WireProblem, SignatureError, IdentityFormatError, binascii.Error, ValueError) as exc:
        return str(getattr(exc, "reason", exc))
