"""Mentors: bundles out, feedback in, the mentor's copy, privacy and refused files.

Two profiles in one MASTERY_HOME play the two people: `mentee` shares, `mentor` answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from mentor_files import open_doc, pair, payload, reseal, seal_doc

from conftest import NOW
from mastery.collection import Collection
from mastery.days import FixedTime, to_ms
from mastery.errors import BundleError, ConflictError, MasteryError, NotFoundError
from mastery.mentor.formats import FORMAT_VERSION

DAY = timedelta(days=1)
AGAIN, GOOD, EASY = 1, 3, 4
# Canaries: private text that must never reach a file. Non-ASCII, so escaped JSON differs.
CANARY_ENTRY = "CANARY-PRIVATE-ENTRY-7f3a-ü"
CANARY_GOAL = "CANARY-PRIVATE-GOAL-9b1c-é"
CANARY_CHECKIN = "CANARY-CHECKIN-NOTE-51aa"
CANARY_CARD_CHOSEN = "CANARY-CARD-CHOSEN-4d2e-ß"
CANARY_CARD_OTHER = "CANARY-CARD-OTHER-8c0f-ø"
CANARIES = (
    CANARY_ENTRY,
    CANARY_GOAL,
    CANARY_CHECKIN,
    CANARY_CARD_CHOSEN,
    CANARY_CARD_OTHER,
    "Hidden deck",
)


def forms(secret: str) -> list[bytes]:
    """Every way a secret could sit in a JSON file: raw UTF-8, JSON-escaped (ASCII and not),
    and its ASCII stem (which any escaping leaves readable)."""
    stem = secret.encode("ascii", "ignore").decode().rstrip("-")
    return [
        secret.encode("utf-8"),
        json.dumps(secret)[1:-1].encode("ascii"),
        json.dumps(secret, ensure_ascii=False)[1:-1].encode("utf-8"),
        stem.encode("ascii"),
    ]


def assert_no_private_bytes(data: bytes, *extra: str) -> None:
    for secret in (*CANARIES, *extra):
        for form in forms(secret):
            assert form not in data, f"{form!r} leaked"


def snapshot(col: Collection) -> list[str]:
    """The whole database as SQL: equal snapshots mean nothing changed."""
    return list(col.conn.iterdump())


@pytest.fixture
def profiles(mastery_home: Path) -> Iterator[tuple[Collection, Collection]]:
    opened = []
    for name in ("mentee", "mentor"):
        c = Collection.open(name, bundled=False, now=NOW)
        c.set_setting("timezone", "UTC")
        opened.append(c)
    pair(opened[0], opened[1])  # invitations exchanged: Ana is Bo's mentee
    yield opened[0], opened[1]
    for c in opened:
        c.close()


@dataclass
class Seeded:
    goal: int  # shared
    private_goal: int
    dative: str  # shared entry, today, linked to both goals
    reading: str  # shared entry, 10 days ago
    private: str  # private entry with canaries
    goal_uid: str  # the shared goal's uid: how mentor files name it
    private_goal_uid: str


def deck(key: str, name: str, fronts: list[str]) -> str:
    cards = "".join(
        f'[[cards]]\nid = "c{i}"\nfront = "{front}"\nback = "back {front}"\n'
        for i, front in enumerate(fronts, 1)
    )
    return f'id = "{key}"\nname = "{name}"\n\n{cards}'


def seed(col: Collection, write_deck: Callable[..., Path]) -> Seeded:
    col.import_files(
        [
            write_deck(
                deck("german", "German", ["Der Hund", "Die Katze", CANARY_CARD_CHOSEN, "Das Haus"]),
                "german.toml",
            ),
            write_deck(deck("hidden", "Hidden deck", [CANARY_CARD_OTHER]), "hidden.toml"),
        ],
        now=NOW - 40 * DAY,
    )
    cards = [c.id for c in col.deck_cards("german")]
    col.answer(cards[3], EASY, now=NOW - 40 * DAY)  # outside the 30 days
    col.answer(cards[0], EASY, now=NOW - 10 * DAY)  # new -> review
    col.answer(cards[1], EASY, now=NOW - 10 * DAY)
    col.answer(cards[0], GOOD, now=NOW - 2 * DAY)  # review-state answer, recalled
    col.answer(cards[1], AGAIN, now=NOW - 2 * DAY)  # review-state answer, forgotten
    col.answer(cards[2], GOOD, now=NOW)  # today
    col.answer(col.deck_cards("hidden")[0].id, GOOD, now=NOW)

    goal = col.goals.add(
        "Speak German",
        vision="Chat with colleagues",
        reality="I read slowly",
        target="2027-03-01",
        cadence="mon,wed,fri",
        decks=["german"],
        milestones=["Finish A1", "First chat"],
        visibility="shared",
        now=NOW - 20 * DAY,
    )
    col.goals.complete_milestone(goal.id, 1, now=NOW - 5 * DAY)
    col.goals.check_in(goal.id, 6, CANARY_CHECKIN, now=NOW - 8 * DAY)
    col.goals.check_in(goal.id, 8, "better", now=NOW - DAY)
    private_goal = col.goals.add(
        f"Secret {CANARY_GOAL}",
        vision=f"vision {CANARY_GOAL}",
        reality=f"reality {CANARY_GOAL}",
        milestones=[f"step {CANARY_GOAL}"],
        now=NOW,
    )
    reading = col.journal.add(
        "Read a short story",
        tags=["reading"],
        visibility="shared",
        day=(NOW - 10 * DAY).date(),
        now=NOW,
    )
    dative = col.journal.add(
        "Learned the dative",
        title="Dative",
        tags=["german", "grammar"],
        goals=[goal.id, private_goal.id],
        visibility="shared",
        now=NOW,
    )
    private = col.journal.add(
        f"My body {CANARY_ENTRY}",
        title=f"Title {CANARY_ENTRY}",
        tags=[CANARY_ENTRY],
        goals=[goal.id],
        now=NOW,
    )
    return Seeded(
        goal.id, private_goal.id, dative.uid, reading.uid, private.uid, goal.uid, private_goal.uid
    )


@pytest.fixture
def seeded(profiles, write_deck) -> Seeded:
    return seed(profiles[0], write_deck)


@pytest.fixture
def paired(profiles, seeded, tmp_path: Path) -> Path:
    """The mentee exported a bundle and the mentor stored it; returns the bundle's path."""
    mentee, mentor = profiles
    path = tmp_path / "ana.bundle.json"
    mentee.mentor.export_bundle(path, name="Ana", decks=["german"], now=NOW)
    mentor.mentor.add_bundle(path, now=NOW + timedelta(hours=1))
    return path


