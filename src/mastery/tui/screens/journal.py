"""The learning journal: a list of entries with a reader, search and filters, the editor, and
quick capture.

The search box takes words and filters in one line (`FILTER_HELP`, read by `mastery.query`):

    words "a phrase" tag:x goal:y is:shared|private when:"last week"

Words must all appear in an entry's title or body (the match is highlighted in the list);
`tag:` may be given more than once; `goal:` takes a goal's title (or its start, or its
number); `when:` takes a date range phrase ("last week", "march", "since 2026-10-01"). Values
with spaces go in double quotes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Markdown, Static, TextArea
from textual.widgets.option_list import Option

from mastery import present as fmt
from mastery.conflicts import MARK
from mastery.dates import describe_date
from mastery.errors import MasteryError
from mastery.journal import EntryView, Prompt, SearchHit
from mastery.query import JOURNAL_HELP, JournalQuery, parse_journal
from mastery.tui.dialogs.resolve import ResolveScreen
from mastery.tui.dialogs.unsaved import UnsavedChanges
from mastery.tui.screens.base import GOALS_JOURNAL_CSS, MasteryModal, MasteryScreen
from mastery.tui.widgets.entry_editor import EntryDraft, EntryEditor
from mastery.tui.widgets.feedback import FeedbackList
from mastery.tui.widgets.key_list import KeyList

FILTER_HELP = JOURNAL_HELP
HIGHLIGHT = "bold reverse $text-warning"
"""How a search match is marked in the list (tests look for it)."""
WIDE = 110  # from this many columns, the list and the reader sit side by side


def highlighted(text: str, spans: list[tuple[int, int]], style: str = "") -> Content:
    """User text with the search matches marked (styled by offsets: never markup)."""
    content = Content.styled(text, style) if style else Content(text)
    for start, end in spans:
        content = content.stylize(HIGHLIGHT, start, end)
    return content


def goal_refs(entry: EntryView) -> tuple[str, ...]:
    """How the editor's Goals field names the entry's goals: by title, or by number when the
    title has a comma (the field is comma-separated)."""
    return tuple(
        str(gid) if "," in title else title
        for gid, title in zip(entry.goal_ids, entry.goals, strict=True)
    )


def entry_meta(entry: EntryView, today: date, prompts: dict[str, Prompt]) -> Content:
    """The lines above an entry in the reader: title, then date, visibility, tags, goals."""
    facts: list[Content] = [
        Content(f"{entry.day.isoformat()} ({describe_date(entry.day, today)})"),
        Content.styled(f"{fmt.SHARED_MARK} shared", "bold $text-accent")
        if entry.shared
        else Content.styled("private", "dim"),
    ]
    if entry.tags:
        facts.append(Content(" ".join(f"#{t}" for t in entry.tags)))
    if entry.goals:
        facts.append(Content("goal: " + ", ".join(entry.goals)))
    if entry.prompt:
        prompt = prompts.get(entry.prompt)
        facts.append(Content.styled(prompt.name if prompt else entry.prompt, "dim italic"))
    if entry.conflict_of:
        facts.insert(0, Content.styled(f"{MARK} (r: resolve)", "bold $text-warning"))
    return Content("\n").join(
        [
            Content.styled(entry.title, "bold"),  # user text
            Content(" · ").join(facts),
        ]
    )


# ----------------------------------------------------------------------------- the journal
class JournalScreen(MasteryScreen):
    """Entries newest first with a reader; `/` searches and filters, `n` writes."""

    CSS_PATH = GOALS_JOURNAL_CSS

    AREA = "journal"
    SUB_TITLE = "Journal"
    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="journal-search"),
        Binding("n", "new", "New", id="journal-new"),
        Binding("e", "edit", "Edit", id="journal-edit"),
        Binding("delete", "delete", "Delete", id="journal-delete"),
        Binding("v", "toggle_shared", "Share", id="journal-share"),
        # In the footer only while a conflict copy is selected (check_action).
        Binding("r", "resolve", "Resolve", id="journal-resolve"),
        # Out of the footer to fit 80 columns (the reader shows the entry anyway).
        Binding("enter", "read", "Read", show=False, id="journal-read"),
        Binding("escape", "leave", "Back", id="journal-leave"),
    ]

    def __init__(
        self, query: str = "", entry_id: int | None = None, *, start_new: bool = False
    ) -> None:
        """`query` fills the search box, `entry_id` selects that entry, `start_new` opens the
        prompt picker at once (for a "write today's entry" key elsewhere)."""
        super().__init__(id="journal-screen")
        self._query = query
        self._select = str(entry_id) if entry_id is not None else None
        self._start_new = start_new
        self._hits: dict[str, SearchHit] = {}
        self._debounce: Timer | None = None
        self._first: tuple[JournalQuery, list[SearchHit]] | None = None
        self._found = Content("")
        self._reading: EntryView | None = None

    def compose(self) -> ComposeResult:
        # Read first and set the modifier classes before the widgets exist, so the new screen
        # is styled once rather than restyled on mount.
        self.set_class(self.app.size.width >= WIDE, "-wide")
        try:
            self._first = self._find(self._query)
        except MasteryError:
            self._first = None
        else:
            self.set_class(not self._first[1], "-empty")
        yield Header()
        yield Input(
            self._query, placeholder=f"Search: {FILTER_HELP}", id="journal-filter", compact=True
        )
        yield Static(id="journal-found")
        with Container(id="journal-main"):
            yield KeyList(id="journal-list")
            with VerticalScroll(id="journal-reader"):
                yield Static(id="reader-meta")
                yield Markdown(id="reader-body", open_links=False)
                yield FeedbackList(id="reader-feedback", zone=self.col.clock.zone)
        yield Static(id="journal-empty")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self._first is not None:
            self._show(self._first[1], self._first[0], keep=self._select)
        else:
            self.search(self._query, keep=self._select)  # says what is wrong
        self.query_one("#journal-list").focus()
        if self._start_new:
            self.call_after_refresh(self.action_new)

    def on_resize(self) -> None:
        self.set_class(self.app.size.width >= WIDE, "-wide")
        self._show(list(self._hits.values()), self._parsed(), keep=self._selected_key())

    def on_screen_resume(self) -> None:
        if self._first is not None:
            self._first = None  # the first resume follows on_mount, which just listed all
        elif self.is_mounted:
            self.search(self._query, keep=self._selected_key())

    # ------------------------------------------------------------------ searching
    def _parsed(self) -> JournalQuery:
        try:
            return parse_journal(self._query)
        except MasteryError:
            return JournalQuery()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "journal-filter":
            return
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value
        # While typing, half a filter (`when:"las`) is normal: say nothing until Enter.
        self._debounce = self.set_timer(0.2, lambda: self.search(value, quiet=True))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "journal-filter":
            return
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        if self.search(event.value):
            self.query_one("#journal-list").focus()

    def search(self, query: str, *, keep: str | None = None, quiet: bool = False) -> bool:
        """List the entries the search box asks for; a filter that cannot be read is reported
        (unless `quiet`) and the list stays as it was. Returns whether the search ran."""
        filter_box = self.query_one("#journal-filter", Input)
        try:
            wanted, hits = self._find(query)
        except MasteryError as exc:
            filter_box.add_class("-invalid")
            if not quiet:
                self.notify(str(exc), title="Search", severity="error", markup=False)
            return False
        filter_box.remove_class("-invalid")
        self._query = query
        self._show(hits, wanted, keep)
        return True

    def _find(self, query: str) -> tuple[JournalQuery, list[SearchHit]]:
        wanted = parse_journal(query)
        hits = self.col.journal.search(wanted, now=self.now())
        return wanted, hits

    def refresh_data(self, keep: str | None = None) -> None:
        self.search(self._query, keep=keep or self._selected_key())

    def _show(self, hits: list[SearchHit], wanted: JournalQuery, keep: str | None) -> None:
        self._hits = {str(h.entry.id): h for h in hits}
        today = self.col.clock.day_of(self.now())
        screen_width = self.app.size.width
        # The list's share of the screen, less its margins, padding and scrollbar.
        width = max(30, (screen_width * 45 // 100 if screen_width >= WIDE else screen_width) - 8)
        listing = self.query_one("#journal-list", KeyList)
        listing.show([Option(self._row(h, today, width), id=str(h.entry.id)) for h in hits], keep)
        total = len(hits)
        self.set_class(not hits, "-empty")
        if wanted.empty:
            self._found = Content.assemble(
                fmt.plural(total, "entry", "entries"),
                (", newest first  ·  ", "dim"),
                ("/", "bold $text-accent"),
                (" search  ", "dim"),
                ("n", "bold $text-accent"),
                (" write  ", "dim"),
                ("enter", "bold $text-accent"),
                (" read", "dim"),
            )
        else:
            self._found = Content.assemble(
                (f"{total} found", "bold"),
                ("  ·  clear the search box (", "dim"),
                ("/", "bold $text-accent"),
                (") to see every entry", "dim"),
            )
        self._show_found()
        if wanted.empty:
            empty = Content.assemble(
                ("Your journal is empty.", "bold"),
                "\n\nPress ",
                ("n", "bold $text-accent"),
                " to write an entry from a prompt (daily reflection, after-action review, "
                "mental-model check) or on a blank page.",
            )
        else:
            empty = Content.assemble(
                ("No entries match.", "bold"),
                " Try fewer words or filters: ",
                (FILTER_HELP, "dim"),
            )
        self.query_one("#journal-empty", Static).update(empty)
        self._read(listing.highlighted_id)

    @staticmethod
    def _row(hit: SearchHit, today: date, width: int) -> Content:
        """Date, title (matches marked) and the shared marker; tags and goals; a snippet."""
        entry = hit.entry
        when = describe_date(entry.day, today)
        first = Content.assemble(
            (f"{when:<11}", "dim"),
            (f"{fmt.SHARED_MARK} " if entry.shared else "  ", "bold $text-accent"),
            ("⚠ " if entry.conflict_of else "", "bold $text-warning"),
            highlighted(entry.title, hit.title_spans, "bold"),  # user text
        )
        lines = [first.truncate(width, ellipsis=True)]
        facts = [Content.styled(f"#{t}", "dim") for t in entry.tags]
        if entry.goals:
            facts.append(Content.styled("◎ " + ", ".join(entry.goals), "dim"))
        if entry.shared:
            facts.insert(0, Content.styled("shared", "$text-accent"))
        if facts:
            lines.append(
                (Content(" " * 13) + Content(" ").join(facts)).truncate(width, ellipsis=True)
            )
        if hit.highlights:
            snippet = hit.highlights[0]
            lines.append(
                (
                    Content(" " * 13) + highlighted(snippet.snippet, snippet.spans, "italic")
                ).truncate(width, ellipsis=True)
            )
        return Content("\n").join(lines)

    def _show_found(self) -> None:
        """The line under the search box: how to search while typing in it, else the count."""
        if isinstance(self.focused, Input):
            line = Content.assemble(("Search: ", "bold"), (FILTER_HELP, "dim"))
        else:
            line = self._found
        self.query_one("#journal-found", Static).update(line)

    def on_descendant_focus(self) -> None:
        self._show_found()

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._show_found)

    def _selected_key(self) -> str | None:
        return self.query_one("#journal-list", KeyList).highlighted_id

    def _selected(self) -> EntryView | None:
        key = self._selected_key()
        hit = self._hits.get(key) if key is not None else None
        return hit.entry if hit is not None else None

    def on_option_list_option_highlighted(self, event: KeyList.OptionHighlighted) -> None:
        if event.option_list.id == "journal-list":
            self._read(event.option_id)
            self.refresh_bindings()  # "r Resolve" shows for a conflict copy only

    def _read(self, key: str | None) -> None:
        """Show the entry `key` in the reader."""
        hit = self._hits.get(key) if key is not None else None
        if (hit.entry if hit else None) == self._reading:
            return  # already shown: rebuilding the Markdown would only cost time
        self._reading = hit.entry if hit else None
        meta = self.query_one("#reader-meta", Static)
        body = self.query_one("#reader-body", Markdown)
        feedback = self.query_one("#reader-feedback", FeedbackList)
        if hit is None:
            meta.update("")
            body.update("")
            feedback.show([])
            return
        today = self.col.clock.day_of(self.now())
        prompts = {p.key: p for p in self.col.journal.prompts()}
        meta.update(entry_meta(hit.entry, today, prompts))
        body.update(hit.entry.body)
        # The mentor's comments sit under the entry; they are marked read in the entry view.
        feedback.show(self.col.mentor.comments_for_entry(hit.entry.uid))
        self.query_one("#journal-reader").scroll_home(animate=False)

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        entry = self._selected() if self.is_mounted else None
        copy = entry is not None and entry.conflict_of is not None
        if action == "resolve":
            return copy
        if action == "toggle_shared" and copy:
            return False  # a copy is resolved first; and "r Resolve" needs its room at 80 columns
        if action in ("edit", "delete", "toggle_shared", "read") and self.is_mounted:
            return entry is not None or None
        return True

    def action_resolve(self) -> None:
        entry = self._selected()
        if entry is not None and entry.conflict_of is not None:
            resolve_entry(
                self, entry, lambda kept: self.refresh_data(keep=str(kept.id) if kept else None)
            )

    def action_focus_search(self) -> None:
        self.query_one("#journal-filter", Input).focus()

    def action_new(self) -> None:
        def chosen(prompt: Prompt | str | None) -> None:
            if prompt is None:
                return
            self.app.push_screen(
                EntryEditorScreen(prompt=prompt if isinstance(prompt, Prompt) else None),
                self._saved,
            )

        self.app.push_screen(PromptScreen(), chosen)

    def _saved(self, entry_id: int | None) -> None:
        if entry_id is None:
            return
        self.refresh_data(keep=str(entry_id))
        if str(entry_id) not in self._hits:
            self.notify("Saved. The current search hides it: clear the search box to see it.")

    def action_edit(self) -> None:
        entry = self._selected()
        if entry is not None:
            self.app.push_screen(EntryEditorScreen(entry=entry), self._saved)

    def action_delete(self) -> None:
        entry = self._selected()
        if entry is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            with self.domain_errors():
                self.col.journal.delete(entry.id)
                self.notify(f"Deleted: {entry.title}", markup=False)
                self.refresh_data()

        self.app.push_screen(
            ConfirmScreen(
                Content.assemble("Delete this entry?\n", (entry.title, "bold")),
                "This cannot be undone.",
            ),
            answered,
        )

    def action_toggle_shared(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        with self.domain_errors():
            fresh = toggle_shared(self, entry)
            self.refresh_data(keep=str(fresh.id))

    def action_read(self) -> None:
        entry = self._selected()
        if entry is not None:
            self.app.push_screen(EntryScreen(entry.id))

    def on_option_list_option_selected(self, event: KeyList.OptionSelected) -> None:
        """A click on an entry opens it, as Enter does."""
        event.stop()
        self.action_read()

    def action_leave(self) -> None:
        """Escape leaves the search box first, then the journal."""
        if isinstance(self.focused, Input):
            self.query_one("#journal-list").focus()
        else:
            self.dismiss()


def resolve_entry(
    screen: MasteryScreen, entry: EntryView, then: Callable[[EntryView | None], None]
) -> None:
    """Ask which version of a conflict copy stays, settle it, say so, then call `then` with
    the entry that stays (None: the copy was deleted and the original is gone)."""

    def chosen(keep: str | None) -> None:
        if keep is None:
            return
        with screen.domain_errors():
            kept = screen.col.journal.resolve(entry.id, keep)
            screen.notify(
                f"Kept: {kept.title}" if kept else "Deleted the conflict copy.", markup=False
            )
            then(kept)

    screen.app.push_screen(ResolveScreen("entry", entry.title), chosen)


def toggle_shared(screen: MasteryScreen, entry: EntryView) -> EntryView:
    """Make a private entry shared or a shared one private, and say so."""
    visibility = "private" if entry.shared else "shared"
    fresh = screen.col.journal.edit(entry.id, visibility=visibility, now=screen.now())
    screen.notify(
        # Teams never get journal text: only a mentor, through the bundles you export.
        "Shared: it goes into the bundles you export for your mentor (never to a team)."
        if fresh.shared
        else "Private: only you can read it."
    )
    return fresh


# ----------------------------------------------------------------------------- one entry
class EntryScreen(MasteryScreen):
    """One entry, rendered as Markdown; `e` edits it, Escape goes back."""

    CSS_PATH = GOALS_JOURNAL_CSS

    AREA = "journal"
    SUB_TITLE = "Entry"
    BINDINGS = [
        Binding("e", "edit", "Edit", id="entry-edit"),
        Binding("v", "toggle_shared", "Share", id="entry-share"),
        Binding("r", "resolve", "Resolve", id="entry-resolve"),  # conflict copies only
        Binding("escape", "leave", "Back", id="entry-leave"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resolve":
            return self.entry is not None and self.entry.conflict_of is not None
        return True

    def action_resolve(self) -> None:
        entry = self.entry
        if entry is not None and entry.conflict_of is not None:
            resolve_entry(self, entry, self._after_resolve)

    def _after_resolve(self, kept: EntryView | None) -> None:
        """This copy may be gone (kept the other one, or this one's text in it): the entry
        that stays is shown then."""
        if kept is None:
            self.dismiss()
        else:
            self.entry_id = kept.id
            self.refresh_data()

    def __init__(self, entry_id: int) -> None:
        super().__init__(id="entry-screen")
        self.entry_id = entry_id
        self.entry: EntryView | None = None
        self._resumed = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="entry-reader"):
            yield Static(id="entry-meta")
            yield Markdown(id="entry-body-view", open_links=False)
            yield FeedbackList(id="entry-feedback", zone=self.col.clock.zone)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#entry-reader").focus()

    def on_screen_resume(self) -> None:
        if not self._resumed:
            self._resumed = True  # the first resume follows on_mount
        else:
            self.refresh_data()

    def refresh_data(self) -> None:
        with self.domain_errors():
            entry = self.col.journal.get(self.entry_id)
            self.entry = entry
            self.refresh_bindings()
            today = self.col.clock.day_of(self.now())
            prompts = {p.key: p for p in self.col.journal.prompts()}
            self.query_one("#entry-meta", Static).update(entry_meta(entry, today, prompts))
            self.query_one("#entry-body-view", Markdown).update(entry.body)
            comments = self.col.mentor.comments_for_entry(entry.uid)
            self.query_one("#entry-feedback", FeedbackList).show(comments)
            # Shown once with their "new" marker, then read.
            unread = [c.uid for c in comments if c.unread]
            if unread:
                self.col.mentor.mark_read(unread, now=self.now())

    def action_edit(self) -> None:
        if self.entry is not None:
            self.app.push_screen(EntryEditorScreen(entry=self.entry))

    def action_toggle_shared(self) -> None:
        if self.entry is not None:
            with self.domain_errors():
                toggle_shared(self, self.entry)
                self.refresh_data()

    def action_leave(self) -> None:
        self.dismiss()


# ----------------------------------------------------------------------------- writing
class EntryEditorScreen(UnsavedChanges, MasteryScreen):
    """Write a new entry (from a prompt's template, or a blank page) or edit one.

    ctrl+s saves through the domain (what it refuses is shown and the editor stays open);
    Escape cancels, asking first when something changed (`UnsavedChanges`). Dismisses with
    the entry's id, or None.
    """

    CSS_PATH = GOALS_JOURNAL_CSS

    AREA = "journal"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="editor-save"),
        Binding("escape", "cancel", "Cancel", id="editor-cancel"),
    ]

    def __init__(self, *, entry: EntryView | None = None, prompt: Prompt | None = None) -> None:
        super().__init__(id="entry-editor-screen")
        self.entry = entry
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        entry, prompt = self.entry, self.prompt
        if entry is not None:
            self.sub_title = "Edit entry"
            draft = EntryDraft(
                body=entry.body,
                title=entry.own_title,
                day=entry.day.isoformat(),
                tags=" ".join(entry.tags),
                goals=goal_refs(entry),
                shared=entry.shared,
            )
        else:
            self.sub_title = f"New entry: {prompt.name}" if prompt else "New entry"
            draft = EntryDraft(body=prompt.template if prompt else "")
        yield Header()
        if prompt is not None:
            about = Content.assemble((prompt.name, "bold"), (f"  {prompt.description}", "dim"))
        elif entry is not None:
            about = Content.assemble(("Editing ", "dim"), (entry.title, "bold"))
        else:
            about = Content.styled("A blank page: write in Markdown.", "dim")
        yield Static(about, id="editor-about")
        yield EntryEditor(draft, id="editor")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        editor = self.query_one(EntryEditor)
        # Below the first question for a prompt, at the end for an edit.
        editor.focus_body(1 if self.prompt is not None else 10**9)
        self._show_day(editor.draft().day)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "entry-date":
            self._show_day(event.value)

    def _show_day(self, text: str) -> None:
        """What the Date box means ("yesterday" = Sun 6 Dec), so a phrase is never a guess."""
        editor = self.query_one(EntryEditor)
        try:
            day = self.col.journal.resolve_day(text.strip() or None, self.now())
        except MasteryError as exc:  # the whole reason comes when saving; here a hint fits
            editor.show_day("in the future" if "future" in str(exc) else "not a date", refused=True)
            return
        editor.show_day(day.strftime("%a %-d %b %Y"))

    def action_save(self) -> None:
        draft = self.query_one(EntryEditor).draft()
        journal, now = self.col.journal, self.now()
        visibility = "shared" if draft.shared else "private"
        try:
            if self.entry is None:
                entry = journal.add(
                    draft.body,
                    day=draft.day.strip() or None,
                    title=draft.title,
                    tags=[draft.tags],
                    goals=draft.goals,
                    prompt=self.prompt.key if self.prompt else None,
                    visibility=visibility,
                    now=now,
                )
            else:
                day = draft.day.strip()
                entry = journal.edit(
                    self.entry.id,
                    body=draft.body,
                    title=draft.title,
                    tags=[draft.tags],
                    goals=draft.goals,
                    visibility=visibility,
                    day=day if day and day != self.entry.day.isoformat() else None,
                    now=now,
                    was=self.entry,
                )
        except MasteryError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        self.notify(f"Saved: {entry.title}", markup=False)
        self.dismiss(entry.id)


class PromptScreen(MasteryModal):
    """Choose how to start an entry: a prompt from `journal.prompts()`, or a blank page.
    Dismisses with the `Prompt`, "" for a blank page, or None."""

    CSS_PATH = GOALS_JOURNAL_CSS

    AREA = "journal"
    BINDINGS = [
        Binding("enter", "choose", "Choose", id="prompt-choose"),
        Binding("escape", "cancel", "Cancel", id="prompt-cancel"),
    ]

    def __init__(self) -> None:
        super().__init__(id="prompt-screen")
        self._prompts: list[Prompt] = []

    def compose(self) -> ComposeResult:
        with self.domain_errors():
            self._prompts = self.col.journal.prompts()
        options = [
            Option(Content.assemble((p.name, "bold"), "\n", (p.description, "dim")), id=str(n))
            for n, p in enumerate(self._prompts)
        ]
        options.append(
            Option(
                Content.assemble(("Blank page", "bold"), "\n", ("No questions.", "dim")), id="blank"
            )
        )
        with Vertical(id="prompt-box", classes="dialog"):
            yield Static(Content.styled("New entry: start from", "bold"), classes="dialog-title")
            yield KeyList(*options, id="prompt-list")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#prompt-list").focus()

    def action_choose(self) -> None:
        key = self.query_one("#prompt-list", KeyList).highlighted_id
        if key is None:
            return
        self.dismiss("" if key == "blank" else self._prompts[int(key)])

    def on_option_list_option_selected(self, event: KeyList.OptionSelected) -> None:
        event.stop()
        self.action_choose()

    def action_cancel(self) -> None:
        self.dismiss(None)


class QuickCaptureScreen(UnsavedChanges, MasteryModal):
    """A thought, quickly: ctrl+s saves it as today's private entry; Escape cancels (asking
    first when something was typed). Dismisses with the entry's id, or None."""

    CSS_PATH = GOALS_JOURNAL_CSS

    AREA = "journal"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="capture-save"),
        Binding("escape", "cancel", "Cancel", id="capture-cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()  # no id: it may open over any screen, even a dialog

    def compose(self) -> ComposeResult:
        with Vertical(id="capture-box", classes="dialog"):
            yield Static(
                Content.assemble(("Quick capture", "bold"), ("  today's journal, private", "dim")),
                classes="dialog-title",
            )
            yield TextArea(
                id="capture-body",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="What did you just learn or notice?",
            )
            with Horizontal(classes="form-row"):
                yield Static("Tags", classes="form-label", markup=False)
                yield Input(id="capture-tags", placeholder="words or commas", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#capture-body").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        body = self.query_one("#capture-body", TextArea).text
        tags = self.query_one("#capture-tags", Input).value
        try:
            entry = self.col.journal.add(body, tags=[tags], visibility="private", now=self.now())
        except MasteryError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        self.notify("Captured in today's journal.")
        self.dismiss(entry.id)


class ConfirmScreen(MasteryModal):
    """A yes/no question: y or Enter answers yes, n or Escape no. Dismisses with a bool."""

    CSS_PATH = GOALS_JOURNAL_CSS

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]

    def __init__(self, question: Content, detail: str = "") -> None:
        super().__init__()  # no id: dialogs may stack (a capture over a question)
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(self.question, classes="dialog-title")
            hint = f"{self.detail}  " if self.detail else ""
            yield Static(
                Content.assemble(
                    (hint, "dim"),
                    ("y", "bold $text-accent"),
                    " yes   ",
                    ("n", "bold $text-accent"),
                    " no",
                ),
            )
        yield Footer(compact=True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
