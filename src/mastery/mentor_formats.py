"""The two mentor file formats as pydantic models: the bundle and the feedback (version 1).

Everything a mentee or a mentor sends crosses a boundary, so it is parsed into these models
before anything else looks at it: types are strict (no "1" for 1, no true for 1), text and
lists are bounded, numbers finite and in range, days and moments real dates, moments with a
time zone, not before 2000 and not in the future beyond `CLOCK_SKEW` (a moment from the future
would otherwise make every later, genuine file look older, for good). The rest of the code sees
typed values only. Field by field: docs/mentors.md.

`parse_bundle` / `parse_feedback` take the decoded JSON object and `now`; a file that does not
fit raises `FormatProblem` with one line naming the field (`entries[3].created_at: ...`).
Issue 11 (signed and encrypted exchange) builds on these models, so they stay free of storage.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from mastery.limits import day_field, describe_validation

__all__ = [
    "BUNDLE_FORMAT",
    "CLOCK_SKEW",
    "FEEDBACK_FORMAT",
    "FORMAT_VERSION",
    "Bundle",
    "BundleDeck",
    "BundleEntry",
    "BundleGoal",
    "BundleSummary",
    "Feedback",
    "FeedbackComment",
    "FeedbackNote",
    "FormatProblem",
    "describe",
    "parse_bundle",
    "parse_feedback",
    "stored_goals",
    "stored_summary",
]

BUNDLE_FORMAT = "mastery-mentor-bundle"
FEEDBACK_FORMAT = "mastery-mentor-feedback"
FORMAT_VERSION = 1  # the newest version of both formats this code reads and writes
NAME_LENGTH = 80
# How far a sender's clock may run ahead of ours: a day covers a clock set to local time with
# the zone set to UTC (up to 14 hours off). A file dated later is refused, so a stored time can
# never make genuine files look older for more than this.
CLOCK_SKEW = timedelta(days=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2199, 12, 31)  # goal targets may lie ahead; nothing lies this far

# Sizes: a journal and goals have no limits of their own, so these are far above what a person
# writes (and export checks against them too), yet small enough that a crafted file cannot
# exhaust us.
MAX_TITLE = 10_000
MAX_TEXT = 1_000_000
MAX_LABEL = 1_000
MAX_ENTRIES = 100_000
MAX_GOALS = 10_000
MAX_MILESTONES = 1_000
MAX_TREND = 10_000
MAX_TAGS = 1_000
MAX_DECKS = 1_000
MAX_COMMENTS = 100_000
MAX_COUNT = 10**9
MAX_STREAK = 100_000

_ENTRY_UID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"  # as journal.py (imports keep theirs)
_GOAL_ID = r"^g-[1-9][0-9]{0,17}$"
_COMMENT_UID = r"^c-[a-z0-9]{6,40}$"
_NOTE_UID = r"^n-[a-z0-9]{6,40}$"
_PAIRING_ID = r"^p-[a-z0-9]{16,64}$"


class FormatProblem(ValueError):
    """What is wrong with a file, in one line naming the field; the caller adds the path."""


# ----------------------------------------------------------------------------- field types
def _day(value: Any) -> date:
    return day_field(value, EARLIEST_DAY, LATEST_DAY)


def _moment(value: Any, info: ValidationInfo) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("must be a moment as ISO 8601 text with a time zone")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a moment (ISO 8601)") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{value!r} has no time zone")
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"{value!r} is out of range") from None
    if moment < EARLIEST:
        raise ValueError(f"{value} is before {EARLIEST.year}")
    now = (info.context or {}).get("now")
    if isinstance(now, datetime) and moment > now + CLOCK_SKEW:
        raise ValueError(f"{value} is in the future (this computer's clock says {now:%Y-%m-%d})")
    return moment


def _name(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 10 * NAME_LENGTH:
        raise ValueError("must be text")
    clean = " ".join(value.split())
    if not clean or len(clean) > NAME_LENGTH:
        raise ValueError(f"the name is empty or longer than {NAME_LENGTH} characters")
    return clean


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty")
    return value


Day = Annotated[date, BeforeValidator(_day)]
Moment = Annotated[datetime, BeforeValidator(_moment)]
Name = Annotated[str, BeforeValidator(_name)]
Title = Annotated[StrictStr, Field(max_length=MAX_TITLE)]
Text = Annotated[StrictStr, Field(max_length=MAX_TEXT)]
Label = Annotated[StrictStr, Field(max_length=MAX_LABEL)]
Body = Annotated[Text, BeforeValidator(lambda v: _not_blank(v) if isinstance(v, str) else v)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
Streak = Annotated[StrictInt, Field(ge=0, le=MAX_STREAK)]
Share = Annotated[StrictFloat, Field(ge=0, le=1, allow_inf_nan=False)]
EntryUid = Annotated[StrictStr, Field(pattern=_ENTRY_UID)]
GoalId = Annotated[StrictStr, Field(pattern=_GOAL_ID)]
CommentUid = Annotated[StrictStr, Field(pattern=_COMMENT_UID)]
PairingId = Annotated[StrictStr, Field(pattern=_PAIRING_ID)]


class _Model(BaseModel):
    """Frozen, and blind to fields it does not know (a later minor addition reads fine)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# ----------------------------------------------------------------------------- the bundle
