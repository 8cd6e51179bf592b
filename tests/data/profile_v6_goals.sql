-- A profile of schema 6 (before goal uids and revisions): two goals (ids 1 and 3), an entry
-- linked to goal 1, a mentor's comment on goal g-3. Made from the schema-6 DDL.
PRAGMA user_version=6;
BEGIN TRANSACTION;
CREATE TABLE card (
	id INTEGER NOT NULL, 
	deck_id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	note_key VARCHAR NOT NULL, 
	front VARCHAR NOT NULL, 
	back VARCHAR NOT NULL, 
	tags VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	state INTEGER NOT NULL, 
	step INTEGER, 
	stability FLOAT, 
	difficulty FLOAT, 
	due INTEGER, 
	last_review INTEGER, 
	reps INTEGER NOT NULL, 
	lapses INTEGER NOT NULL, 
	suspended INTEGER NOT NULL, 
	buried_until INTEGER, 
	in_deck INTEGER NOT NULL, 
	created_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (deck_id, "key"), 
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
CREATE TABLE deck (
	id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	description VARCHAR NOT NULL, 
	version VARCHAR NOT NULL, 
	tags VARCHAR NOT NULL, 
	source VARCHAR NOT NULL, 
	created_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE ("key")
);
INSERT INTO "deck" VALUES(1,'demo','Demo','','1','','demo.toml',1795255200000,1795255200000);
CREATE TABLE deckpreset (
	deck_id INTEGER NOT NULL, 
	preset_id INTEGER NOT NULL, 
	PRIMARY KEY (deck_id), 
	FOREIGN KEY(deck_id) REFERENCES deck (id) ON DELETE CASCADE, 
	FOREIGN KEY(preset_id) REFERENCES preset (id) ON DELETE CASCADE
);
CREATE TABLE entrygoal (
	entry_id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	PRIMARY KEY (entry_id, goal_id), 
	FOREIGN KEY(entry_id) REFERENCES journalentry (id) ON DELETE CASCADE, 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE
);
INSERT INTO "entrygoal" VALUES(1,1);
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
INSERT INTO "feedbackcomment" VALUES(1,'c-aaaaaaaa','p-aaaaaaaaaaaaaaaa','Bo','goal','g-3','Keep running',1795255200000,1795255200000,1795255200000,NULL);
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
INSERT INTO "goal" VALUES(1,'Speak German','Chat','personal-mastery',NULL,'active',NULL,'shared',1795255200000,1795255200000,NULL);
INSERT INTO "goal" VALUES(3,'Run','','personal-mastery',NULL,'active',NULL,'private',1795255200000,1795255200000,NULL);
CREATE TABLE goaldeck (
	goal_id INTEGER NOT NULL, 
	deck_id INTEGER NOT NULL, 
	PRIMARY KEY (goal_id, deck_id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE, 
	FOREIGN KEY(deck_id) REFERENCES deck (id) ON DELETE CASCADE
);
INSERT INTO "goaldeck" VALUES(1,1);
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
CREATE TABLE goalreality (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	text VARCHAR NOT NULL, 
	recorded_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
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
INSERT INTO "journalentry" VALUES(1,'e-olddative','2026-11-21','Dative','Learned it',NULL,'grammar','shared',1795255200000,1795255200000);
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
CREATE TABLE milestone (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	title VARCHAR NOT NULL, 
	done_at INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE
);
INSERT INTO "milestone" VALUES(1,1,1,'A1',NULL);
CREATE TABLE preset (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	config VARCHAR NOT NULL, 
	created_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE reviewlog (
	id INTEGER NOT NULL, 
	card_id INTEGER NOT NULL, 
	rating INTEGER NOT NULL, 
	reviewed_at INTEGER NOT NULL, 
	duration_ms INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	confidence INTEGER, 
	state_before INTEGER NOT NULL, 
	state_after INTEGER NOT NULL, 
	step_before INTEGER, 
	step_after INTEGER, 
	due_before INTEGER, 
	due_after INTEGER NOT NULL, 
	stability_before FLOAT, 
	stability_after FLOAT NOT NULL, 
	difficulty_before FLOAT, 
	difficulty_after FLOAT NOT NULL, 
	last_review_before INTEGER, 
	elapsed_days INTEGER NOT NULL, 
	scheduled_days INTEGER NOT NULL, 
	suspended_before INTEGER NOT NULL, 
	tags_before VARCHAR, 
	deck_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(card_id) REFERENCES card (id) ON DELETE CASCADE
);
CREATE TABLE setting (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE synccard (
	card_id INTEGER NOT NULL, 
	suspended INTEGER NOT NULL, 
	buried_until INTEGER, 
	at INTEGER NOT NULL, 
	device VARCHAR NOT NULL, 
	PRIMARY KEY (card_id)
);
CREATE TABLE syncevent (
	event_id VARCHAR NOT NULL, 
	log_id INTEGER, 
	device VARCHAR NOT NULL, 
	at INTEGER NOT NULL, 
	undone INTEGER NOT NULL, 
	pending VARCHAR, 
	PRIMARY KEY (event_id)
);
CREATE INDEX ix_feedbackcomment_target ON feedbackcomment (target_kind, target_uid);
CREATE INDEX ix_entry_day ON journalentry (day);
CREATE INDEX ix_syncevent_log ON syncevent (log_id);
CREATE INDEX ix_card_deck ON card (deck_id, suspended, state);
CREATE INDEX ix_card_new ON card (suspended, deck_id, position) WHERE state = 0;
CREATE INDEX ix_card_note ON card (note_key);
CREATE INDEX ix_card_queue ON card (suspended, state, due);
CREATE INDEX ix_checkin_goal ON checkin (goal_id, day);
CREATE INDEX ix_goalreality_goal ON goalreality (goal_id, recorded_at);
CREATE INDEX ix_menteeentry_day ON menteeentry (mentee_id, day);
CREATE INDEX ix_mentorcomment_target ON mentorcomment (mentee_id, target_kind, target_uid);
CREATE INDEX ix_milestone_goal ON milestone (goal_id, position);
CREATE INDEX ix_revlog_card ON reviewlog (card_id, reviewed_at);
CREATE INDEX ix_revlog_deck ON reviewlog (deck_id, kind, state_before, rating, reviewed_at);
CREATE INDEX ix_revlog_time ON reviewlog (reviewed_at, deck_id, kind, state_before, stability_before, duration_ms);
CREATE TRIGGER tr_reviewlog_deck AFTER INSERT ON reviewlog WHEN NEW.deck_id IS NULL BEGIN UPDATE reviewlog SET deck_id = (SELECT deck_id FROM card WHERE card.id = NEW.card_id) WHERE id = NEW.id; END;
COMMIT;