# ----------------------------------------------------------------------------- the bundle
def test_bundle_holds_shared_entries_goals_and_summary(profiles, seeded, tmp_path) -> None:
    mentee, _ = profiles
    path = tmp_path / "bundle.json"
    preview = mentee.mentor.export_bundle(path, name="Ana", decks=["german"], now=NOW)
    doc = open_doc(path, profiles[1])  # only the mentor can open it
    assert (doc["format"], doc["version"]) == ("mastery-mentor-bundle", FORMAT_VERSION)
    assert doc["sequence"] == preview.sequence == to_ms(NOW)  # the first file to Bo
    assert doc["mentee"] == {"pairing_id": mentee.mentor.pairing_id(), "name": "Ana"}
    assert doc["created_at"] == "2026-11-21T10:00:00.000+00:00"
    assert [e["uid"] for e in doc["entries"]] == [seeded.reading, seeded.dative]  # oldest first
    dative = doc["entries"][1]
    assert dative == {
        "uid": seeded.dative,
        "day": "2026-11-21",
        "title": "Dative",
        "body": "Learned the dative",
        "tags": ["german", "grammar"],
        "prompt": None,
        "goals": [seeded.goal_uid],  # the link to the private goal is left out
    }
    assert doc["shared_entry_uids"] == sorted([seeded.reading, seeded.dative])
    [goal] = doc["goals"]
    assert goal["id"] == seeded.goal_uid
    assert (goal["title"], goal["vision"], goal["reality"]) == (
        "Speak German",
        "Chat with colleagues",
        "I read slowly",
    )
    assert (goal["category"], goal["status"], goal["target"]) == (
        "personal-mastery",
        "active",
        "2027-03-01",
    )
    assert [(m["title"], m["done"], m["done_on"]) for m in goal["milestones"]] == [
        ("Finish A1", True, "2026-11-16"),
        ("First chat", False, None),
    ]
    assert goal["confidence_trend"] == [["2026-11-13", 6], ["2026-11-20", 8]]
    assert 0 < goal["progress"] < 1
    assert "cadence" not in goal and "check_ins" not in goal
    mature = mentee.goals.get(seeded.goal, now=NOW).decks[0].mature  # as the goal counts it
    assert mature == 1
    assert doc["summary"] == {
        "review_streak": 1,
        "journal_streak": 1,
        "reviews_30d": 6,
        "retention_30d": 0.5,
        "decks": [{"key": "german", "name": "German", "cards": 4, "studied": 4, "mature": mature}],
    }
    assert "checksum" not in doc  # the seal detects any change
    assert json.loads(preview.text) == doc and preview.mentor == "Bo"
    assert (preview.entry_count, preview.goal_count) == (2, 1)
    assert [e.uid for e in preview.entries] == [seeded.reading, seeded.dative]


