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
import hashlib
from dataclasses import dataclass
from datetime import date

from mastery.identity import (
    TEXT_PREFIX,
    Identity,
    IdentityFormatError,
    PublicIdentity,
    SignatureError,
    claimed_message,
    verify,
)
from mastery.team.store import TeamStore
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
    return hashlib.blake2b(identity.signing_bytes, digest_size=8).hexdigest()


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


@dataclass(frozen=True, slots=True)
class Roster:
    """The members whose entries passed every check, by signing key (base64)."""

    members: dict[str, PublicIdentity]
    problems: list[str]

    def __contains__(self, identity: PublicIdentity) -> bool:
        return self.has(identity.signing_key, identity.encryption_key)

    def has(self, signing_key: str, encryption_key: str) -> bool:
        """Whether an entry names both keys (base64, as `PublicIdentity` holds them)."""
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


def read_roster(store: TeamStore, team_id: str, *, verify: bool = True) -> Roster:
    """Every valid entry of the roster; an entry that is forged, damaged, of another team or
    filed under another key's name is left out with one line saying why.

    `verify=False` is for a steward counting contributions: it skips the entry's signature
    and key checks (a quarter of a steward's time for 10,000 members). A share counts only
    when its own signature, inside the seal, verifies under the very key the entry names,
    which proves what the entry's self-signature would: that key's holder takes part in this
    team. The roster's role there is approval (the entry is present), and an entry with keys
    that are not keys can match no verified signer."""
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
    return Roster(members, problems + refused)
