"""The mentor's side: the Mentees screen, a reader for one mentee, comments, the note, the reply.

    Mentees (a table)  --enter-->  one mentee's goals and entries  --enter-->  an entry or goal

The reader's filter box takes one line (`FILTER_HELP`):

    tag:x goal:y when:"last week" words

`tag:` may be given more than once (all must be on the entry); `goal:` takes a shared goal's
id (g-3), its number or the start of its title; `when:` a date range phrase ("last week",
"march", "since 2026-10-01"); other words must all appear in an entry's title or text. Values
with spaces go in double quotes. Without a filter the goals are listed above the entries; a
filter lists entries only.

Opening an entry marks it read (`Mentor.open_entry`). `c` comments on the entry or goal under
the cursor (earlier comments can be edited with `e` or deleted with `d` in the same dialog),
`n` writes the overall note, `r` previews and writes the reply file for the mentee (those
dialogs live in `tui/dialogs/`).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Markdown, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from mastery import present as fmt
from mastery.dates import describe_date
from mastery.errors import MasteryError
from mastery.mentor import MenteeSummary, SharedEntry, SharedGoal
from mastery.query import SHARED_HELP, JournalQuery, parse_shared
from mastery.tui.dialogs import MENTOR_CSS as CSS
from mastery.tui.dialogs.comment import CommentScreen
from mastery.tui.dialogs.file_action import FileActionScreen
from mastery.tui.dialogs.note import NoteScreen
from mastery.tui.dialogs.pair import InviteScreen, PairScreen, notify_repair
from mastery.tui.dialogs.reply import ReplyScreen
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.widgets.feedback import FeedbackList, first_line, short_date
from mastery.tui.widgets.key_list import KeyList
from mastery.tui.widgets.progress_chart import bar
from mastery.tui.widgets.table import KeyTable

if TYPE_CHECKING:
    from mastery.tui.app import MasteryApp

FILTER_HELP = SHARED_HELP
EMPTY = (
    "No mentees yet: pair with your mentee (p reads their invitation, i writes yours), "
    "then add the bundle they send you"
)
UNREAD_MARK = fmt.UNREAD_MARK
"""How an unread entry is marked in the reader (tests look for it)."""


def matches(wanted: JournalQuery, entry: SharedEntry) -> bool:
    """Whether every word is in the entry's title or text (tags, goal and when are the
    domain's filters)."""
    text = f"{entry.title}\n{entry.body}".casefold()
    return all(word.casefold() in text for word in wanted.words)


def summary_lines(mentee: MenteeSummary) -> list[Content]:
    """The learning summary of a mentee's newest bundle, one labelled line per topic."""
    s = mentee.summary
    label = "bold"
    lines = [
        Content.assemble(
            ("Streaks    ", label),
            f"reviews {fmt.plural(s.review_streak, 'day')}"
            f" · journal {fmt.plural(s.journal_streak, 'day')}",
        ),
        Content.assemble(
            ("30 days    ", label),
            fmt.plural(s.reviews_30d, "review"),
            f" · retention {fmt.percent(s.retention_30d)}",
        ),
    ]
    if s.decks:
        decks = Content(" · ").join(
            Content(f"{d.name} {d.studied}/{d.cards} studied, {d.mature} mature")  # user text
            for d in s.decks
        )
        lines.append(Content.assemble(("Decks      ", label), decks))
    return lines


# ----------------------------------------------------------------------------- shared actions
class MenteeAbout(MasteryScreen):
    """A screen about one mentee (or one under the cursor): `n` writes the note, `r` the
    reply. Subclasses say which mentee."""

    def mentee_id(self) -> int | None:
        raise NotImplementedError

    def action_note(self) -> None:
        mentee_id = self.mentee_id()
        if mentee_id is not None:
            self.app.push_screen(NoteScreen(mentee_id))

    def action_reply(self) -> None:
        mentee_id = self.mentee_id()
        if mentee_id is not None:
            self.app.push_screen(ReplyScreen(mentee_id))