class Party(_Model):
    """A profile as the other side sees it: its pairing id and display name."""

    pairing_id: PairingId
    name: Name


class Milestone(_Model):
    position: Annotated[StrictInt, Field(ge=1, le=MAX_MILESTONES)]
    title: Title
    done: StrictBool
    done_on: Day | None


class BundleGoal(_Model):
    """A shared goal as the bundle carries it (no cadence, check-in notes or linked decks)."""

    id: GoalId
    title: Title
    vision: Text
    reality: Text
    category: Label
    status: Label
    target: Day | None
    progress: Share
    milestones: Annotated[list[Milestone], Field(max_length=MAX_MILESTONES)]
    confidence_trend: Annotated[
        list[tuple[Day, Annotated[StrictInt, Field(ge=1, le=10)]]],
        Field(max_length=MAX_TREND),
    ]


class BundleEntry(_Model):
    """A shared journal entry."""

    uid: EntryUid
    day: Day
    title: Title
    body: Text
    tags: Annotated[list[Label], Field(max_length=MAX_TAGS)]
    prompt: Label | None
    goals: Annotated[list[GoalId], Field(max_length=MAX_GOALS)]


class BundleDeck(_Model):
    """One deck's maturity: counts only, never card text."""

    key: Label
    name: Title
    cards: Count
    studied: Count
    mature: Count

    @model_validator(mode="after")
    def _counts_nest(self) -> BundleDeck:
        if not self.mature <= self.studied <= self.cards:
            raise ValueError("needs mature <= studied <= cards")
        return self


class BundleSummary(_Model):
    """The learning summary: streaks, 30-day reviews and retention, chosen decks' maturity."""

    review_streak: Streak
    journal_streak: Streak
    reviews_30d: Count
    retention_30d: Share | None
    decks: Annotated[list[BundleDeck], Field(max_length=MAX_DECKS)]


class Bundle(_Model):
    """A mentee's bundle, version 1."""

    format: Literal["mastery-mentor-bundle"]
    version: Literal[1]
    created_at: Moment
    app: Annotated[StrictStr, Field(max_length=MAX_LABEL)] = ""
    mentee: Party
    since: Day | None
    entries: Annotated[list[BundleEntry], Field(max_length=MAX_ENTRIES)]
    shared_entry_uids: Annotated[list[EntryUid], Field(max_length=MAX_ENTRIES)]
    goals: Annotated[list[BundleGoal], Field(max_length=MAX_GOALS)]
    summary: BundleSummary

    @model_validator(mode="after")
    def _consistent(self) -> Bundle:
        goal_ids = [g.id for g in self.goals]
        if len(set(goal_ids)) != len(goal_ids):
            raise ValueError("a goal appears twice")
        uids = [e.uid for e in self.entries]
        if len(set(uids)) != len(uids):
            raise ValueError("an entry appears twice")
        known = set(goal_ids)
        for entry in self.entries:
            for gid in entry.goals:
                if gid not in known:
                    raise ValueError(
                        f"entry {entry.uid} refers to goal {gid}, which the bundle does not hold"
                    )
        missing = set(uids) - set(self.shared_entry_uids)
        if missing:
            raise ValueError(f"entry {sorted(missing)[0]} is missing from shared_entry_uids")
        return self