def test_private_entries_goals_and_card_text_never_reach_any_file(
    profiles, seeded, tmp_path
) -> None:
    mentee, mentor = profiles
    bundle = tmp_path / "bundle.json"
    preview = mentee.mentor.export_bundle(bundle, name="Ana", decks=["german"], now=NOW)
    assert_no_private_bytes(bundle.read_bytes(), seeded.private)
    assert_no_private_bytes(preview.text.encode("utf-8"), seeded.private)
    assert f'"{seeded.private_goal_uid}"'.encode() not in bundle.read_bytes()
    assert b"hidden" not in bundle.read_bytes()  # a deck not chosen is not even named
    assert_no_private_bytes(payload(bundle, mentor), seeded.private)  # nor inside the seal
    # What is shared is sealed too: none of it is readable on the way.
    assert_no_private_bytes(bundle.read_bytes(), "Learned the dative", "Speak German", "Ana")
    # The canaries are really in the profile, so the test can fail.
    data = "\n".join(snapshot(mentee))
    assert CANARY_ENTRY in data and CANARY_GOAL in data and CANARY_CARD_OTHER in data

    mentor.mentor.add_bundle(bundle, now=NOW)
    mentor.mentor.comment("Ana", "entry", seeded.dative, "Good start", now=NOW)
    mentor.mentor.set_note("Ana", "Keep writing", now=NOW)
    feedback = tmp_path / "feedback.json"
    mentor.mentor.reply("Ana", feedback, name="Bo", now=NOW)
    assert_no_private_bytes(feedback.read_bytes(), seeded.private, "Good start", "Keep writing")
    # Nor does the mentor's profile hold any of it.
    assert_no_private_bytes("\n".join(snapshot(mentor)).encode("utf-8"), seeded.private)


def test_preview_is_exactly_what_is_written_and_the_name_is_remembered(
    profiles, seeded, tmp_path
) -> None:
    mentee, _ = profiles
    with pytest.raises(MasteryError, match="--name"):
        mentee.mentor.preview_bundle(now=NOW)
    preview = mentee.mentor.preview_bundle(name="Ana", now=NOW)
    assert mentee.mentor.display_name() is None  # a preview writes nothing
    path = mentee.mentor.write_bundle(tmp_path / "b.json", preview)
    assert path.read_bytes() == preview.sealed
    assert payload(path, profiles[1]) == preview.text.encode("utf-8")
    assert mentee.mentor.display_name() == "Ana"
    again = mentee.mentor.export_bundle(tmp_path / "c.json", now=NOW)
    assert again.name == "Ana" and again.sequence == preview.sequence + 1
    assert again.text == preview.text.replace(str(preview.sequence), str(again.sequence))
    assert not list(tmp_path.glob(".*"))  # no temp or lock file left behind


def test_since_limits_entries_by_day_but_not_what_is_shared(profiles, seeded) -> None:
    mentee, _ = profiles
    preview = mentee.mentor.preview_bundle(name="Ana", since="5 days ago", now=NOW)
    doc = json.loads(preview.text)
    assert [e["uid"] for e in doc["entries"]] == [seeded.dative]
    assert doc["since"] == "2026-11-16"
    assert doc["shared_entry_uids"] == sorted([seeded.reading, seeded.dative])
    assert len(doc["goals"]) == 1


def test_pairing_id_is_random_created_once_and_kept(profiles, mastery_home) -> None:
    mentee, mentor = profiles
    first = mentee.mentor.pairing_id()
    assert first == mentee.mentor.pairing_id()
    assert first != mentor.mentor.pairing_id()
    assert first.startswith("p-") and len(first) == 28
    assert "mentee" not in first
    with Collection.open("mentee", bundled=False) as again:  # a second session reads it back
        assert again.mentor.pairing_id() == first


def test_unknown_deck_for_the_summary_is_refused(profiles) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        profiles[0].mentor.preview_bundle(name="Ana", decks=["nope"], now=NOW)


