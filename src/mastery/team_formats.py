"""The team file formats as pydantic models: `team.toml` and the member summary record.

Every member can write into a team folder, so every file in it is parsed into these models
before anything else looks at it: strict types (no "3" for 3, no true for 1), bounded text,
lists and maps, finite numbers in range (shares within 0..1, counts not negative, mature <=
studied <= cards, lapses <= reviews), real dates from 2000 on and a record not dated in the
future. A record that does not fit is skipped by the report with one warning line; a team.toml
that does not fit is refused with one line. Field by field: docs/teams.md.

Issue 11 (secure aggregation) builds on these models, so they stay free of storage and I/O.
"""

from __future__ import annotations

from collections.abc import KeysView
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from mastery.limits import day_field, describe_validation

__all__ = [
    "DEFAULT_K",
    "SUMMARY_FORMAT",
    "SUMMARY_VERSION",
    "CardStat",
    "DeckRecord",
    "FormatProblem",
    "Streaks",
    "SummaryRecord",
    "PrivacyFile",
    "StewardFile",
    "TeamFile",
    "TeamGoalFile",
    "describe",
    "parse_record",
    "parse_team_file",
]

SUMMARY_FORMAT = "mastery-team-summary"
SUMMARY_VERSION = 1
DEFAULT_K = 3
MAX_STEWARDS = 10
DEFAULT_RHO = 1.0  # zero-concentrated DP per round: see docs/teams.md, "Noise"
MIN_RHO, MAX_RHO = 0.01, 100.0
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2199, 12, 31)
DAY_SKEW = timedelta(days=1)  # a member's learner's day may run a day ahead of ours

MAX_ID = 64
MAX_NAME = 200
MAX_TEXT = 10_000
MAX_LABEL = 100
MAX_GOALS = 200
MAX_DECKS = 1_000
MAX_CARDS = 100_000
MAX_DAYS = 400
MAX_COUNT = 10**9
MAX_STREAK = 100_000
MAX_STABILITY = 1_000_000.0  # days; FSRS caps far below

_TEAM_ID = r"^[a-z0-9][a-z0-9-]*$"
_PSEUDONYM = r"^[0-9a-f]{64}$"


class FormatProblem(ValueError):
    """What is wrong with a team file, in one line naming the field; the caller adds the path."""


# ----------------------------------------------------------------------------- field types
def _iso_day(value: Any) -> date:
    return day_field(value, EARLIEST_DAY, LATEST_DAY)


def _toml_day(value: Any) -> date:
    """A TOML date (`2027-06-30`) or the same as text; never a date-time."""
    if isinstance(value, str):
        return _iso_day(value)
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError("must be a date (2027-06-30)")
    return _in_range(value)


def _in_range(day: date) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"{day} is outside {EARLIEST_DAY.year}-{LATEST_DAY.year}")
    return day


_KNOWN_DAYS: set[str] = set()  # day keys already found valid: every record names the same days


def _check_day_keys(days: KeysView[str]) -> None:
    """Every key of `daily` is a day in range. A report reads thousands of records naming the
    same few hundred days, so the keys seen before are set aside in one C-level set difference
    and only new ones are parsed (a Python call per key was a fifth of a report)."""
    for value in days - _KNOWN_DAYS:
        try:
            _iso_day(value)
        except ValueError as exc:
            raise ValueError(f"daily key {value[:20]!r}: {exc}") from None
        if len(_KNOWN_DAYS) < 100_000:
            _KNOWN_DAYS.add(value)


def _k(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 1_000:
        raise ValueError(f"k must be a whole number of at least 2, got {str(value)[:20]!r}")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]
