"""The events in a chunk, parsed at the boundary: anything else in a chunk is refused.

Cards are named by deck key and card key (local row ids differ between devices); moments are
ms UTC. An event of a kind this version does not know is refused with one line (a newer
Mastery wrote it), not skipped: skipping would advance the watermark past it for good.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from mastery.errors import SyncError

EventId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Key = Annotated[str, Field(min_length=1, max_length=1000)]
Moment = Annotated[int, Field(ge=0, lt=2**53)]  # ms UTC (durations too)
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


class UndoEvent(BaseModel):
    """An answer taken back (undo is an event, never a deletion on the target)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["undo"] = "undo"
    id: EventId


class CardEvent(BaseModel):
    """A card's suspension and burial as one device set them; the latest (at, device) wins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["card"] = "card"
    deck: Key
    card: Key
    at: Moment
    suspended: bool
    buried_until: Moment | None = None


AnyEvent = AnswerEvent | UndoEvent | CardEvent
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


def parse_chunk(raw: list[Any], where: str) -> list[ChunkEvent]:
    """A chunk's events in order, answers as `Answer` dicts (the hot path), the others as
    models; the same checks as `parse`, and one `SyncError` naming the chunk otherwise."""
    if not isinstance(raw, list):
        return list(parse(raw, where))
    answers = [i for i, e in enumerate(raw) if isinstance(e, dict) and e.get("kind") == "answer"]
    if len(answers) == len(raw):
        others: list[int] = []
    else:
        taken = set(answers)
        others = [i for i in range(len(raw)) if i not in taken]
    out: list[Any] = [None] * len(raw)
    try:
        for i, event in zip(
            answers, _ANSWERS.validate_python([raw[i] for i in answers]), strict=True
        ):
            out[i] = event
    except ValidationError as exc:
        raise _refused(exc, where, answers, "answer") from exc
    if others:
        try:
            for i, model in zip(
                others, _EVENTS.validate_python([raw[i] for i in others]), strict=True
            ):
                out[i] = model
        except ValidationError as exc:
            raise _refused(exc, where, others) from exc
    return out


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
    text = ".".join(str(part) for part in loc)
    return SyncError(f"{where}: event {text}: {first['msg']}; nothing was applied")
