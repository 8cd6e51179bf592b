"""Per-profile settings: names, defaults, validation and descriptions, in one registry.

The Settings screen and `mastery config` are built from `SETTINGS`, so a new setting appears in
both by being added here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from mastery.errors import SettingError

_STEP = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_steps(value: str | list[str]) -> list[str]:
    """'1m 10m' or ['1m', '10m'] -> ['1m', '10m'], refusing anything that is not a duration."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    for item in items:
        if not _STEP.match(str(item)):
            raise SettingError(f"invalid step {item!r}: use a number and s, m, h or d (e.g. 10m)")
        if step_to_timedelta(str(item)) <= timedelta(0):
            raise SettingError(f"invalid step {item!r}: steps must be longer than zero")
    return [str(i) for i in items]


FSRS_PARAMETER_COUNT = 21


def parse_parameters(value: str | list[float] | tuple[float, ...]) -> list[float]:
    """'0.2, 1.3, ...' or a list -> 21 floats, or [] for FSRS's defaults.

    Only the count and finiteness are checked here; py-fsrs checks each weight's bounds when a
    scheduler is built from them (see `Collection.scheduler_for`).
    """
    import math

    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    try:
        numbers = [float(item) for item in items]
    except (TypeError, ValueError):
        raise SettingError("FSRS parameters must be numbers") from None
    if numbers and len(numbers) != FSRS_PARAMETER_COUNT:
        raise SettingError(
            f"FSRS parameters: expected {FSRS_PARAMETER_COUNT} numbers, got {len(numbers)}"
        )
    if not all(math.isfinite(n) for n in numbers):
        raise SettingError("FSRS parameters must be finite numbers")
    return numbers


def step_to_timedelta(step: str) -> timedelta:
    match = _STEP.match(step)
    if not match:
        raise SettingError(f"invalid step {step!r}")
    return timedelta(seconds=float(match.group(1)) * _UNIT[match.group(2)])


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
        ),
        SettingSpec(
            "relearning_steps",
            list,
            ["10m"],
            "Relearning steps",
            "Delays after a forgotten review card, e.g. '10m'.",
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
        ),
        SettingSpec(
            "optimize_reminder",
            bool,
            True,
            "Monthly optimise reminder",
            "Once a month with enough new reviews, suggest re-fitting FSRS to them.",
        ),
    )
}


def coerce(key: str, value: Any) -> Any:
    """Validate a value (typed, or a string from the CLI/TUI) for `key`; raise SettingError."""
    spec = SETTINGS.get(key)
    if spec is None:
        raise SettingError(f"unknown setting {key!r}; known: {', '.join(SETTINGS)}")
    try:
        if spec.kind is bool:
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"true", "false", "yes", "no", "on", "off", "1", "0"}:
                    raise ValueError
                value = lowered in {"true", "yes", "on", "1"}
            value = bool(value)
        elif spec.kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            value = int(value)
        elif spec.kind is float:
            value = float(value)
        elif spec.kind is tuple:
            value = parse_parameters(value)
        elif spec.kind is list:
            value = parse_steps(value)
            if key == "learning_steps" and not value:
                raise SettingError("learning_steps needs at least one step")
        else:
            value = str(value).strip()
    except (TypeError, ValueError):
        raise SettingError(
            f"invalid value {value!r} for {key}: expected {spec.kind.__name__}"
        ) from None
    if spec.minimum is not None and value < spec.minimum:
        raise SettingError(f"{key} must be at least {spec.minimum} (got {value})")
    if spec.maximum is not None and value > spec.maximum:
        raise SettingError(f"{key} must be at most {spec.maximum} (got {value})")
    if spec.choices and value not in spec.choices:
        raise SettingError(f"{key} must be one of {', '.join(spec.choices)} (got {value!r})")
    if key == "timezone" and value:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(f"unknown time zone {value!r}") from None
    return value


def encode(value: Any) -> str:
    return json.dumps(value)


def decode(key: str, raw: str) -> Any:
    spec = SETTINGS.get(key)
    value = json.loads(raw)
    return value if spec is None else coerce(key, value)
