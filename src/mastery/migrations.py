"""Forward migrations of the profile schema, one small function per version.

Each migration carries its own DDL (never today's models), so it does the same thing forever;
each is tested by opening a database of the previous version (tests/data/profile_v*.sql).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable

_V2_GOALS_AND_JOURNAL = """
CREATE TABLE goal (
	id INTEGER NOT NULL, 
	title VARCHAR NOT NULL, 
	vision VARCHAR NOT NULL, 
	category VARCHAR NOT NULL, 
	target_date VARCHAR, 
	status VARCHAR NOT NULL, 
	cadence VARCHAR, 
	visibility VARCHAR NOT NULL, 
	created_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	closed_at INTEGER, 
	PRIMARY KEY (id)
);
CREATE TABLE goalreality (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	text VARCHAR NOT NULL, 
	recorded_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE
);
CREATE INDEX ix_goalreality_goal ON goalreality (goal_id, recorded_at);
CREATE TABLE milestone (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	title VARCHAR NOT NULL, 
	done_at INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE
);
CREATE INDEX ix_milestone_goal ON milestone (goal_id, position);
CREATE TABLE goaldeck (
	goal_id INTEGER NOT NULL, 
	deck_id INTEGER NOT NULL, 
	PRIMARY KEY (goal_id, deck_id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE, 
	FOREIGN KEY(deck_id) REFERENCES deck (id) ON DELETE CASCADE
);
CREATE TABLE checkin (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	day VARCHAR NOT NULL, 
	confidence INTEGER NOT NULL, 
	note VARCHAR NOT NULL, 
	recorded_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE
);
CREATE INDEX ix_checkin_goal ON checkin (goal_id, day);
CREATE TABLE goalprogress (
	goal_id INTEGER NOT NULL, 
	day VARCHAR NOT NULL, 
	progress FLOAT NOT NULL, 
	milestones FLOAT, 
	mastery FLOAT, 
	retrievability FLOAT, 
	PRIMARY KEY (goal_id, day), 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE
);
CREATE TABLE journalentry (
	id INTEGER NOT NULL, 
	uid VARCHAR NOT NULL, 
	day VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	body VARCHAR NOT NULL, 
	prompt VARCHAR, 
	tags VARCHAR NOT NULL, 
	visibility VARCHAR NOT NULL, 
	created_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (uid)
);
CREATE INDEX ix_entry_day ON journalentry (day);
CREATE TABLE entrygoal (
	entry_id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	PRIMARY KEY (entry_id, goal_id), 
	FOREIGN KEY(entry_id) REFERENCES journalentry (id) ON DELETE CASCADE, 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE
);
"""


def to_2(conn: sqlite3.Connection) -> None:
    """Schema 2: goals (reality versions, milestones, linked decks, check-ins, progress) and
    the journal (entries and their linked goals)."""
    for statement in _V2_GOALS_AND_JOURNAL.split(";"):
        if statement.strip():
            conn.execute(statement)


_V3_MENTORS = """
CREATE TABLE feedbackcomment (
	id INTEGER NOT NULL, 
	comment_uid VARCHAR NOT NULL, 
	mentor_id VARCHAR NOT NULL, 
	mentor_name VARCHAR NOT NULL, 
	target_kind VARCHAR NOT NULL, 
	target_uid VARCHAR NOT NULL, 
	body VARCHAR NOT NULL, 
	created_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	received_at INTEGER NOT NULL, 
	read_at INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (comment_uid)
);
CREATE INDEX ix_feedbackcomment_target ON feedbackcomment (target_kind, target_uid);
CREATE TABLE feedbacknote (
	id INTEGER NOT NULL, 
	note_uid VARCHAR NOT NULL, 
	mentor_id VARCHAR NOT NULL, 
	mentor_name VARCHAR NOT NULL, 
	body VARCHAR NOT NULL, 
	created_at INTEGER NOT NULL, 
	received_at INTEGER NOT NULL, 
	read_at INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (note_uid)
);
CREATE TABLE mentee (
	id INTEGER NOT NULL, 
	pairing_id VARCHAR NOT NULL, 
	display_name VARCHAR NOT NULL, 
	bundle_created_at INTEGER NOT NULL, 
	summary_json VARCHAR NOT NULL, 
	goals_json VARCHAR NOT NULL, 
	added_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	note VARCHAR NOT NULL, 
	note_uid VARCHAR, 
	note_updated_at INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (pairing_id)
);
CREATE TABLE menteeentry (
	id INTEGER NOT NULL, 
	mentee_id INTEGER NOT NULL, 
	uid VARCHAR NOT NULL, 
	day VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	body VARCHAR NOT NULL, 
	tags VARCHAR NOT NULL, 
	prompt VARCHAR, 
	goal_ids VARCHAR NOT NULL, 
	received_at INTEGER NOT NULL, 
	changed_at INTEGER NOT NULL, 
	read_at INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (mentee_id, uid), 
	FOREIGN KEY(mentee_id) REFERENCES mentee (id) ON DELETE CASCADE
);
CREATE INDEX ix_menteeentry_day ON menteeentry (mentee_id, day);
CREATE TABLE mentorcomment (
	id INTEGER NOT NULL, 
	comment_uid VARCHAR NOT NULL, 
	mentee_id INTEGER NOT NULL, 
	target_kind VARCHAR NOT NULL, 
	target_uid VARCHAR NOT NULL, 
	body VARCHAR NOT NULL, 
	created_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	deleted_at INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (comment_uid), 
	FOREIGN KEY(mentee_id) REFERENCES mentee (id) ON DELETE CASCADE
);
CREATE INDEX ix_mentorcomment_target ON mentorcomment (mentee_id, target_kind, target_uid);
"""


def to_3(conn: sqlite3.Connection) -> None:
    """Schema 3: mentors. Mentee side: comments and notes received in feedback files; mentor
    side: mentees, the entries they shared, and the comments written on them."""
    for statement in _V3_MENTORS.split(";"):
        if statement.strip():
            conn.execute(statement)


# Schema 4 (statistics): the card's deck on each review log, kept by a trigger, and two wide
# indexes that cover the stats queries. One statement each (a trigger body holds a ";").
_V4_STATS = (
    "ALTER TABLE reviewlog ADD COLUMN deck_id INTEGER",
    "UPDATE reviewlog SET deck_id = (SELECT deck_id FROM card WHERE card.id = reviewlog.card_id)",
    "DROP INDEX ix_revlog_time",
    "CREATE INDEX ix_revlog_time ON reviewlog "
    "(reviewed_at, deck_id, kind, state_before, stability_before, duration_ms)",
    "CREATE INDEX ix_revlog_deck ON reviewlog (deck_id, kind, state_before, rating, reviewed_at)",
    "CREATE TRIGGER tr_reviewlog_deck AFTER INSERT ON reviewlog "
    "WHEN NEW.deck_id IS NULL BEGIN "
    "UPDATE reviewlog SET deck_id = (SELECT deck_id FROM card WHERE card.id = NEW.card_id) "
    "WHERE id = NEW.id; END",
)


def to_4(conn: sqlite3.Connection) -> None:
    """Schema 4: statistics. Review logs carry their card's deck (filled for the existing
    ones, then by a trigger), so retention per deck is index range counts; `ix_revlog_time`
    widens to cover the heatmap and time per day. Takes a few seconds per million logs."""
    for statement in _V4_STATS:
        conn.execute(statement)


_V5_PRESETS = (
    "CREATE TABLE preset (\n\tid INTEGER NOT NULL, \n\tname VARCHAR NOT NULL, \n"
    "\tconfig VARCHAR NOT NULL, \n\tcreated_at INTEGER NOT NULL, \n"
    "\tupdated_at INTEGER NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (name)\n)",
    "CREATE TABLE deckpreset (\n\tdeck_id INTEGER NOT NULL, \n\tpreset_id INTEGER NOT NULL, \n"
    "\tPRIMARY KEY (deck_id), \n\tFOREIGN KEY(deck_id) REFERENCES deck (id) ON DELETE CASCADE, \n"
    "\tFOREIGN KEY(preset_id) REFERENCES preset (id) ON DELETE CASCADE\n)",
)


def to_5(conn: sqlite3.Connection) -> None:
    """Schema 5: deck presets. Every existing deck uses the default preset (id 1), which is
    the profile's settings as they were, so nothing changes until a preset is added."""
    for statement in _V5_PRESETS:
        conn.execute(statement)


