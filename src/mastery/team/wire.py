"""The files of a team's rounds, field by field: roster entries, contributions, partial sums.

Anyone with write access to the team's folder (or database) can put anything there, so every
file is parsed into these strict, bounded models before it is used, and every refusal is one
line. What is signed or sealed is checked by `mastery.identity`; these models check what the
signed bytes say. Vectors travel as base64 of little-endian unsigned 64-bit integers: shares
are uniformly random modulo 2**64, so they need the whole range.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import sys
from array import array
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from mastery.limits import describe_validation
from mastery.team_formats import MAX_ID, Day

__all__ = [
    "CONTRIBUTION_FORMAT",
    "MODULUS",
    "PARTIAL_FORMAT",
    "ROSTER_FORMAT",
    "SHARE_FORMAT",
    "ContributionFile",
    "PartialPayload",
    "RosterPayload",
    "ShareSum",
    "SharePayload",
    "SignedFile",
    "WireProblem",
    "decode_share",
    "decode_vector",
    "dumps",
    "encode_vector",
    "parse",
    "round_days",
    "round_of",
    "sum_shares",
]

ROSTER_FORMAT = "mastery-team-member"
CONTRIBUTION_FORMAT = "mastery-team-contribution"
SHARE_FORMAT = "mastery-team-share"
PARTIAL_FORMAT = "mastery-team-partial"
MODULUS = 2**64
MAX_VECTOR = 200_000  # coordinates; a layout of 20,000 cards stays far below
MAX_CONTRIBUTIONS = 1_000_000
MAX_STEWARDS = 10
ROUND = re.compile(r"^(\d{4})-W(\d{2})$")
HEX32 = r"^[0-9a-f]{32}$"


class WireProblem(ValueError):
    """What is wrong with a round file, in one line; the caller adds where it came from."""


# ----------------------------------------------------------------------------- rounds
def round_of(day: date) -> str:
    """The round a day belongs to: its ISO week, `2026-W49`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@functools.lru_cache(maxsize=256)
def round_days(round_id: str) -> tuple[date, date]:
    """The first (Monday) and last (Sunday) day of a round. Cached: a steward checks the
    round of every contribution and every share it opens, nearly always the same one."""
    match = ROUND.match(round_id)
    if not match:
        raise WireProblem(f"{round_id[:20]!r} is not a round (an ISO week such as 2026-W49)")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise WireProblem(f"{round_id!r} is not a week of that year") from None
    return monday, monday + timedelta(days=6)


def _round(value: str) -> str:
    round_days(value)
    return value


def _aware(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO moment with a time zone")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO moment with a time zone") from None
    if moment.tzinfo is None or moment.year < 2000 or moment.year > 2199:
        raise ValueError("must be an ISO moment with a time zone, from 2000 to 2199")
    return moment


RoundId = Annotated[StrictStr, Field(max_length=10), AfterValidator(_round)]
Moment = Annotated[datetime, BeforeValidator(_aware)]
Hex32 = Annotated[StrictStr, Field(pattern=HEX32)]
TeamId = Annotated[StrictStr, Field(min_length=1, max_length=MAX_ID)]
IdentityText = Annotated[StrictStr, Field(max_length=200)]
B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
B64_PATTERN = r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"


def _base64_text(value: str) -> str:
    """Standard padded base64 (`B64_PATTERN`, whole), checked without decoding: a steward
    reads thousands of shares and decodes each once where it is used (`binascii.Error` is
    caught there). Deleting the alphabet must leave no more than the padding, at the end,
    in a length that is a multiple of 4: the same texts as the pattern, which pydantic's
    regex took 10 us to match on a 3 KB share, this 2 us."""
    try:
        rest = value.encode("ascii").translate(None, B64_ALPHABET)
    except UnicodeEncodeError:
        rest = b"?"
    if len(value) % 4 or rest not in (b"", b"=", b"==") or not value.endswith(rest.decode()):
        raise ValueError("is not base64 (A-Z, a-z, 0-9, + and /, padded with = to 4 characters)")
    return value