# ----------------------------------------------------------------------------- the mentor's copy
def test_mentor_lists_filters_and_opens_shared_entries(profiles, seeded, paired) -> None:
    _, mentor = profiles
    [ana] = mentor.mentor.mentees()
    assert (ana.name, ana.entries, ana.unread, ana.goals) == ("Ana", 2, 2, 1)
    assert ana.last_activity.isoformat() == "2026-11-21"
    assert ana.summary.retention_30d == 0.5 and ana.summary.decks[0].key == "german"
    assert mentor.mentor.mentee("an").id == ana.id == mentor.mentor.mentee(ana.pairing_id).id
    with pytest.raises(NotFoundError):
        mentor.mentor.mentee("Nobody")

    entries = mentor.mentor.mentee_entries("Ana", now=NOW)
    assert [e.uid for e in entries] == [seeded.dative, seeded.reading]  # newest first
    assert entries[0].goals == ("Speak German",) and all(e.unread for e in entries)
    assert [e.uid for e in mentor.mentor.mentee_entries("Ana", tag="GRAMMAR")] == [seeded.dative]
    assert [e.uid for e in mentor.mentor.mentee_entries("Ana", goal="speak")] == [seeded.dative]
    assert [e.uid for e in mentor.mentor.mentee_entries("Ana", when="last 7 days", now=NOW)] == [
        seeded.dative
    ]

    opened = mentor.mentor.open_entry("Ana", seeded.reading, now=NOW)
    assert not opened.unread
    assert mentor.mentor.mentee("Ana").unread == 1
    assert mentor.mentor.mentee_entry("Ana", seeded.dative).unread  # looking is not opening
    assert mentor.mentor.mark_entries_read("Ana", now=NOW) == 1
    assert mentor.mentor.mentee("Ana").unread == 0
    [goal] = mentor.mentor.mentee_goals("Ana")
    assert goal.id == seeded.goal_uid and goal.milestones[0].done
    assert [c for _, c in goal.confidence_trend] == [6, 8]


def test_round_trip_comments_land_on_their_entries_and_goal(
    profiles, seeded, paired, tmp_path
) -> None:
    mentee, mentor = profiles
    m = mentor.mentor
    on_dative = m.comment("Ana", "entry", seeded.dative, "Try it in a sentence", now=NOW)
    on_reading = m.comment(
        "Ana", *m.resolve_target("Ana", seeded.reading[:6]), "Which story?", now=NOW
    )
    on_goal = m.comment("Ana", "goal", seeded.goal_uid, "Book the first chat", now=NOW)
    assert on_goal.target_id == seeded.goal_uid
    m.set_note("Ana", "Steady progress this month.", now=NOW)
    feedback = tmp_path / "feedback.json"
    reply = m.reply("Ana", feedback, name="Bo", now=NOW + DAY)
    assert len(reply.comments) == 3 and reply.note == "Steady progress this month."

    report = mentee.mentor.import_feedback(feedback, now=NOW + 2 * DAY)
    assert (report.mentor_name, report.added, report.note is not None) == ("Bo", 3, True)
    got = mentee.mentor.comments_for_entry(seeded.dative)
    assert [(c.uid, c.body, c.mentor_name, c.unread) for c in got] == [
        (on_dative.uid, "Try it in a sentence", "Bo", True)
    ]
    assert [c.body for c in mentee.mentor.comments_for_entry(seeded.reading)] == ["Which story?"]
    assert [c.body for c in mentee.mentor.comments_for_goal(seeded.goal)] == ["Book the first chat"]
    assert mentee.mentor.comments_for_goal(seeded.goal_uid)[0].uid == on_goal.uid
    assert mentee.mentor.comments_for_entry(seeded.private) == []
    assert mentee.mentor.unread_count() == 3
    note = mentee.mentor.latest_note()
    assert note is not None and note.unread and note.body == "Steady progress this month."

    assert mentee.mentor.mark_read([on_dative.uid, note.uid], now=NOW + 2 * DAY) == 2
    assert mentee.mentor.unread_count() == 2
    assert not mentee.mentor.latest_note().unread
    assert {c.uid for c in mentee.mentor.received_comments(unread_only=True)} == {
        on_reading.uid,
        on_goal.uid,
    }
    assert len(mentee.mentor.received_comments()) == 3
    assert [n.body for n in mentee.mentor.notes()] == ["Steady progress this month."]

    # The same file again is a replay: refused in one line, nothing changed, read stays read.
    before = snapshot(mentee)
    with pytest.raises(BundleError, match="replayed or older"):
        mentee.mentor.import_feedback(feedback, now=NOW + 3 * DAY)
    assert snapshot(mentee) == before


