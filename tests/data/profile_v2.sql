-- A profile written by schema version 2 (goals and journal); opened by tests/test_db.py.
PRAGMA user_version=2;
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
INSERT INTO "card" VALUES(1,1,'one','demo/one','One?','1','',0,2,NULL,2.3065,2.111,1794801600000,1794651000000,2,0,0,NULL,1,1794650400000,1794651000000);
INSERT INTO "card" VALUES(2,1,'two','demo/two','Two?','2','',1,1,0,0.212,6.413,1794650460000,1794650400000,1,0,0,NULL,1,1794650400000,1794650400000);
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
INSERT INTO "checkin" VALUES(1,1,'2026-11-14',7,'on track',1794650400000);
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
INSERT INTO "deck" VALUES(1,'demo','Demo','','','','/tmp/v2gen/demo.toml',1794650400000,1794650400000);
CREATE TABLE entrygoal (
	entry_id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	PRIMARY KEY (entry_id, goal_id), 
	FOREIGN KEY(entry_id) REFERENCES journalentry (id) ON DELETE CASCADE, 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE
);
INSERT INTO "entrygoal" VALUES(1,1);
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
INSERT INTO "goal" VALUES(1,'Speak German','Chat with colleagues','personal-mastery','2027-03-01','active','every mon, wed, fri','shared',1794650400000,1794650400000,NULL);
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
INSERT INTO "goalprogress" VALUES(1,'2026-11-14',0.25,0.5,0.0,1.0);
CREATE TABLE goalreality (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	text VARCHAR NOT NULL, 
	recorded_at INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE
);
INSERT INTO "goalreality" VALUES(1,1,'I read slowly',1794650400000);
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
INSERT INTO "journalentry" VALUES(1,'e-j7ujgbtotf','2026-11-14','Dative','Learned the dative today',NULL,'german','shared',1794650400000,1794650400000);
INSERT INTO "journalentry" VALUES(2,'e-jpagitsmro','2026-11-14','','Private doubts',NULL,'','private',1794654000000,1794654000000);
CREATE TABLE milestone (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	title VARCHAR NOT NULL, 
	done_at INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE
);
INSERT INTO "milestone" VALUES(1,1,1,'Finish A1',1794650400000);
INSERT INTO "milestone" VALUES(2,1,2,'First chat',NULL);
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
	PRIMARY KEY (id), 
	FOREIGN KEY(card_id) REFERENCES card (id) ON DELETE CASCADE
);
INSERT INTO "reviewlog" VALUES(1,1,3,1794650400000,0,'review',NULL,0,1,NULL,1,NULL,1794651000000,NULL,2.3065,NULL,2.118,NULL,0,0,0,NULL);
INSERT INTO "reviewlog" VALUES(2,1,3,1794651000000,0,'review',NULL,1,2,1,NULL,1794651000000,1794801600000,2.3065,2.3065,2.118,2.111,1794650400000,0,2,0,NULL);
INSERT INTO "reviewlog" VALUES(3,2,1,1794650400000,0,'review',NULL,0,1,NULL,0,NULL,1794650460000,NULL,0.212,NULL,6.413,NULL,0,0,0,NULL);
CREATE TABLE setting (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "setting" VALUES('timezone','"UTC"');
INSERT INTO "setting" VALUES('load_bundled_decks','false');
CREATE INDEX ix_entry_day ON journalentry (day);
CREATE INDEX ix_card_new ON card (suspended, deck_id, position) WHERE state = 0;
CREATE INDEX ix_card_deck ON card (deck_id, suspended, state);
CREATE INDEX ix_card_note ON card (note_key);
CREATE INDEX ix_card_queue ON card (suspended, state, due);
CREATE INDEX ix_checkin_goal ON checkin (goal_id, day);
CREATE INDEX ix_goalreality_goal ON goalreality (goal_id, recorded_at);
CREATE INDEX ix_milestone_goal ON milestone (goal_id, position);
CREATE INDEX ix_revlog_time ON reviewlog (reviewed_at);
CREATE INDEX ix_revlog_card ON reviewlog (card_id, reviewed_at);
COMMIT;