def add_bundle_screen(app: MasteryApp) -> FileActionScreen:
    """The "Add bundle" box: store a mentee's bundle (or update their copy)."""

    def run(path: Path) -> str:
        report = app.collection.mentor.add_bundle(path, now=app.now())
        m = report.mentee
        verb = "Added" if report.new_mentee else "Updated"
        if report.relinked:
            verb = "Linked your copy from before pairing and updated"
        return (
            f"{verb} {m.name}: {report.added} new, {report.updated} changed, "
            f"{report.removed} no longer shared; {fmt.plural(m.entries, 'entry', 'entries')} "
            f"and {fmt.plural(m.goals, 'goal')} in all."
        )

    return FileActionScreen(
        "Add a mentee's bundle",
        Content.assemble(
            ("Enter", "bold $text-accent"),
            " stores it. A newer bundle of the same mentee "
            "updates your copy and keeps your comments.",
        ),
        run,
        placeholder="the bundle file, e.g. ~/Downloads/ana.bundle",
        done_title="Bundle stored",
    )


# ----------------------------------------------------------------------------- mentees
class MenteesScreen(MenteeAbout):
    """Every mentee with their last activity and unread entries; Enter opens one."""

    AREA = "mentor"
    SUB_TITLE = "Mentees"
    CSS_PATH = CSS
    BINDINGS = [
        Binding("enter", "open", "Open", id="mentees-open"),
        Binding("n", "note", "Note", id="mentees-note"),
        Binding("r", "reply", "Reply", id="mentees-reply"),
        Binding("a", "add_bundle", "Add", id="mentees-add-bundle"),
        Binding("p", "pair", "Pair", id="mentees-pair"),
        # Not in the footer (it would push "? Help" out at 80 columns): the empty state and
        # help (?) name it.
        Binding("i", "invite", "Invite", show=False, id="mentees-invite"),
        Binding("escape", "leave", "Back", id="mentees-leave"),
    ]

    def __init__(self, mentee: str | None = None) -> None:
        """`mentee` (a name, its start, or a number) opens that mentee's reader at once."""
        super().__init__(id="mentees-screen")
        self._start = mentee
        self._mentees: dict[str, MenteeSummary] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield KeyTable(id="mentees-table")
        yield Static(id="mentee-detail")
        yield Static(
            Content.assemble(
                (EMPTY, "bold"),
                "\n\nOr press ",
                ("a", "bold $text-accent"),
                " here to add the bundle file they sent you.",
            ),
            id="mentees-empty",
        )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#mentees-table", KeyTable)
        wide = self.app.size.width >= 110
        table.add_column("Mentee", key="name", width=30 if wide else 18)
        table.add_column("Last activity", key="last", width=14)
        for label, width in (("Entries", 7), ("Unread", 6), ("Goals", 5), ("Comments", 8)):
            table.add_column(Text(label, justify="right"), key=label.lower(), width=width)
        self.refresh_data()
        table.focus()
        notify_repair(self)
        if self._start is not None:
            self.call_after_refresh(self._open_start, self._start)
            self._start = None

    def _open_start(self, ref: str) -> None:
        with self.domain_errors():
            mentee = self.col.mentor.mentee(ref)
            table = self.query_one("#mentees-table", KeyTable)
            keys = list(self._mentees)
            if str(mentee.id) in keys:
                table.move_cursor(row=keys.index(str(mentee.id)))
            self.app.push_screen(MenteeScreen(mentee.id))

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.refresh_data()

    def refresh_data(self) -> None:
        mentees: list[MenteeSummary] = []
        with self.domain_errors():
            mentees = self.col.mentor.mentees()
        table = self.query_one("#mentees-table", KeyTable)
        previous = table.cursor_key
        table.clear()
        self._mentees = {str(m.id): m for m in mentees}
        today = self.col.clock.day_of(self.now())
        for m in mentees:
            table.add_row(
                # user text: never markup; a stored copy with invalid data says so
                Text(
                    m.name + (" (invalid)" if m.problem else ""), style="red" if m.problem else ""
                ),
                Text(describe_date(m.last_activity, today)),
                Text(str(m.entries), justify="right"),
                Text(str(m.unread), justify="right", style="bold yellow" if m.unread else "dim"),
                Text(str(m.goals), justify="right"),
                Text(str(m.comments), justify="right", style="" if m.comments else "dim"),
                key=str(m.id),
            )
        if previous in self._mentees:
            table.move_cursor(row=list(self._mentees).index(previous))
        self.set_class(not mentees, "-empty")
        self._detail()
        self.refresh_bindings()

    def selected(self) -> MenteeSummary | None:
        key = self.query_one("#mentees-table", KeyTable).cursor_key
        return self._mentees.get(key) if key is not None else None

    def mentee_id(self) -> int | None:
        mentee = self.selected()
        return mentee.id if mentee is not None else None

    def on_data_table_row_highlighted(self, event: KeyTable.RowHighlighted) -> None:
        self._detail()

    def _detail(self) -> None:
        """The highlighted mentee's summary and the mentor's note for them."""
        m = self.selected()
        detail = self.query_one("#mentee-detail", Static)
        if m is None:
            detail.update("")
            return
        zone = self.col.clock.zone
        note = Content.assemble(
            ("Your note  ", "bold"),
            first_line(m.note) if m.note else ("none yet (n writes one)", "dim"),
        )
        detail.update(
            Content("\n").join(
                [
                    Content.assemble(
                        (m.name, "bold $text-accent"),
                        (f"  bundle of {short_date(m.bundle_created, zone)}", "dim"),
                    ),
                    *summary_lines(m),
                    *(
                        [Content.assemble(("Invalid stored copy  ", "bold red"), m.problem)]
                        if m.problem
                        else []
                    ),
                    note,
                ]
            )
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "note", "reply") and self.is_mounted:
            return self.selected() is not None or None
        return True

    def action_open(self) -> None:
        mentee = self.selected()
        if mentee is not None:
            self.app.push_screen(MenteeScreen(mentee.id))

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        """A click on the highlighted row opens it, as Enter does."""
        event.stop()
        self.action_open()

    def action_add_bundle(self) -> None:
        self.app.push_screen(add_bundle_screen(self.app))

    def action_pair(self) -> None:
        """Pair with a mentee's invitation (fingerprint, safety number, confirm)."""
        self.app.push_screen(PairScreen())

    def action_invite(self) -> None:
        """Write this profile's invitation for a mentee."""
        self.app.push_screen(InviteScreen("mentor"))

    def action_leave(self) -> None:
        self.dismiss()