_V6_SYNC = (
    "CREATE TABLE syncevent (\n\tevent_id VARCHAR NOT NULL, \n\tlog_id INTEGER, \n"
    "\tdevice VARCHAR NOT NULL, \n\tat INTEGER NOT NULL, \n\tundone INTEGER NOT NULL, \n"
    "\tpending VARCHAR, \n\tPRIMARY KEY (event_id)\n)",
    "CREATE INDEX ix_syncevent_log ON syncevent (log_id)",
    "CREATE TABLE synccard (\n\tcard_id INTEGER NOT NULL, \n\tsuspended INTEGER NOT NULL, \n"
    "\tburied_until INTEGER, \n\tat INTEGER NOT NULL, \n\tdevice VARCHAR NOT NULL, \n"
    "\tPRIMARY KEY (card_id)\n)",
)


def to_6(conn: sqlite3.Connection) -> None:
    """Schema 6: sync between devices (issue 14). Answers that went through sync, by event id,
    and cards' suspension and burial as last synced; empty until a sync target is set up."""
    for statement in _V6_SYNC:
        conn.execute(statement)


_V7_SYNC_ITEMS = (
    'CREATE TABLE syncitem (\n\tkind VARCHAR NOT NULL, \n\t"key" VARCHAR NOT NULL, \n'
    "\tvalue VARCHAR, \n\tat INTEGER NOT NULL, \n\tdevice VARCHAR NOT NULL, \n"
    '\tlocal VARCHAR, \n\tapplied INTEGER NOT NULL, \n\tPRIMARY KEY (kind, "key")\n)'
)


