"""The learning journal: entries, prompts, search with highlights, Markdown round trips, streaks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import NOW
from mastery.collection import Collection
from mastery.days import to_ms
from mastery.errors import MasteryError, NotFoundError
from mastery.journal import Journal, JournalFormatError

TODAY = date(2026, 11, 21)  # the learner's day of NOW (Saturday)


def add_goal(col: Collection, title: str) -> int:
    with col.db.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO goal (title, vision, category, status, visibility, created_at, "
            "updated_at, uid) VALUES (?, '', 'personal-mastery', 'active', 'private', ?, ?, "
            "'g-' || (SELECT coalesce(max(id), 0) + 1 FROM goal))",
            (title, to_ms(NOW), to_ms(NOW)),
        )
    return int(cur.lastrowid or 0)


@pytest.fixture
def journal(col: Collection) -> Journal:
    return col.journal


@pytest.fixture
def other(mastery_home: Path) -> Iterator[Collection]:
    """A second, empty profile to import into."""
    c = Collection.open("other", bundled=False, now=NOW)
    c.set_setting("timezone", "UTC")
    yield c
    c.close()


def marked(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[s:e] for s, e in spans]


# ----------------------------------------------------------------------------- add / get / edit
def test_add_stores_an_entry_dated_today_with_a_stable_uid(journal: Journal) -> None:
    entry = journal.add("Spaced repetition beats cramming.", tags=["memory", "#fsrs"], now=NOW)
    assert entry.day == TODAY
    assert entry.uid.startswith("e-") and len(entry.uid) == 12
    assert entry.tags == ("memory", "fsrs")
    assert entry.visibility == "private" and not entry.shared
    assert entry.created == NOW and entry.updated == NOW
    assert entry.title == "Spaced repetition beats cramming." and entry.own_title == ""
    assert journal.get(entry.uid) == entry
    assert journal.get(entry.id) == entry
    assert journal.get(str(entry.id)) == entry
    assert journal.get(entry.uid[:6]) == entry
    assert journal.get(entry.uid[2:7]) == entry  # without the e-
    json.dumps(entry.to_dict())


def test_display_title_comes_from_the_title_or_the_first_line(journal: Journal) -> None:
    assert journal.add("## What I noticed\n\nmore", now=NOW).title == "What I noticed"
    titled = journal.add("body", title="  My   title ", now=NOW)
    assert (titled.title, titled.own_title) == ("My title", "My title")
    long = journal.add("x" * 100, now=NOW)
    assert len(long.title) == 60 and long.title.endswith("…")


def test_prompt_questions_are_skipped_for_the_display_title(journal: Journal) -> None:
    body = journal.template("daily").replace(
        "## What did I learn today?\n", "## What did I learn today?\nInterleaving helps.\n"
    )
    entry = journal.add(body, prompt="daily", now=NOW)
    assert entry.prompt == "daily"
    assert entry.title == "Interleaving helps."


def test_empty_body_is_refused(journal: Journal) -> None:
    with pytest.raises(MasteryError, match="empty"):
        journal.add("  \n\n ", now=NOW)
    with pytest.raises(MasteryError, match="empty"):
        journal.add(journal.template("after-action"), prompt="after-action", now=NOW)
    assert journal.list() == []


def test_bad_visibility_and_unknown_prompt_are_refused(journal: Journal) -> None:
    with pytest.raises(MasteryError, match="private or shared"):
        journal.add("text", visibility="public", now=NOW)
    with pytest.raises(NotFoundError, match="daily, after-action, mental-model"):
        journal.add("text", prompt="nope", now=NOW)


def test_past_dates_by_phrase_and_future_dates_refused(journal: Journal) -> None:
    assert journal.add("a", day="yesterday", now=NOW).day == date(2026, 11, 20)
    assert journal.add("b", day="2026-10-01", now=NOW).day == date(2026, 10, 1)
    assert journal.add("c", day=date(2026, 11, 1), now=NOW).day == date(2026, 11, 1)
    before_rollover = datetime(2026, 11, 20, 2, 0, tzinfo=NOW.tzinfo)
    assert journal.add("g", day=before_rollover, now=NOW).day == date(2026, 11, 19)
    with pytest.raises(MasteryError, match="future"):
        journal.add("d", day="tomorrow", now=NOW)
    with pytest.raises(MasteryError, match="future"):
        journal.add("e", day=date(2026, 11, 22), now=NOW)
    with pytest.raises(MasteryError):
        journal.add("f", day="the day after never", now=NOW)
    assert len(journal.list()) == 4


def test_edit_changes_only_the_given_fields(journal: Journal, col: Collection) -> None:
    goal = add_goal(col, "Speak German")
    entry = journal.add("first", tags=["a"], goals=["speak"], now=NOW)
    later = NOW + timedelta(hours=1)
    edited = journal.edit(entry.uid, body="second", visibility="shared", now=later)
    assert (edited.body, edited.visibility, edited.tags, edited.goals) == (
        "second",
        "shared",
        ("a",),
        ("Speak German",),
    )
    assert edited.goal_ids == (goal,)
    assert edited.updated == later and edited.created == NOW
    edited = journal.edit(entry.id, tags=(), goals=(), title="Named", day="yesterday", now=later)
    assert (edited.tags, edited.goals, edited.title, edited.day) == (
        (),
        (),
        "Named",
        date(2026, 11, 20),
    )
    assert journal.edit(entry.id, title="", now=later).title == "second"
    with pytest.raises(MasteryError, match="future"):
        journal.edit(entry.id, day="tomorrow", now=later)
    with pytest.raises(MasteryError, match="empty"):
        journal.edit(entry.id, body="", now=later)


def test_delete_removes_the_entry_and_its_goal_links(journal: Journal, col: Collection) -> None:
    add_goal(col, "Speak German")
    entry = journal.add("bye", goals=["Speak German"], now=NOW)
    assert journal.delete(entry.uid).uid == entry.uid
    with pytest.raises(NotFoundError):
        journal.get(entry.uid)
    assert col.conn.execute("SELECT count(*) FROM entrygoal").fetchone()[0] == 0


def test_get_reports_unknown_and_ambiguous_refs(journal: Journal) -> None:
    journal.add("one", now=NOW)
    journal.add("two", now=NOW)
    with pytest.raises(NotFoundError):
        journal.get("e-zzzzzzzzzz")
    with pytest.raises(NotFoundError):
        journal.get(99)
    with pytest.raises(MasteryError, match="matches 2 entries"):
        journal.get("e-")


def test_goals_are_linked_by_number_or_title_prefix(journal: Journal, col: Collection) -> None:
    german = add_goal(col, "Speak German")
    add_goal(col, "Speak Spanish")
    entry = journal.add("x", goals=[german, "speak g"], now=NOW)
    assert entry.goals == ("Speak German",)
    with pytest.raises(MasteryError, match="matches 2 goals"):
        journal.add("x", goals=["speak"], now=NOW)
    with pytest.raises(NotFoundError):
        journal.add("x", goals=["cook"], now=NOW)
    with pytest.raises(NotFoundError):
        journal.add("x", goals=[999], now=NOW)


def test_list_is_newest_first_and_limited(journal: Journal) -> None:
    old = journal.add("old", day="2026-11-01", now=NOW)
    new = journal.add("new", now=NOW)
    mid = journal.add("mid", day="yesterday", now=NOW)
    assert [e.uid for e in journal.list()] == [new.uid, mid.uid, old.uid]
    assert [e.uid for e in journal.list(limit=1)] == [new.uid]


# ----------------------------------------------------------------------------- prompts
def test_bundled_prompts_have_their_questions(journal: Journal) -> None:
    prompts = {p.key: p for p in journal.prompts()}
    assert list(prompts) == ["daily", "after-action", "mental-model"]
    assert prompts["daily"].name == "Daily reflection"
    assert prompts["daily"].questions == (
        "What did I learn today?",
        "What was hard, and why?",
        "What will I do next?",
    )
    assert prompts["after-action"].questions == (
        "What did I expect to happen?",
        "What actually happened?",
        "Why was there a difference?",
        "What will I do next time?",
    )
    assert prompts["mental-model"].questions == (
        "An assumption I hold",
        "Evidence for it",
        "Evidence against it",
        "The belief I revise to",
    )
    assert all(p.description and p.source == "bundled" for p in prompts.values())
    assert journal.template("daily").startswith("## What did I learn today?\n")


def test_unknown_prompt_lists_the_known_keys(journal: Journal) -> None:
    with pytest.raises(MasteryError, match="known prompts: daily, after-action, mental-model"):
        journal.prompt("weekly")


def test_profile_prompts_file_adds_and_overrides(journal: Journal, col: Collection) -> None:
    path = col.db.path.parent / "prompts.toml"
    path.write_text(
        '[[prompt]]\nkey = "standup"\nname = "Stand-up"\ndescription = "Team ritual"\n'
        'template = """\n## Yesterday\n\n## Today\n\n## Blockers\n"""\n\n'
        '[[prompt]]\nkey = "daily"\nname = "Team daily"\n'
        'template = """\n## Was hat heute geklappt?\n"""\n',
        encoding="utf-8",
    )
    prompts = {p.key: p for p in journal.prompts()}
    assert list(prompts) == ["daily", "after-action", "mental-model", "standup"]
    assert prompts["daily"].name == "Team daily"
    assert prompts["daily"].questions == ("Was hat heute geklappt?",)
    assert prompts["daily"].source == str(path)
    assert journal.prompt("standup").questions == ("Yesterday", "Today", "Blockers")
    entry = journal.add("## Yesterday\nread\n", prompt="standup", now=NOW)
    assert entry.prompt == "standup" and entry.title == "read"


