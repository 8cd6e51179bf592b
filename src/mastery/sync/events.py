"""The events in a chunk, parsed at the boundary: anything else in a chunk is refused.

Cards are named by deck key and card key (local row ids differ between devices); moments are
ms UTC. An event of a kind this version does not know is refused with one line (a newer
Mastery wrote it), not skipped: skipping would advance the watermark past it for good.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any, Literal, NotRequired, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    Strict,
    TypeAdapter,
    ValidationError,
    model_validator,
    with_config,
)
from typing_extensions import TypedDict

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

Key = Annotated[str, Field(min_length=1, max_length=1000)]
RatingValue = Annotated[int, Field(ge=1, le=4)]
ConfidenceValue = Annotated[int, Field(ge=1, le=3)]
# The schedule fields a replay gives an answer, shared by the model and the hot path's dict.
StateValue = Annotated[int, Field(ge=1, le=3)]  # learning, review, relearning
StepValue = Annotated[int, Field(ge=0, lt=1000)]
StabilityValue = Annotated[float, Field(gt=0, le=36500, allow_inf_nan=False)]
DifficultyValue = Annotated[float, Field(ge=1, le=10, allow_inf_nan=False)]
Days = Annotated[int, Field(ge=0, lt=2**31)]
Chain = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]


class ReplayedSchedule(BaseModel):
    """What the sender's replay gave an answer: the card after it, and `chain`, the digest
    of the card's answers before it (`merge.chain`). A device whose own history of the card
    has the same chain there takes this as it is instead of replaying the answer
    (docs/sync.md). All fields or none: a nested object."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: StateValue
    step: StepValue | None = None
    stability: StabilityValue
    difficulty: DifficultyValue
    due: Moment
    elapsed_days: Days
    scheduled_days: Days
    chain: Chain


class AnswerEvent(BaseModel):
    """A scheduled answer given on one device (never cram or preview), with the schedule
    its sender's replay gave it (`replayed`; none in a chunk of an older Mastery: replayed
    by the receiver then)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["answer"] = "answer"
    id: EventId
    deck: Key
    card: Key
    at: Moment
    rating: RatingValue
    duration_ms: Moment = 0
    confidence: ConfidenceValue | None = None
    replayed: ReplayedSchedule | None = None


@with_config(ConfigDict(extra="forbid"))
class ReplayedFields(TypedDict):
    """`ReplayedSchedule` as the hot path reads it (a dict: no object built per answer)."""

    state: StateValue
    step: NotRequired[StepValue | None]
    stability: StabilityValue
    difficulty: DifficultyValue
    due: Moment
    elapsed_days: Days
    scheduled_days: Days
    chain: Chain


@with_config(ConfigDict(extra="forbid"))
class Answer(TypedDict):
    """`AnswerEvent` as the hot path reads it: the same fields and checks, validated a chunk
    at a time into plain dicts (a joining device reads a million of them; building a model
    for each would take a third of its time). Absent fields mean their model's default."""

    kind: Literal["answer"]
    id: EventId
    deck: Key
    card: Key
    at: Moment
    rating: RatingValue
    duration_ms: NotRequired[Moment]
    confidence: NotRequired[ConfidenceValue | None]
    replayed: NotRequired[ReplayedFields | None]


# An answer as a row of an `AnswersEvent`: `AnswerEvent`'s fields in this order, its schedule
# (`ReplayedSchedule`'s fields) flat, all None for an answer sent without one.
ROW_FIELDS = (
    "id", "deck", "card", "at", "rating", "duration_ms", "confidence",
    "state", "step", "stability", "difficulty", "due", "elapsed_days", "scheduled_days", "chain",
)  # fmt: skip
_SCHEDULE_AT = ROW_FIELDS.index("state")
AnswerRow = tuple[
    EventId, Key, Key, Moment, RatingValue, Moment, ConfidenceValue | None,
    StateValue | None, StepValue | None, StabilityValue | None, DifficultyValue | None,
    Moment | None, Days | None, Days | None, Chain | None,
]  # fmt: skip


