"""Who a profile is to other people: a signing key pair and an encryption key pair.

Mentor files and team contributions must be readable only by the person they are for and
impossible to forge (issue 11). Each profile therefore gets, on first use, an Ed25519 key pair
to sign with and an X25519 key pair to receive sealed files with. The private halves live in
the profile database (so a backup carries them and a restore brings them back); the public
halves form the *public identity* that travels to other people, and its *fingerprint* is what
two people compare out of band (read aloud, on a call) before trusting a key, as messengers
show safety numbers.

All cryptography is libsodium's, through PyNaCl: signatures are `crypto_sign` (Ed25519), sealed
files are `crypto_box_seal` (X25519 + XSalsa20-Poly1305) around a signed message, fingerprints
are BLAKE2b. Nothing here is a primitive of our own; this module only decides what is signed,
for whom, and what a refusal says.

A sealed file is *sign-then-encrypt* with both parties named inside the signature: the sender
signs (sender keys, recipient key, payload), then seals that to the recipient. So only the
recipient can read it, it verifiably comes from the sender's signing key, and a recipient
cannot re-seal a genuine file to a third person and pass it off as addressed to them (the
"surreptitious forwarding" flaw of naive sign-then-encrypt). Sealing alone (`SealedBox`) is
anonymous and `Box` proves only the encryption key, which either party could forge, so
neither is enough for the mentor exchange on its own.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import nacl.bindings
import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.public
import nacl.signing
import nacl.utils
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from mastery.errors import MasteryError

if TYPE_CHECKING:
    from mastery.collection import Collection

KEY_BYTES = 32  # Ed25519 verify keys, X25519 public keys, and both private seeds
SIGNATURE_BYTES = 64
_META_KEY = "identity"  # Collection.meta key of the private record
TEXT_PREFIX = "mastery-id1:"  # the public identity as one line: prefix, signing, encryption key

# What is signed starts with one of these, so a signature made for one purpose can never be
# replayed as another (a signed partial sum is not a sealed file's inner message).
_SIGNED_CONTEXT = b"mastery signed v1\x00"
_SEALED_CONTEXT = b"mastery sealed v1\x00"
# A sealed file: this header, the recipient's encryption key in clear (so a file for someone
# else is named as such instead of looking damaged), then libsodium's sealed box.
SEALED_MAGIC = b"mastery-sealed-1\n"
# A paired file (`Identity.seal_paired`): this header, the recipient's encryption key, the
# pair's tag for the file's label, a nonce, then libsodium's box under the pair's key.
PAIRED_MAGIC = b"mastery-paired-1\n"
_PAIRED_CONTEXT = b"mastery paired v1\x00"
_TAG_PERSON = b"mastery-tag-v1"  # BLAKE2b personalisation of a pair's tags
TAG_BYTES = 16
NONCE_BYTES = 24  # XSalsa20's
_FINGERPRINT_PERSON = b"mastery-fp-v1"  # BLAKE2b personalisation: no other hash collides


# ----------------------------------------------------------------------------- errors
class IdentityError(MasteryError):
    """The profile's own keys cannot be used (damaged record, e.g. edited by hand)."""


class IdentityFormatError(MasteryError):
    """A public identity from outside (a file, a pasted line) is not one; says where and why."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class SealedFileError(MasteryError):
    """A signed or sealed file is refused; names the file and why. Raised before anything is
    returned, so a refused file changes nothing."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class SignatureError(SealedFileError):
    """The signature is missing, does not match the content, or is not by the expected key."""


class WrongRecipientError(SealedFileError):
    """The file was sealed (or signed) for another identity than this profile's."""


class TamperedError(SealedFileError):
    """The sealed content was changed, cut short or damaged after it was sealed."""


class UnknownSenderError(SealedFileError):
    """A paired file whose tag names no pair this profile knows (`Identity.open_paired`)."""


