"""The little protobuf Anki's packages need: the top-level fields of a message.

Newer packages (package version 3, collection schema 18) keep their metadata, media list, deck
kinds and note type configs as protobuf messages. Mastery reads a handful of known field
numbers from them, which needs neither the protobuf runtime nor Anki's ``.proto`` files.
"""

from __future__ import annotations

__all__ = ["proto_field", "proto_fields"]


def proto_fields(data: bytes) -> list[tuple[int, bytes | int]]:
    """The top-level fields of a protobuf message as (number, value); enough for Anki's.

    Lenient: a damaged message yields the fields before the damage.
    """
    out: list[tuple[int, bytes | int]] = []
    pos = 0

    def varint() -> int:
        nonlocal pos
        shift = value = 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    try:
        while pos < len(data):
            key = varint()
            number, wire = key >> 3, key & 7
            if wire == 0:
                out.append((number, varint()))
            elif wire == 2:
                size = varint()
                out.append((number, data[pos : pos + size]))
                pos += size
            elif wire == 1:
                pos += 8
            elif wire == 5:
                pos += 4
            else:
                break
    except IndexError:
        pass
    return out


def proto_field(data: bytes | int | None, number: int) -> bytes | int | None:
    """Field `number` of a nested message (None if `data` is no message or lacks it)."""
    if not isinstance(data, bytes):
        return None
    return next((v for f, v in proto_fields(data) if f == number), None)