# ----------------------------------------------------------------------------- the feedback
class FeedbackComment(_Model):
    """A mentor's comment on an entry (`e-...`) or a goal (`g-<n>`)."""

    uid: CommentUid
    target_kind: Literal["entry", "goal"]
    target_id: Annotated[StrictStr, Field(max_length=MAX_LABEL)]
    body: Body
    created_at: Moment
    updated_at: Moment

    @model_validator(mode="after")
    def _target_fits_kind(self) -> FeedbackComment:
        pattern = _ENTRY_UID if self.target_kind == "entry" else _GOAL_ID
        if not re.match(pattern, self.target_id):
            raise ValueError(
                f"comment {self.uid} points at a malformed {self.target_kind} id {self.target_id!r}"
            )
        return self


class FeedbackNote(_Model):
    """The mentor's overall note; a new uid each time it is rewritten."""

    uid: Annotated[StrictStr, Field(pattern=_NOTE_UID)]
    body: Body
    updated_at: Moment


class Feedback(_Model):
    """A mentor's feedback file, version 1."""

    format: Literal["mastery-mentor-feedback"]
    version: Literal[1]
    created_at: Moment
    app: Annotated[StrictStr, Field(max_length=MAX_LABEL)] = ""
    mentor: Party
    mentee: Party
    bundle_created_at: Moment
    comments: Annotated[list[FeedbackComment], Field(max_length=MAX_COMMENTS)]
    withdrawn: Annotated[list[CommentUid], Field(max_length=MAX_COMMENTS)]
    note: FeedbackNote | None

    @model_validator(mode="after")
    def _unique(self) -> Feedback:
        uids = [c.uid for c in self.comments]
        if len(set(uids)) != len(uids):
            raise ValueError("a comment appears twice")
        return self


# ----------------------------------------------------------------------------- parsing
def describe(error: ValidationError) -> str:
    """The first problem of a validation error as one line: `field entries[3].day: ...`."""
    return describe_validation(error, "missing (no {name!r} field)")


def _parse(model: type[_Model], doc: Any, now: datetime | None) -> Any:
    try:
        return model.model_validate(doc, context={"now": now})
    except ValidationError as exc:
        raise FormatProblem(describe(exc)) from None


def parse_bundle(doc: Any, now: datetime | None) -> Bundle:
    """A bundle from its decoded JSON; `now` bounds its moments (None: no future check)."""
    result: Bundle = _parse(Bundle, doc, now)
    return result


def parse_feedback(doc: Any, now: datetime | None) -> Feedback:
    """A feedback file from its decoded JSON; `now` bounds its moments."""
    result: Feedback = _parse(Feedback, doc, now)
    return result


_GOALS = TypeAdapter(list[BundleGoal])


def stored_summary(text: Any) -> BundleSummary:
    """A learning summary as the mentor's copy keeps it (JSON text); `FormatProblem` when the
    stored value is not one (written by hand, or by an older Mastery that checked less)."""
    try:
        return BundleSummary.model_validate_json(text if isinstance(text, str | bytes) else "")
    except ValidationError as exc:
        raise FormatProblem(f"stored summary: {describe(exc)}") from None


def stored_goals(text: Any) -> list[BundleGoal]:
    """The shared goals as the mentor's copy keeps them (JSON text), or `FormatProblem`."""
    try:
        return _GOALS.validate_json(text if isinstance(text, str | bytes) else "")
    except ValidationError as exc:
        raise FormatProblem(f"stored goals: {describe(exc)}") from None