B64 = Annotated[
    StrictStr, Field(max_length=4 * (8 * MAX_VECTOR + 1024)), AfterValidator(_base64_text)
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_M = TypeVar("_M", bound=BaseModel)


# ----------------------------------------------------------------------------- files
class SignedFile(_Model):
    """A roster entry or a partial sum on disk: signed bytes, with the signer's fingerprint
    for people reading the folder (the reader trusts only what the signature covers)."""

    format: StrictStr
    fingerprint: Annotated[StrictStr, Field(max_length=40)]
    signed: B64


class RosterPayload(_Model):
    """What a member signs to join a team's roster (`members/`)."""

    format: Literal["mastery-team-member"]
    version: Literal[1]
    team: TeamId
    identity: IdentityText
    joined_on: Day


class ContributionFile(_Model):
    """A contribution on disk: one sealed share per steward, nothing else in clear but the
    team and the round (which every file in the round's folder says anyway)."""

    format: Literal["mastery-team-contribution"]
    version: Literal[1]
    team: TeamId
    round: RoundId
    shares: Annotated[list[B64], Field(min_length=1, max_length=MAX_STEWARDS)]


class SharePayload(_Model):
    """What one steward finds inside its sealed share (signed by the member inside the seal)."""

    format: Literal["mastery-team-share"]
    version: Literal[1]
    team: TeamId
    round: RoundId
    contribution: Hex32  # the same in every steward's share of one contribution
    layout: Hex32
    created_at: Moment
    length: Annotated[StrictInt, Field(ge=1, le=MAX_VECTOR)]
    share: B64


CardIds = Annotated[list[Annotated[StrictStr, Field(max_length=200)]], Field(max_length=20_000)]


class LayoutData(_Model):
    decks: Annotated[list[tuple[TeamId, CardIds]], Field(max_length=1_000)]
    goals: Annotated[list[TeamId], Field(max_length=200)]


class PartialPayload(_Model):
    """A steward's partial sum for a round: what it summed, and the noised sum (or nothing,
    when fewer than k members contributed)."""

    format: Literal["mastery-team-partial"]
    version: Literal[1]
    team: TeamId
    round: RoundId
    steward: IdentityText
    layout: LayoutData
    layout_digest: Hex32
    contributions: Annotated[list[Hex32], Field(max_length=MAX_CONTRIBUTIONS)]
    n: Annotated[StrictInt, Field(ge=0, le=MAX_CONTRIBUTIONS)]
    suppressed: StrictBool
    sums: B64 | None
    rho: Annotated[StrictFloat, Field(gt=0, le=1000, allow_inf_nan=False)]
    sigma: Annotated[StrictFloat, Field(ge=0, le=1e9, allow_inf_nan=False)]
    created_at: Moment


# ----------------------------------------------------------------------------- helpers
def parse(model: type[_M], raw: bytes | str) -> _M:
    """A model from JSON text, or `WireProblem` naming the first bad field."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise WireProblem(describe_validation(exc, "missing key {name!r}")) from None


def dumps(data: dict[str, Any]) -> bytes:
    """Canonical JSON (sorted keys, no spaces): what is signed or sealed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def encode_vector(values: list[int]) -> str:
    """Base64 of the values modulo 2**64 as little-endian unsigned 64-bit integers."""
    packed = array("Q", (v % MODULUS for v in values))
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def decode_vector(text: str, length: int) -> list[int]:
    """The values `encode_vector` wrote; `WireProblem` unless exactly `length` of them."""
    return decode_packed(text, length).tolist()


def decode_packed(text: str, length: int) -> array[int]:
    """`decode_vector`, kept as 64-bit values (8 bytes each, where a list of Python integers
    this large takes 44)."""
    packed = array("Q")
    packed.frombytes(decode_share(text, length))
    if sys.byteorder == "big":
        packed.byteswap()
    return packed


def decode_share(text: str, length: int) -> bytes:
    """The values `encode_vector` wrote, as the bytes they travel as (little-endian, 8 bytes
    each): what a steward holds of each member until it sums them (`sum_shares`);
    `WireProblem` unless base64 of exactly `length` values."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WireProblem("is not base64") from None
    if len(raw) != 8 * length:
        raise WireProblem(f"holds {len(raw) // 8} values, not {length}")
    return raw


class ShareSum:
    """A running sum modulo 2**64, coordinate by coordinate, of vectors from `decode_share`:
    a steward adds each member's share as it is opened and never holds them all.

    Each vector is spread into 128-bit slots (its 8-byte values moved, never interpreted, so
    the host's byte order does not matter) and read as one integer; adding those integers adds
    every coordinate at once, and a slot's carries (under 2**64 of them: fewer shares than
    that) never reach the next slot. 4 us a share here, where a Python loop over every
    coordinate took 10. Taking away a vector that was added leaves the exact sum of the rest."""

    def __init__(self, length: int) -> None:
        self.length = length
        self._total = 0
        self._wide = bytearray(16 * length)  # the high half of every slot stays zero
        self._low_halves = memoryview(self._wide).cast("Q")[0::2]

    def _spread(self, share: bytes) -> int:
        self._low_halves[:] = memoryview(share).cast("Q")
        return int.from_bytes(self._wide, "little")

    def add(self, share: bytes) -> None:
        self._total += self._spread(share)

    def remove(self, share: bytes) -> None:
        """Take away a vector added before (never one that was not: the slots would borrow)."""
        self._total -= self._spread(share)

    @property
    def wide(self) -> int:
        """The sum as the one integer it is kept as: how another process hands its sum over
        (`add_wide`)."""
        return self._total

    def add_wide(self, wide: int) -> None:
        """Add another `ShareSum` of the same length, given as its `wide` integer."""
        self._total += wide

    def values(self) -> list[int]:
        slots = array("Q")
        slots.frombytes(self._total.to_bytes(16 * self.length, "little"))
        if sys.byteorder == "big":
            slots.byteswap()
        return slots[0::2].tolist()  # each slot's low 64 bits: its sum modulo 2**64


def sum_shares(shares: Iterable[bytes], length: int) -> list[int]:
    """The sum modulo 2**64 of vectors from `decode_share`, coordinate by coordinate."""
    total = ShareSum(length)
    for share in shares:
        total.add(share)
    return total.values()
