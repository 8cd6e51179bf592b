"""Overall notes, both sides: the mentor writes theirs for a mentee (`NoteScreen`); the mentee
reads the newest one from their mentor (`MentorNoteScreen`)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Markdown, Static, TextArea

from mastery.errors import MasteryError
from mastery.mentor import MentorNote
from mastery.tui.dialogs import MENTOR_CSS
from mastery.tui.dialogs.unsaved import UnsavedChanges
from mastery.tui.screens.base import MasteryModal
from mastery.tui.widgets.feedback import NEW_MARK, short_date


class NoteScreen(UnsavedChanges, MasteryModal):
    """Your overall note for a mentee: ctrl+s saves (empty clears it), Escape cancels."""

    AREA = "mentor"
    CSS_PATH = MENTOR_CSS
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="note-save"),
        Binding("escape", "cancel", "Cancel", id="note-cancel"),
    ]

    def __init__(self, mentee_id: int) -> None:
        super().__init__()
        self.mentee_id = mentee_id
        self.original = ""

    def compose(self) -> ComposeResult:
        name = ""
        with self.domain_errors():
            mentee = self.col.mentor.mentee(self.mentee_id)
            name, self.original = mentee.name, mentee.note
        with Vertical(id="note-edit-box", classes="mentor-dialog"):
            yield Static(
                Content.assemble(("Your note for ", "bold"), (name, "bold")), classes="dialog-title"
            )
            yield TextArea(
                self.original,
                id="note-body",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="How is it going overall? (Markdown)",
            )
            yield Static(
                Content.assemble(
                    ("ctrl+s", "bold $text-accent"),
                    " saves; it goes with your next reply (",
                    ("r", "bold $text-accent"),
                    ") and shows on their dashboard. Empty clears it.",
                ),
                classes="dialog-hint",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        body = self.query_one("#note-body", TextArea)
        body.focus()
        body.move_cursor(body.document.end)

    def action_save(self) -> None:
        text = self.query_one("#note-body", TextArea).text
        try:
            mentee = self.col.mentor.set_note(self.mentee_id, text, now=self.now())
        except MasteryError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        if mentee.note:
            self.notify(
                f"Note for {mentee.name} saved: it goes with your next reply (r).", markup=False
            )
        else:
            self.notify(f"Note for {mentee.name} cleared.", markup=False)
        self.dismiss(mentee)


class MentorNoteScreen(MasteryModal):
    """The mentor's newest note in full; opening it marks it read. Escape closes."""

    AREA = "mentor"
    CSS_PATH = MENTOR_CSS
    BINDINGS = [Binding("escape,enter,m", "close", "Close", id="mentor-note-close")]

    def __init__(self, note: MentorNote) -> None:
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        note, zone = self.note, self.col.clock.zone
        with Vertical(id="note-box", classes="mentor-dialog"):
            yield Static(
                Content.assemble(
                    (f"{NEW_MARK}  ", "bold $text-warning") if note.unread else "",
                    ("Note from ", "bold"),
                    (note.mentor_name, "bold"),
                    (
                        f"  written {short_date(note.created, zone)}, "
                        f"received {short_date(note.received, zone)}",
                        "dim",
                    ),
                ),
                classes="dialog-title",
            )
            with VerticalScroll(id="note-scroll"):
                yield Markdown(note.body, open_links=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        with self.domain_errors():
            self.col.mentor.mark_read([self.note.uid], now=self.now())
        self.query_one("#note-scroll").focus()

    def action_close(self) -> None:
        self.dismiss()
