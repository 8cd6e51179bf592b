"""The two mentor file formats, version 2: the bundle (mentee -> mentor) and the feedback
(mentor -> mentee), and everything that reads or writes those files.

This module is the one seam between the files and the rest of the mentor code. Since issue 11 a
file is *sealed*: its JSON payload is signed by the writer's identity and encrypted to the one
reader (`mastery.identity.Identity.seal`), so only that reader can open it and nobody else can
write one in the writer's name. Reading (`open_file`, then `parse_opened_bundle` / `parse_opened_feedback`): bounded read, the
sealed-file checks of `Identity.open` (for this profile, not changed, signed), then the JSON,
format, version, and the models. Writing: `bundle_document` / `feedback_document` build the JSON
object, `checked_text` checks it with the reader's own model, the caller seals those bytes to
the paired person, and `write_file` writes them atomically. Who may have signed a file, and
in which order files are applied, is the pairing's business (`peers.py`): a file here proves
who wrote it and to whom, nothing more.

Everything a mentee or a mentor sends crosses a boundary, so it is parsed into these models
before anything else looks at it: types are strict (no "1" for 1, no true for 1), text and
lists are bounded, numbers finite and in range, days and moments real dates, moments with a
time zone, not before 2000 and not ahead of this computer's clock by more than `CLOCK_SKEW`.
The rest of the code sees typed values only. Field by field: docs/mentors.md.

`parse_bundle` / `parse_feedback` take the decoded JSON object and `now`; a payload that does
not fit raises `FormatProblem` with one line naming the field (`entries[3].created_at: ...`).
The models stay free of storage.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

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

from mastery.days import from_ms, to_ms
from mastery.errors import BundleError, InputError, MasteryError
from mastery.files import write_atomic
from mastery.identity import SEALED_MAGIC, Identity, PublicIdentity, SealedFileError
from mastery.limits import day_field, describe_validation, loads_json

if TYPE_CHECKING:
    from mastery.goals import GoalDetail
    from mastery.journal import EntryView
    from mastery.mentor.views import Comment

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
    "bundle_document",
    "describe",
    "feedback_document",
    "iso",
    "ms_precision",
    "parse_bundle",
    "parse_feedback",
    "checked_text",
    "open_file",
    "parse_opened_bundle",
    "parse_opened_feedback",
    "seal_text",
    "stored_goals",
    "stored_summary",
    "write_file",
]

BUNDLE_FORMAT = "mastery-mentor-bundle"
FEEDBACK_FORMAT = "mastery-mentor-feedback"
INVITATION_FORMAT = "mastery-mentor-invitation"
FORMAT_VERSION = 2  # the newest version of both formats this code reads and writes
SEALED_SINCE = 2  # version 1 files were plain JSON with an unkeyed checksum (before issue 11)
MAX_SEQUENCE = 2**62  # a file's sequence number; far beyond any count of files or ms since 1970
NAME_LENGTH = 80
# How far a writer's clock may run ahead of the reader's: a moment later than now + CLOCK_SKEW
# is refused. Files are ordered by their sequence number, never by a date, so a date from the
# future cannot lock anyone out; this bound only keeps nonsense dates out of the profile.
CLOCK_SKEW = timedelta(minutes=10)
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

_ENTRY_UID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"  # as journal/fields.py (imports keep theirs)
# A goal's uid: g-<number> for goals made before schema 9, g-<16 hex> since.
_GOAL_ID = r"^g-([1-9][0-9]{0,17}|[0-9a-f]{16})$"
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


SequenceNumber = Annotated[StrictInt, Field(ge=1, le=MAX_SEQUENCE)]


class Bundle(_Model):
    """A mentee's bundle, version 2 (the sealed payload)."""

    format: Literal["mastery-mentor-bundle"]
    version: Literal[2]
    sequence: SequenceNumber  # grows with every file to the same mentor: replays are refused
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
    """A mentor's feedback file, version 2 (the sealed payload)."""

    format: Literal["mastery-mentor-feedback"]
    version: Literal[2]
    sequence: SequenceNumber  # grows with every file to the same mentee: replays are refused
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


# ----------------------------------------------------------------------------- writing files
def ms_precision(moment: datetime) -> datetime:
    """The moment as files carry it: UTC, whole milliseconds (so it reads back equal)."""
    return from_ms(to_ms(moment))