# ----------------------------------------------------------------------------- public side
def _key(value: str) -> str:
    """A key given as text: standard base64 of exactly 32 bytes (returned canonical)."""
    if not isinstance(value, str):  # pragma: no cover - pydantic gives str already
        raise ValueError("must be base64 text")
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not base64") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(f"must be {KEY_BYTES} bytes, not {len(raw)}")
    return base64.b64encode(raw).decode("ascii")


@functools.lru_cache(maxsize=65_536)
def _signing_key(value: str) -> str:
    """An Ed25519 verify key must be a point of the main group: an all-zero or small-order
    key would accept signatures nobody made. Cached (a pure function of the text): a steward
    meets each member's key on the roster and again in every share it opens."""
    value = _key(value)
    if not nacl.bindings.crypto_core_ed25519_is_valid_point(base64.b64decode(value)):
        raise ValueError("is not a valid Ed25519 public key")
    return value


@functools.lru_cache(maxsize=65_536)
def _encryption_key(value: str) -> str:
    """An X25519 public key that can receive files: the all-zero key and the other
    small-order points (u = 1, order 8, ...) would seal to nobody, and libsodium refuses to
    seal to them only later, when a roster or invitation already stored them. Its own
    `crypto_scalarmult` refuses them (an all-zero result), so that is the check."""
    value = _key(value)
    try:
        nacl.bindings.crypto_scalarmult(_BASE_SCALAR, base64.b64decode(value))
    except nacl.exceptions.CryptoError:
        raise ValueError("is not a valid X25519 public key") from None
    return value


_BASE_SCALAR = bytes([9]) + bytes(KEY_BYTES - 1)  # any scalar: a small-order point gives zero


SigningKeyText = Annotated[str, AfterValidator(_signing_key)]
EncryptionKeyText = Annotated[str, AfterValidator(_encryption_key)]


class PublicIdentity(BaseModel):
    """Someone's public keys, as they travel between people (invitation files, team rosters).

    Parsed from outside with `parse` (one line) or `from_data` (a JSON object): a key of the
    wrong length or bad base64 is one `IdentityFormatError`, never a crash later.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    signing_key: SigningKeyText  # Ed25519 verify key, base64
    encryption_key: EncryptionKeyText  # X25519 public key, base64

    @classmethod
    def from_data(cls, data: Any, *, source: str = "identity") -> PublicIdentity:
        """From a parsed JSON/TOML object (`{"signing_key": ..., "encryption_key": ...}`)."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise IdentityFormatError(source, _first_problem(exc)) from None

    @classmethod
    def parse(cls, text: str, *, source: str = "identity") -> PublicIdentity:
        """From the one-line form `mastery id` prints (`mastery-id1:<signing>:<encryption>`)."""
        line = text.strip()
        if not line.startswith(TEXT_PREFIX):
            raise IdentityFormatError(source, f"a public identity starts with {TEXT_PREFIX!r}")
        parts = line[len(TEXT_PREFIX) :].split(":")
        if len(parts) != 2:
            raise IdentityFormatError(
                source, "a public identity is two keys separated by ':' after the prefix"
            )
        return cls.from_data({"signing_key": parts[0], "encryption_key": parts[1]}, source=source)

    def to_text(self) -> str:
        """The one-line form: easy to paste into a message, parsed back by `parse`."""
        return f"{TEXT_PREFIX}{self.signing_key}:{self.encryption_key}"

    @functools.cached_property
    def signing_bytes(self) -> bytes:
        return base64.b64decode(self.signing_key)

    @functools.cached_property
    def encryption_bytes(self) -> bytes:
        return base64.b64decode(self.encryption_key)

    @property
    def fingerprint(self) -> str:
        """30 digits in six groups of five, from a BLAKE2b hash of both public keys.

        Digits, not hex, because people read them aloud; 30 digits (about 100 bits) make
        finding another key pair with the same fingerprint out of reach. As in Signal's
        safety numbers, each 5-byte slice of the hash becomes five digits (mod 100000)."""
        digest = nacl.hash.blake2b(
            self.signing_bytes + self.encryption_bytes,
            digest_size=30,
            person=_FINGERPRINT_PERSON,
            encoder=nacl.encoding.RawEncoder,
        )
        groups = (int.from_bytes(digest[i : i + 5], "big") % 100_000 for i in range(0, 30, 5))
        return " ".join(f"{g:05d}" for g in groups)