def test_malformed_profile_prompts_file_names_the_file(journal: Journal, col: Collection) -> None:
    path = col.db.path.parent / "prompts.toml"
    path.write_text('[[prompt]]\nkey = "x"\nname = "X"\n', encoding="utf-8")
    with pytest.raises(JournalFormatError, match="template is required") as err:
        journal.prompts()
    assert str(path) in str(err.value)
    path.write_text("[[prompt]\n", encoding="utf-8")
    with pytest.raises(JournalFormatError, match="not valid TOML"):
        journal.prompts()


# ----------------------------------------------------------------------------- search
def test_search_needs_every_word_and_marks_each_match(journal: Journal) -> None:
    hit_entry = journal.add("Retrieval practice is hard.\nBut retrieval WORKS.", now=NOW)
    journal.add("Retrieval alone", now=NOW)
    [hit] = journal.search("retrieval works", now=NOW)
    assert hit.entry.uid == hit_entry.uid
    [highlight] = hit.highlights
    assert "\n" not in highlight.snippet
    assert marked(highlight.snippet, highlight.spans) == ["Retrieval", "retrieval", "WORKS"]
    assert len(journal.search("retrieval", now=NOW)) == 2
    assert journal.search("retrieval nothing", now=NOW) == []


def test_search_is_unicode_and_case_insensitive(journal: Journal) -> None:
    journal.add("Meine ÜBERZEUGUNG über die Straße war falsch.", now=NOW)
    [hit] = journal.search("überzeugung strasse", now=NOW)
    [highlight] = hit.highlights
    assert marked(highlight.snippet, highlight.spans) == ["ÜBERZEUGUNG", "Straße"]
    # A decomposed Ü (U + combining diaeresis) in the query still finds the composed one.
    [hit] = journal.search("U\u0308berzeugung", now=NOW)
    assert marked(hit.highlights[0].snippet, hit.highlights[0].spans) == ["ÜBERZEUGUNG"]
    assert hit.title_spans and marked(hit.entry.title, hit.title_spans) == ["ÜBERZEUGUNG"]