def test_a_reply_preview_writes_nothing_and_the_reply_keeps_the_pairing_id_it_carries(
    profiles, seeded, paired, tmp_path
) -> None:
    """A mentor who never wrote a file has no pairing id yet: previewing a reply must not
    make one (a preview writes nothing); writing it keeps the one the file carries."""
    mentee, mentor = profiles
    m = mentor.mentor
    m.comment("Ana", "entry", seeded.dative, "Try it in a sentence", now=NOW)
    m.set_note("Ana", "Steady.", now=NOW)
    before = snapshot(mentor)
    preview = m.preview_reply("Ana", name="Bo", now=NOW + DAY)
    again = m.preview_reply("Ana", name="Bo", now=NOW + DAY)
    assert snapshot(mentor) == before
    assert mentor.meta("pairing_id") is None and m.display_name() is None
    assert len(preview.comments) == 1 and preview.note == "Steady."
    assert again.text != preview.text  # each preview makes up an id: none was kept

    feedback = tmp_path / "feedback.json"
    m.write_reply(feedback, preview)
    carried = open_doc(feedback, mentee)["mentor"]["pairing_id"]
    assert carried == preview.pairing_id == mentor.meta("pairing_id") == m.pairing_id()
    assert m.display_name() == "Bo"
    assert mentee.mentor.import_feedback(feedback, now=NOW + DAY).added == 1
    # The next reply comes from the same mentor: its comments update, none are foreign.
    m.comment("Ana", "entry", seeded.reading, "Which story?", now=NOW + DAY)
    m.reply("Ana", tmp_path / "f2.json", now=NOW + 2 * DAY)
    report = mentee.mentor.import_feedback(tmp_path / "f2.json", now=NOW + 2 * DAY)
    assert (report.added, report.unchanged) == (1, 1)


def test_a_stale_reply_preview_cannot_write_another_pairing_id(
    profiles, seeded, paired, tmp_path
) -> None:
    """Two previews made before the profile had an id carry two made-up ids: once one is
    written, the other is refused whole (no file), so the mentee only ever sees one id."""
    _, mentor = profiles
    m = mentor.mentor
    first = m.preview_reply("Ana", name="Bo", now=NOW)
    stale = m.preview_reply("Ana", name="Bo", now=NOW)
    m.write_reply(tmp_path / "first.json", first)
    with pytest.raises(ConflictError, match="nothing written: try again"):
        m.write_reply(tmp_path / "stale.json", stale)
    assert not (tmp_path / "stale.json").exists()
    assert mentor.meta("pairing_id") == first.pairing_id != stale.pairing_id


def test_without_now_both_sides_use_the_profiles_clock(mastery_home, write_deck, tmp_path) -> None:
    """No `now`: every moment written comes from `Collection.open(clock=...)`, never from the
    wall clock."""
    ana_clock, bo_clock = FixedTime(NOW - 3 * DAY), FixedTime(NOW - 2 * DAY)
    with (
        Collection.open("ana", bundled=False, clock=ana_clock) as ana,
        Collection.open("bo", bundled=False, clock=bo_clock) as bo,
    ):
        ana.set_setting("timezone", "UTC")
        bo.set_setting("timezone", "UTC")
        pair(ana, bo)
        entry = ana.journal.add("Shared", visibility="shared", now=NOW - 4 * DAY)
        bundle = tmp_path / "ana.json"
        preview = ana.mentor.export_bundle(bundle, name="Ana")
        assert preview.created == NOW - 3 * DAY
        report = bo.mentor.add_bundle(bundle)
        assert report.mentee.bundle_created == NOW - 3 * DAY
        [shared] = bo.mentor.mentee_entries("Ana", when="last 7 days")
        assert shared.received == NOW - 2 * DAY
        comment = bo.mentor.comment("Ana", "entry", entry.uid, "Good")
        assert comment.created == NOW - 2 * DAY
        bo_clock.advance(DAY)
        assert bo.mentor.edit_comment(comment.uid, "Better").updated == NOW - DAY
        assert bo.mentor.open_entry("Ana", entry.uid).unread is False
        read_at = bo.conn.execute("SELECT read_at FROM menteeentry").fetchone()["read_at"]
        assert read_at == to_ms(NOW - DAY)
        feedback = bo.mentor.reply("Ana", tmp_path / "bo.json", name="Bo")
        assert feedback.created == NOW - DAY
        ana_clock.set(NOW)
        assert ana.mentor.import_feedback(tmp_path / "bo.json").added == 1
        [got] = ana.mentor.comments_for_entry(entry.uid)
        assert got.received == NOW
        ana.mentor.mark_read([got.uid])
        stamp = ana.conn.execute("SELECT read_at FROM feedbackcomment").fetchone()["read_at"]
        assert stamp == to_ms(NOW)


