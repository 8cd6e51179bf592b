"""Every table of a profile database, in one place, readable top to bottom.

Moments are stored as integer milliseconds since the Unix epoch in UTC (see `days.to_ms`):
the domain converts to tz-aware datetimes at its edges. Booleans are 0/1 integers.

Card states follow FSRS: 0 new, 1 learning, 2 review, 3 relearning.
"""

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from mastery.states import CardState, LogKind
from mastery.storage import counters

SCHEMA_VERSION = 11


class Deck(SQLModel, table=True):
    """A deck as imported from a file; `key` is the deck id written in that file."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    name: str
    description: str = ""
    version: str = ""
    tags: str = ""  # space separated
    source: str = ""  # path of the file it was last imported from
    created_at: int
    updated_at: int


class Preset(SQLModel, table=True):
    """A deck preset (Anki's deck options): scheduling settings decks share.

    The default preset (id 1) is the profile's own settings (the `setting` table), so it has
    no row unless renamed; another preset stores the values it sets, as JSON checked by
    `settings.SETTINGS` on every read and write, and takes the default's for the rest.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    config: str = "{}"  # JSON: {setting key: value} for the keys in srs.presets.PRESET_KEYS
    created_at: int
    updated_at: int


class DeckPreset(SQLModel, table=True):
    """The preset a deck uses; a deck without a row uses the default preset (id 1)."""

    deck_id: int = Field(foreign_key="deck.id", primary_key=True, ondelete="CASCADE")
    preset_id: int = Field(foreign_key="preset.id", ondelete="CASCADE")


class Card(SQLModel, table=True):
    """One reviewable card: content from the deck file, schedule from FSRS.

    `key` is the card id inside its deck (explicit in the file, or derived from content);
    cloze cards of one note share `note_key` and are siblings.
    """

    __table_args__ = (
        UniqueConstraint("deck_id", "key"),
        # The due queue: learning/review cards by due time. The columns after `due` make it
        # cover the dashboard's counts per deck (burial), the stats' forecast and their
        # stability and retrievability scan of every studied card (schema 9): an answer
        # rewrites this entry anyway, since it changes `due`.
        Index(
            "ix_card_queue",
            "suspended",
            "state",
            "due",
            "buried_until",
            "deck_id",
            "last_review",
            "stability",
        ),
        # New cards in deck order; partial, so the planner never takes it for due queries.
        Index(
            "ix_card_new",
            "suspended",
            "deck_id",
            "position",
            sqlite_where=text(f"state = {CardState.NEW}"),
        ),
        # Per-deck suspended and state counts, answered from the index alone; with burial,
        # so a deck's visible new cards are counted here, not in the wider due queue.
        Index("ix_card_deck", "deck_id", "suspended", "state", "buried_until"),
        Index("ix_card_note", "note_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deck_id: int = Field(foreign_key="deck.id", ondelete="CASCADE")
    key: str
    note_key: str
    front: str
    back: str
    tags: str = ""  # space separated
    position: int = 0  # order in the deck file; new cards are introduced in this order
    state: int = CardState.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: int | None = None  # ms UTC; None for new cards
    last_review: int | None = None  # ms UTC
    reps: int = 0
    lapses: int = 0
    suspended: int = 0
    buried_until: int | None = None  # ms UTC: hidden from the queue until then
    in_deck: int = 1  # 0 once the card left its deck file (it is then suspended, never deleted)
    created_at: int
    updated_at: int


class ReviewLog(SQLModel, table=True):
    """Every answer, with enough to undo it, recompute memory states and optimize FSRS.

    `kind` is "review" for scheduled reviews; later kinds (cram, preview) are kept apart so the
    optimizer learns only from real reviews.

    `deck_id` repeats the card's deck (filled by the trigger in `TRIGGERS`, whoever inserts),
    so statistics per deck over 1,000,000 answers are index range counts, not a lookup of
    the card per answer. The two wide indexes cover every query of `stats.py`: time order
    (heatmap, time per day) and deck order (true retention per deck and period).
    """

    __table_args__ = (
        Index("ix_revlog_card", "card_id", "reviewed_at"),
        Index(
            "ix_revlog_time",
            "reviewed_at",
            "deck_id",
            "kind",
            "state_before",
            "stability_before",
            "duration_ms",
        ),
        Index("ix_revlog_deck", "deck_id", "kind", "state_before", "rating", "reviewed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", ondelete="CASCADE")
    rating: int  # 1 Again, 2 Hard, 3 Good, 4 Easy
    reviewed_at: int  # ms UTC
    duration_ms: int = 0
    kind: str = LogKind.REVIEW.value
    confidence: int | None = None
    state_before: int
    state_after: int
    step_before: int | None = None
    step_after: int | None = None
    due_before: int | None = None
    due_after: int
    stability_before: float | None = None
    stability_after: float
    difficulty_before: float | None = None
    difficulty_after: float
    last_review_before: int | None = None
    elapsed_days: int = 0  # learner's days since the previous review
    scheduled_days: int = 0  # interval given, in days (0 for learning steps)
    suspended_before: int = 0  # leech handling may suspend; undo restores
    tags_before: str | None = None  # set only when the answer changed the tags (leech)
    deck_id: int | None = None  # the card's deck, set by tr_reviewlog_deck on insert


class ReviewHour(SQLModel, table=True):
    """The review log summed per UTC hour and deck, kept by triggers (schema 9): what the
    stats read instead of every answer (`storage/counters.py` says what counts where, and
    why hours). No foreign key: a deck removed takes its logs, and their triggers take
    their counts (a row left at zero counts nothing)."""

    __table_args__ = (
        # True retention per deck and period: a range of this index per deck and band.
        Index("ix_reviewhour_deck", "deck_id", "hour", "passed", "again"),
        {"sqlite_with_rowid": False},
    )

    hour: int = Field(primary_key=True)  # UTC hours since the Unix epoch
    deck_id: int = Field(primary_key=True)
    reviews: int = 0  # every answer, cram included
    duration_ms: int = 0
    learning: int = 0  # state before new or learning
    relearning: int = 0
    mature: int = 0  # review state before, stability before at least MATURE_DAYS
    scheduled: int = 0  # scheduled reviews (kind "review")
    passed: int = 0  # scheduled, review state before, not Again (true retention)
    again: int = 0  # scheduled, review state before, Again


class CardCount(SQLModel, table=True):
    """Cards per deck, suspended or not, state and stability class, kept by triggers
    (schema 9): the dashboard's deck sizes, the stats' card states and their stability
    buckets without reading every card."""

    __table_args__ = {"sqlite_with_rowid": False}

    deck_id: int = Field(primary_key=True)
    suspended: int = Field(primary_key=True)  # 0/1
    state: int = Field(primary_key=True)  # as stored on the card
    stability_class: int = Field(primary_key=True)  # counters.CLASS_EDGES; -1: none
    cards: int = 0


# Triggers, created after the tables and indexes (SQLModel has no place for them).
# tr_reviewlog_deck: every answer logged, by any code (review, cram, history imports), gets
# its card's deck; cards never move between decks. The counters' triggers keep reviewhour
# and cardcount (storage/counters.py).
TRIGGERS: tuple[str, ...] = (
    "CREATE TRIGGER tr_reviewlog_deck AFTER INSERT ON reviewlog "
    "WHEN NEW.deck_id IS NULL BEGIN "
    "UPDATE reviewlog SET deck_id = (SELECT deck_id FROM card WHERE card.id = NEW.card_id) "
    "WHERE id = NEW.id; END",
    *counters.TRIGGERS,
)


class SyncEvent(SQLModel, table=True):
    """An answer that went through sync (sent or received), by its event id (docs/sync.md).

    How a device knows what it has sent and received, and which review-log row an undo
    event removes. `log_id` is None once the answer was undone (the id is kept, so the answer
    is never taken again).
    """

    __table_args__ = (
        Index("ix_syncevent_log", "log_id"),
        # Answers waiting for their card: every sync looks for them twice, and a scan of a
        # million answers to find none took 0.14 s of an everyday sync (schema 11).
        Index("ix_syncevent_pending", "device", sqlite_where=text("pending IS NOT NULL")),
    )

    event_id: str = Field(primary_key=True)
    log_id: int | None = None
    device: str  # the device the answer was given on
    at: int  # ms UTC: the answer's moment (a log id can be reused once its row is undone)
    undone: int = 0
    pending: str | None = None  # the event (JSON) while its card is not on this device


class SyncCard(SQLModel, table=True):
    """A card's suspension and burial as last sent or received through sync: a difference
    from the card is a change to send; (at, device) orders changes, the latest wins."""

    card_id: int = Field(primary_key=True)
    suspended: int  # 0/1: suspended by the learner (a card that left its deck file is not)
    buried_until: int | None = None  # ms UTC
    at: int  # ms UTC: when the sync that first carried this state ran
    device: str


class SyncItem(SQLModel, table=True):
    """One synced thing besides cards (a setting, a preset, a deck's preset, a mentor's
    comment...) as last sent or received through sync (sync/items.py): a difference from the
    profile is a change to send; (at, device) orders changes, the latest wins.

    `value` is device-independent JSON (None: removed or back to its default); `local` says
    which local row it names where that is not the key itself (a preset's id and creation
    time); `applied` is 0 while a received value waits for what it needs (its deck)."""

    kind: str = Field(primary_key=True)  # setting / preset / deck_preset / mentee / ...
    key: str = Field(primary_key=True)  # the setting's name, a preset uid, a deck key, a uid
    value: str | None = None
    at: int  # the change's hybrid-logical-clock stamp
    device: str
    local: str | None = None
    applied: int = 1


class SyncContent(SQLModel, table=True):
    """A card's content as last sent or received through sync (schema 8): `hash` of its
    front, back, tags, note key, position and whether it is in its deck; a difference is a
    change to send, (at, device) orders changes. `device` "" is a baseline recorded without
    sending (a card of a deck with a file of its own, as this device first synced it)."""

    card_id: int = Field(primary_key=True)
    hash: int
    at: int  # hybrid-logical-clock stamp (sync/hlc.py); 0 for a baseline
    device: str


class SyncDeck(SQLModel, table=True):
    """A deck without a file of its own as last sent or received through sync (schema 8):
    `hash` of its name, description, tags and version."""

    deck_id: int = Field(primary_key=True)
    hash: int
    at: int
    device: str


class SyncPending(SQLModel, table=True):
    """A received change for a card this device does not have yet (schema 8): its content
    (for a deck not here) or its state (for a card not here), applied by its channel once
    the deck or card is here (imported, or brought by another device's chunk)."""

    __table_args__ = (Index("ix_syncpending_card", "deck", "card"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # the event's kind (sync/events.py): the channel that applies it
    deck: str
    card: str
    device: str
    event: str  # the event as JSON


class SyncRevision(SQLModel, table=True):
    """A head revision of a journal entry or a goal (schema 10, `sync/revisions.py`): one that
    no other known revision descends from. At most one per device (a device's next revision
    of a thing always descends from its previous one); several heads are a conflict.

    `seen` is the revision's version vector (JSON: device -> highest stamp it descends from),
    `payload` the whole entry or goal as canonical JSON (None: deleted, a tombstone).
    """

    kind: str = Field(primary_key=True)  # "entry" or "goal"
    uid: str = Field(primary_key=True)
    device: str = Field(primary_key=True)
    stamp: int  # hybrid-logical-clock stamp (sync/hlc.py)
    seen: str
    payload: str | None = None


class SyncPart(SQLModel, table=True):
    """An add-only part of a goal sent or received through sync (a current-reality version,
    a check-in), by its derived id; kept so a part for a goal not yet here lands with it."""

    __table_args__ = (Index("ix_syncpart_goal", "goal_uid"),)

    id: str = Field(primary_key=True)
    goal_uid: str
    device: str
    payload: str


class Setting(SQLModel, table=True):
    """Per-profile settings as JSON values; `settings.py` owns names, defaults and validation."""

    key: str = Field(primary_key=True)
    value: str


# ----------------------------------------------------------------------------- goals (schema 2)
class Goal(SQLModel, table=True):
    """A goal held in creative tension: a vision against an honest current reality.

    Current reality is versioned in `GoalReality` (the newest row is the current one), so the
    goal can show how the gap closed. `target_date` is a learner's calendar date (ISO text).
    """

    __table_args__ = (Index("ix_goal_uid", "uid", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    title: str
    vision: str = ""
    category: str = "personal-mastery"
    target_date: str | None = None
    status: str = "active"  # active / achieved / dropped
    cadence: str | None = None  # a practice rule as typed ("every weekday", "mon,wed,fri")
    visibility: str = "private"  # private / shared (with a mentor)
    created_at: int
    updated_at: int
    closed_at: int | None = None
    # Stable across devices and in mentor files (schema 9): goals made before it are
    # `g-<id>`, so references in mentor files stay valid; new ones `g-<random hex>`.
    uid: str = Field(default="", sa_column_kwargs={"server_default": ""})
    conflict_of: str | None = None  # a conflict copy: the uid of the goal it is a copy of


class GoalReality(SQLModel, table=True):
    """One version of a goal's current reality; never overwritten."""

    __table_args__ = (Index("ix_goalreality_goal", "goal_id", "recorded_at"),)

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", ondelete="CASCADE")
    text: str
    recorded_at: int


class Milestone(SQLModel, table=True):
    __table_args__ = (Index("ix_milestone_goal", "goal_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", ondelete="CASCADE")
    position: int
    title: str
    done_at: int | None = None  # ms UTC; None while not done


class GoalDeck(SQLModel, table=True):
    """A deck whose cards measure progress towards a goal."""

    goal_id: int = Field(foreign_key="goal.id", primary_key=True, ondelete="CASCADE")
    deck_id: int = Field(foreign_key="deck.id", primary_key=True, ondelete="CASCADE")


class CheckIn(SQLModel, table=True):
    """A weekly check-in: how confident (1-10) the learner is that the goal will be met, and why."""

    __table_args__ = (Index("ix_checkin_goal", "goal_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", ondelete="CASCADE")
    day: str  # learner's date, ISO
    confidence: int
    note: str = ""
    recorded_at: int


class GoalProgress(SQLModel, table=True):
    """One progress point per goal and learner's day, so the gap closing can be charted."""

    goal_id: int = Field(foreign_key="goal.id", primary_key=True, ondelete="CASCADE")
    day: str = Field(primary_key=True)  # learner's date, ISO
    progress: float  # 0..1, the goal's overall progress that day
    milestones: float | None = None  # share of milestones done
    mastery: float | None = None  # share of linked decks' cards that are mature
    retrievability: float | None = None  # mean retrievability of linked decks' studied cards


# ----------------------------------------------------------------------------- journal (schema 2)
class JournalEntry(SQLModel, table=True):
    """A journal entry. `uid` is stable across export and import, so feedback can point at it."""

    __table_args__ = (Index("ix_entry_day", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(unique=True)
    day: str  # learner's date, ISO
    title: str = ""
    body: str
    prompt: str | None = None  # key of the prompt it started from
    tags: str = ""  # space separated
    visibility: str = "private"  # private / shared (with a mentor)
    created_at: int
    updated_at: int
    conflict_of: str | None = None  # a conflict copy (schema 9): the uid of the entry it copies


class EntryGoal(SQLModel, table=True):
    entry_id: int = Field(foreign_key="journalentry.id", primary_key=True, ondelete="CASCADE")
    goal_id: int = Field(foreign_key="goal.id", primary_key=True, ondelete="CASCADE")


# ----------------------------------------------------------------------------- mentors (schema 3)
# A mentee exports a bundle of what they chose to share; a mentor answers with a feedback file.
# File formats: docs/mentors.md. Ids that travel in files are strings: entry uids (`e-...`),
# goals as `g-<id>`, comments `c-...`, notes `n-...`, profiles by their random pairing id.


class FeedbackComment(SQLModel, table=True):
    """Mentee side: a mentor's comment on one of this profile's entries or goals.

    Imported from feedback files; re-importing the same comment (same `comment_uid`) updates it.
    """

    __table_args__ = (Index("ix_feedbackcomment_target", "target_kind", "target_uid"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_uid: str = Field(unique=True)
    mentor_id: str  # the mentor profile's pairing id
    mentor_name: str
    target_kind: str  # entry / goal
    target_uid: str  # an entry uid (e-...) or a goal as g-<id>
    body: str
    created_at: int  # ms UTC, when the mentor wrote it
    updated_at: int  # ms UTC, when the mentor last changed it
    received_at: int  # ms UTC, when its feedback file was imported
    read_at: int | None = None  # ms UTC; None while unread


class FeedbackNote(SQLModel, table=True):
    """Mentee side: a mentor's overall note; the newest one shows on the dashboard."""

    id: int | None = Field(default=None, primary_key=True)
    note_uid: str = Field(unique=True)  # a new uid each time the mentor rewrites the note
    mentor_id: str
    mentor_name: str
    body: str
    created_at: int  # ms UTC, when the mentor wrote it
    received_at: int
    read_at: int | None = None


class Mentee(SQLModel, table=True):
    """Mentor side: a mentee whose bundle this profile holds, with the mentor's overall note.

    `summary_json` and `goals_json` are the bundle's learning summary and shared goals as they
    came (JSON); the entries have a table of their own so they can be read one by one.
    """

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: str = Field(unique=True)  # the mentee profile's pairing id
    display_name: str
    bundle_created_at: int  # ms UTC: a bundle older than this is refused
    summary_json: str
    goals_json: str
    added_at: int
    updated_at: int
    note: str = ""  # the mentor's overall note for this mentee ("" for none)
    note_uid: str | None = None
    note_updated_at: int | None = None


class MenteeEntry(SQLModel, table=True):
    """Mentor side: one entry a mentee shared, as of their newest bundle."""

    __table_args__ = (
        UniqueConstraint("mentee_id", "uid"),
        Index("ix_menteeentry_day", "mentee_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mentee_id: int = Field(foreign_key="mentee.id", ondelete="CASCADE")
    uid: str  # the entry's uid in the mentee's profile
    day: str  # the mentee's date, ISO
    title: str
    body: str
    tags: str = ""  # space separated
    prompt: str | None = None
    goal_ids: str = ""  # space separated g-<id> of the mentee's shared goals
    received_at: int
    changed_at: int  # ms UTC, when a bundle last brought new content for it
    read_at: int | None = None  # None until the mentor opens it (again after it changed)


class MentorComment(SQLModel, table=True):
    """Mentor side: a comment the mentor wrote on a mentee's entry or goal.

    Kept when its entry leaves the mentor's copy (the mentee stopped sharing it); a deleted
    comment keeps its row (`deleted_at`, empty body) so the next reply withdraws it.
    """

    __table_args__ = (Index("ix_mentorcomment_target", "mentee_id", "target_kind", "target_uid"),)

    id: int | None = Field(default=None, primary_key=True)
    comment_uid: str = Field(unique=True)
    mentee_id: int = Field(foreign_key="mentee.id", ondelete="CASCADE")
    target_kind: str  # entry / goal
    target_uid: str  # e-... or g-<id>
    body: str
    created_at: int
    updated_at: int
    deleted_at: int | None = None
