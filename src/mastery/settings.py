"""Per-profile settings: names, defaults, types, ranges and descriptions, in one registry.

The Settings screen and `mastery config` are built from `SETTINGS`, so a new setting appears in
both by being added here. Every setting has a pydantic type with its range (`SettingSpec.type`),
checked on every write (`coerce`) and on every read of a stored value (`load`): a value that
cannot be valid never reaches storage, and one stored by an older version (before the ranges
existed, e.g. `nan` or `999999999d`) is reported and replaced by the default instead of
crashing the next review.

Ranges, and why:

* desired_retention 0.70..0.99: Anki's range; FSRS's workload explodes above 0.99.
* learning/relearning steps: 1 to 20 (relearning 0 to 20) durations, each 1s..30d; py-fsrs
  needs at least one second, and a month-long "step" is a review interval, not a step.
* maximum_interval 1..36500 days (100 years, Anki's maximum).
* new_per_day 0..9999, reviews_per_day 0..99999, leech_threshold 0..99, rollover_hour 0..23.
* timezone: empty or an IANA name this computer knows (at most 64 characters).
* fsrs_parameters: empty (FSRS's defaults) or 21 finite numbers; py-fsrs's per-weight bounds
  are checked by `Collection` (it builds a scheduler), also for stored values.
* easy_days: seven whole percentages 0..100, Monday to Sunday (Anki's easy days: 100 a
  normal day, 0 a day off, anything between a reduced day).
* Numbers are always finite: nan and inf are refused everywhere.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from mastery.errors import InputError, MasteryError, SettingError
from mastery.limits import loads_json, shown

if TYPE_CHECKING:
    from pydantic import TypeAdapter

# pydantic is imported where a value is validated, not here: every start reads the stored
# settings, and those pass `_stored_value_ok` without it (~0.1 s of start-up saved).

_STEP = re.compile(r"^(\d{1,9}(?:\.\d{1,6})?)([smhd])\Z")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_STEP = timedelta(seconds=1)
MAX_STEP = timedelta(days=30)
MAX_STEPS = 20
FSRS_PARAMETER_COUNT = 21
MAX_ZONE_LENGTH = 64
MAX_STORED_LENGTH = 4096  # characters of one stored JSON value; 21 floats need < 500


def _step_error(item: object, reason: str) -> SettingError:
    return SettingError(f"invalid step {shown(str(item))}: {reason}")


def parse_steps(value: str | list[str]) -> list[str]:
    """'1m 10m' or ['1m', '10m'] -> ['1m', '10m']: each a duration from 1s to 30d, at most 20."""
    if not isinstance(value, str | list | tuple):
        raise SettingError(f"expected durations such as '1m 10m', got {shown(value)}")
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    if len(items) > MAX_STEPS:
        raise SettingError(f"at most {MAX_STEPS} steps, got {len(items)}")
    for item in items:
        if not isinstance(item, str) or not _STEP.match(item):
            raise _step_error(item, "use a number and s, m, h or d (e.g. 10m)")
        length = step_to_timedelta(item)
        if length < MIN_STEP:
            raise _step_error(item, "steps must be at least 1s")
        if length > MAX_STEP:
            raise _step_error(item, "steps must be at most 30d")
    return [str(i) for i in items]


def parse_parameters(value: str | list[float] | tuple[float, ...]) -> list[float]:
    """'0.2, 1.3, ...' or a list -> 21 floats, or [] for FSRS's defaults.

    Only the count and finiteness are checked here; py-fsrs checks each weight's bounds when a
    scheduler is built from them (see `Collection.scheduler_for`).
    """
    if not isinstance(value, str | list | tuple):
        raise SettingError(f"FSRS parameters must be a list of numbers, got {shown(value)}")
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    if items and len(items) != FSRS_PARAMETER_COUNT:
        raise SettingError(
            f"FSRS parameters: expected {FSRS_PARAMETER_COUNT} numbers, got {len(items)}"
        )
    try:
        if any(isinstance(item, bool) for item in items):
            raise TypeError
        numbers = [float(item) for item in items]
    except (TypeError, ValueError, OverflowError):
        raise SettingError("FSRS parameters must be numbers") from None
    if not all(math.isfinite(n) for n in numbers):
        raise SettingError("FSRS parameters must be finite numbers")
    return numbers


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_easy_days(value: str | list[int] | tuple[int, ...]) -> list[int]:
    """'100 100 100 100 100 50 0' or a list -> seven whole percentages, Monday to Sunday."""
    if not isinstance(value, str | list | tuple):
        raise SettingError(f"easy days must be seven percentages, got {shown(value)}")
    text = value.replace(",", " ").replace("%", " ") if isinstance(value, str) else None
    items: list[object] = list(text.split() if text is not None else value)
    if len(items) != len(WEEKDAYS):
        raise SettingError(f"expected {len(WEEKDAYS)} percentages (Mon..Sun), got {len(items)}")
    percents = []
    for day, item in zip(WEEKDAYS, items, strict=True):
        text = item if isinstance(item, str) else None
        if type(item) is int:
            number = item
        elif text is not None and text.isascii() and text.isdigit() and len(text) <= 3:
            number = int(text)
        else:
            raise SettingError(f"{day} must be a whole percentage, got {shown(item)}")
        if not 0 <= number <= 100:
            raise SettingError(f"{day} must be from 0 to 100, got {number}")
        percents.append(number)
    return percents


def step_to_timedelta(step: str) -> timedelta:
    """'10m' -> 10 minutes (no range check: `parse_steps` does that before anything is stored)."""
    match = _STEP.match(step)
    if not match:
        raise SettingError(f"invalid step {shown(step)}")
    return timedelta(seconds=float(match.group(1)) * _UNIT[match.group(2)])


def _check_zone(value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError(f"expected a time zone name, got {shown(value)}")
    if not value:
        return value
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        if len(value) > MAX_ZONE_LENGTH:
            raise ValueError
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SettingError(f"unknown time zone {shown(value)}") from None
    return value


def _at_least_one_step(steps: list[str]) -> list[str]:
    if not steps:
        raise SettingError("needs at least one step")
    return steps


def _allowed(spec: SettingSpec) -> str:
    if spec.choices:
        return "one of " + ", ".join(spec.choices)
    if spec.kind is bool:
        return "true or false"
    noun = {int: "a whole number", float: "a number"}.get(spec.kind, "text")
    if spec.minimum is not None and spec.maximum is not None:
        return f"{noun} from {spec.minimum:g} to {spec.maximum:g}"
    return noun


@dataclass(frozen=True)
class SettingSpec:
    key: str
    kind: type
    default: Any
    label: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    allowed: str = ""
    """The allowed values in words, for errors and the Settings screen; derived when empty."""
    check: Callable[[Any], Any] | None = field(default=None, compare=False)
    """Checks (and normalises) a value beyond its kind and range; raises SettingError."""

    def __post_init__(self) -> None:
        if not self.allowed:
            object.__setattr__(self, "allowed", _allowed(self))

    @property
    def type(self) -> Any:
        """The pydantic type of this setting's values: kind, range and checks together."""
        return _annotated(self)