def whole_schedules(rows: list[AnswerRow]) -> int | None:
    """The index of the first row with part of a schedule (all of it, the step may be
    None, or none of it), else None."""
    for i, row in enumerate(rows):
        schedule = row[_SCHEDULE_AT:]
        if schedule[0] is None:
            if schedule.count(None) != len(schedule):
                return i
        elif None in schedule[2:]:
            return i
    return None


class AnswersEvent(BaseModel):
    """Many answers, a row each (`ROW_FIELDS`): how `Merge.chunks` writes a device's answers.
    A row is half the bytes of an `answer` event and is read three times faster (no key
    per field), and a joining device reads a million of them. Same checks as `AnswerEvent`
    (a row with part of a schedule is refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["answers"] = "answers"
    rows: Annotated[list[AnswerRow], Field(max_length=1_000_000)]

    @model_validator(mode="after")
    def _whole(self) -> AnswersEvent:
        bad = whole_schedules(self.rows)
        if bad is not None:
            raise ValueError(f"answer row {bad} has part of a schedule (all of it or none)")
        return self


def answer_of(row: AnswerRow) -> Answer:
    """A row as the `Answer` dict of the same answer."""
    fields = zip(ROW_FIELDS[:_SCHEDULE_AT], row[:_SCHEDULE_AT], strict=True)
    answer: dict[str, Any] = {"kind": "answer", **dict(fields)}
    if answer["confidence"] is None:
        del answer["confidence"]
    if row[_SCHEDULE_AT] is not None:
        replayed = dict(zip(ROW_FIELDS[_SCHEDULE_AT:], row[_SCHEDULE_AT:], strict=True))
        if replayed["step"] is None:
            del replayed["step"]
        answer["replayed"] = replayed
    return cast(Answer, answer)


def row_of(answer: Answer) -> AnswerRow:
    """An `Answer` dict as a row."""
    r = answer.get("replayed")
    return (
        answer["id"], answer["deck"], answer["card"], answer["at"], answer["rating"],
        answer.get("duration_ms", 0), answer.get("confidence"),
        *((r["state"], r.get("step"), r["stability"], r["difficulty"], r["due"],
           r["elapsed_days"], r["scheduled_days"], r["chain"]) if r else (None,) * 8),
    )  # fmt: skip


def expand(events: Iterable[ChunkEvent]) -> list[ChunkEvent]:
    """Events with each `AnswersEvent` as its answers, one `Answer` dict each."""
    out: list[ChunkEvent] = []
    for event in events:
        if isinstance(event, AnswersEvent):
            out += [answer_of(row) for row in event.rows]
        else:
            out.append(event)
    return out


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
    deck: Key
    card: Key
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
    | AnswersEvent
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
# The review log's own path (merge.py); the rest are channels'.
LogEvent = AnswerEvent | AnswersEvent | UndoEvent
Event = Annotated[AnyEvent, Field(discriminator="kind")]
_EVENTS: TypeAdapter[list[Event]] = TypeAdapter(list[Event])


_ANSWERS: TypeAdapter[list[Answer]] = TypeAdapter(list[Answer])
ChunkEvent = Answer | AnyEvent


def parse(raw: list[Any], where: str) -> list[AnyEvent]:
    """A chunk's events, typed; one `SyncError` naming the chunk otherwise."""
    try:
        return _EVENTS.validate_python(raw)
    except ValidationError as exc:
        raise _refused(exc, where) from exc


_ANSWER_KEYS = frozenset(Answer.__annotations__)
# Written out: `__required_keys__` cannot see `NotRequired` through string annotations.
_ANSWER_NEEDS = frozenset(("kind", "id", "deck", "card", "at", "rating"))
_REPLAYED_KEYS = frozenset(ReplayedFields.__annotations__)
_REPLAYED_NEEDS = _REPLAYED_KEYS - {"step"}
_HEX32 = re.compile(r"[0-9a-f]{32}").fullmatch
_HEX16 = re.compile(r"[0-9a-f]{16}").fullmatch