def test_search_snippets_are_cut_around_distant_matches(journal: Journal) -> None:
    filler = " ".join(["filler"] * 40)
    journal.add(f"alpha {filler} omega", now=NOW)
    [hit] = journal.search("alpha omega", now=NOW)
    first, second = hit.highlights
    assert first.snippet.startswith("alpha") and first.snippet.endswith("…")
    assert second.snippet.startswith("…") and second.snippet.endswith("omega")
    assert marked(first.snippet, first.spans) == ["alpha"]
    assert marked(second.snippet, second.spans) == ["omega"]
    assert len(second.snippet) < 60


def test_search_matches_the_title_too(journal: Journal) -> None:
    journal.add("nothing here", title="Feedback loops", now=NOW)
    [hit] = journal.search("feedback", now=NOW)
    assert hit.highlights == []
    assert marked(hit.entry.title, hit.title_spans) == ["Feedback"]
    assert "highlights" in json.dumps(hit.to_dict())


def test_search_quoted_words_match_as_a_phrase(journal: Journal) -> None:
    journal.add("deliberate practice", now=NOW)
    journal.add("practice that is deliberate", now=NOW)
    assert len(journal.search("deliberate practice", now=NOW)) == 2
    assert len(journal.search('"deliberate practice"', now=NOW)) == 1