SETTINGS: dict[str, SettingSpec] = {
    s.key: s
    for s in (
        SettingSpec(
            "desired_retention",
            float,
            0.9,
            "Desired retention",
            "Chance of recalling a card when it comes due; higher means more reviews.",
            0.70,
            0.99,
        ),
        SettingSpec(
            "learning_steps",
            list,
            ["1m", "10m"],
            "Learning steps",
            "Delays between the first answers of a new card, e.g. '1m 10m'.",
            allowed=f"1 to {MAX_STEPS} durations from 1s to 30d, e.g. '1m 10m'",
            check=lambda v: _at_least_one_step(parse_steps(v)),
        ),
        SettingSpec(
            "relearning_steps",
            list,
            ["10m"],
            "Relearning steps",
            "Delays after a forgotten review card, e.g. '10m'.",
            allowed=f"0 to {MAX_STEPS} durations from 1s to 30d, e.g. '10m'",
            check=parse_steps,
        ),
        SettingSpec(
            "maximum_interval",
            int,
            36500,
            "Maximum interval (days)",
            "No card is scheduled further ahead than this.",
            1,
            36500,
        ),
        SettingSpec(
            "enable_fuzz",
            bool,
            True,
            "Fuzz intervals",
            "Spread review intervals a little so cards learnt together part ways.",
        ),
        SettingSpec(
            "load_balancer",
            bool,
            True,
            "Load balancer",
            "With fuzz on, pick the day in each review's fuzz range with the fewest reviews "
            "due, as Anki does.",
        ),
        SettingSpec(
            "easy_days",
            tuple,
            [100] * 7,
            "Easy days (%, Mon..Sun)",
            "How much of a normal day's reviews each weekday gets: 100 normal, 0 none, "
            "between a lighter day. Needs the load balancer.",
            allowed="seven whole percentages 0..100, Monday to Sunday",
            check=parse_easy_days,
        ),
        SettingSpec(
            "new_per_day",
            int,
            20,
            "New cards per day",
            "How many unseen cards are introduced each day.",
            0,
            9999,
        ),
        SettingSpec(
            "reviews_per_day",
            int,
            200,
            "Reviews per day",
            "The most review cards shown each day (learning cards are not limited).",
            0,
            99999,
        ),
        SettingSpec(
            "new_cards_ignore_review_limit",
            bool,
            True,
            "New cards ignore review limit",
            "Off (Anki's default): new cards count against the review limit too, so a day "
            "full of reviews shows no new cards. On: Mastery's behaviour before presets.",
        ),
        SettingSpec(
            "rollover_hour",
            int,
            4,
            "Day starts at (hour)",
            "The hour your day rolls over, local time; 4 means 04:00 as in Anki.",
            0,
            23,
        ),
        SettingSpec(
            "timezone",
            str,
            "",
            "Time zone",
            "IANA name such as Europe/Paris; empty uses this computer's zone.",
            allowed="empty, or a time zone name such as Europe/Paris",
            check=_check_zone,
        ),
        SettingSpec(
            "leech_threshold",
            int,
            8,
            "Leech threshold (lapses)",
            "A card forgotten this many times is a leech; 0 turns leeches off.",
            0,
            99,
        ),
        SettingSpec(
            "leech_action",
            str,
            "suspend",
            "Leech action",
            "What happens to a leech: it is always tagged 'leech'; 'suspend' also suspends it.",
            choices=("suspend", "tag"),
        ),
        SettingSpec(
            "confidence_step",
            bool,
            False,
            "Confidence step",
            "Before showing the answer, say how sure you are (j unsure, k fairly sure, l certain).",
        ),
        SettingSpec(
            "load_bundled_decks",
            bool,
            True,
            "Load bundled decks",
            "Import Mastery's curated decks into a new profile on first run.",
        ),
        SettingSpec(
            "auto_backup",
            bool,
            True,
            "Daily backup",
            "Copy the profile database once a day when it opens (the last 7 are kept).",
        ),
        SettingSpec(
            "fsrs_parameters",
            tuple,
            [],
            "FSRS parameters",
            "The 21 FSRS weights fitted to your reviews by `mastery optimize`; empty "
            "means FSRS's defaults. A deck can have its own.",
            allowed=f"empty, or {FSRS_PARAMETER_COUNT} finite numbers",
            check=parse_parameters,
        ),
        SettingSpec(
            "optimize_reminder",
            bool,
            True,
            "Monthly optimize reminder",
            "Once a month with enough new reviews, suggest re-fitting FSRS to them.",
        ),
    )
}