def to_7(conn: sqlite3.Connection) -> None:
    """Schema 7: settings, presets and the mentor and team state that is the person's sync
    (issue 14): each thing as last synced; empty until a sync target is set up."""
    conn.execute(_V7_SYNC_ITEMS)


_V8_SYNC_CONTENT = (
    "CREATE TABLE synccontent (\n\tcard_id INTEGER NOT NULL, \n\thash INTEGER NOT NULL, \n"
    "\tat INTEGER NOT NULL, \n\tdevice VARCHAR NOT NULL, \n\tPRIMARY KEY (card_id)\n)",
    "CREATE TABLE syncdeck (\n\tdeck_id INTEGER NOT NULL, \n\thash INTEGER NOT NULL, \n"
    "\tat INTEGER NOT NULL, \n\tdevice VARCHAR NOT NULL, \n\tPRIMARY KEY (deck_id)\n)",
    "CREATE TABLE syncpending (\n\tid INTEGER NOT NULL, \n\tkind VARCHAR NOT NULL, \n"
    "\tdeck VARCHAR NOT NULL, \n\tcard VARCHAR NOT NULL, \n\tdevice VARCHAR NOT NULL, \n"
    "\tevent VARCHAR NOT NULL, \n\tPRIMARY KEY (id)\n)",
    "CREATE INDEX ix_syncpending_card ON syncpending (deck, card)",
)


def to_8(conn: sqlite3.Connection) -> None:
    """Schema 8: card content and decks without a file of their own through sync (issue 14):
    what was last synced of each, and changes waiting for a card not here yet; empty until
    the next sync (a profile that synced before sends its flags, marks and such decks then)."""
    for statement in _V8_SYNC_CONTENT:
        conn.execute(statement)


