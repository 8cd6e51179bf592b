-- A profile written by schema version 1 (Mastery 0.1.0); opened by tests/test_db.py.
PRAGMA user_version=1;
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
INSERT INTO "card" VALUES(1,1,'one','demo/one','One?','1','',0,2,NULL,2.3065,2.111,1791000000000,1790845800000,2,0,0,NULL,1,1790845200000,1790845800000);
INSERT INTO "card" VALUES(2,1,'two','demo/two','Two?','2','',1,1,0,0.212,6.413,1790845260000,1790845200000,1,0,0,NULL,1,1790845200000,1790845200000);
INSERT INTO "card" VALUES(3,1,'cz::c1','demo/cz','[...] is in France','**Paris** is in France','',2,0,NULL,NULL,NULL,NULL,NULL,0,0,0,NULL,1,1790845200000,1790845200000);
INSERT INTO "card" VALUES(4,1,'cz::c2','demo/cz','Paris is in [...]','Paris is in **France**','',3,0,NULL,NULL,NULL,NULL,NULL,0,0,0,NULL,1,1790845200000,1790845200000);
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
INSERT INTO "deck" VALUES(1,'demo','Demo','','','','/tmp/v1/demo.toml',1790845200000,1790845200000);
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
INSERT INTO "reviewlog" VALUES(1,1,3,1790845200000,0,'review',NULL,0,1,NULL,1,NULL,1790845800000,NULL,2.3065,NULL,2.118,NULL,0,0,0,NULL);
INSERT INTO "reviewlog" VALUES(2,1,3,1790845800000,0,'review',NULL,1,2,1,NULL,1790845800000,1791000000000,2.3065,2.3065,2.118,2.111,1790845200000,0,2,0,NULL);
INSERT INTO "reviewlog" VALUES(3,2,1,1790845200000,0,'review',NULL,0,1,NULL,0,NULL,1790845260000,NULL,0.212,NULL,6.413,NULL,0,0,0,NULL);
CREATE TABLE setting (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "setting" VALUES('timezone','"UTC"');
INSERT INTO "setting" VALUES('load_bundled_decks','false');
CREATE INDEX ix_card_queue ON card (suspended, state, due);
CREATE INDEX ix_card_deck ON card (deck_id, suspended, state);
CREATE INDEX ix_card_new ON card (suspended, deck_id, position) WHERE state = 0;
CREATE INDEX ix_card_note ON card (note_key);
CREATE INDEX ix_revlog_card ON reviewlog (card_id, reviewed_at);
CREATE INDEX ix_revlog_time ON reviewlog (reviewed_at);
COMMIT;