# ----------------------------------------------------------------------------- one mentee
class MenteeScreen(MenteeAbout):
    """One mentee's shared goals and entries (newest first, unread marked); filters in `/`."""

    AREA = "mentor"
    CSS_PATH = CSS
    HELP_TEXT = Content.assemble(
        ("Filter", "bold"),
        " (",
        ("/", "bold $text-accent"),
        "): ",
        ("tag:x", "bold"),
        " (repeatable), ",
        ("goal:y", "bold"),
        " (g-1, or the start of its title), ",
        ('when:"last week"', "bold"),
        " (a date range phrase); other words must be in the "
        "entry. Quote values with spaces. A filter lists entries only.\n",
        ("Example: ", "dim"),
        ('tag:grammar when:"last month" dative', "italic"),
        "\n",
        (UNREAD_MARK, "bold $text-warning"),
        " marks entries you have not opened yet.",
    )
    """Shown by the help screen (`?`) above the keys."""
    BINDINGS = [
        Binding("enter", "open", "Open", id="mentee-open"),
        Binding("c", "comment", "Comment", id="mentee-comment"),
        Binding("n", "note", "Note", id="mentee-note"),
        Binding("r", "reply", "Reply", id="mentee-reply"),
        Binding("slash", "focus_filter", "Filter", id="mentee-filter"),
        Binding("escape", "leave", "Back", id="mentee-leave"),
    ]

    def __init__(self, mentee_id: int, query: str = "") -> None:
        super().__init__(id="mentee-screen")
        self._mentee_id = mentee_id
        self._query = query
        self.mentee: MenteeSummary | None = None
        self.entries: dict[str, SharedEntry] = {}
        self.goals: dict[str, SharedGoal] = {}
        self._debounce: Timer | None = None
        self._found = Content("")

    def mentee_id(self) -> int:
        return self._mentee_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            self._query, id="reader-filter", compact=True, placeholder=f"Filter: {FILTER_HELP}"
        )
        yield Static(id="reader-found")
        yield KeyList(id="reader-items")
        yield Static(id="reader-empty")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.search(self._query)
        self.query_one("#reader-items").focus()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.search(self._query, quiet=True)

    # ------------------------------------------------------------------ listing
    def on_input_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value
        self._debounce = self.set_timer(0.2, lambda: self.search(value, quiet=True))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        if self.search(event.value):
            self.query_one("#reader-items").focus()

    def search(self, query: str, *, quiet: bool = False) -> bool:
        """List the goals and the entries the filter asks for; a filter that cannot be read
        is reported (unless `quiet`) and the list stays as it was."""
        box = self.query_one("#reader-filter", Input)
        mentor = self.col.mentor
        try:
            wanted = parse_shared(query)
            mentee = mentor.mentee(self._mentee_id)
            entries = mentor.mentee_entries(
                mentee,
                tag=list(wanted.tags) or None,
                goal=wanted.goal,
                when=wanted.when,
                now=self.now(),
            )
            goals = mentor.mentee_goals(mentee) if wanted.empty else []
            total = mentee.entries
        except MasteryError as exc:
            box.add_class("-invalid")
            if not quiet:
                self.notify(str(exc), title="Filter", severity="error", markup=False)
            return False
        box.remove_class("-invalid")
        self._query = query
        self.mentee = mentee
        self.sub_title = f"Mentee {mentee.name}"
        entries = [e for e in entries if matches(wanted, e)]
        self._show(goals, entries, wanted, total)
        return True

    def _show(
        self, goals: list[SharedGoal], entries: list[SharedEntry], wanted: JournalQuery, total: int
    ) -> None:
        listing = self.query_one("#reader-items", KeyList)
        keep = listing.highlighted_id
        self.goals = {f"g:{g.id}": g for g in goals}
        self.entries = {f"e:{e.uid}": e for e in entries}
        width = max(30, self.app.size.width - 8)
        today = self.col.clock.day_of(self.now())
        options = [Option(self._goal_row(g, width), id=key) for key, g in self.goals.items()]
        options += [
            Option(self._entry_row(e, today, width), id=key) for key, e in self.entries.items()
        ]
        listing.show(options, keep)
        unread = sum(e.unread for e in entries)
        name = self.mentee.name if self.mentee else ""
        if wanted.empty:
            found = Content.assemble(
                (name, "bold"),
                f" · {fmt.plural(len(goals), 'goal')} · ",
                fmt.plural(total, "entry", "entries"),
                (f" ({unread} unread)" if unread else "", "bold $text-warning"),
                ("  ·  ", "dim"),
                ("/", "bold $text-accent"),
                (" filters", "dim"),
            )
        else:
            found = Content.assemble(
                (f"{len(entries)} of {fmt.plural(total, 'entry', 'entries')} match", "bold"),
                ("  ·  ", "dim"),
                (FILTER_HELP, "dim"),
            )
        self._found = found
        self._show_found()
        empty = not options
        self.set_class(empty, "-empty")
        if empty:
            self.query_one("#reader-empty", Static).update(
                Content.assemble(
                    ("No entries match.", "bold"), " Try fewer filters: ", (FILTER_HELP, "dim")
                )
                if not wanted.empty
                else Content.assemble(
                    (f"{name} shares no entries or goals yet.", "bold"),
                    " They mark entries and goals shared, then send a new bundle.",
                )
            )
        self.refresh_bindings()

    def _show_found(self) -> None:
        """The line under the filter box: the syntax while typing in it, else the counts."""
        if isinstance(self.focused, Input):
            line = Content.assemble(
                ("Filter: ", "bold"),
                (FILTER_HELP, "dim"),
                ("  enter", "bold $text-accent"),
                (" applies", "dim"),
            )
        else:
            line = self._found
        self.query_one("#reader-found", Static).update(line)

    def on_descendant_focus(self) -> None:
        self._show_found()

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._show_found)

    @staticmethod
    def _entry_row(entry: SharedEntry, today: date, width: int) -> Content:
        """Unread marker, date, title; then tags, goals and how many comments you wrote."""
        first = Content.assemble(
            (f"{UNREAD_MARK} " if entry.unread else "  ", "bold $text-warning"),
            (f"{describe_date(entry.day, today):<12}", "dim"),
            (entry.title, "bold" if entry.unread else ""),  # user text
        )
        facts = [Content.styled(f"#{t}", "dim") for t in entry.tags]
        if entry.goals:
            facts.append(Content.styled("◎ " + ", ".join(entry.goals), "dim"))
        if entry.comments:
            facts.append(Content.styled(fmt.plural(len(entry.comments), "comment"), "$text-accent"))
        if not facts:
            facts.append(Content.styled(entry.preview, "dim italic"))
        second = Content(" " * 14) + Content(" ").join(facts)
        return Content("\n").join(
            [first.truncate(width, ellipsis=True), second.truncate(width, ellipsis=True)]
        )

    @staticmethod
    def _goal_row(goal: SharedGoal, width: int) -> Content:
        first = Content.assemble(
            ("◎ ", "bold $text-accent"),
            ("goal".ljust(12), "dim"),
            (goal.title, "bold"),
        )
        done = sum(m.done for m in goal.milestones)
        facts = [fmt.percent(goal.progress)]
        if goal.status != "active":
            facts.append(goal.status)
        if goal.milestones:
            facts.append(f"{done}/{len(goal.milestones)} milestones")
        if goal.target:
            facts.append(f"by {goal.target.isoformat()}")
        second = Content.assemble(
            " " * 14,
            bar(goal.progress, 10),
            (" " + " · ".join(facts), "dim"),
            (
                f" · {fmt.plural(len(goal.comments), 'comment')}" if goal.comments else "",
                "$text-accent",
            ),
        )
        return Content("\n").join(
            [first.truncate(width, ellipsis=True), second.truncate(width, ellipsis=True)]
        )

    # ------------------------------------------------------------------ actions
    def _key(self) -> str | None:
        return self.query_one("#reader-items", KeyList).highlighted_id

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "comment") and self.is_mounted:
            return self._key() is not None or None
        return True

    def action_open(self) -> None:
        key = self._key()
        if key in self.entries:
            uids = [e.uid for e in self.entries.values()]
            self.app.push_screen(
                SharedEntryScreen(self._mentee_id, key[2:], uids), self._back_from_entry
            )
        elif key in self.goals:
            self.app.push_screen(SharedGoalScreen(self._mentee_id, key[2:]))

    def _back_from_entry(self, uid: str | None) -> None:
        """Back from reading (and perhaps stepping with ] and [): the cursor follows."""
        listing = self.query_one("#reader-items", KeyList)
        if uid is not None:
            with suppress(OptionDoesNotExist):
                listing.highlighted = listing.get_option_index(f"e:{uid}")

    def on_option_list_option_selected(self, event: KeyList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_comment(self) -> None:
        key = self._key()
        if key in self.entries:
            entry = self.entries[key]
            self.app.push_screen(CommentScreen(self._mentee_id, "entry", entry.uid, entry.title))
        elif key in self.goals:
            goal = self.goals[key]
            self.app.push_screen(CommentScreen(self._mentee_id, "goal", goal.id, goal.title))

    def action_focus_filter(self) -> None:
        self.query_one("#reader-filter", Input).focus()

    def action_leave(self) -> None:
        """Escape leaves the filter box first, then the mentee."""
        if isinstance(self.focused, Input):
            self.query_one("#reader-items").focus()
        else:
            self.dismiss()


# ----------------------------------------------------------------------------- one entry / goal
class SharedEntryScreen(MenteeAbout):
    """One shared entry, rendered; opening it marks it read. `]`/`[` step through the list."""

    AREA = "mentor"
    CSS_PATH = CSS
    BINDINGS = [
        Binding("c", "comment", "Comment", id="shared-entry-comment"),
        Binding("right_square_bracket", "step(1)", "Next", id="shared-entry-next"),
        Binding("left_square_bracket", "step(-1)", "Previous", id="shared-entry-previous"),
        Binding("n", "note", "Note", show=False, id="shared-entry-note"),
        Binding("r", "reply", "Reply", show=False, id="shared-entry-reply"),
        Binding("escape", "leave", "Back", id="shared-entry-leave"),
    ]

    def __init__(self, mentee_id: int, uid: str, uids: list[str] | None = None) -> None:
        """`uids`: the reader's list, in order, for next and previous."""
        super().__init__(id="shared-entry-screen")
        self._mentee_id = mentee_id
        self.uid = uid
        self.uids = uids or [uid]
        self.entry: SharedEntry | None = None
        self._resumed = False

    def mentee_id(self) -> int:
        return self._mentee_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="shared-reader"):
            yield Static(id="shared-meta")
            yield Markdown(id="shared-body", open_links=False)
            yield FeedbackList(
                title="Your comments", zone=self.col.clock.zone, id="shared-comments"
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.show_entry(self.uid, mark_read=True)
        self.query_one("#shared-reader").focus()

    def on_screen_resume(self) -> None:
        if not self._resumed:
            self._resumed = True  # the first resume follows on_mount
        else:
            self.show_entry(self.uid, mark_read=False)  # back from a comment

    def show_entry(self, uid: str, *, mark_read: bool) -> None:
        with self.domain_errors():
            mentor = self.col.mentor
            if mark_read:
                entry = mentor.open_entry(self._mentee_id, uid, now=self.now())
            else:
                entry = mentor.mentee_entry(self._mentee_id, uid)
            self.uid, self.entry = entry.uid, entry
            mentee = mentor.mentee(self._mentee_id)
            self.sub_title = f"{mentee.name}: entry"
            today = self.col.clock.day_of(self.now())
            facts = [Content(f"{entry.day.isoformat()} ({describe_date(entry.day, today)})")]
            if entry.tags:
                facts.append(Content(" ".join(f"#{t}" for t in entry.tags)))
            if entry.goals:
                facts.append(Content("goal: " + ", ".join(entry.goals)))
            if entry.prompt:
                facts.append(Content.styled(f"prompt {entry.prompt}", "dim italic"))
            place = self._place()
            self.query_one("#shared-meta", Static).update(
                Content("\n").join(
                    [
                        Content.styled(entry.title, "bold"),  # user text
                        Content(" · ").join(facts),
                        Content.styled(place, "dim") if place else Content(""),
                    ]
                )
            )
            self.query_one("#shared-body", Markdown).update(entry.body)
            self.query_one("#shared-comments", FeedbackList).show(entry.comments)
            self.query_one("#shared-reader").scroll_home(animate=False)
        self.refresh_bindings()

    def _place(self) -> str:
        if len(self.uids) < 2 or self.uid not in self.uids:
            return ""
        return (
            f"entry {self.uids.index(self.uid) + 1} of {len(self.uids)}"
            "  ·  ] next, [ previous, c comments"
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "step" and self.is_mounted:
            if self.uid not in self.uids:
                return None
            index = self.uids.index(self.uid) + int(parameters[0])  # type: ignore[call-overload]
            return 0 <= index < len(self.uids) or None
        return True

    def action_step(self, delta: int) -> None:
        if self.uid in self.uids:
            index = self.uids.index(self.uid) + delta
            if 0 <= index < len(self.uids):
                self.show_entry(self.uids[index], mark_read=True)

    def action_comment(self) -> None:
        if self.entry is not None:
            self.app.push_screen(
                CommentScreen(self._mentee_id, "entry", self.entry.uid, self.entry.title)
            )

    def action_leave(self) -> None:
        self.dismiss(self.uid)


class SharedGoalScreen(MenteeAbout):
    """One shared goal: vision and reality, milestones, confidence, linked entries, comments."""

    AREA = "mentor"
    CSS_PATH = CSS
    BINDINGS = [
        Binding("c", "comment", "Comment", id="shared-goal-comment"),
        Binding("n", "note", "Note", show=False, id="shared-goal-note"),
        Binding("r", "reply", "Reply", show=False, id="shared-goal-reply"),
        Binding("escape", "leave", "Back", id="shared-goal-leave"),
    ]

    def __init__(self, mentee_id: int, goal_id: str) -> None:
        super().__init__(id="shared-goal-screen")
        self._mentee_id = mentee_id
        self.goal_id = goal_id
        self.goal: SharedGoal | None = None

    def mentee_id(self) -> int:
        return self._mentee_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="shared-reader"):
            yield Static(id="shared-meta")
            yield FeedbackList(
                title="Your comments", zone=self.col.clock.zone, id="shared-comments"
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#shared-reader").focus()

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.goal is not None:
            self.refresh_data()

    def refresh_data(self) -> None:
        with self.domain_errors():
            mentor = self.col.mentor
            mentee = mentor.mentee(self._mentee_id)
            goal = next((g for g in mentor.mentee_goals(mentee) if g.id == self.goal_id), None)
            if goal is None:
                self.notify(f"{mentee.name} no longer shares this goal.", severity="warning")
                return
            self.goal = goal
            self.sub_title = f"{mentee.name}: goal"
            linked = mentor.mentee_entries(mentee, goal=goal.id, now=self.now())
            self.query_one("#shared-meta", Static).update(self._describe(goal, linked))
            self.query_one("#shared-comments", FeedbackList).show(goal.comments)

    @staticmethod
    def _describe(goal: SharedGoal, linked: list[SharedEntry]) -> Content:
        head = "bold $text-accent"
        facts = [goal.status, goal.category]
        if goal.target:
            facts.append(f"target {goal.target.isoformat()}")
        lines: list[Content] = [
            Content.styled(goal.title, "bold"),  # user text
            Content.assemble(
                bar(goal.progress, 10),
                f" {fmt.percent(goal.progress)}  ",
                (" · ".join(facts), "dim"),
            ),
            Content(""),
            Content.styled("Vision", head),
            Content(goal.vision or "-"),
            Content.styled("Reality", head),
            Content(goal.reality or "-"),
        ]
        if goal.milestones:
            lines.append(Content.styled("Milestones", head))
            for m in goal.milestones:
                lines.append(
                    Content.assemble(
                        ("☑ " if m.done else "☐ ", "bold $text-success" if m.done else "bold"),
                        (m.title, "dim" if m.done else ""),
                        (f"  done {m.done_on.isoformat()}" if m.done_on else "", "dim"),
                    )
                )
        if goal.confidence_trend:
            lines.append(Content.styled("Confidence (weekly check-ins, 1-10)", head))
            lines.append(
                Content("  ".join(f"{d.isoformat()}: {c}" for d, c in goal.confidence_trend))
            )
        lines.append(Content.styled(f"Shared entries about it ({len(linked)})", head))
        for entry in linked[:10]:
            lines.append(
                Content.assemble(
                    (f"{UNREAD_MARK} " if entry.unread else "  ", "bold $text-warning"),
                    (entry.day.isoformat() + "  ", "dim"),
                    entry.title,
                )
            )
        if len(linked) > 10:
            lines.append(Content.styled(f"  … and {len(linked) - 10} more", "dim"))
        return Content("\n").join(lines)

    def action_comment(self) -> None:
        if self.goal is not None:
            self.app.push_screen(
                CommentScreen(self._mentee_id, "goal", self.goal.id, self.goal.title)
            )

    def action_leave(self) -> None:
        self.dismiss()
