"""Pairing: the people this profile mentors or is mentored by, known by their public keys.

Before issue 11 a mentor file proved nothing about its writer (an unkeyed checksum, and the
pairing ids travel in every file). Now two people exchange *invitations* once: a small file
holding the writer's public identity, display name and role, signed by that identity (not
sealed: the other side has no key yet). `pair` checks the signature, shows the fingerprint and
the pair's safety number to compare on a call, and stores the other person's public identity
as a *peer*. From then on a bundle is signed by the mentee and sealed to the mentor, feedback
signed by the mentor and sealed to the mentee (`formats.py`), and a file is applied only when
it is signed by a peer of the right role.

Each peer keeps two sequence numbers: `sent`, that of the last file written to them, and
`received`, that of the last file from them that was applied. A file whose number is not
greater than `received` is refused as replayed or older, so order is decided by a number the
writer's signature covers, never by a date, and no file can lock anyone out.

The peers live in one meta value (`mentor_peers`, a list of records), read and written inside
the caller's transaction; a record that cannot be valid (edited by hand) is left out when read,
never a crash. The pairing id (`p-...`) stays an internal id that names a person's stored data
(the mentor's copy of a mentee, comments received from a mentor); a peer is *linked* to it by
the first sealed file from them, which is how a copy made before issue 11 finds its new key.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from mastery.days import to_ms
from mastery.errors import BundleError, InputError, MasteryError, NotFoundError
from mastery.identity import (
    EncryptionKeyText,
    Identity,
    PublicIdentity,
    SignatureError,
    SigningKeyText,
    safety_number,
    verify,
)
from mastery.limits import loads_json
from mastery.mentor import formats
from mastery.mentor.formats import INVITATION_FORMAT, MAX_SEQUENCE, Moment, Name, describe
from mastery.mentor.stored import Pairing, clean_name, shown
from mastery.mentor.views import InvitationView, PeerView

Role = Literal["mentor", "mentee"]
ROLES: tuple[Role, ...] = ("mentee", "mentor")
INVITATION_VERSION = 1
MAX_INVITATION_BYTES = 64 * 1024  # an invitation is a few hundred bytes
_FORGOTTEN = "mentor_forgotten"  # sequence numbers of unpaired people, by role:key
_PEERS = "mentor_peers"  # meta key of the peer records
_NOTICE = "mentor_repair_notice_shown"  # meta key: the one-time re-pair line was shown
_PAIRING_ID = r"^p-[a-z0-9]{16,64}$"
CODE_PREFIX = "mastery-invitation1:"  # an invitation as one line, to paste into a chat


def other_role(role: str) -> Role:
    """The role of the other end of a pairing: a mentee's peer is a mentor and back."""
    return "mentor" if role == "mentee" else "mentee"