def _first_problem(exc: ValidationError) -> str:
    """One line from pydantic's report: the field and what is wrong with it."""
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "missing"
    elif first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] in ("string_type", "model_type"):
        message = "must be text" if first["type"] == "string_type" else "must be an object"
    return f"{where.replace('_', ' ')} {message}" if where else message


def safety_number(a: PublicIdentity, b: PublicIdentity) -> str:
    """The number two people compare for their pairing: both fingerprints, lower first, so it
    reads the same on both sides whoever computes it."""
    first, second = sorted((a.fingerprint, b.fingerprint))
    return f"{first} {second}"


def verify(signed: bytes, by: PublicIdentity, *, source: str = "signed file") -> bytes:
    """The message inside `signed` (from `Identity.sign`) if `by` signed it; else
    `SignatureError`. Nothing of an unverified message is returned."""
    try:
        message = nacl.signing.VerifyKey(by.signing_bytes).verify(signed)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        raise SignatureError(
            source, f"the signature is not by {by.fingerprint} (forged or changed)"
        ) from None
    if not message.startswith(_SIGNED_CONTEXT):
        raise SignatureError(source, "not a Mastery signed message")
    return message[len(_SIGNED_CONTEXT) :]


def claimed_message(signed: bytes) -> bytes:
    """The message inside `signed` WITHOUT checking the signature: only to find out which key
    claims to have signed it (a self-signed roster entry names its own key). Believe nothing
    in it until `verify(signed, by=that key)` has passed."""
    start = SIGNATURE_BYTES + len(_SIGNED_CONTEXT)
    if len(signed) < start or signed[SIGNATURE_BYTES:start] != _SIGNED_CONTEXT:
        raise SignatureError("signed file", "not a Mastery signed message")
    return signed[start:]


@dataclass(frozen=True, slots=True)
class Peer:
    """Someone this profile shares a key with (`Identity.pair_key`): their two public keys
    and the shared key, which is as secret as this profile's own keys. One bytes object of
    the three (96 bytes), not three: a steward keeps 10,000 of them, and its forked openers
    copy every page of them they touch."""

    record: bytes

    @classmethod
    def of(cls, signing: bytes, encryption: bytes, key: bytes) -> Peer:
        return cls(signing + encryption + key)

    @property
    def signing(self) -> bytes:
        return self.record[:KEY_BYTES]

    @property
    def encryption(self) -> bytes:
        return self.record[KEY_BYTES : 2 * KEY_BYTES]

    @property
    def key(self) -> bytes:
        return self.record[2 * KEY_BYTES :]

    @property
    def named(self) -> bytes:
        """The signing and encryption keys, as a paired file names its sender inside."""
        return self.record[: 2 * KEY_BYTES]


# The pairs a profile knows, by their tag for one label (`team.peers.round_tags`): a pair,
# or the pairs that share the tag by the keys they name.
Tags = Mapping[bytes, Peer | Mapping[bytes, Peer]]


def paired_tag(key: bytes, label: bytes) -> bytes:
    """How a pair's files with `label` (a team's round, say) start: a keyed BLAKE2b digest.
    Only the two people of the pair can compute it, so it names the sender to the recipient
    and to nobody else; another label gives an unrelated tag, so files of two rounds cannot
    be linked to each other by whoever reads the folder."""
    return hashlib.blake2b(label, key=key, digest_size=TAG_BYTES, person=_TAG_PERSON).digest()


@dataclass(frozen=True, slots=True)
class Opened:
    """A sealed file that passed every check: who signed it and what it says."""

    sender: PublicIdentity
    payload: bytes


# ----------------------------------------------------------------------------- private side
class _StoredIdentity(BaseModel):
    """The private record in the profile: both 32-byte secrets, base64."""

    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)

    version: int
    signing_seed: str
    encryption_secret: str


