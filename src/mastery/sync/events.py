"""The events in a chunk, parsed at the boundary: anything else in a chunk is refused.

Cards are named by deck key and card key (local row ids differ between devices); moments are
ms UTC. An event of a kind this version does not know is refused with one line (a newer
Mastery wrote it), not skipped: skipping would advance the watermark past it for good.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from mastery.errors import SyncError

EventId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


# The schedule fields an answer carries (all or none): the card after it, as its sender's
# replay left it, and `chain`, the digest of the card's answers before it (`merge.chain`).
SHIPPED = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "elapsed_days",
    "scheduled_days",
    "chain",
)


class AnswerEvent(BaseModel):
    """A scheduled answer given on one device (never cram or preview).

    Since Mastery sends its replayed schedules, an answer also carries the card after it and
    the chain of the answers before it: a device whose own history of the card has the same
    chain there takes the schedule as it is instead of replaying it (docs/sync.md). A chunk
    of an older Mastery has none of them; its answers are replayed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["answer"] = "answer"
    id: EventId
    deck: Annotated[str, Field(min_length=1, max_length=1000)]
    card: Annotated[str, Field(min_length=1, max_length=1000)]
    at: Annotated[int, Field(ge=0, lt=2**53)]
    rating: Annotated[int, Field(ge=1, le=4)]
    duration_ms: Annotated[int, Field(ge=0, lt=2**53)] = 0
    confidence: Annotated[int, Field(ge=1, le=3)] | None = None
    state: Annotated[int, Field(ge=1, le=3)] | None = None  # learning, review, relearning
    step: Annotated[int, Field(ge=0, lt=1000)] | None = None
    stability: Annotated[float, Field(gt=0, le=36500, allow_inf_nan=False)] | None = None
    difficulty: Annotated[float, Field(ge=1, le=10, allow_inf_nan=False)] | None = None
    due: Annotated[int, Field(ge=0, lt=2**53)] | None = None
    elapsed_days: Annotated[int, Field(ge=0, lt=2**31)] | None = None
    scheduled_days: Annotated[int, Field(ge=0, le=36500)] | None = None
    chain: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")] | None = None

    @model_validator(mode="after")
    def _all_or_none(self) -> AnswerEvent:
        """A schedule with a field missing is no schedule: refused, not half taken."""
        given = [
            self.state,
            self.stability,
            self.difficulty,
            self.due,
            self.elapsed_days,
            self.scheduled_days,
            self.chain,
        ]
        if any(v is None for v in given) and any(v is not None for v in given):
            raise ValueError("a shipped schedule must have all its fields or none")
        if self.step is not None and self.state is None:
            raise ValueError("a step without a schedule")
        return self


class UndoEvent(BaseModel):
    """An answer taken back (undo is an event, never a deletion on the target)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["undo"] = "undo"
    id: EventId


class CardEvent(BaseModel):
    """A card's suspension and burial as one device set them; the latest (at, device) wins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["card"] = "card"
    deck: Annotated[str, Field(min_length=1, max_length=1000)]
    card: Annotated[str, Field(min_length=1, max_length=1000)]
    at: Annotated[int, Field(ge=0, lt=2**53)]
    suspended: bool
    buried_until: Annotated[int, Field(ge=0, lt=2**53)] | None = None


AnyEvent = AnswerEvent | UndoEvent | CardEvent
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
        loc = ".".join(str(part) for part in first["loc"])
        raise SyncError(f"{where}: event {loc}: {first['msg']}; nothing was applied") from exc