def as_text(value: Any) -> str:
    """A setting's value as a person reads and types it: on/off, steps and lists separated
    by spaces ("1m 10m"), numbers as written; never Python's `True` or `['1m', '10m']`. The
    CLI prints it, the Settings screen puts it in its boxes, and `coerce` reads it back."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list | tuple):
        return " ".join(as_text(v) for v in value)
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same number
    return str(value)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _not_bool(value: Any) -> Any:
    """True is not 1 here: `config new_per_day true` is a mistake, not a request for 1."""
    from pydantic_core import PydanticCustomError

    if isinstance(value, bool):
        raise PydanticCustomError("not_bool", "expected a number, not true or false")
    return value


def _finite(value: Any) -> Any:
    """nan and inf first, before the range check (nan compares false with every bound)."""
    from pydantic_core import PydanticCustomError

    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return value  # pydantic names the type error
    if not math.isfinite(number):
        raise PydanticCustomError("finite_number", "must be a finite number")
    return value


def _checked(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A SettingError from a check, as a pydantic error carrying the same message."""

    def run(value: Any) -> Any:
        from pydantic_core import PydanticCustomError

        try:
            return check(value)
        except SettingError as exc:
            raise PydanticCustomError("setting", str(exc)) from None

    return run


def _annotated(spec: SettingSpec) -> Any:
    from pydantic import AfterValidator, BeforeValidator, Field
    from pydantic_core import PydanticCustomError

    if spec.check is not None:
        # Steps and FSRS parameters arrive as text ("1m 10m") or lists: the check parses both.
        return Annotated[Any, BeforeValidator(_strip), AfterValidator(_checked(spec.check))]
    if spec.kind is bool:
        return Annotated[bool, BeforeValidator(_strip)]
    if spec.kind in (int, float):
        bounds = Field(ge=spec.minimum, le=spec.maximum, allow_inf_nan=False)
        # Before-validators run last-listed first: strip, then refuse bools, then nan/inf.
        return Annotated[
            spec.kind,
            BeforeValidator(_finite),
            BeforeValidator(_not_bool),
            BeforeValidator(_strip),
            bounds,
        ]
    if spec.choices:
        choices = spec.choices

        def one_of(value: str) -> str:
            if value not in choices:
                raise PydanticCustomError("choice", "unknown choice")
            return value

        return Annotated[str, BeforeValidator(_strip), AfterValidator(one_of)]
    return Annotated[str, BeforeValidator(_strip)]


