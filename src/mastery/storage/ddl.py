# ruff: noqa: E501 (generated SQL, one statement a line)
"""The profile schema as SQL, generated from `models.py` and checked in.

A new profile is created from these statements, so its first run never imports SQLModel and
SQLAlchemy (a quarter of a second). `models.py` stays the one declaration of the schema:
`python -m mastery.storage.ddl` writes the statements again from it, and
tests/test_db.py fails while the two differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The statements of `generate()`, in order: tables (each followed by its indexes), then the
# triggers. Written by `python -m mastery.storage.ddl`; never edit by hand.
STATEMENTS: tuple[str, ...] = (
    "CREATE TABLE cardcount (\n\tdeck_id INTEGER NOT NULL, \n\tsuspended INTEGER NOT NULL, \n\tstate INTEGER NOT NULL, \n\tstability_class INTEGER NOT NULL, \n\tcards INTEGER NOT NULL, \n\tPRIMARY KEY (deck_id, suspended, state, stability_class)\n)\n WITHOUT ROWID",
    'CREATE TABLE deck (\n\tid INTEGER NOT NULL, \n\t"key" VARCHAR NOT NULL, \n\tname VARCHAR NOT NULL, \n\tdescription VARCHAR NOT NULL, \n\tversion VARCHAR NOT NULL, \n\ttags VARCHAR NOT NULL, \n\tsource VARCHAR NOT NULL, \n\tcreated_at INTEGER NOT NULL, \n\tupdated_at INTEGER NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE ("key")\n)',
    "CREATE TABLE feedbackcomment (\n\tid INTEGER NOT NULL, \n\tcomment_uid VARCHAR NOT NULL, \n\tmentor_id VARCHAR NOT NULL, \n\tmentor_name VARCHAR NOT NULL, \n\ttarget_kind VARCHAR NOT NULL, \n\ttarget_uid VARCHAR NOT NULL, \n\tbody VARCHAR NOT NULL, \n\tcreated_at INTEGER NOT NULL, \n\tupdated_at INTEGER NOT NULL, \n\treceived_at INTEGER NOT NULL, \n\tread_at INTEGER, \n\tPRIMARY KEY (id), \n\tUNIQUE (comment_uid)\n)",
    "CREATE INDEX ix_feedbackcomment_target ON feedbackcomment (target_kind, target_uid)",
    "CREATE TABLE feedbacknote (\n\tid INTEGER NOT NULL, \n\tnote_uid VARCHAR NOT NULL, \n\tmentor_id VARCHAR NOT NULL, \n\tmentor_name VARCHAR NOT NULL, \n\tbody VARCHAR NOT NULL, \n\tcreated_at INTEGER NOT NULL, \n\treceived_at INTEGER NOT NULL, \n\tread_at INTEGER, \n\tPRIMARY KEY (id), \n\tUNIQUE (note_uid)\n)",
    "CREATE TABLE goal (\n\tid INTEGER NOT NULL, \n\ttitle VARCHAR NOT NULL, \n\tvision VARCHAR NOT NULL, \n\tcategory VARCHAR NOT NULL, \n\ttarget_date VARCHAR, \n\tstatus VARCHAR NOT NULL, \n\tcadence VARCHAR, \n\tvisibility VARCHAR NOT NULL, \n\tcreated_at INTEGER NOT NULL, \n\tupdated_at INTEGER NOT NULL, \n\tclosed_at INTEGER, \n\tuid VARCHAR DEFAULT '' NOT NULL, \n\tconflict_of VARCHAR, \n\tPRIMARY KEY (id)\n)",
    "CREATE UNIQUE INDEX ix_goal_uid ON goal (uid)",
    "CREATE TABLE journalentry (\n\tid INTEGER NOT NULL, \n\tuid VARCHAR NOT NULL, \n\tday VARCHAR NOT NULL, \n\ttitle VARCHAR NOT NULL, \n\tbody VARCHAR NOT NULL, \n\tprompt VARCHAR, \n\ttags VARCHAR NOT NULL, \n\tvisibility VARCHAR NOT NULL, \n\tcreated_at INTEGER NOT NULL, \n\tupdated_at INTEGER NOT NULL, \n\tconflict_of VARCHAR, \n\tPRIMARY KEY (id), \n\tUNIQUE (uid)\n)",
    "CREATE INDEX ix_entry_day ON journalentry (day)",
    "CREATE TABLE mentee (\n\tid INTEGER NOT NULL, \n\tpairing_id VARCHAR NOT NULL, \n\tdisplay_name VARCHAR NOT NULL, \n\tbundle_created_at INTEGER NOT NULL, \n\tsummary_json VARCHAR NOT NULL, \n\tgoals_json VARCHAR NOT NULL, \n\tadded_at INTEGER NOT NULL, \n\tupdated_at INTEGER NOT NULL, \n\tnote VARCHAR NOT NULL, \n\tnote_uid VARCHAR, \n\tnote_updated_at INTEGER, \n\tPRIMARY KEY (id), \n\tUNIQUE (pairing_id)\n)",
    "CREATE TABLE preset (\n\tid INTEGER NOT NULL, \n\tname VARCHAR NOT NULL, \n\tconfig VARCHAR NOT NULL, \n\tcreated_at INTEGER NOT NULL, \n\tupdated_at INTEGER NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (name)\n)",
    "CREATE TABLE reviewhour (\n\thour INTEGER NOT NULL, \n\tdeck_id INTEGER NOT NULL, \n\treviews INTEGER NOT NULL, \n\tduration_ms INTEGER NOT NULL, \n\tlearning INTEGER NOT NULL, \n\trelearning INTEGER NOT NULL, \n\tmature INTEGER NOT NULL, \n\tscheduled INTEGER NOT NULL, \n\tpassed INTEGER NOT NULL, \n\tagain INTEGER NOT NULL, \n\tPRIMARY KEY (hour, deck_id)\n)\n WITHOUT ROWID",
    "CREATE INDEX ix_reviewhour_deck ON reviewhour (deck_id, hour, passed, again)",
    'CREATE TABLE setting (\n\t"key" VARCHAR NOT NULL, \n\tvalue VARCHAR NOT NULL, \n\tPRIMARY KEY ("key")\n)',
    "CREATE TABLE synccard (\n\tcard_id INTEGER NOT NULL, \n\tsuspended INTEGER NOT NULL, \n\tburied_until INTEGER, \n\tat INTEGER NOT NULL, \n\tdevice VARCHAR NOT NULL, \n\tPRIMARY KEY (card_id)\n)",
    "CREATE TABLE synccontent (\n\tcard_id INTEGER NOT NULL, \n\thash INTEGER NOT NULL, \n\tat INTEGER NOT NULL, \n\tdevice VARCHAR NOT NULL, \n\tPRIMARY KEY (card_id)\n)",
    "CREATE TABLE syncdeck (\n\tdeck_id INTEGER NOT NULL, \n\thash INTEGER NOT NULL, \n\tat INTEGER NOT NULL, \n\tdevice VARCHAR NOT NULL, \n\tPRIMARY KEY (deck_id)\n)",
    "CREATE TABLE syncevent (\n\tevent_id VARCHAR NOT NULL, \n\tlog_id INTEGER, \n\tdevice VARCHAR NOT NULL, \n\tat INTEGER NOT NULL, \n\tundone INTEGER NOT NULL, \n\tpending VARCHAR, \n\tPRIMARY KEY (event_id)\n)",
    "CREATE INDEX ix_syncevent_log ON syncevent (log_id)",
    "CREATE INDEX ix_syncevent_pending ON syncevent (device) WHERE pending IS NOT NULL",
    'CREATE TABLE syncitem (\n\tkind VARCHAR NOT NULL, \n\t"key" VARCHAR NOT NULL, \n\tvalue VARCHAR, \n\tat INTEGER NOT NULL, \n\tdevice VARCHAR NOT NULL, \n\tlocal VARCHAR, \n\tapplied INTEGER NOT NULL, \n\tPRIMARY KEY (kind, "key")\n)',
    "CREATE TABLE syncpart (\n\tid VARCHAR NOT NULL, \n\tgoal_uid VARCHAR NOT NULL, \n\tdevice VARCHAR NOT NULL, \n\tpayload VARCHAR NOT NULL, \n\tPRIMARY KEY (id)\n)",
    "CREATE INDEX ix_syncpart_goal ON syncpart (goal_uid)",
    "CREATE TABLE syncpending (\n\tid INTEGER NOT NULL, \n\tkind VARCHAR NOT NULL, \n\tdeck VARCHAR NOT NULL, \n\tcard VARCHAR NOT NULL, \n\tdevice VARCHAR NOT NULL, \n\tevent VARCHAR NOT NULL, \n\tPRIMARY KEY (id)\n)",
    "CREATE INDEX ix_syncpending_card ON syncpending (deck, card)",
    "CREATE TABLE syncrevision (\n\tkind VARCHAR NOT NULL, \n\tuid VARCHAR NOT NULL, \n\tdevice VARCHAR NOT NULL, \n\tstamp INTEGER NOT NULL, \n\tseen VARCHAR NOT NULL, \n\tpayload VARCHAR, \n\tPRIMARY KEY (kind, uid, device)\n)",
    'CREATE TABLE card (\n\tid INTEGER NOT NULL, \n\tdeck_id INTEGER NOT NULL, \n\t"key" VARCHAR NOT NULL, \n\tnote_key VARCHAR NOT NULL, \n\tfront VARCHAR NOT NULL, \n\tback VARCHAR NOT NULL, \n\ttags VARCHAR NOT NULL, \n\tposition INTEGER NOT NULL, \n\tstate INTEGER NOT NULL, \n\tstep INTEGER, \n\tstability FLOAT, \n\tdifficulty FLOAT, \n\tdue INTEGER, \n\tlast_review INTEGER, \n\treps INTEGER NOT NULL, \n\tlapses INTEGER NOT NULL, \n\tsuspended INTEGER NOT NULL, \n\tburied_until INTEGER, \n\tin_deck INTEGER NOT NULL, \n\tcreated_at INTEGER NOT NULL, \n\tupdated_at INTEGER NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (deck_id, "key"), \n\tFOREIGN KEY(deck_id) REFERENCES deck (id) ON DELETE CASCADE\n)',
    "CREATE INDEX ix_card_deck ON card (deck_id, suspended, state, buried_until)",
    "CREATE INDEX ix_card_new ON card (suspended, deck_id, position) WHERE state = 0",
    "CREATE INDEX ix_card_note ON card (note_key)",
    "CREATE INDEX ix_card_queue ON card (suspended, state, due, buried_until, deck_id, last_review, stability)",
    "CREATE TABLE checkin (\n\tid INTEGER NOT NULL, \n\tgoal_id INTEGER NOT NULL, \n\tday VARCHAR NOT NULL, \n\tconfidence INTEGER NOT NULL, \n\tnote VARCHAR NOT NULL, \n\trecorded_at INTEGER NOT NULL, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_checkin_goal ON checkin (goal_id, day)",
    "CREATE TABLE deckpreset (\n\tdeck_id INTEGER NOT NULL, \n\tpreset_id INTEGER NOT NULL, \n\tPRIMARY KEY (deck_id), \n\tFOREIGN KEY(deck_id) REFERENCES deck (id) ON DELETE CASCADE, \n\tFOREIGN KEY(preset_id) REFERENCES preset (id) ON DELETE CASCADE\n)",
    "CREATE TABLE entrygoal (\n\tentry_id INTEGER NOT NULL, \n\tgoal_id INTEGER NOT NULL, \n\tPRIMARY KEY (entry_id, goal_id), \n\tFOREIGN KEY(entry_id) REFERENCES journalentry (id) ON DELETE CASCADE, \n\tFOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE\n)",
    "CREATE TABLE goaldeck (\n\tgoal_id INTEGER NOT NULL, \n\tdeck_id INTEGER NOT NULL, \n\tPRIMARY KEY (goal_id, deck_id), \n\tFOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE, \n\tFOREIGN KEY(deck_id) REFERENCES deck (id) ON DELETE CASCADE\n)",
    "CREATE TABLE goalprogress (\n\tgoal_id INTEGER NOT NULL, \n\tday VARCHAR NOT NULL, \n\tprogress FLOAT NOT NULL, \n\tmilestones FLOAT, \n\tmastery FLOAT, \n\tretrievability FLOAT, \n\tPRIMARY KEY (goal_id, day), \n\tFOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE\n)",
    "CREATE TABLE goalreality (\n\tid INTEGER NOT NULL, \n\tgoal_id INTEGER NOT NULL, \n\ttext VARCHAR NOT NULL, \n\trecorded_at INTEGER NOT NULL, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_goalreality_goal ON goalreality (goal_id, recorded_at)",
    "CREATE TABLE menteeentry (\n\tid INTEGER NOT NULL, \n\tmentee_id INTEGER NOT NULL, \n\tuid VARCHAR NOT NULL, \n\tday VARCHAR NOT NULL, \n\ttitle VARCHAR NOT NULL, \n\tbody VARCHAR NOT NULL, \n\ttags VARCHAR NOT NULL, \n\tprompt VARCHAR, \n\tgoal_ids VARCHAR NOT NULL, \n\treceived_at INTEGER NOT NULL, \n\tchanged_at INTEGER NOT NULL, \n\tread_at INTEGER, \n\tPRIMARY KEY (id), \n\tUNIQUE (mentee_id, uid), \n\tFOREIGN KEY(mentee_id) REFERENCES mentee (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_menteeentry_day ON menteeentry (mentee_id, day)",
    "CREATE TABLE mentorcomment (\n\tid INTEGER NOT NULL, \n\tcomment_uid VARCHAR NOT NULL, \n\tmentee_id INTEGER NOT NULL, \n\ttarget_kind VARCHAR NOT NULL, \n\ttarget_uid VARCHAR NOT NULL, \n\tbody VARCHAR NOT NULL, \n\tcreated_at INTEGER NOT NULL, \n\tupdated_at INTEGER NOT NULL, \n\tdeleted_at INTEGER, \n\tPRIMARY KEY (id), \n\tUNIQUE (comment_uid), \n\tFOREIGN KEY(mentee_id) REFERENCES mentee (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_mentorcomment_target ON mentorcomment (mentee_id, target_kind, target_uid)",
    "CREATE TABLE milestone (\n\tid INTEGER NOT NULL, \n\tgoal_id INTEGER NOT NULL, \n\tposition INTEGER NOT NULL, \n\ttitle VARCHAR NOT NULL, \n\tdone_at INTEGER, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(goal_id) REFERENCES goal (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_milestone_goal ON milestone (goal_id, position)",
    "CREATE TABLE reviewlog (\n\tid INTEGER NOT NULL, \n\tcard_id INTEGER NOT NULL, \n\trating INTEGER NOT NULL, \n\treviewed_at INTEGER NOT NULL, \n\tduration_ms INTEGER NOT NULL, \n\tkind VARCHAR NOT NULL, \n\tconfidence INTEGER, \n\tstate_before INTEGER NOT NULL, \n\tstate_after INTEGER NOT NULL, \n\tstep_before INTEGER, \n\tstep_after INTEGER, \n\tdue_before INTEGER, \n\tdue_after INTEGER NOT NULL, \n\tstability_before FLOAT, \n\tstability_after FLOAT NOT NULL, \n\tdifficulty_before FLOAT, \n\tdifficulty_after FLOAT NOT NULL, \n\tlast_review_before INTEGER, \n\telapsed_days INTEGER NOT NULL, \n\tscheduled_days INTEGER NOT NULL, \n\tsuspended_before INTEGER NOT NULL, \n\ttags_before VARCHAR, \n\tdeck_id INTEGER, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(card_id) REFERENCES card (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_revlog_card ON reviewlog (card_id, reviewed_at)",
    "CREATE INDEX ix_revlog_deck ON reviewlog (deck_id, kind, state_before, rating, reviewed_at)",
    "CREATE INDEX ix_revlog_time ON reviewlog (reviewed_at, deck_id, kind, state_before, stability_before, duration_ms)",
    "CREATE TRIGGER tr_reviewlog_deck AFTER INSERT ON reviewlog WHEN NEW.deck_id IS NULL BEGIN UPDATE reviewlog SET deck_id = (SELECT deck_id FROM card WHERE card.id = NEW.card_id) WHERE id = NEW.id; END",
    "CREATE TRIGGER tr_reviewhour_insert AFTER INSERT ON reviewlog WHEN NEW.deck_id IS NOT NULL BEGIN INSERT INTO reviewhour (hour, deck_id, reviews, duration_ms, learning, relearning, mature, scheduled, passed, again) VALUES ((NEW.reviewed_at - (NEW.reviewed_at < 0) * 3599999) / 3600000, NEW.deck_id, (1), (NEW.duration_ms), (NEW.state_before IN (0, 1)), (NEW.state_before = 3), (coalesce(NEW.state_before NOT IN (0, 1, 3) AND NEW.stability_before >= 21.0, 0)), (NEW.kind = 'review'), (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating IN (2, 3, 4)), (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating = 1)) ON CONFLICT (hour, deck_id) DO UPDATE SET reviews = reviews + excluded.reviews, duration_ms = duration_ms + excluded.duration_ms, learning = learning + excluded.learning, relearning = relearning + excluded.relearning, mature = mature + excluded.mature, scheduled = scheduled + excluded.scheduled, passed = passed + excluded.passed, again = again + excluded.again; END",
    "CREATE TRIGGER tr_reviewhour_delete AFTER DELETE ON reviewlog WHEN OLD.deck_id IS NOT NULL BEGIN INSERT INTO reviewhour (hour, deck_id, reviews, duration_ms, learning, relearning, mature, scheduled, passed, again) VALUES ((OLD.reviewed_at - (OLD.reviewed_at < 0) * 3599999) / 3600000, OLD.deck_id, -(1), -(OLD.duration_ms), -(OLD.state_before IN (0, 1)), -(OLD.state_before = 3), -(coalesce(OLD.state_before NOT IN (0, 1, 3) AND OLD.stability_before >= 21.0, 0)), -(OLD.kind = 'review'), -(OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating IN (2, 3, 4)), -(OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating = 1)) ON CONFLICT (hour, deck_id) DO UPDATE SET reviews = reviews + excluded.reviews, duration_ms = duration_ms + excluded.duration_ms, learning = learning + excluded.learning, relearning = relearning + excluded.relearning, mature = mature + excluded.mature, scheduled = scheduled + excluded.scheduled, passed = passed + excluded.passed, again = again + excluded.again; END",
    "CREATE TRIGGER tr_reviewhour_update AFTER UPDATE OF reviewed_at, duration_ms, kind, state_before, stability_before, rating, deck_id ON reviewlog WHEN ((OLD.reviewed_at - (OLD.reviewed_at < 0) * 3599999) / 3600000) IS NOT ((NEW.reviewed_at - (NEW.reviewed_at < 0) * 3599999) / 3600000) OR (OLD.deck_id) IS NOT (NEW.deck_id) OR (1) IS NOT (1) OR (OLD.duration_ms) IS NOT (NEW.duration_ms) OR (OLD.state_before IN (0, 1)) IS NOT (NEW.state_before IN (0, 1)) OR (OLD.state_before = 3) IS NOT (NEW.state_before = 3) OR (coalesce(OLD.state_before NOT IN (0, 1, 3) AND OLD.stability_before >= 21.0, 0)) IS NOT (coalesce(NEW.state_before NOT IN (0, 1, 3) AND NEW.stability_before >= 21.0, 0)) OR (OLD.kind = 'review') IS NOT (NEW.kind = 'review') OR (OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating IN (2, 3, 4)) IS NOT (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating IN (2, 3, 4)) OR (OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating = 1) IS NOT (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating = 1) BEGIN INSERT INTO reviewhour (hour, deck_id, reviews, duration_ms, learning, relearning, mature, scheduled, passed, again) SELECT (OLD.reviewed_at - (OLD.reviewed_at < 0) * 3599999) / 3600000, OLD.deck_id, -(1), -(OLD.duration_ms), -(OLD.state_before IN (0, 1)), -(OLD.state_before = 3), -(coalesce(OLD.state_before NOT IN (0, 1, 3) AND OLD.stability_before >= 21.0, 0)), -(OLD.kind = 'review'), -(OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating IN (2, 3, 4)), -(OLD.kind = 'review' AND OLD.state_before = 2 AND OLD.rating = 1) WHERE OLD.deck_id IS NOT NULL ON CONFLICT (hour, deck_id) DO UPDATE SET reviews = reviews + excluded.reviews, duration_ms = duration_ms + excluded.duration_ms, learning = learning + excluded.learning, relearning = relearning + excluded.relearning, mature = mature + excluded.mature, scheduled = scheduled + excluded.scheduled, passed = passed + excluded.passed, again = again + excluded.again; INSERT INTO reviewhour (hour, deck_id, reviews, duration_ms, learning, relearning, mature, scheduled, passed, again) SELECT (NEW.reviewed_at - (NEW.reviewed_at < 0) * 3599999) / 3600000, NEW.deck_id, (1), (NEW.duration_ms), (NEW.state_before IN (0, 1)), (NEW.state_before = 3), (coalesce(NEW.state_before NOT IN (0, 1, 3) AND NEW.stability_before >= 21.0, 0)), (NEW.kind = 'review'), (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating IN (2, 3, 4)), (NEW.kind = 'review' AND NEW.state_before = 2 AND NEW.rating = 1) WHERE NEW.deck_id IS NOT NULL ON CONFLICT (hour, deck_id) DO UPDATE SET reviews = reviews + excluded.reviews, duration_ms = duration_ms + excluded.duration_ms, learning = learning + excluded.learning, relearning = relearning + excluded.relearning, mature = mature + excluded.mature, scheduled = scheduled + excluded.scheduled, passed = passed + excluded.passed, again = again + excluded.again; END",
    "CREATE TRIGGER tr_cardcount_insert AFTER INSERT ON card BEGIN INSERT INTO cardcount (deck_id, suspended, state, stability_class, cards) VALUES (NEW.deck_id, NEW.suspended != 0, NEW.state, CASE WHEN NEW.stability > 0 THEN CASE WHEN NEW.stability < 1 THEN 0 WHEN NEW.stability < 3 THEN 1 WHEN NEW.stability < 7 THEN 2 WHEN NEW.stability < 14 THEN 3 WHEN NEW.stability < 21.0 THEN 4 WHEN NEW.stability < 30 THEN 5 WHEN NEW.stability < 90 THEN 6 WHEN NEW.stability < 180 THEN 7 WHEN NEW.stability < 365 THEN 8 ELSE 9 END ELSE -1 END, 1) ON CONFLICT (deck_id, suspended, state, stability_class) DO UPDATE SET cards = cards + excluded.cards; END",
    "CREATE TRIGGER tr_cardcount_delete AFTER DELETE ON card BEGIN INSERT INTO cardcount (deck_id, suspended, state, stability_class, cards) VALUES (OLD.deck_id, OLD.suspended != 0, OLD.state, CASE WHEN OLD.stability > 0 THEN CASE WHEN OLD.stability < 1 THEN 0 WHEN OLD.stability < 3 THEN 1 WHEN OLD.stability < 7 THEN 2 WHEN OLD.stability < 14 THEN 3 WHEN OLD.stability < 21.0 THEN 4 WHEN OLD.stability < 30 THEN 5 WHEN OLD.stability < 90 THEN 6 WHEN OLD.stability < 180 THEN 7 WHEN OLD.stability < 365 THEN 8 ELSE 9 END ELSE -1 END, -1) ON CONFLICT (deck_id, suspended, state, stability_class) DO UPDATE SET cards = cards + excluded.cards; END",
    "CREATE TRIGGER tr_cardcount_update AFTER UPDATE OF deck_id, suspended, state, stability ON card WHEN (OLD.deck_id) IS NOT (NEW.deck_id) OR (OLD.suspended != 0) IS NOT (NEW.suspended != 0) OR (OLD.state) IS NOT (NEW.state) OR (CASE WHEN OLD.stability > 0 THEN CASE WHEN OLD.stability < 1 THEN 0 WHEN OLD.stability < 3 THEN 1 WHEN OLD.stability < 7 THEN 2 WHEN OLD.stability < 14 THEN 3 WHEN OLD.stability < 21.0 THEN 4 WHEN OLD.stability < 30 THEN 5 WHEN OLD.stability < 90 THEN 6 WHEN OLD.stability < 180 THEN 7 WHEN OLD.stability < 365 THEN 8 ELSE 9 END ELSE -1 END) IS NOT (CASE WHEN NEW.stability > 0 THEN CASE WHEN NEW.stability < 1 THEN 0 WHEN NEW.stability < 3 THEN 1 WHEN NEW.stability < 7 THEN 2 WHEN NEW.stability < 14 THEN 3 WHEN NEW.stability < 21.0 THEN 4 WHEN NEW.stability < 30 THEN 5 WHEN NEW.stability < 90 THEN 6 WHEN NEW.stability < 180 THEN 7 WHEN NEW.stability < 365 THEN 8 ELSE 9 END ELSE -1 END) BEGIN INSERT INTO cardcount (deck_id, suspended, state, stability_class, cards) VALUES (OLD.deck_id, OLD.suspended != 0, OLD.state, CASE WHEN OLD.stability > 0 THEN CASE WHEN OLD.stability < 1 THEN 0 WHEN OLD.stability < 3 THEN 1 WHEN OLD.stability < 7 THEN 2 WHEN OLD.stability < 14 THEN 3 WHEN OLD.stability < 21.0 THEN 4 WHEN OLD.stability < 30 THEN 5 WHEN OLD.stability < 90 THEN 6 WHEN OLD.stability < 180 THEN 7 WHEN OLD.stability < 365 THEN 8 ELSE 9 END ELSE -1 END, -1) ON CONFLICT (deck_id, suspended, state, stability_class) DO UPDATE SET cards = cards + excluded.cards; INSERT INTO cardcount (deck_id, suspended, state, stability_class, cards) VALUES (NEW.deck_id, NEW.suspended != 0, NEW.state, CASE WHEN NEW.stability > 0 THEN CASE WHEN NEW.stability < 1 THEN 0 WHEN NEW.stability < 3 THEN 1 WHEN NEW.stability < 7 THEN 2 WHEN NEW.stability < 14 THEN 3 WHEN NEW.stability < 21.0 THEN 4 WHEN NEW.stability < 30 THEN 5 WHEN NEW.stability < 90 THEN 6 WHEN NEW.stability < 180 THEN 7 WHEN NEW.stability < 365 THEN 8 ELSE 9 END ELSE -1 END, 1) ON CONFLICT (deck_id, suspended, state, stability_class) DO UPDATE SET cards = cards + excluded.cards; END",
)


def generate() -> tuple[str, ...]:
    """Every table, index and trigger declared in models.py, as SQLite DDL."""
    from sqlalchemy.dialects import sqlite as sqlite_dialect
    from sqlalchemy.schema import CreateIndex, CreateTable

    from mastery import models

    dialect = sqlite_dialect.dialect()
    statements: list[str] = []
    for table in models.SQLModel.metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        statements += [
            str(CreateIndex(index).compile(dialect=dialect)).strip()
            for index in sorted(table.indexes, key=lambda index: str(index.name))
        ]
    statements += models.TRIGGERS
    return tuple(statements)


def write(path: Path = Path(__file__)) -> None:
    """Put `generate()`'s statements in place of `STATEMENTS` in this file."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("STATEMENTS: tuple[str, ...] = (")
    _, _, tail = rest.partition("\n)\n") if rest.startswith("\n") else rest.partition(")\n")
    body = "".join(f"    {statement!r},\n" for statement in generate())
    path.write_text(f"{head}STATEMENTS: tuple[str, ...] = (\n{body})\n{tail}", encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"wrote {len(generate())} statements to {__file__}", file=sys.stderr)
