"""Forward migrations of the profile schema, one small function per version.

Each migration carries its own DDL (never today's models), so it does the same thing forever;
each is tested by opening a database of the previous version (tests/data/profile_v*.sql).
"""

from __future__ import annotations

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


def _reserved(conn: sqlite3.Connection) -> None:
    """Schemas 7 and 8 belong to other branches of issue 14 (card content, settings); this
    branch's schema 9 does not depend on them. Merging replaces these entries."""


_V9_REVISIONS = (
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


def to_9(conn: sqlite3.Connection) -> None:
    """Schema 9: journal entries and goals sync as revisions (issue 14). Goals get a uid that
    is the same on every device; existing goals get `g-<id>`, the name mentor files already
    use for them, so references in feedback stay valid. Entries and goals can be conflict
    copies; head revisions and goals' add-only parts are kept for sync."""
    for statement in _V9_REVISIONS:
        conn.execute(statement)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    2: to_2,
    3: to_3,
    4: to_4,
    5: to_5,
    6: to_6,
    7: _reserved,
    8: _reserved,
    9: to_9,
}