def test_search_by_tag_goal_and_visibility(journal: Journal, col: Collection) -> None:
    add_goal(col, "Speak German")
    a = journal.add("a", tags=["Deutsch", "daily"], goals=["Speak German"], now=NOW)
    b = journal.add("b", tags=["daily"], visibility="shared", now=NOW)
    assert [h.entry.uid for h in journal.search(tag="deutsch")] == [a.uid]
    assert {h.entry.uid for h in journal.search(tag="#daily")} == {a.uid, b.uid}
    assert [h.entry.uid for h in journal.search(tag=["daily", "deutsch"])] == [a.uid]
    assert [h.entry.uid for h in journal.search(goal="speak")] == [a.uid]
    assert [h.entry.uid for h in journal.search(visibility="shared")] == [b.uid]
    assert [e.uid for e in journal.list(visibility="private")] == [a.uid]
    with pytest.raises(MasteryError):
        journal.search(visibility="team")


def test_search_by_date_range_phrases(journal: Journal) -> None:
    march = journal.add("in march", day="2026-03-15", now=NOW)
    october = journal.add("in october", day="2026-10-02", now=NOW)
    last_week = journal.add("last week", day="2026-11-12", now=NOW)  # Thursday before
    this_week = journal.add("this week", day="2026-11-17", now=NOW)

    def found(when: str | tuple[date | None, date | None]) -> set[str]:
        return {h.entry.uid for h in journal.search(when=when, now=NOW)}

    assert found("last week") == {last_week.uid}
    assert found("in march") == {march.uid}
    assert found("since 2026-10-01") == {october.uid, last_week.uid, this_week.uid}
    assert found("2026-10-01..2026-11-15") == {october.uid, last_week.uid}
    assert found((date(2026, 11, 13), None)) == {this_week.uid}
    with pytest.raises(MasteryError):
        journal.search(when="whenever", now=NOW)


# ----------------------------------------------------------------------------- Markdown
TRICKY_BODY = (
    "# Überzeugung prüfen\n\n"
    "Ich dachte, Wiederholung reicht — falsch.\n"
    "---\n"
    "## A heading inside\n"
    "title: not metadata\n"
    "<!-- mastery:entry\n"
    "\\<!-- mastery:entry already escaped\n"
    "-->\n"
    "日本語も大丈夫。  "
)