def test_edited_and_deleted_comments_reach_the_mentee(profiles, seeded, paired, tmp_path) -> None:
    mentee, mentor = profiles
    m = mentor.mentor
    keep = m.comment("Ana", "entry", seeded.dative, "First thought", now=NOW)
    gone = m.comment("Ana", "entry", seeded.reading, "Never mind", now=NOW)
    m.reply("Ana", tmp_path / "f1.json", name="Bo", now=NOW + DAY)
    mentee.mentor.import_feedback(tmp_path / "f1.json", now=NOW + DAY)
    mentee.mentor.mark_read([keep.uid, gone.uid])

    m.edit_comment(keep.uid, "Second thought", now=NOW + 2 * DAY)
    m.delete_comment(gone.uid, now=NOW + 2 * DAY)
    with pytest.raises(NotFoundError):
        m.edit_comment(gone.uid, "back?")
    m.reply("Ana", tmp_path / "f2.json", now=NOW + 2 * DAY)  # the name is remembered
    report = mentee.mentor.import_feedback(tmp_path / "f2.json", now=NOW + 2 * DAY)
    assert (report.updated, report.withdrawn) == (1, 1)
    [edited] = mentee.mentor.comments_for_entry(seeded.dative)
    assert edited.body == "Second thought" and edited.unread  # news again
    assert mentee.mentor.comments_for_entry(seeded.reading) == []

    with pytest.raises(BundleError, match="replayed or older than the one already applied from Bo"):
        mentee.mentor.import_feedback(tmp_path / "f1.json", now=NOW + 3 * DAY)


def test_reexport_updates_the_mentors_copy_and_keeps_their_comments(
    profiles, seeded, paired, tmp_path
) -> None:
    mentee, mentor = profiles
    m = mentor.mentor
    m.open_entry("Ana", seeded.dative, now=NOW)
    m.comment("Ana", "entry", seeded.dative, "On dative", now=NOW)
    on_reading = m.comment("Ana", "entry", seeded.reading, "On reading", now=NOW)

    later = NOW + 3 * DAY
    mentee.journal.edit(seeded.dative, body="Learned the dative, and the genitive", now=later)
    mentee.journal.edit(seeded.reading, visibility="private", now=later)
    new = mentee.journal.add("Watched a film", visibility="shared", now=later)
    second = tmp_path / "second.json"
    mentee.mentor.export_bundle(second, now=later)
    report = m.add_bundle(second, now=later)
    assert (report.new_mentee, report.added, report.updated, report.removed) == (False, 1, 1, 1)

    entries = {e.uid: e for e in m.mentee_entries("Ana")}
    assert set(entries) == {seeded.dative, new.uid}
    assert entries[seeded.dative].body == "Learned the dative, and the genitive"
    assert entries[seeded.dative].unread  # changed since the mentor read it
    assert [c.body for c in entries[seeded.dative].comments] == ["On dative"]
    assert {c.body for c in m.mentee_comments("Ana")} == {"On dative", "On reading"}
    assert len(m.mentees()) == 1

    # The reply carries only comments on what is still shared, so it imports cleanly.
    feedback = tmp_path / "feedback.json"
    preview = m.reply("Ana", feedback, name="Bo", now=later)
    assert [c.body for c in preview.comments] == ["On dative"]
    mentee.mentor.import_feedback(feedback, now=later)
    assert mentee.mentor.comments_for_entry(seeded.reading) == []
    # Shared again: the kept comment travels again.
    mentee.journal.edit(seeded.reading, visibility="shared", now=later + DAY)
    mentee.mentor.export_bundle(tmp_path / "third.json", now=later + DAY)
    m.add_bundle(tmp_path / "third.json", now=later + DAY)
    assert [c.uid for c in m.mentee_entry("Ana", seeded.reading).comments] == [on_reading.uid]


def test_a_mentor_keeps_several_mentees_apart(profiles, seeded, paired, tmp_path) -> None:
    _, mentor = profiles
    with Collection.open("sam", bundled=False, now=NOW) as sam:
        pair(sam, mentor, "Sam")
        sam.journal.add("Sam's shared thought", visibility="shared", now=NOW)
        sam.mentor.export_bundle(tmp_path / "sam.json", name="Sam", now=NOW)
    mentor.mentor.add_bundle(tmp_path / "sam.json", now=NOW)
    assert [m.name for m in mentor.mentor.mentees()] == ["Ana", "Sam"]
    assert [e.body for e in mentor.mentor.mentee_entries("Sam")] == ["Sam's shared thought"]
    with pytest.raises(NotFoundError):
        mentor.mentor.comment("Sam", "entry", seeded.dative, "wrong mentee", now=NOW)


def test_comment_needs_text_and_a_known_target(profiles, seeded, paired) -> None:
    m = profiles[1].mentor
    with pytest.raises(MasteryError, match="empty"):
        m.comment("Ana", "entry", seeded.dative, "   ")
    with pytest.raises(NotFoundError):
        m.comment("Ana", "goal", "g-99", "no such goal")
    with pytest.raises(NotFoundError):
        m.comment("Ana", "goal", seeded.private_goal_uid, "private goal")
    with pytest.raises(MasteryError, match="entry or a goal"):
        m.comment("Ana", "card", seeded.dative, "what?")