# Schema 9 (issue 15): counters kept by triggers (what each counts: storage/counters.py),
# filled from the existing log and cards; the due-queue index widened to cover the
# dashboard's and the stats' card scans, and the deck index (burial) to keep the new-card
# counts per deck on it. One statement a line, as written on 2026-12-07.
_V9_COUNTERS = (
    "CREATE TABLE cardcount (\n\tdeck_id INTEGER NOT NULL, \n\tsuspended INTEGER NOT NULL, \n\tstate INTEGER NOT NULL, \n\tstability_class INTEGER NOT NULL, \n\tcards INTEGER NOT NULL, \n\tPRIMARY KEY (deck_id, suspended, state, stability_class)\n)\n WITHOUT ROWID",
    "CREATE TABLE reviewhour (\n\thour INTEGER NOT NULL, \n\tdeck_id INTEGER NOT NULL, \n\treviews INTEGER NOT NULL, \n\tduration_ms INTEGER NOT NULL, \n\tlearning INTEGER NOT NULL, \n\trelearning INTEGER NOT NULL, \n\tmature INTEGER NOT NULL, \n\tscheduled INTEGER NOT NULL, \n\tpassed INTEGER NOT NULL, \n\tagain INTEGER NOT NULL, \n\tPRIMARY KEY (hour, deck_id)\n)\n WITHOUT ROWID",
    "CREATE INDEX ix_reviewhour_deck ON reviewhour (deck_id, hour, passed, again)",
    "DROP INDEX ix_card_queue",
    "DROP INDEX ix_card_deck",
    "CREATE INDEX ix_card_deck ON card (deck_id, suspended, state, buried_until)",
    "CREATE INDEX ix_card_queue ON card (suspended, state, due, buried_until, deck_id, last_review, stability)",
    "INSERT INTO reviewhour (hour, deck_id, reviews, duration_ms, learning, relearning, mature, scheduled, passed, again) SELECT (reviewed_at - (reviewed_at < 0) * 3599999) / 3600000 AS hour, deck_id, sum(1) AS reviews, sum(duration_ms) AS duration_ms, sum(state_before IN (0, 1)) AS learning, sum(state_before = 3) AS relearning, sum(coalesce(state_before NOT IN (0, 1, 3) AND stability_before >= 21.0, 0)) AS mature, sum(kind = 'review') AS scheduled, sum(kind = 'review' AND state_before = 2 AND rating IN (2, 3, 4)) AS passed, sum(kind = 'review' AND state_before = 2 AND rating = 1) AS again FROM reviewlog WHERE deck_id IS NOT NULL GROUP BY 1, 2",
    "INSERT INTO cardcount (deck_id, suspended, state, stability_class, cards) SELECT deck_id AS deck_id, suspended != 0 AS suspended, state AS state, CASE WHEN stability > 0 THEN CASE WHEN stability < 1 THEN 0 WHEN stability < 3 THEN 1 WHEN stability < 7 THEN 2 WHEN stability < 14 THEN 3 WHEN stability < 21.0 THEN 4 WHEN stability < 30 THEN 5 WHEN stability < 90 THEN 6 WHEN stability < 180 THEN 7 WHEN stability < 365 THEN 8 ELSE 9 END ELSE -1 END AS stability_class, count(*) AS cards FROM card GROUP BY 1, 2, 3, 4",
    "CREATE TRIGGER tr_reviewhour_insert AFTER INSERT ON reviewlog WHEN NEW.deck_id IS NOT NULL BEGIN INSERT INTO reviewhour (hour, deck_id, reviews, duration_ms, learning, relearning, mature, scheduled, passed, again) VALUES ((NEW.reviewed_at - (NEW.reviewed_at < 0) * 3599999) / 3600000, NEW.deck_id, (1), (NEW.duration_ms), (NEW.state_before IN (0, 1)), (NEW.state_before = 3), (coalesce(NEW.state_before NOT IN (0, 1, 3) AND NEW.stability_before >= 21.0, 0)), (NEW.kind = 'review'), (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating IN (2, 3, 4)), (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating = 1)) ON CONFLICT (hour, deck_id) DO UPDATE SET reviews = reviews + excluded.reviews, duration_ms = duration_ms + excluded.duration_ms, learning = learning + excluded.learning, relearning = relearning + excluded.relearning, mature = mature + excluded.mature, scheduled = scheduled + excluded.scheduled, passed = passed + excluded.passed, again = again + excluded.again; END",
    "CREATE TRIGGER tr_reviewhour_delete AFTER DELETE ON reviewlog WHEN OLD.deck_id IS NOT NULL BEGIN INSERT INTO reviewhour (hour, deck_id, reviews, duration_ms, learning, relearning, mature, scheduled, passed, again) VALUES ((OLD.reviewed_at - (OLD.reviewed_at < 0) * 3599999) / 3600000, OLD.deck_id, -(1), -(OLD.duration_ms), -(OLD.state_before IN (0, 1)), -(OLD.state_before = 3), -(coalesce(OLD.state_before NOT IN (0, 1, 3) AND OLD.stability_before >= 21.0, 0)), -(OLD.kind = 'review'), -(OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating IN (2, 3, 4)), -(OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating = 1)) ON CONFLICT (hour, deck_id) DO UPDATE SET reviews = reviews + excluded.reviews, duration_ms = duration_ms + excluded.duration_ms, learning = learning + excluded.learning, relearning = relearning + excluded.relearning, mature = mature + excluded.mature, scheduled = scheduled + excluded.scheduled, passed = passed + excluded.passed, again = again + excluded.again; END",
    "CREATE TRIGGER tr_reviewhour_update AFTER UPDATE OF reviewed_at, duration_ms, kind, state_before, stability_before, rating, deck_id ON reviewlog WHEN ((OLD.reviewed_at - (OLD.reviewed_at < 0) * 3599999) / 3600000) IS NOT ((NEW.reviewed_at - (NEW.reviewed_at < 0) * 3599999) / 3600000) OR (OLD.deck_id) IS NOT (NEW.deck_id) OR (1) IS NOT (1) OR (OLD.duration_ms) IS NOT (NEW.duration_ms) OR (OLD.state_before IN (0, 1)) IS NOT (NEW.state_before IN (0, 1)) OR (OLD.state_before = 3) IS NOT (NEW.state_before = 3) OR (coalesce(OLD.state_before NOT IN (0, 1, 3) AND OLD.stability_before >= 21.0, 0)) IS NOT (coalesce(NEW.state_before NOT IN (0, 1, 3) AND NEW.stability_before >= 21.0, 0)) OR (OLD.kind = 'review') IS NOT (NEW.kind = 'review') OR (OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating IN (2, 3, 4)) IS NOT (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating IN (2, 3, 4)) OR (OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating = 1) IS NOT (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating = 1) BEGIN INSERT INTO reviewhour (hour, deck_id, reviews, duration_ms, learning, relearning, mature, scheduled, passed, again) SELECT (OLD.reviewed_at - (OLD.reviewed_at < 0) * 3599999) / 3600000, OLD.deck_id, -(1), -(OLD.duration_ms), -(OLD.state_before IN (0, 1)), -(OLD.state_before = 3), -(coalesce(OLD.state_before NOT IN (0, 1, 3) AND OLD.stability_before >= 21.0, 0)), -(OLD.kind = 'review'), -(OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating IN (2, 3, 4)), -(OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating = 1) WHERE OLD.deck_id IS NOT NULL ON CONFLICT (hour, deck_id) DO UPDATE SET reviews = reviews + excluded.reviews, duration_ms = duration_ms + excluded.duration_ms, learning = learning + excluded.learning, relearning = relearning + excluded.relearning, mature = mature + excluded.mature, scheduled = scheduled + excluded.scheduled, passed = passed + excluded.passed, again = again + excluded.again; INSERT INTO reviewhour (hour, deck_id, reviews, duration_ms, learning, relearning, mature, scheduled, passed, again) SELECT (NEW.reviewed_at - (NEW.reviewed_at < 0) * 3599999) / 3600000, NEW.deck_id, (1), (NEW.duration_ms), (NEW.state_before IN (0, 1)), (NEW.state_before = 3), (coalesce(NEW.state_before NOT IN (0, 1, 3) AND NEW.stability_before >= 21.0, 0)), (NEW.kind = 'review'), (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating IN (2, 3, 4)), (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating = 1) WHERE NEW.deck_id IS NOT NULL ON CONFLICT (hour, deck_id) DO UPDATE SET reviews = reviews + excluded.reviews, duration_ms = duration_ms + excluded.duration_ms, learning = learning + excluded.learning, relearning = relearning + excluded.relearning, mature = mature + excluded.mature, scheduled = scheduled + excluded.scheduled, passed = passed + excluded.passed, again = again + excluded.again; END",
    "CREATE TRIGGER tr_cardcount_insert AFTER INSERT ON card BEGIN INSERT INTO cardcount (deck_id, suspended, state, stability_class, cards) VALUES (NEW.deck_id, NEW.suspended != 0, NEW.state, CASE WHEN NEW.stability > 0 THEN CASE WHEN NEW.stability < 1 THEN 0 WHEN NEW.stability < 3 THEN 1 WHEN NEW.stability < 7 THEN 2 WHEN NEW.stability < 14 THEN 3 WHEN NEW.stability < 21.0 THEN 4 WHEN NEW.stability < 30 THEN 5 WHEN NEW.stability < 90 THEN 6 WHEN NEW.stability < 180 THEN 7 WHEN NEW.stability < 365 THEN 8 ELSE 9 END ELSE -1 END, 1) ON CONFLICT (deck_id, suspended, state, stability_class) DO UPDATE SET cards = cards + excluded.cards; END",
    "CREATE TRIGGER tr_cardcount_delete AFTER DELETE ON card BEGIN INSERT INTO cardcount (deck_id, suspended, state, stability_class, cards) VALUES (OLD.deck_id, OLD.suspended != 0, OLD.state, CASE WHEN OLD.stability > 0 THEN CASE WHEN OLD.stability < 1 THEN 0 WHEN OLD.stability < 3 THEN 1 WHEN OLD.stability < 7 THEN 2 WHEN OLD.stability < 14 THEN 3 WHEN OLD.stability < 21.0 THEN 4 WHEN OLD.stability < 30 THEN 5 WHEN OLD.stability < 90 THEN 6 WHEN OLD.stability < 180 THEN 7 WHEN OLD.stability < 365 THEN 8 ELSE 9 END ELSE -1 END, -1) ON CONFLICT (deck_id, suspended, state, stability_class) DO UPDATE SET cards = cards + excluded.cards; END",
    "CREATE TRIGGER tr_cardcount_update AFTER UPDATE OF deck_id, suspended, state, stability ON card WHEN (OLD.deck_id) IS NOT (NEW.deck_id) OR (OLD.suspended != 0) IS NOT (NEW.suspended != 0) OR (OLD.state) IS NOT (NEW.state) OR (CASE WHEN OLD.stability > 0 THEN CASE WHEN OLD.stability < 1 THEN 0 WHEN OLD.stability < 3 THEN 1 WHEN OLD.stability < 7 THEN 2 WHEN OLD.stability < 14 THEN 3 WHEN OLD.stability < 21.0 THEN 4 WHEN OLD.stability < 30 THEN 5 WHEN OLD.stability < 90 THEN 6 WHEN OLD.stability < 180 THEN 7 WHEN OLD.stability < 365 THEN 8 ELSE 9 END ELSE -1 END) IS NOT (CASE WHEN NEW.stability > 0 THEN CASE WHEN NEW.stability < 1 THEN 0 WHEN NEW.stability < 3 THEN 1 WHEN NEW.stability < 7 THEN 2 WHEN NEW.stability < 14 THEN 3 WHEN NEW.stability < 21.0 THEN 4 WHEN NEW.stability < 30 THEN 5 WHEN NEW.stability < 90 THEN 6 WHEN NEW.stability < 180 THEN 7 WHEN NEW.stability < 365 THEN 8 ELSE 9 END ELSE -1 END) BEGIN INSERT INTO cardcount (deck_id, suspended, state, stability_class, cards) VALUES (OLD.deck_id, OLD.suspended != 0, OLD.state, CASE WHEN OLD.stability > 0 THEN CASE WHEN OLD.stability < 1 THEN 0 WHEN OLD.stability < 3 THEN 1 WHEN OLD.stability < 7 THEN 2 WHEN OLD.stability < 14 THEN 3 WHEN OLD.stability < 21.0 THEN 4 WHEN OLD.stability < 30 THEN 5 WHEN OLD.stability < 90 THEN 6 WHEN OLD.stability < 180 THEN 7 WHEN OLD.stability < 365 THEN 8 ELSE 9 END ELSE -1 END, -1) ON CONFLICT (deck_id, suspended, state, stability_class) DO UPDATE SET cards = cards + excluded.cards; INSERT INTO cardcount (deck_id, suspended, state, stability_class, cards) VALUES (NEW.deck_id, NEW.suspended != 0, NEW.state, CASE WHEN NEW.stability > 0 THEN CASE WHEN NEW.stability < 1 THEN 0 WHEN NEW.stability < 3 THEN 1 WHEN NEW.stability < 7 THEN 2 WHEN NEW.stability < 14 THEN 3 WHEN NEW.stability < 21.0 THEN 4 WHEN NEW.stability < 30 THEN 5 WHEN NEW.stability < 90 THEN 6 WHEN NEW.stability < 180 THEN 7 WHEN NEW.stability < 365 THEN 8 ELSE 9 END ELSE -1 END, 1) ON CONFLICT (deck_id, suspended, state, stability_class) DO UPDATE SET cards = cards + excluded.cards; END",
)


