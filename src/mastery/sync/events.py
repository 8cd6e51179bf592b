"""The events in a chunk, parsed at the boundary: anything else in a chunk is refused.

Cards are named by deck key and card key (local row ids differ between devices); moments are
ms UTC. An event of a kind this version does not know is refused with one line (a newer
Mastery wrote it), not skipped: skipping would advance the watermark past it for good.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from mastery.errors import SyncError
from mastery.sync.hlc import MAX_STAMP

EventId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
# Moments are ms UTC that a date can show: a later one (a broken writer, a clock set to the
# year 30000) stored in the profile would make every read of its entry, goal or card fail.
MAX_MOMENT = 253_370_764_800_000  # 9999-01-01 UTC
Moment = Annotated[int, Field(ge=0, lt=MAX_MOMENT)]


def _calendar_day(text: str) -> str:
    """A day that is on the calendar ("2026-02-30" passes the pattern, not this)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a day of the calendar") from None
    return text


Day = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), AfterValidator(_calendar_day)]


class AnswerEvent(BaseModel):
    """A scheduled answer given on one device (never cram or preview)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["answer"] = "answer"
    id: EventId
    deck: Annotated[str, Field(min_length=1, max_length=1000)]
    card: Annotated[str, Field(min_length=1, max_length=1000)]
    at: Moment
    rating: Annotated[int, Field(ge=1, le=4)]
    duration_ms: Annotated[int, Field(ge=0, lt=2**53)] = 0
    confidence: Annotated[int, Field(ge=1, le=3)] | None = None


class UndoEvent(BaseModel):
    """An answer taken back (undo is an event, never a deletion on the target)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["undo"] = "undo"
    id: EventId


Stamp = Annotated[int, Field(ge=0, le=MAX_STAMP)]  # a hybrid-logical-clock stamp (hlc.py)