def iso(moment: datetime) -> str:
    """A moment as files write it: UTC, ISO 8601, milliseconds."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _app() -> str:
    from mastery import __version__

    return f"mastery {__version__}"


def _bundle_entry(entry: EntryView, shared_goals: dict[int, str]) -> dict[str, Any]:
    """An entry as a bundle carries it; links to private goals are left out."""
    return {
        "uid": entry.uid,
        "day": entry.day.isoformat(),
        "title": entry.title,
        "body": entry.body,
        "tags": list(entry.tags),
        "prompt": entry.prompt,
        "goals": [shared_goals[gid] for gid in entry.goal_ids if gid in shared_goals],
    }


def _bundle_goal(goal: GoalDetail) -> dict[str, Any]:
    """A shared goal as a bundle carries it (no cadence, check-in notes or linked decks)."""
    return {
        "id": goal.uid,
        "title": goal.title,
        "vision": goal.vision,
        "reality": goal.reality,
        "category": goal.category,
        "status": goal.status,
        "target": goal.target.isoformat() if goal.target else None,
        "progress": round(goal.progress, 4),
        "milestones": [
            {
                "position": m.position,
                "title": m.title,
                "done": m.done,
                "done_on": m.done_on.isoformat() if m.done_on else None,
            }
            for m in goal.milestones
        ],
        "confidence_trend": [[d.isoformat(), c] for d, c in goal.confidence_trend],
    }


def bundle_document(
    *,
    sequence: int,
    created: datetime,
    pairing_id: str,
    name: str,
    since: date | None,
    entries: Iterable[EntryView],
    shared_entry_uids: Sequence[str],
    goals: Sequence[GoalDetail],
    summary: dict[str, Any],
) -> dict[str, Any]:
    """A bundle's JSON object (not yet sealed): `entries` are the shared entries it carries,
    `shared_entry_uids` every entry the mentee shares (so the mentor's copy can drop the rest),
    `summary` the learning summary as `LearningSummary.to_dict()` gives it."""
    shared_goals = {g.id: g.uid for g in goals}
    return {
        "format": BUNDLE_FORMAT,
        "version": FORMAT_VERSION,
        "sequence": sequence,
        "created_at": iso(created),
        "app": _app(),
        "mentee": {"pairing_id": pairing_id, "name": name},
        "since": since.isoformat() if since else None,
        "entries": [_bundle_entry(e, shared_goals) for e in entries],
        "shared_entry_uids": list(shared_entry_uids),
        "goals": [_bundle_goal(g) for g in goals],
        "summary": summary,
    }


def feedback_document(
    *,
    sequence: int,
    created: datetime,
    mentor: tuple[str, str],
    mentee: tuple[str, str],
    bundle_created: datetime,
    comments: Iterable[Comment],
    withdrawn: Sequence[str],
    note: tuple[str, str, datetime] | None,
) -> dict[str, Any]:
    """A feedback file's JSON object (not yet sealed). `mentor` and `mentee` are (pairing id,
    name); `note` is (uid, body, updated) or None."""
    (mentor_id, mentor_name), (mentee_id, mentee_name) = mentor, mentee
    return {
        "format": FEEDBACK_FORMAT,
        "version": FORMAT_VERSION,
        "sequence": sequence,
        "created_at": iso(created),
        "app": _app(),
        "mentor": {"pairing_id": mentor_id, "name": mentor_name},
        "mentee": {"pairing_id": mentee_id, "name": mentee_name},
        "bundle_created_at": iso(bundle_created),
        "comments": [
            {
                "uid": c.uid,
                "target_kind": c.target_kind,
                "target_id": c.target_id,
                "body": c.body,
                "created_at": iso(c.created),
                "updated_at": iso(c.updated),
            }
            for c in comments
        ],
        "withdrawn": list(withdrawn),
        "note": _feedback_note(note),
    }


def _feedback_note(note: tuple[str, str, datetime] | None) -> dict[str, Any] | None:
    if note is None:
        return None
    uid, body, updated = note
    return {"uid": uid, "body": body, "updated_at": iso(updated)}


def checked_text(document: dict[str, Any], now: datetime) -> str:
    """The payload text of a bundle or feedback document: readable JSON, exactly what is
    sealed (and what a preview shows).

    The document is first checked with the reader's own model, so what we write is never
    refused on arrival (e.g. a journal entry dated before 2000): `MasteryError` otherwise.
    """
    bundle = document["format"] == BUNDLE_FORMAT
    try:
        (parse_bundle if bundle else parse_feedback)(document, now)
    except FormatProblem as exc:
        what = "bundle" if bundle else "feedback"
        raise MasteryError(
            f"this {what} would be refused when read ({exc}): fix that value and try again"
        ) from None
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def seal_text(identity: Identity, text: str, to: PublicIdentity) -> bytes:
    """The sealed file: `text` signed by `identity` and encrypted so only `to` can read it."""
    return identity.seal(text.encode("utf-8"), to=to)


def write_file(path: str | Path, data: bytes) -> Path:
    """Write a sealed file (temp file, fsync, rename): a reader never sees half a file."""
    return write_atomic(Path(path), data)


# ----------------------------------------------------------------------------- reading files
MAX_FILE_BYTES = 64 * 1024 * 1024  # far above a real bundle; a crafted one stops here


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, at most `limit` of them.

    Opened without blocking (a FIFO named x.json must not hang us) and checked to be a
    regular file before reading. Local until the shared limits helper (mastery.limits) lands.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BundleError(path, "not a regular file; nothing imported")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise BundleError(path, f"larger than {limit // (1024 * 1024)} MB; nothing imported")
    return data


_WHAT = {BUNDLE_FORMAT: "bundle", FEEDBACK_FORMAT: "feedback"}
_REPAIR = (
    "ask them to update Mastery and pair with you "
    "(`mastery mentor invite` and `mastery mentor pair`), then send a new one"
)


def _unsealed(path: Path, raw: bytes, expected: str) -> BundleError:
    """Why a file that is not sealed is refused: an older Mastery's plain file (say what to
    do), an invitation given to the wrong command, or not a mentor file at all."""
    try:
        doc = loads_json(raw.decode("utf-8"), source=path, max_int_digits=100)
    except (UnicodeDecodeError, InputError):
        doc = None
    kind = doc.get("format") if isinstance(doc, dict) else None
    kind = kind if isinstance(kind, str) else None  # a list or object here is no format
    if kind in _WHAT:
        return BundleError(
            path,
            f"an unsigned {_WHAT[kind]} from an older Mastery, refused since mentor files are "
            f"signed and sealed: {_REPAIR}; nothing imported",
        )
    if kind == INVITATION_FORMAT:
        return BundleError(
            path, "this is an invitation: pair with it using `mastery mentor pair FILE`"
        )
    return BundleError(path, f"not a sealed Mastery mentor {_WHAT[expected]}; nothing imported")


def open_file(
    path: str | Path, identity: Identity, expected: str
) -> tuple[PublicIdentity, dict[str, Any]]:
    """A sealed mentor file opened by this profile: who signed it and its JSON object, after
    the seal, format and version checks (not yet the model; the caller checks the signer is
    paired first). `BundleError` naming the file otherwise."""
    source = Path(path)
    try:
        raw = read_bounded(source, MAX_FILE_BYTES)
    except OSError as exc:
        raise BundleError(source, f"cannot read it ({exc.strerror or exc})") from exc
    if not raw.startswith(SEALED_MAGIC):
        raise _unsealed(source, raw, expected)
    try:
        opened = identity.open(raw, source=str(source))
    except SealedFileError as exc:
        raise BundleError(source, f"{exc.reason}; nothing imported") from None
    return opened.sender, _payload(source, opened.payload, expected)


def _payload(path: Path, payload: bytes, expected: str) -> dict[str, Any]:
    """The opened payload's JSON object, after the format and version checks."""
    try:
        text = payload.decode("utf-8")
        # Bounded: depth, 64-bit integers, no NaN/Infinity (json.loads would take them all).
        doc = loads_json(text, source=path, max_int_digits=100)  # the models name the field
    except (UnicodeDecodeError, InputError):
        raise BundleError(
            path, "the sealed content is not a mentor file; nothing imported"
        ) from None
    what = _WHAT[expected]
    if not isinstance(doc, dict) or "format" not in doc:
        raise BundleError(path, f"not a Mastery mentor {what} (no format field)")
    if doc["format"] != expected:
        if doc["format"] == BUNDLE_FORMAT:
            hint = (
                "this is a mentee's bundle, not feedback: a mentor adds it with "
                "`mastery mentor add`"
            )
        elif doc["format"] == FEEDBACK_FORMAT:
            hint = (
                "this is a mentor's feedback, not a bundle: the mentee imports it with "
                "`mastery mentor feedback`"
            )
        else:
            hint = f"not a Mastery mentor {what} (format {str(doc['format'])[:40]!r})"
        raise BundleError(path, f"{hint}; nothing imported")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < SEALED_SINCE:
        raise BundleError(path, f"the {what} has no valid format version")
    if version > FORMAT_VERSION:
        raise BundleError(
            path,
            f"written by a newer Mastery ({what} format version {version}; "
            f"this one reads up to {FORMAT_VERSION}): please upgrade Mastery",
        )
    return doc


def parse_opened_bundle(path: str | Path, doc: dict[str, Any], now: datetime) -> Bundle:
    """An opened bundle's object as the model; `BundleError` naming the field otherwise."""
    try:
        return parse_bundle(doc, now)
    except FormatProblem as exc:
        raise BundleError(path, f"{exc}; nothing changed") from None


def parse_opened_feedback(path: str | Path, doc: dict[str, Any], now: datetime) -> Feedback:
    """An opened feedback's object as the model; `BundleError` naming the field otherwise."""
    try:
        return parse_feedback(doc, now)
    except FormatProblem as exc:
        raise BundleError(path, f"{exc}; nothing imported") from None