def fill(col: Collection) -> list[str]:
    add_goal(col, "Sprechen üben")
    journal = col.journal
    return [
        journal.add(
            TRICKY_BODY, tags=["glaube", "c++"], goals=["sprechen"], day="2026-11-01", now=NOW
        ).uid,
        journal.add(
            "Second --> entry",
            title='Quotes "and" --> arrows: ok',
            prompt=None,
            visibility="shared",
            day="2026-11-01",
            now=NOW,
        ).uid,
        journal.add(journal.template("daily") + "\nlearned", prompt="daily", now=NOW).uid,
    ]


def test_markdown_export_import_round_trip_single_file(col: Collection, other: Collection) -> None:
    uids = fill(col)
    text = col.journal.export_markdown()
    assert text.startswith("<!-- mastery:journal -->\n# Journal\n")
    assert text.count("\n<!-- mastery:entry\n") == 3
    assert "\n\\<!-- mastery:entry\n" in text  # the body's look-alike line, escaped
    add_goal(other, "Sprechen üben")
    summary = other.journal.import_markdown(text, now=NOW)
    assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
    assert summary.notes == ()
    assert other.journal.export_markdown() == text
    entry = other.journal.get(uids[0])
    original = col.journal.get(uids[0])
    assert entry.body == original.body == TRICKY_BODY.rstrip()
    assert (entry.tags, entry.goals, entry.day) == (
        ("glaube", "c++"),
        ("Sprechen üben",),
        date(2026, 11, 1),
    )
    second = other.journal.get(uids[1])
    assert second.own_title == 'Quotes "and" --> arrows: ok' and second.visibility == "shared"
    assert other.journal.get(uids[2]).prompt == "daily"


def test_reimport_updates_by_uid_and_never_duplicates(col: Collection) -> None:
    uids = fill(col)
    journal = col.journal
    text = journal.export_markdown()
    summary = journal.import_markdown(text, now=NOW)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 3)
    changed = text.replace("Second --> entry", "Second entry, edited elsewhere")
    summary = journal.import_markdown(changed, now=NOW + timedelta(hours=1))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 2)
    assert len(journal.list()) == 3
    edited = journal.get(uids[1])
    assert edited.body == "Second entry, edited elsewhere"
    assert edited.updated == NOW + timedelta(hours=1) and edited.created == NOW


def test_per_entry_files_round_trip(col: Collection, other: Collection, tmp_path: Path) -> None:
    uids = fill(col)
    paths = col.journal.export_files(tmp_path / "out")
    names = [p.name for p in paths]
    assert names[:2] == [
        f"2026-11-01-uberzeugung-prufen-{uids[0]}.md",
        f"2026-11-01-quotes-and-arrows-ok-{uids[1]}.md",
    ]
    first = paths[0].read_text(encoding="utf-8")
    assert first.startswith(f"---\nuid: {uids[0]}\ndate: 2026-11-01\n")
    assert 'tags: [glaube, c++]\ngoals: ["Sprechen üben"]\nvisibility: private\n---\n' in first

    summary = other.journal.import_markdown(tmp_path / "out", now=NOW)
    assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
    assert summary.notes == ("goal 'Sprechen üben' not found; left out",)
    assert other.journal.get(uids[0]).body == TRICKY_BODY.rstrip()
    assert other.journal.get(uids[0]).goals == ()

    again = other.journal.export_files(tmp_path / "again")
    for path in again:
        original = tmp_path / "out" / path.name
        if path.name.startswith("2026-11-01-uberzeugung"):
            continue  # its goal was not in this profile
        assert path.read_text(encoding="utf-8") == original.read_text(encoding="utf-8")
    summary = other.journal.import_markdown(list(again), now=NOW)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 3)
    assert len(other.journal.list()) == 3


def test_export_files_replaces_the_file_of_a_retitled_entry(
    journal: Journal, tmp_path: Path
) -> None:
    entry = journal.add("body", title="Old name", now=NOW)
    journal.export_files(tmp_path)
    journal.edit(entry.uid, title="New name", now=NOW)
    journal.export_files(tmp_path)
    assert [p.name for p in tmp_path.glob("*.md")] == [f"2026-11-21-new-name-{entry.uid}.md"]