def _plain_answer(e: dict[str, Any]) -> bool:
    """Whether an answer is already what `Answer` validation returns: the exact types and
    ranges a chunk Mastery wrote has (ASCII keys and ids, ints, finite floats). Only a
    shortcut: whatever is not (a string for a number, a key out of range, any doubt) goes
    through pydantic, which converts or refuses it in its own words. Three times faster
    than pydantic for a million answers."""
    keys = e.keys()
    if not (keys <= _ANSWER_KEYS and keys >= _ANSWER_NEEDS):
        return False
    eid, deck, card, at, rating = e["id"], e["deck"], e["card"], e["at"], e["rating"]
    if not (
        type(eid) is str
        and eid.isascii()
        and _HEX32(eid)
        and type(deck) is str
        and deck.isascii()
        and 0 < len(deck) <= 1000
        and type(card) is str
        and card.isascii()
        and 0 < len(card) <= 1000
        and type(at) is int
        and 0 <= at < MAX_MOMENT
        and type(rating) is int
        and 1 <= rating <= 4
    ):
        return False
    duration = e.get("duration_ms", 0)
    if not (type(duration) is int and 0 <= duration < MAX_MOMENT):
        return False
    confidence = e.get("confidence")
    if confidence is not None and not (type(confidence) is int and 1 <= confidence <= 3):
        return False
    r = e.get("replayed")
    if r is None:
        return True
    if type(r) is not dict:
        return False
    keys = r.keys()
    if not (keys <= _REPLAYED_KEYS and keys >= _REPLAYED_NEEDS):
        return False
    state, step, stability, difficulty = r["state"], r.get("step"), r["stability"], r["difficulty"]
    due, elapsed, scheduled, chain = r["due"], r["elapsed_days"], r["scheduled_days"], r["chain"]
    return (
        type(state) is int
        and 1 <= state <= 3
        and (step is None or (type(step) is int and 0 <= step < 1000))
        and type(stability) is float
        and 0 < stability <= 36500  # NaN fails every comparison, inf this one
        and type(difficulty) is float
        and 1 <= difficulty <= 10
        and type(due) is int
        and 0 <= due < MAX_MOMENT
        and type(elapsed) is int
        and 0 <= elapsed < 2**31
        and type(scheduled) is int
        and 0 <= scheduled < 2**31
        and type(chain) is str
        and chain.isascii()
        and _HEX16(chain) is not None
    )


def parse_chunk(raw: list[Any], where: str) -> list[ChunkEvent]:
    """A chunk's events in order, answers as `Answer` dicts (the hot path), the others as
    models; the same checks as `parse`, and one `SyncError` naming the chunk otherwise.
    A chunk's answers that are all plain already (`_plain_answer`: every one a Mastery
    writes) are kept as they are; otherwise pydantic validates them all."""
    if not isinstance(raw, list):
        return list(parse(raw, where))
    answers = [i for i, e in enumerate(raw) if isinstance(e, dict) and e.get("kind") == "answer"]
    if len(answers) == len(raw):
        if all(map(_plain_answer, raw)):
            return raw
        others: list[int] = []
    else:
        taken = set(answers)
        others = [i for i in range(len(raw)) if i not in taken]
    out: list[Any] = [None] * len(raw)
    picked = [raw[i] for i in answers]
    try:
        valid = picked if all(map(_plain_answer, picked)) else _ANSWERS.validate_python(picked)
    except ValidationError as exc:
        raise _refused(exc, where, answers, "answer") from exc
    for i, event in zip(answers, valid, strict=True):
        out[i] = event
    if others:
        try:
            for i, model in zip(
                others, _EVENTS.validate_python([raw[i] for i in others]), strict=True
            ):
                out[i] = model
        except ValidationError as exc:
            raise _refused(exc, where, others) from exc
    return out


