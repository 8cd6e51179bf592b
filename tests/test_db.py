"""Opening profile databases: schema creation, forward migrations, refusing foreign files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import NOW, ROOT
from mastery import db, models
from mastery.collection import Collection
from mastery.errors import ProfileError

V1_DUMP = ROOT / "tests" / "data" / "profile_v1.sql"
V2_DUMP = ROOT / "tests" / "data" / "profile_v2.sql"
V6_DUMP = ROOT / "tests" / "data" / "profile_v6.sql"
V6_GOALS_DUMP = ROOT / "tests" / "data" / "profile_v6_goals.sql"
MENTOR_TABLES = {"feedbackcomment", "feedbacknote", "mentee", "menteeentry", "mentorcomment"}


def _load(dump: Path, path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(dump.read_text(encoding="utf-8"))
    conn.close()
    return path


def test_schema_version_constants_agree() -> None:
    assert db.SCHEMA_VERSION == models.SCHEMA_VERSION
    assert sorted(db.MIGRATIONS) == list(range(2, db.SCHEMA_VERSION + 1))


def test_checked_in_ddl_is_the_one_generated_from_the_models() -> None:
    """storage/ddl.py creates new profiles; after a change to models.py run
    `python -m mastery.storage.ddl` (then `ruff format`) to write it again."""
    from mastery.storage import ddl

    assert ddl.generate() == ddl.STATEMENTS


def test_a_new_database_has_the_schema_of_the_models(tmp_path: Path) -> None:
    """The same tables, columns, indexes and triggers as SQLModel would create."""
    from sqlmodel import SQLModel

    def schema(conn: sqlite3.Connection) -> list[tuple[str, str]]:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        return sorted((f"{kind} {name}", " ".join(sql.split())) for kind, name, sql in rows)

    database = db.Database.open(tmp_path / "p.db")
    reference = sqlite3.connect(tmp_path / "ref.db")
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'ref.db'}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    for trigger in models.TRIGGERS:
        reference.execute(trigger)
    assert schema(database.conn) == schema(reference)
    database.close()
    reference.close()


def test_new_database_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    database = db.Database.open(tmp_path / "p.db")
    assert database.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.version == db.SCHEMA_VERSION
    database.close()


def test_database_of_the_first_schema_opens_and_keeps_its_data(tmp_path: Path) -> None:
    """A profile written by schema 1 (a dump kept in tests/data) opens with today's code."""
    path = _load(V1_DUMP, tmp_path / "old.db")
    with Collection.open_path(path) as col:
        assert col.db.version == db.SCHEMA_VERSION
        info = col.card_info("demo/one", now=NOW)
        assert info.history, "review history of the old profile is kept"
        card = col.next_card(now=NOW)
        assert card is not None
        col.answer(card.id, 3, now=NOW)
        tables = {r[0] for r in col.conn.execute("SELECT name FROM sqlite_master")}
        assert {"goal", "milestone", "checkin", "journalentry", "entrygoal"} <= tables
        assert tables >= MENTOR_TABLES


def test_database_of_the_second_schema_opens_and_keeps_its_data(tmp_path: Path) -> None:
    """A profile written by schema 2 (goals and journal) opens with today's code, keeps its
    deck, answers, goal and entries, and gains the mentor tables, empty."""
    path = _load(V2_DUMP, tmp_path / "v2.db")
    with Collection.open_path(path) as col:
        assert col.db.version == db.SCHEMA_VERSION
        assert len(col.card_info("demo/one", now=NOW).history) == 2
        goal = col.goals.get("Speak German", now=NOW)
        assert (goal.visibility, goal.reality) == ("shared", "I read slowly")
        assert [(m.title, m.done) for m in goal.milestones] == [
            ("Finish A1", True),
            ("First chat", False),
        ]
        assert [c.confidence for c in goal.check_ins] == [7]
        entries = {e.title: e for e in col.journal.list()}
        assert entries["Dative"].visibility == "shared"
        assert entries["Dative"].goal_ids == (goal.id,)
        assert len(entries) == 2
        tables = {r[0] for r in col.conn.execute("SELECT name FROM sqlite_master")}
        assert tables >= MENTOR_TABLES
        for table in MENTOR_TABLES:
            assert col.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
        # The new tables work: the mentee side reads its (empty) feedback.
        assert col.mentor.comments_for_entry(entries["Dative"].uid) == []
        assert col.mentor.mentees() == []


def test_goals_of_the_sixth_schema_get_their_mentor_names_as_uids(tmp_path: Path) -> None:
    """Schema 10 gives every goal a uid that sync and mentor files share: an existing goal's is
    `g-<id>`, the name mentor files already used, so comments received on it still find it;
    a new goal's is random, and links survive."""
    path = _load(V6_GOALS_DUMP, tmp_path / "v6.db")
    with Collection.open_path(path) as col:
        assert col.db.version == db.SCHEMA_VERSION
        goals = {g.title: g for g in col.goals.list("all", now=NOW)}
        assert (goals["Speak German"].uid, goals["Run"].uid) == ("g-1", "g-3")
        assert [c.body for c in col.mentor.comments_for_goal(3)] == ["Keep running"]
        assert [c.body for c in col.mentor.comments_for_goal("g-3")] == ["Keep running"]
        entry = col.journal.get("e-olddative")
        assert entry.goals == ("Speak German",) and entry.conflict_of is None
        assert [d.key for d in col.goals.get("g-1", now=NOW).decks] == ["demo"]
        new = col.goals.add("Swim", now=NOW)
        assert new.uid.startswith("g-") and len(new.uid) == 18 and new.conflict_of is None
        assert col.conn.execute("SELECT count(*) FROM syncrevision").fetchone()[0] == 0


@pytest.mark.parametrize(
    "dump",
    [V1_DUMP, V2_DUMP, V6_DUMP, V6_GOALS_DUMP],
    ids=["from-v1", "from-v2", "from-v6", "from-v6-goals"],
)
def test_migrated_schema_equals_a_new_one(tmp_path: Path, dump: Path) -> None:
    """Migrating an older schema forward gives exactly the tables and indices a new profile
    gets."""
    old = _load(dump, tmp_path / "old.db")
    migrated = db.Database.open(old)
    fresh = db.Database.open(tmp_path / "new.db")

    def schema(d: db.Database) -> set[tuple[str, str]]:
        return {
            (name, " ".join(sql.split()))
            for name, sql in d.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"
            )
        }

    assert schema(migrated) == schema(fresh)
    migrated.close()
    fresh.close()


def test_newer_schema_is_refused_with_upgrade_message(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={db.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ProfileError, match="upgrade"):
        db.Database.open(path)


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE x (y)")
    conn.commit()
    conn.close()
    with pytest.raises(ProfileError, match="not a Mastery profile"):
        db.Database.open(path)


def test_garbage_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(ProfileError):
        db.Database.open(path)


def test_failed_write_rolls_back(tmp_path: Path) -> None:
    database = db.Database.open(tmp_path / "p.db")
    with pytest.raises(RuntimeError), database.transaction() as conn:
        conn.execute("INSERT INTO setting(key, value) VALUES ('a', '1')")
        raise RuntimeError("disk full")
    assert database.conn.execute("SELECT count(*) FROM setting").fetchone()[0] == 0
    database.close()