@cache
def _adapter(key: str) -> TypeAdapter[Any]:
    from pydantic import TypeAdapter

    return TypeAdapter(SETTINGS[key].type)


_REASONS = {
    "finite_number": "must be a finite number",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "int_parsing": "expected a whole number",
    "int_parsing_size": "expected a whole number",
    "int_from_float": "expected a whole number",
    "int_type": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
}


def _reason(error: Any) -> str:
    if error["type"] in ("setting", "not_bool", "choice", "finite_number"):
        return str(error["msg"])
    template = _REASONS.get(error["type"])
    if template is None:
        return str(error["msg"]).lower()
    ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in error.get("ctx", {}).items()}
    return template.format(**ctx)


def coerce(key: str, value: Any) -> Any:
    """Validate a value (typed, or a string from the CLI/TUI) for `key`; raise SettingError.

    The error is one line naming the setting, what is wrong and what is allowed, e.g.
    "desired_retention: must be a finite number, got 'nan' (allowed: a number from 0.7 to 0.99)".
    """
    from pydantic import ValidationError

    spec = SETTINGS.get(key)
    if spec is None:
        raise SettingError(f"unknown setting {key!r}; known: {', '.join(SETTINGS)}")
    try:
        return _adapter(key).validate_python(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        reason = _reason(error)
        if error["type"] != "setting":  # the checks name the value themselves
            reason += f", got {shown(value)}"
        raise SettingValueError(key, reason, spec.allowed) from None


class SettingValueError(SettingError):
    """A value refused for one setting: "key: reason (allowed: ...)", all on one line."""

    def __init__(self, key: str, reason: str, allowed: str) -> None:
        self.key = key
        self.reason = reason
        self.allowed = allowed
        super().__init__(f"{key}: {reason} (allowed: {allowed})")


def encode(value: Any) -> str:
    """A checked value as stored in the `setting` table (JSON; numbers are always finite)."""
    return json.dumps(value, allow_nan=False)


def decode(key: str, raw: str) -> Any:
    """A stored value, checked as on writing; raises a MasteryError when it is not valid."""
    source = f"setting {key}"
    if len(raw) > MAX_STORED_LENGTH:
        raise InputError(source, None, f"{len(raw)} characters long")
    value = loads_json(raw, source=source, max_depth=2)
    if key not in SETTINGS:
        return value
    ok, checked = _stored_value_ok(SETTINGS[key], value)
    return checked if ok else coerce(key, value)


def _stored_value_ok(spec: SettingSpec, value: Any) -> tuple[bool, Any]:
    """(True, the value `coerce` would return) for a value already in the canonical form
    `encode` stores, without pydantic; (False, None) for anything else, which then goes
    through `coerce` for its verdict and its error message. Accepting only a subset of what
    `coerce` accepts, with the same result, keeps the pydantic type the one definition
    (tests/test_settings_validation.py checks the two agree)."""
    low, high = spec.minimum, spec.maximum
    if spec.check is not None:
        try:
            return True, spec.check(_strip(value))
        except SettingError:
            return False, None
    if spec.kind is bool:
        return (True, value) if type(value) is bool else (False, None)
    if spec.kind in (int, float):
        if type(value) is not int and (spec.kind is int or type(value) is not float):
            return False, None
        if type(value) is float and not math.isfinite(value):
            return False, None
        if (low is not None and value < low) or (high is not None and value > high):
            return False, None
        return True, spec.kind(value)
    if type(value) is not str or value != value.strip():
        return False, None
    if spec.choices and value not in spec.choices:
        return False, None
    return True, value


@dataclass(frozen=True)
class StoredProblem:
    """A stored setting that is no longer valid: which, what was stored, and why."""

    key: str
    raw: str
    reason: str

    @property
    def message(self) -> str:
        """One line for stderr or a notification."""
        default = as_text(SETTINGS[self.key].default) or "(empty)"
        return (
            f"setting {self.key}: the stored value {shown(self.raw)} is not valid "
            f"({self.reason}); using the default {default}"
        )


def load(rows: Iterable[tuple[str, str]]) -> tuple[dict[str, Any], list[StoredProblem]]:
    """Every setting from stored (key, JSON) rows, defaults filled in, never raising.

    A stored value that fails the checks (stored before they existed, or edited by hand) is
    replaced by the default and returned as a `StoredProblem` to report; unknown keys and
    internal ones (leading "_") are ignored.
    """
    values = {k: s.default for k, s in SETTINGS.items()}
    problems: list[StoredProblem] = []
    for key, raw in rows:
        if key not in SETTINGS:
            continue
        try:
            values[key] = decode(key, str(raw))
        except MasteryError as exc:
            reason = getattr(exc, "reason", None) or str(exc).removeprefix(f"setting {key}: ")
            problems.append(StoredProblem(key, str(raw), reason))
    return values, problems


# ----------------------------------------------------------------------------- meta values
# Internal values (not user-editable) live in the `setting` table beside the settings, under
# "_" + their name, as JSON. Writers outside the facade (the Anki importer's list of pending
# media) store them through these, inside their own transaction, rather than with SQL of
# their own: one module knows how the `setting` table is laid out.