# ----------------------------------------------------------------------------- the invitation
class _Keys(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    signing_key: SigningKeyText
    encryption_key: EncryptionKeyText


class InvitationPayload(BaseModel):
    """What an invitation's signature covers: who, as what, since when."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    format: Literal["mastery-mentor-invitation"]
    version: Literal[1]
    identity: _Keys
    name: Name
    role: Role  # the writer's role: "mentee" invites a mentor, "mentor" a mentee
    created_at: Moment


class InvitationFile(BaseModel):
    """The invitation file: the writer's public keys in clear (to know whose signature to
    check) and the signed payload, base64."""

    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)

    format: Literal["mastery-mentor-invitation"]
    version: Annotated[StrictInt, Field(ge=1, le=INVITATION_VERSION)]
    identity: _Keys
    signed: Annotated[StrictStr, Field(max_length=16 * 1024)]


def read_invitation_file(source: str | Path, now: datetime) -> InvitationPayload:
    """An invitation from a file, or from its one-line code (`CODE_PREFIX...`, for chat), its
    self-signature checked; `BundleError` naming the file (or "invitation code") otherwise.
    The signature proves only that the keys' holder wrote it: the fingerprint, compared on a
    call, is what proves who that is."""
    text = str(source).strip()
    if text.startswith(CODE_PREFIX):
        try:
            raw = base64.urlsafe_b64decode(text[len(CODE_PREFIX) :].encode("ascii"))
        except (binascii.Error, ValueError):
            raise BundleError("invitation code", "cut short or changed (not base64)") from None
        return parse_invitation(raw, "invitation code", now)
    path = Path(source)
    try:
        raw = formats.read_bounded(path, MAX_INVITATION_BYTES)
    except OSError as exc:
        raise BundleError(path, f"cannot read it ({exc.strerror or exc})") from exc
    return parse_invitation(raw, path, now)


def parse_invitation(raw: bytes, path: str | Path, now: datetime) -> InvitationPayload:
    """An invitation's bytes (a file's, or a code's), checked; `BundleError` otherwise."""
    try:
        doc = loads_json(raw, source=str(path))
    except InputError:
        doc = None
    if isinstance(doc, dict) and str(doc.get("format")) in (
        formats.BUNDLE_FORMAT,
        formats.FEEDBACK_FORMAT,
    ):
        raise BundleError(
            path, "not an invitation but an unsigned mentor file from an older Mastery"
        )
    if raw.startswith(formats.SEALED_MAGIC):
        raise BundleError(
            path,
            "not an invitation but a sealed mentor file: use `mastery mentor add` or `feedback`",
        )
    try:
        outer = InvitationFile.model_validate(doc)
    except ValidationError as exc:
        if not isinstance(doc, dict) or doc.get("format") != INVITATION_FORMAT:
            raise BundleError(path, "not a Mastery invitation") from None
        raise BundleError(path, f"{describe(exc)}; nobody paired") from None
    keys = PublicIdentity(
        signing_key=outer.identity.signing_key, encryption_key=outer.identity.encryption_key
    )
    try:
        message = verify(base64.b64decode(outer.signed, validate=True), by=keys, source=str(path))
        inner = InvitationPayload.model_validate(
            loads_json(message, source=str(path)), context={"now": now}
        )
    except (binascii.Error, ValueError, SignatureError):
        raise BundleError(
            path, "the invitation's signature does not match its keys (forged or changed)"
        ) from None
    except ValidationError as exc:
        raise BundleError(path, f"{describe(exc)}; nobody paired") from None
    except InputError as exc:
        raise BundleError(path, f"the signed part is not JSON ({exc.reason})") from None
    if inner.identity != outer.identity:
        raise BundleError(path, "the signed keys differ from the keys shown (forged)")
    return inner