# A chunk's place, exactly as `crypto.events_of` checks it (lax, "1" would pass for 1).
_Device = Annotated[str, Strict()]
_Seq = Annotated[int, Strict()]


@with_config(ConfigDict(extra="ignore"))
class _AnswerChunk(TypedDict):
    """A chunk holding answers only (`crypto.seal`'s body), read straight from its JSON."""

    device: _Device
    seq: _Seq
    events: list[Answer]


_ANSWER_CHUNK: TypeAdapter[_AnswerChunk] = TypeAdapter(_AnswerChunk)


@with_config(ConfigDict(extra="forbid"))
class _RowsBlock(TypedDict):
    kind: Literal["answers"]
    rows: Annotated[list[AnswerRow], Field(max_length=1_000_000)]


@with_config(ConfigDict(extra="ignore"))
class _RowsChunk(TypedDict):
    """A chunk holding answer rows only (`AnswersEvent`), read straight from its JSON."""

    device: _Device
    seq: _Seq
    events: list[_RowsBlock]


_ROWS_CHUNK: TypeAdapter[_RowsChunk] = TypeAdapter(_RowsChunk)


def _rows_chunk(plain: bytes, device: str, seq: int) -> list[ChunkEvent] | None:
    """`parse_answer_chunk` for a chunk of `AnswersEvent`s: three times faster again."""
    try:
        body = _ROWS_CHUNK.validate_json(plain)
    except ValidationError:
        return None
    if body["device"] != device or body["seq"] != seq:
        return None
    if any(whole_schedules(block["rows"]) is not None for block in body["events"]):
        return None
    return [AnswersEvent.model_construct(rows=block["rows"]) for block in body["events"]]


def parse_answer_chunk(plain: bytes, device: str, seq: int) -> list[ChunkEvent] | None:
    """The events of an opened chunk (`crypto.open_plain`) that holds answers only (all
    but the first few of a big join), read and validated from its JSON by pydantic in one
    step, without building Python objects for the JSON first (a fifth faster). None for
    any other chunk, and for anything that fails: `crypto.events_of` and `parse_chunk`
    then read it and word the error."""
    # Every event names its kind, and `"kind":"` occurs nowhere else (a quote in a string
    # is escaped): as many as answers, or another kind is there.
    kinds = plain.count(b'"kind":"')
    if kinds == plain.count(b'"kind":"answers"'):
        return _rows_chunk(plain, device, seq)
    if kinds != plain.count(b'"kind":"answer"'):
        return None
    try:
        body = _ANSWER_CHUNK.validate_json(plain)
    except ValidationError:
        return None
    if body["device"] != device or body["seq"] != seq:
        return None
    return list(body["events"])


def _refused(
    exc: ValidationError, where: str, index: list[int] | None = None, kind: str | None = None
) -> SyncError:
    """The first problem in one line. `index` maps the list validated to the chunk's events
    and `kind` names the kind validated alone, so every path words its errors the same."""
    first = exc.errors(include_url=False)[0]
    if first["type"] == "union_tag_invalid":
        return SyncError(
            f"{where}: written by a newer Mastery (an event it does not know); "
            "upgrade Mastery on this device"
        )
    loc = list(first["loc"])
    if index is not None and loc and isinstance(loc[0], int) and loc[0] < len(index):
        loc[0] = index[loc[0]]
        if kind is not None:
            loc.insert(1, kind)
    parts = [str(part) for part in loc]
    if len(parts) > 8:  # a value nested hundreds deep: the way in, not its every step
        parts = [*parts[:6], "…", *parts[-1:]]
    text = ".".join(parts)
    return SyncError(f"{where}: event {text}: {first['msg']}; nothing was applied")