class Identity:
    """This profile's key pairs: signs, seals to others, and opens what was sealed to it.

    Get it with `Identity.of(col)`. The private keys never leave this object except into the
    profile database; `repr` shows only the fingerprint.
    """

    def __init__(
        self, signing: nacl.signing.SigningKey, encryption: nacl.public.PrivateKey
    ) -> None:
        self._signing = signing
        self._encryption = encryption
        self._secret = bytes(encryption)
        self.public = PublicIdentity(
            signing_key=base64.b64encode(bytes(signing.verify_key)).decode("ascii"),
            encryption_key=base64.b64encode(bytes(encryption.public_key)).decode("ascii"),
        )

    @classmethod
    def generate(cls) -> Identity:
        """New random key pairs (from libsodium's random source)."""
        return cls(nacl.signing.SigningKey.generate(), nacl.public.PrivateKey.generate())

    @classmethod
    def of(cls, col: Collection) -> Identity:
        """The profile's identity, made on first use.

        Made race-free with `Collection.meta_once`: when twenty processes use a new profile at
        once, each proposes its own keys, one insert wins, and all read back the same record,
        so a profile never has two identities (nor one that changes after being shown)."""
        stored = col.meta(_META_KEY)
        if stored is None:
            fresh = cls.generate()
            stored = col.meta_once(_META_KEY, fresh._record())
        return cls._from_record(stored)

    def _record(self) -> dict[str, Any]:
        return {
            "version": 1,
            "signing_seed": base64.b64encode(bytes(self._signing)).decode("ascii"),
            "encryption_secret": base64.b64encode(bytes(self._encryption)).decode("ascii"),
        }

    @classmethod
    def _from_record(cls, stored: Any) -> Identity:
        damaged = IdentityError(
            "this profile's identity keys are damaged; restore a backup "
            "(mastery backup --restore) to get them back"
        )
        try:
            record = _StoredIdentity.model_validate(stored)
            seed = base64.b64decode(record.signing_seed, validate=True)
            secret = base64.b64decode(record.encryption_secret, validate=True)
        except (ValidationError, binascii.Error, ValueError):
            raise damaged from None
        if record.version != 1 or len(seed) != KEY_BYTES or len(secret) != KEY_BYTES:
            raise damaged
        return cls(nacl.signing.SigningKey(seed), nacl.public.PrivateKey(secret))

    def __repr__(self) -> str:
        return f"Identity({self.public.fingerprint})"

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint

    # -------------------------------------------------------------- signing
    def sign(self, message: bytes) -> bytes:
        """`message` with this profile's signature, for `verify(signed, by=self.public)`.
        For things that are public but must not be forged (a steward's partial sum)."""
        return bytes(self._signing.sign(_SIGNED_CONTEXT + message))

    # -------------------------------------------------------------- sealing
    def seal(self, payload: bytes, to: PublicIdentity) -> bytes:
        """`payload` signed by this profile and sealed so that only `to` can open it."""
        recipient = to.encryption_bytes
        inner = (
            _SEALED_CONTEXT
            + self.public.signing_bytes
            + self.public.encryption_bytes
            + recipient
            + payload
        )
        signed = bytes(self._signing.sign(inner))
        try:
            box = nacl.public.SealedBox(nacl.public.PublicKey(recipient)).encrypt(signed)
        except nacl.exceptions.CryptoError:
            raise IdentityFormatError(
                f"identity {to.fingerprint}", "its encryption key cannot receive files"
            ) from None
        return SEALED_MAGIC + recipient + bytes(box)

    def open(
        self,
        data: bytes,
        *,
        sender: PublicIdentity | None = None,
        source: str = "sealed file",
        check_keys: bool = True,
    ) -> Opened:
        """What `seal` made for this profile, after every check.

        `sender` is the key the file must be signed by (the paired mentor, say); without it the
        caller gets the signer back and must check it itself (first contact: compare the
        fingerprint). Refusals are typed: `WrongRecipientError` (sealed for someone else),
        `TamperedError` (changed or cut after sealing), `SignatureError` (forged, or by
        another key than `sender`)."""
        header = len(SEALED_MAGIC) + KEY_BYTES
        if not data.startswith(SEALED_MAGIC):
            raise SealedFileError(source, "not a sealed Mastery file")
        if len(data) < header:
            raise TamperedError(source, "cut short: the sealed content is missing")
        mine = self.public.encryption_bytes
        if data[len(SEALED_MAGIC) : header] != mine:
            raise WrongRecipientError(
                source, f"sealed for another identity, not for this profile ({self.fingerprint})"
            )
        try:
            # libsodium's sealed box open, without PyNaCl's wrapper objects (a steward opens
            # 10,000 of these; the call and its checks are the same as `SealedBox.decrypt`'s).
            signed = nacl.bindings.crypto_box_seal_open(data[header:], mine, self._secret)
        except nacl.exceptions.CryptoError:
            raise TamperedError(
                source, "the sealed content was changed or damaged after it was sealed"
            ) from None
        offset = SIGNATURE_BYTES + len(_SEALED_CONTEXT)
        body_start = offset + 3 * KEY_BYTES
        if len(signed) < body_start or signed[SIGNATURE_BYTES:offset] != _SEALED_CONTEXT:
            raise SignatureError(source, "the content is not signed by a Mastery identity")
        claimed = signed[offset : offset + KEY_BYTES]
        keys = {
            "signing_key": base64.b64encode(claimed).decode("ascii"),
            "encryption_key": base64.b64encode(
                signed[offset + KEY_BYTES : offset + 2 * KEY_BYTES]
            ).decode("ascii"),
        }
        try:
            # `check_keys=False` (a steward, who only compares the signer with its roster and
            # never seals to it) skips the key checks, a third of opening a share: libsodium's
            # verify itself refuses a small-order signing key.
            signer = (
                PublicIdentity(**keys)
                if check_keys
                else PublicIdentity.model_construct(
                    signing_key=keys["signing_key"], encryption_key=keys["encryption_key"]
                )
            )
            nacl.bindings.crypto_sign_open(signed, claimed)  # what `VerifyKey.verify` calls
        except (ValidationError, nacl.exceptions.BadSignatureError, ValueError):
            raise SignatureError(source, "the signature does not match (forged file)") from None
        if sender is not None and signer.signing_key != sender.signing_key:
            raise SignatureError(
                source, f"signed by {signer.fingerprint}, not by the expected {sender.fingerprint}"
            )
        if signed[offset + 2 * KEY_BYTES : body_start] != mine:
            raise WrongRecipientError(
                source, "signed for another recipient and re-sealed to this profile"
            )
        return Opened(sender=signer, payload=signed[body_start:])

    def keyed_digest(self, data: bytes, person: bytes) -> bytes:
        """A BLAKE2b digest of `data` that only this profile can compute: what it keeps for
        itself is authenticated with it (`team/peers.py`). `person` (up to 16 bytes) keeps
        each purpose's digests apart; the key is derived from the encryption secret, never
        the secret itself."""
        key = hashlib.blake2b(self._secret, digest_size=32, person=b"mastery-local-v1").digest()
        return hashlib.blake2b(data, key=key, digest_size=32, person=person).digest()

    # -------------------------------------------------------------- paired files
    def pair_key(self, peer: bytes) -> bytes:
        """The key this profile shares with the holder of the X25519 public key `peer`: the
        same from either side (libsodium's `crypto_box_beforenm`). Refuses a key that
        cannot receive files (a small-order point gives libsodium an all-zero secret)."""
        try:
            return nacl.bindings.crypto_box_beforenm(peer, self._secret)
        except (nacl.exceptions.CryptoError, ValueError, TypeError):
            raise IdentityFormatError(
                "identity", "its encryption key cannot receive files"
            ) from None

    def seal_paired(self, payload: bytes, to: PublicIdentity, label: bytes) -> bytes:
        """`payload` for `to` alone, from this profile, under the key the two share: what a
        member sends a team's steward every round (`team/contribution.py`).

        `seal` costs its recipient an X25519 product and an Ed25519 verification per file
        (92 us here); a paired file costs one symmetric open (3 us) once the recipient knows
        the pair's key, which it keeps (`team/peers.py`). It proves the sender to the
        recipient only, as libsodium's `crypto_box` does: the recipient holds the same key and
        could have made it, so it proves nothing to a third person (the team's shares need
        nothing more; mentor files, which do, stay `seal`ed). Its tag (`paired_tag` of
        `label`) lets the recipient find the key without anyone else learning who sent it."""
        recipient = to.encryption_bytes
        key = self.pair_key(recipient)
        inner = (
            _PAIRED_CONTEXT
            + self.public.signing_bytes
            + self.public.encryption_bytes
            + recipient
            + payload
        )
        nonce = os.urandom(NONCE_BYTES)
        box = nacl.bindings.crypto_box_afternm(inner, nonce, key)
        return PAIRED_MAGIC + recipient + paired_tag(key, label) + nonce + box

    def open_paired(
        self,
        data: bytes,
        peers: Tags,
        *,
        source: str = "paired file",
    ) -> Opened:
        """What `seal_paired` made for this profile, after every check: `peers` are the
        pairs this profile knows, by their tag for the file's label, then by their signing
        and encryption keys (`team.peers.round_tags`). Refusals are typed as `open`'s are; a
        tag of no known pair is `UnknownSenderError` (someone not in `peers`, a file of
        another label, or a damaged one: nobody else can tell them apart).

        A tag may name several pairs: anyone can sign a roster entry naming someone else's
        encryption key, which gives the same pair's key. The keys named inside say which of
        them sent it; a file naming none of them is refused."""
        header = len(PAIRED_MAGIC) + KEY_BYTES
        if not data.startswith(PAIRED_MAGIC):
            raise SealedFileError(source, "not a paired Mastery file")
        if len(data) < header + TAG_BYTES + NONCE_BYTES:
            raise TamperedError(source, "cut short: the sealed content is missing")
        mine = self.public.encryption_bytes
        if data[len(PAIRED_MAGIC) : header] != mine:
            raise WrongRecipientError(
                source, f"sealed for another identity, not for this profile ({self.fingerprint})"
            )
        found = peers.get(data[header : header + TAG_BYTES])
        if not found:
            raise UnknownSenderError(source, "not from anyone this profile shares a key with")
        key = found.key if isinstance(found, Peer) else next(iter(found.values())).key
        nonce = data[header + TAG_BYTES : header + TAG_BYTES + NONCE_BYTES]
        try:
            inner = nacl.bindings.crypto_box_open_afternm(
                data[header + TAG_BYTES + NONCE_BYTES :], nonce, key
            )
        except nacl.exceptions.CryptoError:
            raise TamperedError(
                source, "the sealed content was changed or damaged after it was sealed"
            ) from None
        context = len(_PAIRED_CONTEXT)
        body_start = context + 3 * KEY_BYTES
        # Whoever holds the pair's key made it: the keys it names must be the pair's own.
        named = inner[context : context + 2 * KEY_BYTES]
        peer = (
            (found if found.named == named else None)
            if isinstance(found, Peer)
            else found.get(named)
        )
        if (
            peer is None
            or peer.key != key
            or len(inner) < body_start
            or inner[:context] != _PAIRED_CONTEXT
        ):
            raise SignatureError(source, "the content does not name the keys it was sealed with")
        if inner[context + 2 * KEY_BYTES : body_start] != mine:
            raise WrongRecipientError(source, "made for another recipient")
        sender = PublicIdentity.model_construct(
            signing_key=base64.b64encode(peer.signing).decode("ascii"),
            encryption_key=base64.b64encode(peer.encryption).decode("ascii"),
        )
        return Opened(sender=sender, payload=inner[body_start:])