TomlDay = Annotated[date, BeforeValidator(_toml_day)]
Label = Annotated[StrictStr, Field(min_length=1, max_length=MAX_LABEL)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
Streak = Annotated[StrictInt, Field(ge=0, le=MAX_STREAK)]
Share = Annotated[StrictFloat, Field(ge=0, le=1, allow_inf_nan=False)]
TeamId = Annotated[StrictStr, Field(max_length=MAX_ID, pattern=_TEAM_ID)]


class _Model(BaseModel):
    """Frozen, and blind to fields it does not know (a later minor addition reads fine)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# ----------------------------------------------------------------------------- team.toml
class TeamGoalFile(_Model):
    """A `[[goals]]` table of team.toml."""

    id: Annotated[StrictStr, Field(min_length=1, max_length=MAX_ID)] | None = None
    title: Annotated[StrictStr, Field(max_length=MAX_NAME), AfterValidator(_not_blank)]
    decks: Annotated[list[Label], Field(max_length=MAX_DECKS)] = []
    target: TomlDay | None = None


def _identity_text(value: str) -> str:
    from mastery.identity import IdentityFormatError, PublicIdentity

    try:
        PublicIdentity.parse(value)
    except IdentityFormatError as exc:
        raise ValueError(exc.reason) from None
    return value


class StewardFile(_Model):
    """A `[[stewards]]` table: a member who sums the shares sealed to them (see docs/teams.md)."""

    name: Annotated[StrictStr, Field(max_length=MAX_NAME), AfterValidator(_not_blank)]
    identity: Annotated[StrictStr, Field(max_length=200), AfterValidator(_identity_text)]


class PrivacyFile(_Model):
    """The `[privacy]` table: how much one round may reveal about one member."""

    rho: Annotated[StrictFloat, Field(ge=MIN_RHO, le=MAX_RHO, allow_inf_nan=False)] = DEFAULT_RHO


class TeamFile(_Model):
    """team.toml: the team's id, name, vision, k, goals, stewards and privacy level."""

    id: TeamId
    name: Annotated[StrictStr, Field(max_length=MAX_NAME), AfterValidator(_not_blank)]
    vision: Annotated[StrictStr, Field(max_length=MAX_TEXT)] = ""
    k: Annotated[int, BeforeValidator(_k)] = DEFAULT_K
    goals: Annotated[list[TeamGoalFile], Field(max_length=MAX_GOALS)] = []
    stewards: Annotated[list[StewardFile], Field(max_length=MAX_STEWARDS)] = []
    privacy: PrivacyFile = PrivacyFile()

    @model_validator(mode="after")
    def _stewards_distinct(self) -> TeamFile:
        keys = [s.identity.split(":")[1] for s in self.stewards]
        if len(set(keys)) != len(keys):
            raise ValueError("stewards: the same identity is listed twice")
        return self


# ----------------------------------------------------------------------------- the record
class CardStat(_Model):
    """One card's figures for one member."""

    reviews: Count
    lapses: Count
    difficulty: Annotated[StrictFloat, Field(ge=1, le=10, allow_inf_nan=False)] | None = None


class DeckRecord(_Model):
    """One team deck's figures for one member."""

    cards: Count
    studied: Count
    mature: Count
    retention_30d: Share | None
    mean_stability: (
        Annotated[StrictFloat, Field(ge=0, le=MAX_STABILITY, allow_inf_nan=False)] | None
    )
    reviews_30d: Count
    card_stats: Annotated[dict[Label, CardStat], Field(max_length=MAX_CARDS)]

    @model_validator(mode="after")
    def _counts_nest(self) -> DeckRecord:
        if not self.mature <= self.studied <= self.cards:
            raise ValueError("needs mature <= studied <= cards")
        # Checked here, not by a validator on each CardStat: one loop instead of a call per card.
        for card, stat in self.card_stats.items():
            if stat.lapses > stat.reviews:
                raise ValueError(f"card_stats.{card[:40]}: needs lapses <= reviews")
        return self


class Streaks(_Model):
    review: Streak
    journal: Streak


class SummaryRecord(_Model):
    """One member's anonymized record, `summary/<pseudonym>.json`, version 1."""

    format: Literal["mastery-team-summary"]
    version: Literal[1]
    team: TeamId
    pseudonym: Annotated[StrictStr, Field(pattern=_PSEUDONYM)]
    synced_on: Day
    daily: Annotated[dict[StrictStr, Count], Field(max_length=MAX_DAYS)]  # keys: see below
    decks: Annotated[dict[Label, DeckRecord], Field(max_length=MAX_DECKS)]
    streaks: Streaks
    goals: Annotated[
        dict[Annotated[StrictStr, Field(max_length=MAX_ID)], Share], Field(max_length=MAX_GOALS)
    ]
    personal_goals: Annotated[
        dict[Label, Annotated[dict[Label, Count], Field(max_length=20)]], Field(max_length=20)
    ] = {}

    @model_validator(mode="after")
    def _not_from_the_future(self, info: ValidationInfo) -> SummaryRecord:
        today = (info.context or {}).get("today")
        if isinstance(today, date) and self.synced_on > today + DAY_SKEW:
            raise ValueError(f"synced_on {self.synced_on} is in the future")
        _check_day_keys(self.daily.keys())
        latest = self.synced_on.isoformat()
        last = max(self.daily, default="")
        if last > latest:
            raise ValueError(f"daily has {last}, after synced_on {latest}")
        return self


# ----------------------------------------------------------------------------- parsing
def describe(error: ValidationError) -> str:
    """The first problem of a validation error as one line: `field decks.x.cards: ...`."""
    return describe_validation(error, "missing key {name!r}")


def parse_team_file(data: Any) -> TeamFile:
    """team.toml from its parsed TOML table, or `FormatProblem`."""
    try:
        return TeamFile.model_validate(data)
    except ValidationError as exc:
        raise FormatProblem(describe(exc)) from None


def parse_record(data: Any, today: date | None = None) -> SummaryRecord:
    """A member record from its decoded JSON; `today` bounds `synced_on` (None: no check)."""
    try:
        return SummaryRecord.model_validate(data, context={"today": today})
    except ValidationError as exc:
        raise FormatProblem(describe(exc)) from None


def fast_record(raw: bytes, today: date | None = None) -> SummaryRecord | None:
    """A member record decoded and checked in one pass by pydantic's JSON parser, or None.

    The report reads every member's file on each run; parsing JSON in Rust and validating in
    the same pass takes a third of `json.loads` + `parse_record`. It is as strict: numbers
    beyond 64 bits, NaN and nesting deeper than 200 are refused by the parser itself, and the
    model bounds every value. None means "not valid": the caller decodes step by step to say
    why (tests/test_team_formats.py holds the two paths to the same verdicts).
    """
    try:
        return SummaryRecord.model_validate_json(raw, context={"today": today})
    except ValidationError:
        return None