def test_single_file_and_per_entry_exports_import_the_same(col: Collection, tmp_path: Path) -> None:
    fill(col)
    journal = col.journal
    single = journal.export_markdown()
    files = journal.export_files(tmp_path)
    for uid in [e.uid for e in journal.list()]:
        journal.delete(uid)
    assert journal.import_markdown(files, now=NOW).added == 3
    assert journal.export_markdown() == single


def test_hand_written_front_matter_is_read(journal: Journal, col: Collection) -> None:
    add_goal(col, "Speak German")
    text = (
        "---\n"
        "# a comment\n"
        "date: 2026-11-02\n"
        "title: 'It''s plain'\n"
        "tags:\n"
        "  - one\n"
        "  - two\n"
        "goals: [speak german, Unknown goal]\n"
        "---\n"
        "Body with --- inside\n"
    )
    summary = journal.import_markdown(text, now=NOW)
    assert summary.added == 1
    assert any("no uid" in n for n in summary.notes)
    assert "goal 'Unknown goal' not found; left out" in summary.notes
    [entry] = journal.list()
    assert (entry.own_title, entry.tags, entry.goals, entry.day) == (
        "It's plain",
        ("one", "two"),
        ("Speak German",),
        date(2026, 11, 2),
    )
    assert entry.body == "Body with --- inside"


MALFORMED = [
    ("---\ndate: 2026-11-02\nmood: good\n---\nbody\n", 3, "unknown key 'mood'"),
    ("---\ndate: 2026-13-02\n---\nbody\n", 2, "date must be YYYY-MM-DD"),
    ("---\ntitle: x\n---\nbody\n", 1, "no date"),
    ("---\ndate: 2026-11-02\nbody\n", 1, "not closed"),
    ("---\ndate: 2026-11-02\n---\n\n", 1, "no body"),
    ("---\ndate: 2026-11-02\nvisibility: team\n---\nx\n", 3, "private or shared"),
    ('---\ndate: 2026-11-02\ntags: [a, "b\n---\nx\n', 3, "list must end"),
    ("just some notes\n", 1, "not a Mastery journal file"),
    (
        "# Journal\n\n<!-- mastery:entry\ndate: 2026-11-02\n## 2026-11-02 · x\n\nbody\n",
        3,
        "not closed",
    ),
]


@pytest.mark.parametrize(("text", "line", "reason"), MALFORMED)
def test_malformed_import_names_file_and_line_and_imports_nothing(
    journal: Journal, tmp_path: Path, text: str, line: int, reason: str
) -> None:
    good = tmp_path / "a-good.md"
    good.write_text("---\nuid: e-good\ndate: 2026-11-01\n---\nfine\n", encoding="utf-8")
    bad = tmp_path / "b-bad.md"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(JournalFormatError, match=reason) as err:
        journal.import_markdown(tmp_path, now=NOW)
    assert str(err.value).startswith(f"{bad}:{line}: ")
    assert "\n" not in str(err.value)
    assert journal.list() == []


def test_duplicate_uids_in_one_import_are_refused(journal: Journal) -> None:
    entry = "<!-- mastery:entry\nuid: e-same\ndate: 2026-11-01\n-->\nbody\n"
    with pytest.raises(JournalFormatError, match="appears twice"):
        journal.import_markdown(entry + "\n" + entry, now=NOW)
    assert journal.list() == []


def test_export_of_nothing_imports_nothing(journal: Journal) -> None:
    text = journal.export_markdown()
    assert text == "<!-- mastery:journal -->\n# Journal\n"
    assert journal.import_markdown(text, now=NOW).to_dict() == {
        "added": 0,
        "updated": 0,
        "unchanged": 0,
        "notes": [],
    }