def to_9(conn: sqlite3.Connection) -> None:
    """Schema 9: answers per UTC hour and deck, and cards per deck and state, kept by
    triggers from here on, so the stats and the dashboard never count every answer or card.
    Filling them takes a few seconds per million logs (one GROUP BY, its sort on disk: in
    memory it took 800 MB at 10,000,000 logs)."""
    (mode,) = conn.execute("PRAGMA temp_store").fetchone()
    # Refused when an earlier migration in this transaction used temporary storage: then
    # the sort stays in memory.
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute("PRAGMA temp_store=FILE")
    try:
        for statement in _V9_COUNTERS:
            conn.execute(statement)
    finally:
        with contextlib.suppress(sqlite3.OperationalError):
            conn.execute(f"PRAGMA temp_store={int(mode)}")


_V10_REVISIONS = (
    "ALTER TABLE goal ADD COLUMN uid VARCHAR DEFAULT '' NOT NULL",
    "ALTER TABLE goal ADD COLUMN conflict_of VARCHAR",
    "UPDATE goal SET uid = 'g-' || id",
    "CREATE UNIQUE INDEX ix_goal_uid ON goal (uid)",
    "ALTER TABLE journalentry ADD COLUMN conflict_of VARCHAR",
    "CREATE TABLE syncpart (\n\tid VARCHAR NOT NULL, \n\tgoal_uid VARCHAR NOT NULL, \n"
    "\tdevice VARCHAR NOT NULL, \n\tpayload VARCHAR NOT NULL, \n\tPRIMARY KEY (id)\n)",
    "CREATE INDEX ix_syncpart_goal ON syncpart (goal_uid)",
    "CREATE TABLE syncrevision (\n\tkind VARCHAR NOT NULL, \n\tuid VARCHAR NOT NULL, \n"
    "\tdevice VARCHAR NOT NULL, \n\tstamp INTEGER NOT NULL, \n\tseen VARCHAR NOT NULL, \n"
    "\tpayload VARCHAR, \n\tPRIMARY KEY (kind, uid, device)\n)",
)


def to_10(conn: sqlite3.Connection) -> None:
    """Schema 10: journal entries and goals sync as revisions (issue 14). Goals get a uid that
    is the same on every device; existing goals get `g-<id>`, the name mentor files already
    use for them, so references in feedback stay valid. Entries and goals can be conflict
    copies; head revisions and goals' add-only parts are kept for sync."""
    for statement in _V10_REVISIONS:
        conn.execute(statement)


def to_11(conn: sqlite3.Connection) -> None:
    """Schema 11: answers waiting for their card are found by a partial index, so an
    everyday sync no longer scans every answer that ever went through sync to find them."""
    conn.execute(
        "CREATE INDEX ix_syncevent_pending ON syncevent (device) WHERE pending IS NOT NULL"
    )


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    2: to_2,
    3: to_3,
    4: to_4,
    5: to_5,
    6: to_6,
    7: to_7,
    8: to_8,
    9: to_9,
    10: to_10,
    11: to_11,
}
