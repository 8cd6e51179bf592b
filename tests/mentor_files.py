"""Helpers for tests of sealed mentor files: pair two profiles, read a sealed file's payload,
and re-seal a changed payload with the genuine writer's key (what a buggy or hostile but
*paired* writer could send, so the reader's field checks are still what refuses it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import NOW
from mastery.collection import Collection
from mastery.identity import KEY_BYTES, SEALED_MAGIC, Identity
from mastery.mentor import InvitationView

# Every identity `pair` has seen, by encryption key and by signing key, so `reseal` can find
# the reader and the writer of a file from the file alone.
_BY_ENCRYPTION: dict[bytes, Identity] = {}
_BY_SIGNING: dict[bytes, Identity] = {}
_BY_PROFILE: dict[str, Identity] = {}  # by profile name, for tests that drive the CLI


def invitation_of(col: Collection, name: str, role: str) -> InvitationView:
    """What `read_invitation` would give for `col`'s invitation (no file, no display name)."""
    me = Identity.of(col)
    _BY_ENCRYPTION[me.public.encryption_bytes] = me
    _BY_SIGNING[me.public.signing_bytes] = me
    return InvitationView(name, role, me.public.to_text(), me.fingerprint, "", NOW, False)


def pair(
    mentee: Collection, mentor: Collection, mentee_name: str = "Ana", mentor_name: str = "Bo"
) -> None:
    """Pair two profiles both ways, as `invite` and `pair` would, writing no display name or
    pairing id (so tests of those still see a fresh profile)."""
    mentor.mentor.pair(invitation_of(mentee, mentee_name, "mentee"), now=NOW)
    mentee.mentor.pair(invitation_of(mentor, mentor_name, "mentor"), now=NOW)


def payload(path: Path, reader: Collection | None = None) -> bytes:
    """The JSON bytes sealed inside a mentor file (opened as its reader)."""
    data = path.read_bytes()
    me = Identity.of(reader) if reader is not None else _reader(data)
    return me.open(data).payload


def open_doc(path: Path, reader: Collection | None = None) -> dict[str, Any]:
    """The JSON object sealed inside a mentor file."""
    doc: dict[str, Any] = json.loads(payload(path, reader))
    return doc


def reseal(path: Path, change: Callable[[dict[str, Any]], None], to: Path) -> Path:
    """A copy of a sealed mentor file with `change` applied to its payload, signed again by
    the same (paired) writer and sealed to the same reader."""
    data = path.read_bytes()
    reader = _reader(data)
    opened = reader.open(data)
    doc = json.loads(opened.payload)
    change(doc)
    writer = _BY_SIGNING[opened.sender.signing_bytes]
    to.write_bytes(writer.seal(json.dumps(doc, ensure_ascii=False).encode(), to=reader.public))
    return to


def seal_doc(doc: dict[str, Any], writer: Collection, reader: Collection, to: Path) -> Path:
    """`doc` sealed by `writer` for `reader` (a file no Mastery command would write)."""
    sealed = Identity.of(writer).seal(
        json.dumps(doc, ensure_ascii=False).encode(), to=Identity.of(reader).public
    )
    to.write_bytes(sealed)
    return to


def _reader(data: bytes) -> Identity:
    key = data[len(SEALED_MAGIC) : len(SEALED_MAGIC) + KEY_BYTES]
    return _BY_ENCRYPTION[key]


def pair_profiles(
    mentee: str, mentor: str, mentee_name: str = "Ana", mentor_name: str = "Bo"
) -> None:
    """`pair` for two profiles of MASTERY_HOME by name (tests that drive the CLI)."""
    with (
        Collection.open(mentee, bundled=False) as a,
        Collection.open(mentor, bundled=False) as b,
    ):
        pair(a, b, mentee_name, mentor_name)
        _BY_PROFILE[mentee], _BY_PROFILE[mentor] = Identity.of(a), Identity.of(b)


def know(*profiles: str) -> None:
    """Let `reseal` and `open_doc` find these profiles' keys (paired through the CLI)."""
    for name in profiles:
        with Collection.open(name, bundled=False) as col:
            invitation_of(col, name, "mentee")
            _BY_PROFILE[name] = Identity.of(col)


def seal_as(text: str, writer: str, reader: str) -> bytes:
    """`text` signed by profile `writer` and sealed for profile `reader` (paired before)."""
    data = text.encode("utf-8", errors="surrogateescape")
    return _BY_PROFILE[writer].seal(data, to=_BY_PROFILE[reader].public)