class CardEvent(BaseModel):
    """A card's suspension and burial as one device set them; the latest (stamp, device)
    wins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["card"] = "card"
    deck: Annotated[str, Field(min_length=1, max_length=1000)]
    card: Annotated[str, Field(min_length=1, max_length=1000)]
    stamp: Stamp
    suspended: bool
    buried_until: Moment | None = None


# What an item event names: a kind this version does not know (a newer Mastery's) is kept
# waiting, not refused, so a device that upgrades later still gets it (sync/items.py).
ItemKind = Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,31}$")]
ItemKey = Annotated[str, Field(min_length=1, max_length=1000)]


class SettingEvent(BaseModel):
    """A setting, a preset, a deck's preset or a deck's own FSRS weights as one device set
    them (sync/settings.py); `value` None: removed, or back to the default. The latest
    (stamp, device) wins per (what, key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["setting"] = "setting"
    what: ItemKind
    key: ItemKey
    stamp: Stamp
    value: JsonValue = None


class PersonalEvent(BaseModel):
    """Mentor and team state that is the person's (sync/personal.py): feedback received, a
    mentor's mentees, their entries and the comments written on them, the teams joined.
    `value` None: removed. The latest (stamp, device) wins, but once read stays read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["personal"] = "personal"
    what: ItemKind
    key: ItemKey
    stamp: Stamp
    value: JsonValue = None


Text = Annotated[str, Field(max_length=1_000_000)]  # a card side: Anki notes can hold big HTML
Short = Annotated[str, Field(max_length=10_000)]


class DeckEvent(BaseModel):
    """A deck without a file of its own (content.py): its row as one device last changed it,
    so a device that lacks it can create it before its cards' `content` events."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["deck"] = "deck"
    deck: Annotated[str, Field(min_length=1, max_length=1000)]
    stamp: Stamp
    name: Annotated[str, Field(min_length=1, max_length=1000)]
    description: Short = ""
    tags: Short = ""
    version: Annotated[str, Field(max_length=1000)] = ""


class ContentEvent(BaseModel):
    """A card's content (front, back, tags with its flag and mark) as one device last changed
    it, with what a device that lacks the card needs to create it (note key for siblings,
    position for the new-card order, whether it is still in its deck); the latest (stamp,
    device) wins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["content"] = "content"
    deck: Annotated[str, Field(min_length=1, max_length=1000)]
    card: Annotated[str, Field(min_length=1, max_length=1000)]
    stamp: Stamp
    front: Text
    back: Text
    tags: Short = ""
    note: Annotated[str, Field(min_length=1, max_length=2000)]
    position: Annotated[int, Field(ge=-(2**53), lt=2**53)] = 0
    in_deck: bool = True


DeviceId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Uid = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]  # entry or goal uid
Line = Annotated[str, Field(max_length=10_000)]
LongText = Annotated[str, Field(max_length=2_000_000)]  # an entry body, a goal vision
Seen = Annotated[dict[DeviceId, Stamp], Field(max_length=10_000)]


class EntryFields(BaseModel):
    """A journal entry as a revision carries it: all of it (goals by uid)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: Day
    title: Line
    body: LongText
    prompt: Line | None = None
    tags: Annotated[tuple[Line, ...], Field(max_length=10_000)]
    visibility: Literal["private", "shared"]
    goals: Annotated[tuple[Uid, ...], Field(max_length=10_000)]
    created_at: Moment
    conflict_of: Uid | None = None


class MilestoneFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Line
    done_at: Moment | None = None


class GoalFields(BaseModel):
    """A goal as a revision carries it: its fields, milestones in order, linked decks by key
    (its realities and check-ins travel as `GoalPartEvent`s)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Line
    vision: LongText
    category: Line
    target_date: Day | None = None
    status: Literal["active", "achieved", "dropped"]
    cadence: Line | None = None
    visibility: Literal["private", "shared"]
    created_at: Moment
    closed_at: Moment | None = None
    milestones: Annotated[tuple[MilestoneFields, ...], Field(max_length=10_000)]
    decks: Annotated[
        tuple[Annotated[str, Field(min_length=1, max_length=1000)], ...], Field(max_length=10_000)
    ]
    conflict_of: Uid | None = None


class EntryRevision(BaseModel):
    """A journal entry as one device left it (`entry` None: deleted). `seen` is its version
    vector: for each device, the latest of its revisions this one descends from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["entry"] = "entry"
    uid: Uid
    stamp: Stamp
    seen: Seen
    entry: EntryFields | None = None


class GoalRevision(BaseModel):
    """A goal as one device left it (`goal` None: deleted); `seen` as in `EntryRevision`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["goal"] = "goal"
    uid: Uid
    stamp: Stamp
    seen: Seen
    goal: GoalFields | None = None


class CheckInFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    day: Day
    confidence: Annotated[int, Field(ge=1, le=10)]
    note: Line


class GoalPartEvent(BaseModel):
    """An add-only part of a goal: a version of its current reality or a check-in (exactly
    one), named by an id derived from its content, so every device adds it once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["goalpart"] = "goalpart"
    id: EventId
    goal: Uid
    recorded_at: Moment
    reality: LongText | None = None
    checkin: CheckInFields | None = None

    @model_validator(mode="after")
    def _one_part(self) -> GoalPartEvent:
        if (self.reality is None) == (self.checkin is None):
            raise ValueError("a goal part is a reality or a check-in")
        return self


AnyEvent = (
    AnswerEvent
    | UndoEvent
    | CardEvent
    | DeckEvent
    | ContentEvent
    | SettingEvent
    | PersonalEvent
    | EntryRevision
    | GoalRevision
    | GoalPartEvent
)
LogEvent = AnswerEvent | UndoEvent  # the review log's own path (merge.py); the rest are channels'
Event = Annotated[AnyEvent, Field(discriminator="kind")]
_EVENTS: TypeAdapter[list[Event]] = TypeAdapter(list[Event])


def parse(raw: list[Any], where: str) -> list[AnyEvent]:
    """A chunk's events, typed; one `SyncError` naming the chunk otherwise."""
    try:
        return _EVENTS.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "union_tag_invalid":
            raise SyncError(
                f"{where}: written by a newer Mastery (an event it does not know); "
                "upgrade Mastery on this device"
            ) from exc
        parts = [str(part) for part in first["loc"]]
        if len(parts) > 8:  # a value nested hundreds deep: the way in, not its every step
            parts = [*parts[:6], "…", *parts[-1:]]
        loc = ".".join(parts)
        raise SyncError(f"{where}: event {loc}: {first['msg']}; nothing was applied") from exc
