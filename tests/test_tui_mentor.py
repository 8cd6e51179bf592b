"""The mentor screens: the export preview and feedback on the mentee's side, the Mentees screens
on the mentor's side, and the whole loop between two profiles in one MASTERY_HOME."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from mentor_files import pair as pair_profiles_open
from mentor_files import payload
from test_tui_helpers import SIZE, add_deck, burst, make_app, screen_text
from textual.app import App, ComposeResult
from textual.widgets import Input, SelectionList, TextArea

from conftest import NOW
from mastery.collection import Collection
from mastery.errors import SearchError
from mastery.mentor import Comment
from mastery.query import parse_shared
from mastery.tui.app import MasteryApp
from mastery.tui.dialogs.comment import CommentScreen
from mastery.tui.dialogs.file_action import FileActionScreen
from mastery.tui.dialogs.note import MentorNoteScreen, NoteScreen
from mastery.tui.dialogs.reply import ReplyScreen
from mastery.tui.dialogs.yes_no import YesNoScreen
from mastery.tui.screens.dashboard import DashboardScreen
from mastery.tui.screens.mentees import (
    EMPTY,
    UNREAD_MARK,
    MenteeScreen,
    MenteesScreen,
    SharedEntryScreen,
    SharedGoalScreen,
)
from mastery.tui.screens.mentor import ExportScreen
from mastery.tui.widgets.feedback import NEW_MARK, FeedbackList

HOUR = timedelta(hours=1)
CANARY = "CANARY-PRIVATE-7f3a"


@dataclass
class Pair:
    mentee: Collection
    mentor: Collection
    goal: str  # the goal's uid (g-...), shared
    dative: str  # shared entry uid, today
    reading: str  # shared entry uid, 10 days ago


@pytest.fixture
def pair(mastery_home: Path, write_deck) -> Iterator[Pair]:
    """Two profiles: `mentee` shares a goal and two entries (and keeps one private)."""
    opened = []
    for name in ("mentee", "mentor"):
        c = Collection.open(name, bundled=False, now=NOW)
        c.set_setting("timezone", "UTC")
        opened.append(c)
    mentee, mentor = opened
    pair_profiles_open(mentee, mentor)  # invitations exchanged: Ana is Bo's mentee
    add_deck(mentee, write_deck, "german", "German [A1]", [("der Hund", "the dog")])
    goal = mentee.goals.add(
        "Speak German",
        vision="Chat with colleagues",
        milestones=["Finish A1"],
        visibility="shared",
        now=NOW,
    )
    reading = mentee.journal.add(
        "Read a short story",
        title="Reading",
        tags=["reading"],
        visibility="shared",
        day=(NOW - 10 * 24 * HOUR).date(),
        now=NOW,
    )
    dative = mentee.journal.add(
        "Learned the **dative** [case]",
        title="Dative [1/2]",
        tags=["grammar"],
        goals=[goal.id],
        visibility="shared",
        now=NOW,
    )
    mentee.journal.add(f"My private {CANARY}", title=f"Secret {CANARY}", now=NOW)
    yield Pair(mentee, mentor, goal.uid, dative.uid, reading.uid)
    for c in opened:
        c.close()


@pytest.fixture
def paired(pair: Pair, tmp_path: Path) -> Pair:
    """The mentee exported a bundle and the mentor stored it."""
    bundle = tmp_path / "ana.json"
    pair.mentee.mentor.export_bundle(bundle, name="Ana", decks=["german"], now=NOW)
    pair.mentor.mentor.add_bundle(bundle, now=NOW + HOUR)
    return pair


def errors(app) -> list[str]:
    return [m for s, m in app.notes if s == "error"]


# ----------------------------------------------------------------------------- mentee side
async def test_export_preview_shows_shared_not_private_and_writes_exactly_it(
    pair: Pair, tmp_path: Path
) -> None:
    pair.mentee.mentor.set_display_name("Ana")
    target = tmp_path / "out" / "ana.json"
    target.parent.mkdir()
    app = make_app(pair.mentee)
    async with app.run_test(size=SIZE) as pilot:
        app.action_mentor_export()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.query_one("#export-name", Input).value == "Ana"  # remembered name
        text = screen_text(app)
        assert "Dative [1/2]" in text and "Reading" in text and "Speak German" in text
        assert CANARY not in text
        assert "Will write 2 shared entries, 1 shared goal" in text
        assert "sealed" in text and "for Bo: only they can read it" in text
        assert "No deck chosen" in text

        # Choose the deck and a `since` phrase: the preview follows.
        screen.query_one("#export-decks", SelectionList).select("german")
        screen.query_one("#export-since", Input).value = "3 days ago"
        screen.query_one("#export-file", Input).value = str(target)
        await pilot.pause()
        screen.rebuild()
        await pilot.pause()
        text = screen_text(app)
        assert "Will write 1 shared entry, 1 shared goal" in text
        assert "German [A1]: 1 cards, 0 studied, 0 mature" in text
        preview = screen.preview
        assert preview is not None and [e.title for e in preview.entries] == ["Dative [1/2]"]

        await pilot.press("ctrl+t")  # the exact JSON
        await pilot.pause()
        json_text = screen.query_one("#export-json", TextArea).text
        assert json_text == preview.text
        assert '"name": "Ana"' in screen_text(app) and CANARY not in json_text

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert target.read_bytes() == preview.sealed  # the preview on screen, sealed for Bo
        assert payload(target, pair.mentor) == preview.text.encode("utf-8")
        assert any(str(target) in m for s, m in app.notes if s == "information")
        assert not errors(app)


async def test_export_refuses_what_it_cannot_preview_and_writes_nothing(
    pair: Pair, tmp_path: Path
) -> None:
    target = tmp_path / "ana.json"
    app = make_app(pair.mentee)
    async with app.run_test(size=SIZE) as pilot:
        app.action_mentor_export()
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#export-name", Input).value == ""  # no name chosen yet
        assert "type your name above" in screen_text(app)
        screen.query_one("#export-file", Input).value = str(target)
        await pilot.press("ctrl+s")
        assert errors(app) and not target.exists()

        screen.query_one("#export-name", Input).value = "Ana"
        screen.query_one("#export-since", Input).value = "blorp"
        screen.rebuild()
        await pilot.pause()
        assert "Nothing to write yet" in screen_text(app) and screen.preview is None

        screen.query_one("#export-since", Input).value = ""
        await pilot.press("ctrl+s")  # the form changed: show the new preview first
        assert not target.exists()
        assert any("read it, then press ctrl+s again" in m for _, m in app.notes)
        await pilot.press("ctrl+s")
        assert payload(target, pair.mentor) == screen.preview.text.encode("utf-8")
        await pilot.press("ctrl+s")  # the same preview twice: two files with one number
        assert any("preview it again" in m for m in errors(app))

        screen.rebuild()
        await pilot.pause()
        screen.query_one("#export-file", Input).value = str(target / "x.json")  # under a file
        await pilot.press("ctrl+s")
        assert any("x.json" in m for m in errors(app))
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_feedback_import_shows_the_note_on_the_dashboard_until_read(
    paired: Pair, tmp_path: Path
) -> None:
    mentor = paired.mentor.mentor
    # Within CLOCK_SKEW of the mentee's clock (NOW): a file from further ahead is refused.
    mentor.comment("Ana", "entry", paired.dative, "Try it in a *sentence*", now=NOW)
    mentor.set_note("Ana", "A steady [month]\nKeep going.", now=NOW)
    reply = tmp_path / "bo.json"
    mentor.reply("Ana", reply, name="Bo", now=NOW + timedelta(minutes=5))

    app = make_app(paired.mentee)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Mentor" not in screen_text(app)
        app.action_mentor_feedback()
        await pilot.pause()
        assert isinstance(app.screen, FileActionScreen)
        box = app.screen.query_one(Input)
        box.value = str(tmp_path / "missing.json")
        await pilot.press("enter")
        assert errors(app) and isinstance(app.screen, FileActionScreen)  # stays open
        box.value = str(reply)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert any("From Bo: 1 new comment" in m for _, m in app.notes)
        text = screen_text(app)
        assert "Mentor Bo: A steady [month]" in text and NEW_MARK in text
        assert "1 new comment from your mentor" in text
        assert "(m)" in text  # the mentor line teaches the key (the footer is full at 80 columns)

        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MentorNoteScreen)
        assert "Keep going." in screen_text(app)
        assert paired.mentee.mentor.latest_note().unread is False
        await pilot.press("escape")
        await pilot.pause()
        text = screen_text(app)
        assert "Mentor Bo: A steady [month]" in text and NEW_MARK not in text
    [comment] = paired.mentee.mentor.comments_for_entry(paired.dative)
    assert comment.body == "Try it in a *sentence*" and comment.unread


async def test_feedback_list_renders_comments_with_new_marks_and_literal_brackets() -> None:
    comments = [
        Comment(
            "c-aaaaaaaa",
            "entry",
            "e-1",
            "First [bold]look[/bold]",
            NOW,
            NOW,
            "Bo",
            NOW,
            unread=False,
        ),
        Comment(
            "c-bbbbbbbb",
            "entry",
            "e-1",
            "Then **this**",
            NOW + HOUR,
            NOW + 25 * HOUR,
            "Bo",
            NOW,
            unread=True,
        ),
    ]

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield FeedbackList(comments, id="fb")
            yield FeedbackList(id="none")

    app = Host()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Feedback  2  1 new" in text
        assert "First [bold]look[/bold]" in text  # never read as markup
        assert f"{NEW_MARK}  Bo · 21 Nov 2026 (edited 22 Nov 2026)" in text
        assert app.query_one("#none").display is False
        app.query_one("#fb", FeedbackList).show([])
        await pilot.pause()
        assert app.query_one("#fb").display is False


# ----------------------------------------------------------------------------- mentor side
async def test_mentees_screen_empty_state_says_what_to_do(pair: Pair) -> None:
    app = make_app(pair.mentor)
    async with app.run_test(size=SIZE) as pilot:
        app.open_mentees()
        await pilot.pause()
        assert isinstance(app.screen, MenteesScreen)
        shown = " ".join(screen_text(app).split())  # the text wraps at 80 columns
        assert EMPTY in shown and "press a here to add the bundle file" in shown
        await pilot.press("enter", "c", "n", "r")  # nothing to open: no error, no dialog
        assert isinstance(app.screen, MenteesScreen) and not errors(app)


async def test_the_whole_loop_read_comment_note_reply_and_the_mentee_imports_it(
    paired: Pair, tmp_path: Path
) -> None:
    mentor = paired.mentor.mentor
    reply = tmp_path / "reply" / "bo.json"
    reply.parent.mkdir()
    app = make_app(paired.mentor)
    async with app.run_test(size=SIZE) as pilot:
        app.open_mentees()
        await pilot.pause()
        text = screen_text(app)
        assert "Ana" in text and "today" in text  # last activity: the newest shared entry
        row = next(line for line in text.splitlines() if "Ana" in line and "today" in line)
        assert row.split()[-4:] == ["2", "2", "1", "0"]  # entries, unread, goals, comments
        assert "retention" in text and "German [A1] 0/1 studied" in text

        await pilot.press("enter")
        await pilot.pause()
        reader = app.screen
        assert isinstance(reader, MenteeScreen)
        text = screen_text(app)
        assert "Speak German" in text and "Dative [1/2]" in text and "Reading" in text
        assert f"{UNREAD_MARK} today" in text and "2 unread" in text

        await pilot.press("j", "enter")  # below the goal: the newest entry
        await pilot.pause()
        assert isinstance(app.screen, SharedEntryScreen)
        text = screen_text(app)
        assert "Dative [1/2]" in text and "Learned the dative [case]" in text  # Markdown
        entries = {e.uid: e for e in mentor.mentee_entries("Ana")}
        assert not entries[paired.dative].unread and entries[paired.reading].unread

        await pilot.press("c")
        assert isinstance(app.screen, CommentScreen)
        assert "Comment on entry Dative [1/2]" in screen_text(app)
        await pilot.press(*"Nice")  # typed key by key once
        app.screen.query_one("#comment-body", TextArea).insert(" — try it in a [sentence]")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SharedEntryScreen)
        [comment] = mentor.mentee_comments("Ana")
        assert (comment.target_kind, comment.target_id) == ("entry", paired.dative)
        assert comment.body == "Nice — try it in a [sentence]"
        assert "Your comments" in screen_text(app) and "try it in a [sentence]" in screen_text(app)

        await pilot.press("escape")  # back to the reader: the entry is read, with a comment
        await pilot.pause()
        text = screen_text(app)
        assert "1 comment" in text and "1 unread" in text

        await pilot.press("n")
        assert isinstance(app.screen, NoteScreen)
        app.screen.query_one("#note-body", TextArea).load_text("A steady month.\nMore reading!")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert mentor.mentee("Ana").note == "A steady month.\nMore reading!"

        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ReplyScreen)
        assert "It holds 1 comment and your note" in screen_text(app)
        assert "Type your name below" in screen_text(app)
        dialog.query_one("#reply-file", Input).value = str(reply)
        await pilot.press("ctrl+s")  # no name: refused
        assert errors(app) and not reply.exists() and app.screen is dialog
        dialog.query_one("#reply-name", Input).value = "Bo"
        await pilot.pause()
        assert "Type your name below" not in screen_text(app)
        blocker = reply.with_name("blocker.json")
        blocker.write_text("x", encoding="utf-8")
        dialog.query_one("#reply-file", Input).value = str(blocker / "x.json")  # under a file
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("x.json" in m for m in errors(app)) and app.screen is dialog
        dialog.query_one("#reply-file", Input).value = str(reply)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MenteeScreen)
        assert any(str(reply) in m for s, m in app.notes if s == "information")
        assert payload(reply, paired.mentee) == dialog.preview.text.encode("utf-8")
        assert mentor.display_name() == "Bo"  # remembered

    report = paired.mentee.mentor.import_feedback(reply, now=NOW + 3 * HOUR)
    assert (report.mentor_name, report.added) == ("Bo", 1)
    [landed] = paired.mentee.mentor.comments_for_entry(paired.dative)
    assert landed.body == "Nice — try it in a [sentence]" and landed.unread
    assert paired.mentee.mentor.comments_for_entry(paired.reading) == []
    assert paired.mentee.mentor.latest_note().body == "A steady month.\nMore reading!"


async def test_the_reply_dialog_previews_without_writing_anything(paired: Pair) -> None:
    """Opening the reply dialog shows its preview; cancelling leaves the mentor's database
    exactly as it was (no pairing id made on first use, no name remembered)."""
    mentor = paired.mentor.mentor
    mentor.comment("Ana", "entry", paired.dative, "Good", now=NOW)
    before = list(paired.mentor.conn.iterdump())
    app = make_app(paired.mentor)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(MenteeScreen(mentor.mentee("Ana").id))
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ReplyScreen)
        dialog.query_one("#reply-name", Input).value = "Bo"
        await pilot.pause()
        assert "It holds 1 comment" in screen_text(app) and dialog.preview is not None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MenteeScreen)
    assert list(paired.mentor.conn.iterdump()) == before
    assert paired.mentor.meta("pairing_id") is None


async def test_comments_on_a_goal_can_be_edited_and_deleted(paired: Pair) -> None:
    mentor = paired.mentor.mentor
    app = make_app(paired.mentor)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(MenteeScreen(mentor.mentee("Ana").id))
        await pilot.pause()
        await pilot.press("enter")  # the goal is listed first
        await pilot.pause()
        assert isinstance(app.screen, SharedGoalScreen)
        text = screen_text(app)
        assert "Chat with colleagues" in text and "Finish A1" in text and "Dative [1/2]" in text

        await pilot.press("c")
        app.screen.query_one("#comment-body", TextArea).load_text("Book the first meeting")
        await pilot.press("ctrl+s")
        await pilot.pause()
        [first] = mentor.mentee_comments("Ana")
        assert (first.target_kind, first.target_id) == ("goal", paired.goal)
        assert "Book the first meeting" in screen_text(app)

        await pilot.press("c")
        dialog = app.screen
        assert "e edits" in screen_text(app)
        await pilot.press("tab", "e")  # to the earlier comments; edit the first
        assert dialog.query_one("#comment-body", TextArea).text == "Book the first meeting"
        assert "Edit your comment" in screen_text(app)
        dialog.query_one("#comment-body", TextArea).load_text("Book it before March")
        await pilot.press("ctrl+s")
        await pilot.pause()
        [edited] = mentor.mentee_comments("Ana")
        assert edited.uid == first.uid and edited.body == "Book it before March"

        await pilot.press("c", "tab", "d")
        assert isinstance(app.screen, YesNoScreen)
        await pilot.press("y")
        await pilot.pause()
        assert mentor.mentee_comments("Ana") == []
        assert mentor.preview_reply("Ana", name="Bo", now=NOW).withdrawn == (first.uid,)
        await pilot.press("escape")  # nothing typed: closes without asking
        await pilot.pause()
        assert isinstance(app.screen, SharedGoalScreen)
        assert "Book it before March" not in screen_text(app)


async def test_reader_filters_by_tag_goal_when_and_words(paired: Pair) -> None:
    app = make_app(paired.mentor)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(MenteeScreen(paired.mentor.mentor.mentee("Ana").id))
        await pilot.pause()
        reader = app.screen

        def titles() -> list[str]:
            return [e.title for e in reader.entries.values()]

        assert titles() == ["Dative [1/2]", "Reading"]
        await pilot.press("j", "enter", "right_square_bracket")  # read Dative, then the next
        assert app.screen.entry.title == "Reading"
        await pilot.press("escape")
        await pilot.pause()
        assert reader._key() == f"e:{paired.reading}"  # the cursor followed
        for query, expected in [
            ("tag:grammar", ["Dative [1/2]"]),
            ('goal:"speak"', ["Dative [1/2]"]),
            ('when:"last 3 days"', ["Dative [1/2]"]),
            ("story", ["Reading"]),
            ("tag:reading dative", []),
        ]:
            assert reader.search(query), query
            assert titles() == expected, query
        await pilot.pause()
        assert "No entries match" in screen_text(app)

        await pilot.press("slash")
        reader.query_one("#reader-filter", Input).value = 'when:"blorp"'
        await pilot.press("enter")
        assert errors(app) and reader.query_one("#reader-filter").has_class("-invalid")
        await pilot.press("escape", "escape")  # the filter box, then the mentee
        assert isinstance(app.screen, DashboardScreen)


async def test_keys_typed_right_after_slash_go_to_the_mentee_filter(paired: Pair) -> None:
    app = make_app(paired.mentor)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(MenteeScreen(paired.mentor.mentor.mentee("Ana").id))
        await pilot.pause()
        await burst(pilot, "slash", "n", "o", "t", "e")  # `n` on the list opens the note
        assert isinstance(app.screen, MenteeScreen)
        assert app.screen.query_one("#reader-filter", Input).value == "note"


def test_parse_shared_reads_keys_quotes_and_words() -> None:
    wanted = parse_shared('tag:a tag:b goal:"Speak German" when:"last week" two words')
    assert wanted.tags == ("a", "b") and wanted.goal == "Speak German"
    assert wanted.when == "last week" and wanted.words == ("two", "words")
    assert parse_shared("").empty
    for bad in ('when:"last', "tag:", "goal:a goal:b", "is:shared"):
        with pytest.raises(SearchError):
            parse_shared(bad)


async def test_start_screen_opens_the_mentees_screen_on_a_mentee(paired: Pair) -> None:
    app = MasteryApp(paired.mentor, clock=lambda: NOW, start_screen="mentees", mentee="ana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MenteeScreen)
        assert app.screen.mentee is not None and app.screen.mentee.name == "Ana"
        assert "Dative [1/2]" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MenteesScreen)

    app = MasteryApp(paired.mentor, clock=lambda: NOW, start_screen="mentees")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MenteesScreen) and "Ana" in screen_text(app)


async def test_mentor_comments_appear_under_the_entry_and_goal_and_get_read(
    paired: Pair, tmp_path: Path
) -> None:
    """The loop closes: the mentor's comment shows next to the entry (and goal) it answers."""
    from mastery.tui.screens.goals import GoalScreen
    from mastery.tui.screens.journal import EntryScreen, JournalScreen

    mentor, mentee = paired.mentor.mentor, paired.mentee.mentor
    ana = mentor.mentees()[0]
    mentor.comment(ana.id, "entry", paired.dative, "Nice: now try the genitive", now=NOW + HOUR)
    mentor.comment(ana.id, "goal", paired.goal, "Book a tutor call", now=NOW + HOUR)
    reply = tmp_path / "reply.json"
    mentor.reply(ana.id, reply, name="Bo", now=NOW + 2 * HOUR)
    mentee.import_feedback(reply, now=NOW + 3 * HOUR)
    assert mentee.unread_count() == 2

    app = make_app(paired.mentee)
    async with app.run_test(size=(130, 60)) as pilot:  # wide: list and reader side by side
        app.action_journal()
        await pilot.pause()
        assert isinstance(app.screen, JournalScreen)
        assert "Nice: now try the genitive" not in screen_text(app)  # the private entry is read
        await pilot.press("down")  # to "Dative [1/2]", which the mentor answered
        await pilot.pause()
        assert "Nice: now try the genitive" in screen_text(app)
        entry_id = paired.mentee.journal.get(paired.dative).id
        await app.push_screen(EntryScreen(entry_id))
        await pilot.pause()
        assert "Nice: now try the genitive" in screen_text(app)
        assert mentee.unread_count() == 1  # the entry's comment is read now
        goal_id = paired.mentee.conn.execute(
            "SELECT id FROM goal WHERE uid = ?", (paired.goal,)
        ).fetchone()[0]
        await app.push_screen(GoalScreen(goal_id))
        await pilot.pause()
        assert "Book a tutor call" in screen_text(app)
        assert mentee.unread_count() == 0


async def test_a_mentors_dashboard_says_what_is_unread_and_M_opens_the_mentees(
    paired: Pair,
) -> None:
    """The dashboard used to say nothing about a new bundle, and the Mentees screen was
    reachable only from the palette (issue 13)."""
    app = make_app(paired.mentor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "2 unread shared entries from Ana (M Mentees)" in text
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, MenteesScreen)
        paired.mentor.mentor.mark_entries_read("Ana")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "unread shared" not in screen_text(app)


async def test_T_opens_the_team_screen_from_the_dashboard(paired: Pair) -> None:
    from mastery.tui.screens.team import TeamScreen

    app = make_app(paired.mentee)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await pilot.pause()
        assert isinstance(app.screen, TeamScreen)
        assert "unread shared" not in screen_text(app)  # a mentee has no mentees