# ----------------------------------------------------------------------------- stored peers
class StoredPeer(BaseModel):
    """A paired person as this profile keeps them (one record per role)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    signing_key: SigningKeyText
    encryption_key: EncryptionKeyText
    role: Role  # what they are to this profile
    name: Annotated[StrictStr, Field(min_length=1, max_length=formats.NAME_LENGTH)]
    paired_at: Annotated[StrictInt, Field(ge=0)]
    pairing_id: Annotated[StrictStr, Field(pattern=_PAIRING_ID)] | None = None
    sent: Annotated[StrictInt, Field(ge=0, le=MAX_SEQUENCE)] = 0
    received: Annotated[StrictInt, Field(ge=0, le=MAX_SEQUENCE)] = 0

    @property
    def identity(self) -> PublicIdentity:
        return PublicIdentity(signing_key=self.signing_key, encryption_key=self.encryption_key)


class Peers(Pairing):
    """Invitations out and in, the peers they make, and the sequence numbers of their files."""

    @property
    def identity(self) -> Identity:
        """This profile's keys (made on first use)."""
        return Identity.of(self.col)

    # ------------------------------------------------------------------ invitations
    def write_invitation(
        self, path: str | Path, *, role: str, name: str | None = None, now: datetime | None = None
    ) -> InvitationView:
        """Write this profile's invitation (`role` is this profile's: mentee or mentor) and
        keep the display name it carries. Returns what it holds, with the fingerprint to read
        out."""
        view, document = self._invitation(role, name, now)
        formats.write_file(path, (json.dumps(document, indent=2) + "\n").encode("utf-8"))
        return view

    def invitation_code(
        self, *, role: str, name: str | None = None, now: datetime | None = None
    ) -> tuple[InvitationView, str]:
        """The same invitation as one line (`CODE_PREFIX` and base64), to paste into a chat;
        `pair` takes it where it takes a file."""
        view, document = self._invitation(role, name, now)
        compact = json.dumps(document, separators=(",", ":")).encode("utf-8")
        return view, CODE_PREFIX + base64.urlsafe_b64encode(compact).decode("ascii")

    def _invitation(
        self, role: str, name: str | None, now: datetime | None
    ) -> tuple[InvitationView, dict[str, Any]]:
        """This profile's invitation document, signed; keeps the display name it carries."""
        if role not in ROLES:
            raise MasteryError(f"a role is mentee or mentor, not {role!r}")
        chosen = clean_name(name) if name is not None else self.display_name()
        if not chosen:
            raise MasteryError("choose the name the other person sees (--name NAME)")
        now = formats.ms_precision(now or self.now())
        me = self.identity
        keys = {"signing_key": me.public.signing_key, "encryption_key": me.public.encryption_key}
        payload = {
            "format": INVITATION_FORMAT,
            "version": INVITATION_VERSION,
            "identity": keys,
            "name": chosen,
            "role": role,
            "created_at": formats.iso(now),
        }
        signed = me.sign(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
        document = {
            "format": INVITATION_FORMAT,
            "version": INVITATION_VERSION,
            "identity": keys,
            "signed": base64.b64encode(signed).decode("ascii"),
        }
        if chosen != self.display_name():
            self.set_display_name(chosen)
        view = InvitationView(chosen, role, me.public.to_text(), me.fingerprint, "", now, False)
        return view, document

    def read_invitation(self, path: str | Path, *, now: datetime | None = None) -> InvitationView:
        """Someone's invitation (a file, or its one-line code), checked, with their fingerprint
        and the pair's safety number; writes nothing (but this profile's keys on first use).
        Your own is refused."""
        code = str(path).strip().startswith(CODE_PREFIX)
        source: str | Path = "invitation code" if code else Path(path)
        invitation = read_invitation_file(path, now or self.now())
        keys = PublicIdentity(
            signing_key=invitation.identity.signing_key,
            encryption_key=invitation.identity.encryption_key,
        )
        mine = self.identity.public
        if keys.signing_key == mine.signing_key:
            raise BundleError(
                source, "this is your own invitation: send it to the other person; nobody paired"
            )
        known = self._find(keys.signing_key, invitation.role)
        return InvitationView(
            invitation.name,
            invitation.role,
            keys.to_text(),
            keys.fingerprint,
            safety_number(mine, keys),
            invitation.created_at,
            known is not None,
        )

    def pair(self, invitation: InvitationView, *, now: datetime | None = None) -> PeerView:
        """Trust the person of a checked invitation (`read_invitation`) in the role they gave:
        their files are accepted from now on. Pairing again with the same key keeps the
        sequence numbers (so old files stay refused) and takes the new name."""
        keys = PublicIdentity.parse(invitation.identity, source="invitation")
        role: Role = "mentor" if invitation.role == "mentor" else "mentee"
        stamp = to_ms(now or self.now())
        with self.col.db.transaction():
            peers = self._peers()
            old = next(
                (p for p in peers if p.signing_key == keys.signing_key and p.role == role), None
            )
            # Paired before and unpaired since: their numbers carry on, so a file applied back
            # then stays refused as a replay.
            marks = self._forgotten().get(f"{role}:{keys.signing_key}", {})
            record = StoredPeer(
                signing_key=keys.signing_key,
                encryption_key=keys.encryption_key,
                role=role,
                name=clean_name(invitation.name),
                paired_at=stamp,
                pairing_id=old.pairing_id if old else None,
                sent=old.sent if old else _mark(marks, "sent"),
                received=old.received if old else _mark(marks, "received"),
            )
            self._save([p for p in peers if p is not old] + [record])
        return self._view(record)

    # ------------------------------------------------------------------ peers
    def peers(self, role: str | None = None) -> builtins.list[PeerView]:
        """The people this profile is paired with (of one role when given), by name."""
        return [self._view(p) for p in self._peers() if role in (None, p.role)]

    def unpair(self, name: str, role: str | None = None) -> PeerView:
        """Forget a paired person (of `role` when given): their files are refused from now on;
        what they sent stays. Their sequence numbers are kept aside, so pairing again later
        still refuses a file applied before."""
        with self.col.db.transaction():
            peers = self._peers()
            roles = [role] if role else [r for r in ROLES if any(p.role == r for p in peers)]
            found = []
            for each in roles:
                try:
                    found.append(self._choose(peers, each, name))
                except MasteryError:
                    continue
            if not found:
                raise NotFoundError(f"nobody paired as {name!r}; see `mastery mentor pairs`")
            if len(found) > 1:
                raise MasteryError(f"{name!r} is both your mentor and your mentee: add --role")
            gone = found[0]
            self._save([p for p in peers if p is not gone])
            forgotten = self._forgotten()
            forgotten[f"{gone.role}:{gone.signing_key}"] = {
                "sent": gone.sent,
                "received": gone.received,
            }
            self.col.set_meta(_FORGOTTEN, forgotten)
        return self._view(gone)

    def _forgotten(self) -> dict[str, dict[str, int]]:
        """The sequence numbers of people unpaired since (by role and signing key)."""
        value = self.col.meta(_FORGOTTEN)
        return dict(value) if isinstance(value, dict) else {}

    def mentor_peer(self, name: str | None = None) -> StoredPeer:
        """The paired mentor a bundle is for: the one given by name, or the only one."""
        return self._choose(self._peers(), "mentor", name)

    def mentee_peer(self, pairing_id: str, mentee_name: str) -> StoredPeer:
        """The paired mentee a mentor's copy belongs to (linked by their first sealed bundle)."""
        for peer in self._peers():
            if peer.role == "mentee" and peer.pairing_id == pairing_id:
                return peer
        raise MasteryError(
            f"{mentee_name} is not paired with this profile yet (their copy is from an older "
            "Mastery): pair with them (`mastery mentor invite --as mentor --to FILE`, "
            f"`mastery mentor pair FILE`) and add their next bundle, then reply"
        )

    def next_sequence(self, peer: StoredPeer, now: datetime) -> int:
        """The sequence number of the next file to `peer`: one more than the last, and at least
        the time in ms, so a profile restored from an older backup still counts upwards."""
        return max(peer.sent + 1, to_ms(now))

    def sender(self, signer: PublicIdentity, role: Role, source: Path) -> StoredPeer:
        """The peer of `role` who signed a file, or `BundleError`: a file signed by anyone
        else is refused, whatever it claims inside."""
        peer = self._find(signer.signing_key, role)
        if peer is None:
            which = "a mentee" if role == "mentee" else "a mentor"
            raise BundleError(
                source,
                f"not from {which} you paired with (signed by {signer.fingerprint}): pair first "
                "with `mastery mentor pair INVITATION`; nothing imported",
            )
        if peer.encryption_key != signer.encryption_key:
            raise BundleError(
                source,
                f"signed by {peer.name}'s key but naming other keys: pair with "
                f"{peer.name} again; nothing imported",
            )
        return peer

    def check_sequence(self, peer: StoredPeer, sequence: int, source: Path) -> None:
        """Refuse a file not newer than the last one applied from `peer`."""
        if sequence <= peer.received:
            raise BundleError(
                source,
                f"replayed or older than the one already applied from {peer.name}; "
                "nothing imported",
            )

    def applied(self, peer: StoredPeer, sequence: int, pairing_id: str, source: Path) -> None:
        """Record, inside the caller's transaction, that a file from `peer` was applied: its
        sequence number, and the pairing id that links the peer to their stored data. Checked
        again here, so two imports of one file at once apply it once."""
        peers = self._peers()
        current = self._find(peer.signing_key, peer.role, peers)
        if current is None:
            raise BundleError(source, f"{peer.name} was unpaired meanwhile; nothing imported")
        self.check_sequence(current, sequence, source)
        updated = current.model_copy(update={"received": sequence, "pairing_id": pairing_id})
        self._save([updated if p is current else p for p in peers])

    def sent(self, peer: StoredPeer, sequence: int) -> None:
        """Record, inside the caller's transaction, the sequence number of a file written to
        `peer`; a file previewed before another was written is refused (preview again)."""
        peers = self._peers()
        current = self._find(peer.signing_key, peer.role, peers)
        if current is None:
            raise MasteryError(f"{peer.name} was unpaired meanwhile; nothing written")
        if sequence <= current.sent:
            raise MasteryError(
                f"another file for {peer.name} was written since this preview; nothing "
                "written: preview it again"
            )
        updated = current.model_copy(update={"sent": sequence})
        self._save([updated if p is current else p for p in peers])

    def linked_to_other(self, peer: StoredPeer, pairing_id: str) -> bool:
        """Whether `pairing_id` already names the data of another peer of the same role (a
        paired person must not take over someone else's copy or comments)."""
        return any(
            p.role == peer.role and p.pairing_id == pairing_id and p.signing_key != peer.signing_key
            for p in self._peers()
        )

    # ------------------------------------------------------------------ migration
    def unpaired_names(self) -> builtins.list[str]:
        """Mentees and mentors known from before files were signed (stored data whose pairing
        id no peer is linked to yet)."""
        linked = {(p.role, p.pairing_id) for p in self._peers() if p.pairing_id}
        names: dict[str, None] = {}
        for row in self._conn.execute("SELECT pairing_id, display_name FROM mentee ORDER BY id"):
            if ("mentee", row["pairing_id"]) not in linked:
                names[str(row["display_name"] or row["pairing_id"])] = None
        for row in self._conn.execute(
            "SELECT mentor_id, mentor_name FROM feedbackcomment UNION "
            "SELECT mentor_id, mentor_name FROM feedbacknote"
        ):
            if ("mentor", row["mentor_id"]) not in linked:
                names[str(row["mentor_name"] or row["mentor_id"])] = None
        return builtins.list(names)

    def repair_notice(self, *, mark: bool = True) -> str | None:
        """The one line telling the person to pair again, the first time a mentor command
        meets data from before files were signed; None when there is none or it was shown
        (`mark` records that it was)."""
        if self.col.meta(_NOTICE):
            return None
        names = self.unpaired_names()
        if not names:
            return None
        if mark:
            self.col.set_meta(_NOTICE, True)
        who = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        return (
            f"mentor files are now signed and sealed: pair again once with {who} "
            "(one of you runs `mastery mentor invite --as mentee|mentor --to FILE`, the other "
            "`mastery mentor pair FILE --to REPLY`); entries and comments you have are kept"
        )

    # ------------------------------------------------------------------ internals
    def _peers(self) -> builtins.list[StoredPeer]:
        value = self.col.meta(_PEERS)
        out: builtins.list[StoredPeer] = []
        for item in value if isinstance(value, list) else ():
            try:
                out.append(StoredPeer.model_validate(item))
            except ValidationError:
                continue  # edited by hand: left out, so that person must pair again
        return out

    def _save(self, peers: builtins.list[StoredPeer]) -> None:
        self.col.set_meta(_PEERS, [p.model_dump() for p in peers])

    def _find(
        self, signing_key: str, role: str, peers: builtins.list[StoredPeer] | None = None
    ) -> StoredPeer | None:
        return next(
            (
                p
                for p in (self._peers() if peers is None else peers)
                if p.signing_key == signing_key and p.role == role
            ),
            None,
        )

    def _choose(self, peers: builtins.list[StoredPeer], role: str, name: str | None) -> StoredPeer:
        mine = [p for p in peers if p.role == role]
        if not mine:
            raise MasteryError(
                f"you have no {role} paired yet: one of you writes an invitation "
                f"(`mastery mentor invite --to FILE`), the other runs `mastery mentor pair FILE`"
            )
        if name is None or not name.strip():
            if len(mine) == 1:
                return mine[0]
            names = ", ".join(p.name for p in mine)
            raise MasteryError(f"you have {len(mine)} {role}s ({names}): choose one by name")
        wanted = " ".join(name.split()).casefold()
        found = [p for p in mine if p.name.casefold() == wanted] or [
            p for p in mine if p.name.casefold().startswith(wanted)
        ]
        if not found:
            raise NotFoundError(f"no paired {role} {name!r}; see `mastery mentor pairs`")
        if len(found) > 1:
            raise MasteryError(f"{name!r} matches {len(found)} {role}s: give the whole name")
        return found[0]

    def _view(self, peer: StoredPeer) -> PeerView:
        return PeerView(
            name=peer.name,
            role=peer.role,
            fingerprint=peer.identity.fingerprint,
            safety_number=safety_number(self.identity.public, peer.identity),
            paired=shown(peer.paired_at),
            linked=peer.pairing_id is not None,
        )


def _mark(marks: Any, key: str) -> int:
    """A kept sequence number, or 0 when the record was edited into something else."""
    value = marks.get(key, 0) if isinstance(marks, dict) else 0
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEQUENCE
    return value if ok else 0
