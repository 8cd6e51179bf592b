"""Sealing sync chunks: a key from a passphrase (Argon2id), chunks in authenticated boxes.

Only PyNaCl's primitives are used, none of our own making. The public header of a target holds
the salt and the KDF limits (so every device derives the same key from the same passphrase)
and a sealed check value, so a wrong passphrase is told apart from a damaged chunk. A chunk's
device id and sequence number are sealed inside it and compared with its file name, so a
chunk renamed or moved to another device's folder is refused rather than applied twice.
"""

from __future__ import annotations

import json
import unicodedata
import zlib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mastery.errors import SyncError

HEADER_FORMAT = "mastery-sync/1"
_CHECK = b"mastery sync key check"
# A chunk is at most this big once opened (a compressed bomb is refused, not inflated).
MAX_PLAIN = 256 * 1024 * 1024
# A chunk refused stops every sync that reads it (nothing is applied past it); its writer
# still has what it held and writes a chunk missing from the target again (docs/sync.md).
_REMEDY = (
    "nothing was applied; if it stays so, remove it from the target: the device that wrote "
    "it writes it again at its next sync"
)


class Header(BaseModel):
    """The target's public header (`mastery-sync.json`): nothing in it is secret."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str
    kdf: str
    opslimit: int
    memlimit: int
    # Hex, checked here: a damaged header is "not a header", never a traceback or a
    # "wrong passphrase". The check is `_CHECK` sealed with the key (nonce, tag, 22 bytes).
    salt: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    check: Annotated[str, Field(pattern=r"^[0-9a-f]{124}$")]

    @property
    def pin(self) -> dict[str, Any]:
        """What a device remembers of the header it joined: all of it (nothing is secret), to
        tell another header from it and to put it back if the target loses it."""
        return self.model_dump()

    @classmethod
    def from_pin(cls, pin: object) -> Header | None:
        """The header a device remembers, or None (none yet, or not one)."""
        try:
            return cls.model_validate(pin) if isinstance(pin, dict) else None
        except ValidationError:
            return None

    def to_bytes(self) -> bytes:
        return (json.dumps(self.model_dump(), indent=1) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> Header:
        try:
            header = cls.model_validate_json(data)
        except ValidationError as exc:
            raise SyncError(f"{where}: not a Mastery sync header") from exc
        if header.format != HEADER_FORMAT or header.kdf != "argon2id":
            raise SyncError(f"{where}: made by another version of Mastery ({header.format})")
        return header


def _kdf(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    from nacl import pwhash, secret

    if not passphrase:
        raise SyncError("the sync passphrase is empty")
    # NFC: "é" typed on one device and decomposed (e + accent) on another is one passphrase.
    phrase = unicodedata.normalize("NFC", passphrase)
    return bytes(
        pwhash.argon2id.kdf(
            secret.SecretBox.KEY_SIZE,
            phrase.encode("utf-8"),
            salt,
            opslimit=opslimit,
            memlimit=memlimit,
        )
    )


def new_header(passphrase: str, *, fast: bool = False) -> tuple[Header, bytes]:
    """A new target's header and its key. `fast` uses Argon2id's smallest limits (tests);
    otherwise its "interactive" limits (64 MiB, well under a second)."""
    from nacl import pwhash, secret, utils

    argon = pwhash.argon2id
    ops = argon.OPSLIMIT_MIN if fast else argon.OPSLIMIT_INTERACTIVE
    mem = argon.MEMLIMIT_MIN if fast else argon.MEMLIMIT_INTERACTIVE
    salt = utils.random(argon.SALTBYTES)
    key = _kdf(passphrase, salt, ops, mem)
    check = bytes(secret.SecretBox(key).encrypt(_CHECK))
    header = Header(
        format=HEADER_FORMAT,
        kdf="argon2id",
        opslimit=ops,
        memlimit=mem,
        salt=salt.hex(),
        check=check.hex(),
    )
    return header, key


def unlock(header: Header, passphrase: str) -> bytes:
    """The key of a target, checked: a wrong passphrase is one line, before any chunk."""
    from nacl import exceptions, pwhash, secret

    argon = pwhash.argon2id
    salt = bytes.fromhex(header.salt)
    if len(salt) != argon.SALTBYTES or not (
        argon.OPSLIMIT_MIN <= header.opslimit <= argon.OPSLIMIT_SENSITIVE
        and argon.MEMLIMIT_MIN <= header.memlimit <= argon.MEMLIMIT_SENSITIVE
    ):
        raise SyncError("the sync header's key settings are out of range (damaged?)")
    key = _kdf(passphrase, salt, header.opslimit, header.memlimit)
    try:
        if secret.SecretBox(key).decrypt(bytes.fromhex(header.check)) != _CHECK:
            raise exceptions.CryptoError
    except (exceptions.CryptoError, ValueError) as exc:
        raise SyncError("wrong sync passphrase for this target") from exc
    return key


def opens(header: Header, key: bytes) -> bool:
    """Whether `key` (a remembered one) is the key of this header: its check value opens."""
    from nacl import exceptions, secret

    try:
        return secret.SecretBox(key).decrypt(bytes.fromhex(header.check)) == _CHECK
    except (exceptions.CryptoError, ValueError, TypeError):
        return False


def seal(key: bytes, device: str, seq: int, events: list[dict[str, Any]]) -> bytes:
    """One chunk: compressed JSON with its device and sequence, in a SecretBox."""
    from nacl import secret

    plain = json.dumps(
        {"format": 1, "device": device, "seq": seq, "events": events},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
    return bytes(secret.SecretBox(key).encrypt(zlib.compress(plain, 6)))


def open_chunk(key: bytes, device: str, seq: int, data: bytes, where: str) -> list[Any]:
    """The events of a chunk, once it is proven to be ours and in its place; anything else
    (tampered, truncated, another passphrase, moved) is one `SyncError` naming the file."""
    return events_of(open_plain(key, data, where), device, seq, where)


def open_plain(key: bytes, data: bytes, where: str) -> bytes:
    """A chunk opened and inflated: its JSON, not yet read (`events_of`)."""
    from nacl import exceptions, secret

    try:
        packed = secret.SecretBox(key).decrypt(data)
    except (exceptions.CryptoError, ValueError) as exc:
        raise SyncError(
            f"{where}: cannot be opened (damaged, truncated, or sealed with another "
            f"passphrase); {_REMEDY}"
        ) from exc
    try:
        inflater = zlib.decompressobj()
        plain = inflater.decompress(packed, MAX_PLAIN)
    except zlib.error as exc:
        raise SyncError(f"{where}: not a sync chunk; {_REMEDY}") from exc
    if inflater.unconsumed_tail:
        raise SyncError(f"{where}: too large once opened; {_REMEDY}")
    return plain


def events_of(plain: bytes, device: str, seq: int, where: str) -> list[Any]:
    """The events of an opened chunk (`open_plain`), once its JSON says it is `device`'s
    chunk `seq`."""
    try:
        body = json.loads(plain)
    except (ValueError, RecursionError) as exc:  # nested past Python's stack
        raise SyncError(f"{where}: not a sync chunk; {_REMEDY}") from exc
    if (
        not isinstance(body, dict)
        or body.get("device") != device
        or body.get("seq") != seq
        or not isinstance(body.get("events"), list)
    ):
        raise SyncError(
            f"{where}: belongs to another place in the target (moved or copied); {_REMEDY}"
        )
    events: list[Any] = body["events"]
    return events