# ----------------------------------------------------------------------------- streaks
def test_streak_and_today_follow_the_learners_day(journal: Journal) -> None:
    assert journal.streak(NOW) == 0 and not journal.has_entry_today(NOW)
    journal.add("two days ago", day="2 days ago", now=NOW)
    journal.add("yesterday", day="yesterday", now=NOW)
    assert journal.streak(NOW) == 2  # today has no entry yet; the streak is not broken
    assert not journal.has_entry_today(NOW)

    # 02:00 UTC on the 22nd is still the learner's 21st (the day rolls over at 04:00).
    late = datetime(2026, 11, 22, 2, 0, tzinfo=NOW.tzinfo)
    entry = journal.add("after midnight", now=late)
    assert entry.day == TODAY
    assert journal.has_entry_today(late) and journal.streak(late) == 3

    after_rollover = datetime(2026, 11, 22, 5, 0, tzinfo=NOW.tzinfo)
    assert not journal.has_entry_today(after_rollover)
    assert journal.streak(after_rollover) == 3
    assert journal.streak(after_rollover + timedelta(days=1)) == 0


def test_days_with_entries_is_inclusive(journal: Journal) -> None:
    for day in ("2026-11-01", "2026-11-05", "2026-11-05", "2026-11-10"):
        journal.add("x", day=day, now=NOW)
    assert journal.days_with_entries(date(2026, 11, 1), date(2026, 11, 5)) == {
        date(2026, 11, 1),
        date(2026, 11, 5),
    }


def test_entries_for_a_goal_include_mentions(journal: Journal, col: Collection) -> None:
    goal = add_goal(col, "Sprechen üben")
    linked = journal.add("linked", goals=[goal], day="yesterday", now=NOW)
    mention = journal.add("Heute SPRECHEN ÜBEN mit Anna", now=NOW)
    journal.add("unrelated", now=NOW)
    assert [e.uid for e in journal.for_goal(goal, "Sprechen üben")] == [mention.uid, linked.uid]
    assert [e.uid for e in journal.for_goal(goal)] == [mention.uid, linked.uid]
    assert journal.for_goal_days(goal) == {date(2026, 11, 20)}


# ----------------------------------------------------------------------------- architecture
def test_journal_module_does_not_import_textual_or_sqlmodel() -> None:
    code = (
        "import sys, mastery.journal; "
        "print(','.join(m for m in ('textual', 'rich', 'sqlmodel') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


# ----------------------------------------------------------------------------- jrnl habits
def test_hash_tags_in_the_text_become_tags(col) -> None:
    from mastery.journal.fields import inline_tags

    text = (
        "Learned #git rebase. C# is not a tag, nor page#part, nor # Heading, nor #42;\n"
        "`#code` neither, and\n```\n#include <x>\n```\nbut (#paren) and #flag::red: are."
    )
    assert inline_tags(text) == ("git", "paren", "flag::red")
    entry = col.journal.add("Pairing went well #team #Team", tags=["work"], now=NOW)
    assert entry.tags == ("work", "team") and entry.body == "Pairing went well #team #Team"
    edited = col.journal.edit(entry.uid, body="Pairing and #retro", now=NOW)
    assert edited.tags == ("work", "team", "retro")
    assert col.journal.edit(entry.uid, tags=(), now=NOW).tags == ()  # clearing still works


def test_on_this_day_is_the_same_day_of_earlier_months_and_years(col) -> None:
    for day in ("2024-11-21", "2026-10-21", "2026-10-22", "2026-11-21", "2026-08-31"):
        col.journal.add(f"Entry of {day}", day=day, now=NOW)
    assert [e.day.isoformat() for e in col.journal.on_this_day(now=NOW)] == [
        "2026-10-21",
        "2024-11-21",
    ]
    from mastery.present import months_ago

    assert months_ago(date(2026, 10, 21), date(2026, 11, 21)) == "1 month ago"
    assert months_ago(date(2024, 11, 21), date(2026, 11, 21)) == "2 years ago"
    assert months_ago(date(2025, 8, 21), date(2026, 11, 21)) == "15 months ago"
