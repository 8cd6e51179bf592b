"""A steward's pairwise keys with the team's members, kept in its profile between rounds.

A member seals each share to a steward with `Identity.seal_paired`, under the key the two
share. The steward derives that key from the member's roster entry once (an X25519 product,
31 us), after verifying the entry's signature (58 us); the next rounds only read the entry
and look its digest up here. So a round of 10,000 members costs the steward 10,000 symmetric
opens instead of 10,000 X25519 products and Ed25519 verifications (benchmarks/README.md).

The keys are as secret as the profile's own: they stay in the profile (a meta value of this
device, never synced, carried by backups) and are authenticated with a key derived from the
profile's secret, so a value edited by hand or brought from another profile is ignored (and
rebuilt from the roster), never believed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mastery.identity import KEY_BYTES, Identity, Peer, paired_tag
from mastery.settings_store import write_meta

RoundTags = dict[bytes, Peer | dict[bytes, Peer]]  # what `round_tags` makes (`identity.Tags`)

__all__ = [
    "Kept",
    "decode_peers",
    "encode_peers",
    "end_membership",
    "entry_digest",
    "kept_meta_key",
    "round_label",
    "round_tags",
]

PEERS_VERSION = 2  # 2: refusals kept beside the pairs
DIGEST_BYTES = 16
_RECORD = DIGEST_BYTES + 3 * KEY_BYTES  # entry digest, signing key, encryption key, shared key
_MAC_PERSON = b"mastery-peers-v1"


def kept_meta_key(token: str) -> str:
    """The meta value a steward keeps its peers of one membership in (`Team._membership_token`):
    whatever ends that membership (a leave here or on another device, a join of another
    folder under the team's id) removes it, so no secret of a team left stays behind."""
    return f"team_peers/{token}"


def end_membership(conn: sqlite3.Connection, entry: dict[str, Any]) -> None:
    """A team's membership here ends (a leave, here or synced from another device; a move
    to another store; a join of another folder under its id): its token goes from the
    joined team's `entry`, and with it the pairwise keys kept under it, secrets of a team
    no longer joined. Its partial sums stay (`Team._summed_before` reads them)."""
    token = entry.pop("partials", None)
    if isinstance(token, str):
        write_meta(conn, kept_meta_key(token), None)


def entry_digest(team_id: str, data: bytes) -> bytes:
    """What a roster entry of a team is known by here: a BLAKE2b digest of the team's id and
    the file. An entry changed in any way, or read for another team, is another entry,
    verified afresh."""
    return hashlib.blake2b(f"{team_id}\x00".encode() + data, digest_size=DIGEST_BYTES).digest()


def round_label(team_id: str, round_id: str) -> bytes:
    """The label of a team's round, which a share's tag is computed over: a share of one
    round or team has an unrelated tag in every other."""
    return f"mastery-team-share\x00{team_id}\x00{round_id}".encode()


def round_tags(peers: Iterable[Peer], label: bytes, into: RoundTags | None = None) -> RoundTags:
    """The peers by the tag their shares of `label` carry, added to `into` if given: a peer,
    or, when several share a tag, those peers by their two keys (signing, encryption: what a
    paired file names inside). Entries naming one encryption key pair with one key, and
    anyone can sign an entry naming someone else's (`Identity.open_paired` tells them apart
    by the keys the file names; found, not searched: thousands of entries can name one key).
    A lone peer is kept as itself, not in a dict of one: 10,000 of those dicts were 3 MB,
    in the steward and in each of its forked openers."""
    tags: RoundTags = {} if into is None else into
    for peer in peers:
        tag = paired_tag(peer.key, label)
        known = tags.get(tag)
        if known is None:
            tags[tag] = peer
        elif isinstance(known, Peer):
            if known.named != peer.named:
                tags[tag] = {known.named: known, peer.named: peer}
        else:
            known[peer.named] = peer
    return tags


def _authenticated(packed: bytes, refused: str) -> bytes:
    """Both parts of a kept value as one message, the first with its length in front: a
    separator byte could also occur inside the packed keys."""
    return len(packed).to_bytes(8, "big") + packed + refused.encode()


def _mac(identity: Identity, data: bytes) -> str:
    return identity.keyed_digest(data, _MAC_PERSON).hex()


@dataclass(frozen=True, slots=True)
class Kept:
    """What a steward keeps of a team's roster between runs, by entry digest: each verified
    member's pair (`peers`), and why each entry it refused was refused (`refused`). A refusal
    depends only on the entry's bytes, the team and the steward, as a pair does, so neither
    is worked out twice: 10,000 junk entries someone put in the folder cost a run 0.8 s of
    verification every time before their refusals were kept."""

    peers: dict[bytes, Peer] = field(default_factory=dict)
    refused: dict[bytes, str] = field(default_factory=dict)

    def same_entries(self, other: Kept) -> bool:
        return self.peers.keys() == other.peers.keys() and self.refused == other.refused


def _refusals_text(refused: Mapping[bytes, str]) -> str:
    return json.dumps({d.hex(): why for d, why in refused.items()}, sort_keys=True)


def encode_peers(identity: Identity, kept: Kept) -> dict[str, Any]:
    """The meta value that keeps `kept` for `identity`'s next runs."""
    packed = b"".join(digest + peer.record for digest, peer in sorted(kept.peers.items()))
    refused = _refusals_text(kept.refused)
    return {
        "version": PEERS_VERSION,
        "steward": identity.public.encryption_key,
        "peers": base64.b64encode(packed).decode("ascii"),
        "refused": refused,
        "mac": _mac(identity, _authenticated(packed, refused)),
    }


def decode_peers(identity: Identity, value: object) -> Kept:
    """What a meta value keeps; nothing when it is missing, damaged, of another version or
    of another profile's keys (then the roster is verified afresh)."""
    if not isinstance(value, dict) or value.get("version") != PEERS_VERSION:
        return Kept()
    text, refused, mac = value.get("peers"), value.get("refused"), value.get("mac")
    if value.get("steward") != identity.public.encryption_key:
        return Kept()
    if not isinstance(text, str) or not isinstance(refused, str) or not isinstance(mac, str):
        return Kept()
    try:
        packed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return Kept()
    if len(packed) % _RECORD or not hmac.compare_digest(
        _mac(identity, _authenticated(packed, refused)), mac
    ):
        return Kept()
    peers = {}
    for start in range(0, len(packed), _RECORD):
        peers[packed[start : start + DIGEST_BYTES]] = Peer(
            packed[start + DIGEST_BYTES : start + _RECORD]
        )
    try:  # authenticated above: only this profile wrote it
        reasons = {bytes.fromhex(d): str(why) for d, why in json.loads(refused).items()}
    except (ValueError, AttributeError):
        return Kept()
    return Kept(peers, reasons)