# ----------------------------------------------------------------------------- refused files
def test_older_bundle_is_refused_and_changes_nothing(profiles, seeded, tmp_path) -> None:
    """Older means written earlier (a smaller sequence number), whatever its date says."""
    mentee, mentor = profiles
    old = tmp_path / "old.json"
    mentee.mentor.export_bundle(old, name="Ana", now=NOW)
    newer = mentee.mentor.export_bundle(tmp_path / "new.json", now=NOW - DAY)  # clock set back
    mentor.mentor.add_bundle(tmp_path / "new.json", now=NOW)
    assert mentor.mentor.mentee("Ana").bundle_created == newer.created
    before = snapshot(mentor)
    with pytest.raises(BundleError, match="replayed or older than the one already applied") as err:
        mentor.mentor.add_bundle(old, now=NOW)
    assert str(old) in str(err.value) and "\n" not in str(err.value)
    assert snapshot(mentor) == before


def test_own_bundle_is_refused(profiles, seeded, paired) -> None:
    mentee, _ = profiles
    with pytest.raises(BundleError, match="sealed for another identity"):
        mentee.mentor.add_bundle(paired, now=NOW)


def _tampered(path: Path, to: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of the sealed content
    to.write_bytes(bytes(data))
    return to


def _truncated(path: Path, to: Path) -> Path:
    data = path.read_bytes()
    to.write_bytes(data[: len(data) // 2])
    return to


def _future(path: Path, to: Path) -> Path:
    return reseal(path, lambda d: d.update(version=FORMAT_VERSION + 1), to)


def _missing_field(path: Path, to: Path) -> Path:
    return reseal(path, lambda d: d.pop("mentee"), to)


def _not_json(path: Path, to: Path) -> Path:
    to.write_text("Dear mentor, here are my notes.\n", encoding="utf-8")
    return to


BAD_FILES = {
    "tampered": (_tampered, "changed or damaged after it was sealed"),
    "truncated": (_truncated, "changed or damaged after it was sealed"),
    "future-version": (_future, "upgrade"),
    "missing-field": (_missing_field, "no 'mentee' field"),
    "not-json": (_not_json, "not a sealed Mastery mentor"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_bundle_is_refused_and_changes_nothing(profiles, seeded, tmp_path, kind) -> None:
    mentee, mentor = profiles
    good = tmp_path / "good.json"
    mentee.mentor.export_bundle(good, name="Ana", now=NOW)
    make, reason = BAD_FILES[kind]
    bad = make(good, tmp_path / f"{kind}.json")
    before = snapshot(mentor)
    with pytest.raises(BundleError, match=reason) as err:
        mentor.mentor.add_bundle(bad, now=NOW)
    message = str(err.value)
    assert message.startswith(f"{bad}: ") and "\n" not in message
    assert snapshot(mentor) == before


def test_feedback_given_as_a_bundle_is_refused(profiles, seeded, paired, tmp_path) -> None:
    _, mentor = profiles
    feedback = tmp_path / "feedback.json"
    mentor.mentor.reply("Ana", feedback, name="Bo", now=NOW)
    before = snapshot(mentor)
    with pytest.raises(BundleError, match="sealed for another identity"):  # it is for Ana
        mentor.mentor.add_bundle(feedback, now=NOW)
    # Feedback sealed to the mentor (two people who mentor each other) is named as such.
    as_bundle = reseal(feedback, lambda d: None, tmp_path / "copy.json")
    with pytest.raises(BundleError, match="feedback, not a bundle"):
        mentor.mentor.add_bundle(
            seal_doc(open_doc(as_bundle), mentor, mentor, tmp_path / "own.json"), now=NOW
        )
    assert snapshot(mentor) == before


def test_bundle_entry_pointing_at_a_goal_it_does_not_hold_is_refused(
    profiles, seeded, tmp_path
) -> None:
    mentee, mentor = profiles
    good = tmp_path / "good.json"
    mentee.mentor.export_bundle(good, name="Ana", now=NOW)
    bad = reseal(good, lambda d: d["entries"][0]["goals"].append("g-77"), tmp_path / "bad.json")
    with pytest.raises(BundleError, match="g-77"):
        mentor.mentor.add_bundle(bad, now=NOW)
    assert mentor.mentor.mentees() == []


@pytest.fixture
def feedback(profiles, seeded, paired, tmp_path) -> Path:
    """A good feedback file for the mentee: comments on an entry and the goal, and a note."""
    _, mentor = profiles
    mentor.mentor.comment("Ana", "entry", seeded.dative, "Try it in a sentence", now=NOW)
    mentor.mentor.comment("Ana", "goal", seeded.goal_uid, "Book the chat", now=NOW)
    mentor.mentor.set_note("Ana", "Well done", now=NOW)
    path = tmp_path / "feedback.json"
    mentor.mentor.reply("Ana", path, name="Bo", now=NOW + DAY)
    return path


def _foreign(path: Path, to: Path) -> Path:
    """Real feedback, but written for another mentee's profile."""
    with (
        Collection.open("sam", bundled=False, now=NOW) as sam,
        Collection.open("mentor", bundled=False, now=NOW) as mentor,
    ):
        pair(sam, mentor, "Sam")
        sam.journal.add("Sam's entry", visibility="shared", now=NOW)
        sam.mentor.export_bundle(to.with_suffix(".bundle"), name="Sam", now=NOW)
        mentor.mentor.add_bundle(to.with_suffix(".bundle"), now=NOW)
        mentor.mentor.set_note("Sam", "For Sam only", now=NOW)
        mentor.mentor.reply("Sam", to, now=NOW)
    return to


def _unknown_entry(path: Path, to: Path) -> Path:
    def change(doc: dict[str, Any]) -> None:
        doc["comments"][0]["target_id"] = "e-doesnotexist"

    return reseal(path, change, to)


def _unknown_goal(path: Path, to: Path) -> Path:
    def change(doc: dict[str, Any]) -> None:
        doc["comments"][1]["target_id"] = "g-404"

    return reseal(path, change, to)


def _bundle_instead(path: Path, to: Path) -> Path:
    """A bundle sealed to the mentee by her mentor: the right people, the wrong file."""
    return reseal(path, lambda d: d.update(format="mastery-mentor-bundle"), to)


BAD_FEEDBACK = {
    **BAD_FILES,
    "foreign": (_foreign, "sealed for another identity"),
    "unknown-entry": (_unknown_entry, "e-doesnotexist, which this profile does not have"),
    "unknown-goal": (_unknown_goal, "g-404, which this profile does not have"),
    "wrong-format": (_bundle_instead, "bundle, not feedback"),
}


@pytest.mark.parametrize("kind", BAD_FEEDBACK)
def test_bad_feedback_is_refused_and_imports_nothing(profiles, feedback, tmp_path, kind) -> None:
    mentee, _ = profiles
    make, reason = BAD_FEEDBACK[kind]
    bad = make(feedback, tmp_path / f"{kind}.json")
    before = snapshot(mentee)
    with pytest.raises(BundleError, match=reason) as err:
        mentee.mentor.import_feedback(bad, now=NOW + DAY)
    message = str(err.value)
    assert message.startswith(f"{bad}: ") and "\n" not in message
    assert snapshot(mentee) == before
    # The good file still imports afterwards.
    assert mentee.mentor.import_feedback(feedback, now=NOW + DAY).added == 2


def test_future_version_is_refused_before_its_fields(profiles, seeded, tmp_path) -> None:
    mentee, mentor = profiles
    good = tmp_path / "good.json"
    mentee.mentor.export_bundle(good, name="Ana", now=NOW)
    reseal(good, lambda d: d.update(version=FORMAT_VERSION + 1, entries="new shape"), good)
    with pytest.raises(BundleError, match="newer Mastery.*please upgrade Mastery"):
        mentor.mentor.add_bundle(good, now=NOW)


def test_mentee_profile_without_feedback_has_nothing_unread(profiles) -> None:
    mentee, _ = profiles
    assert mentee.mentor.unread_count() == 0
    assert mentee.mentor.latest_note() is None
    assert mentee.mentor.received_comments() == []
    assert mentee.mentor.mark_read([]) == 0


def test_entries_imported_with_their_own_uids_can_be_shared(profiles, tmp_path) -> None:
    """Markdown imports keep any uid the journal accepts, not only e-...; bundles carry them."""
    mentee, mentor = profiles
    mentee.journal.import_markdown(
        "<!-- mastery:journal -->\n# Journal\n\n<!-- mastery:entry\nuid: my-note-1\n"
        "date: 2026-11-20\nvisibility: shared\n-->\n## 2026-11-20 · Note\n\nImported body\n",
        now=NOW,
    )
    mentee.mentor.export_bundle(tmp_path / "b.json", name="Ana", now=NOW)
    mentor.mentor.add_bundle(tmp_path / "b.json", now=NOW)
    comment = mentor.mentor.comment("Ana", "entry", "my-note-1", "Seen", now=NOW)
    mentor.mentor.reply("Ana", tmp_path / "f.json", name="Bo", now=NOW)
    mentee.mentor.import_feedback(tmp_path / "f.json", now=NOW)
    assert [c.uid for c in mentee.mentor.comments_for_entry("my-note-1")] == [comment.uid]
