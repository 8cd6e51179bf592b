"""The reply to a mentee: what the feedback file holds (previewed, nothing written), the name
the mentee sees and the file; ctrl+s writes exactly the preview shown."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Footer, Input, Static

from mastery import paths
from mastery import present as fmt
from mastery.errors import MasteryError
from mastery.mentor import FeedbackPreview
from mastery.tui.dialogs import MENTOR_CSS
from mastery.tui.dialogs.file_action import file_path, slug, write_or_notify
from mastery.tui.screens.base import MasteryModal
from mastery.tui.widgets.feedback import first_line


class ReplyScreen(MasteryModal):
    """What the reply file holds (`preview_reply`), your name and the file; ctrl+s (or Enter
    in the file box) writes it (`write_reply`)."""

    AREA = "mentor"
    CSS_PATH = MENTOR_CSS
    BINDINGS = [
        Binding("ctrl+s", "write", "Write file", id="reply-write"),
        Binding("escape", "cancel", "Cancel", id="reply-cancel"),
    ]

    def __init__(self, mentee_id: int) -> None:
        super().__init__()
        self.mentee_id = mentee_id
        self.preview: FeedbackPreview | None = None

    def compose(self) -> ComposeResult:
        mentor = self.col.mentor
        name = mentor.display_name() or ""
        mentee_name = ""
        with self.domain_errors():
            mentee_name = mentor.mentee(self.mentee_id).name
        default_file = paths.export_dir() / f"feedback-for-{slug(mentee_name)}.feedback"
        with Vertical(id="reply-box", classes="mentor-dialog"):
            yield Static(
                Content.assemble(("Reply to ", "bold"), (mentee_name, "bold")),
                classes="dialog-title",
            )
            yield Static(id="reply-summary")
            with Horizontal(classes="form-row"):
                yield Static("Your name", classes="form-label")
                yield Input(
                    name,
                    id="reply-name",
                    compact=True,
                    placeholder="the name your mentee sees (remembered)",
                )
            with Horizontal(classes="form-row"):
                yield Static("File", classes="form-label")
                yield Input(str(default_file), id="reply-file", compact=True)
            yield Static(
                Content.assemble(
                    ("ctrl+s", "bold $text-accent"),
                    " or ",
                    ("enter", "bold $text-accent"),
                    " in the file box writes it. Send the file to ",
                    (mentee_name, "bold"),
                    "; they import it with ",
                    ("mastery mentor feedback FILE", "italic"),
                    ".",
                ),
                classes="dialog-hint",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.rebuild()
        self.query_one("#reply-file" if self.preview is not None else "#reply-name").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "reply-name":
            self.rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "reply-name":
            self.query_one("#reply-file").focus()
        else:
            self.action_write()

    def rebuild(self) -> None:
        """Preview the reply with the name typed, and say what it holds."""
        summary = self.query_one("#reply-summary", Static)
        name = self.query_one("#reply-name", Input).value.strip()
        try:
            # Without a name the counts are still worth showing; only a named preview is kept
            # for writing.
            preview = self.col.mentor.preview_reply(
                self.mentee_id, name=name or "?", now=self.now()
            )
        except MasteryError as exc:
            self.preview = None
            summary.update(Content.assemble(("Cannot write it: ", "bold $text-error"), str(exc)))
            return
        self.preview = preview if name else None
        held = [fmt.plural(len(preview.comments), "comment")]
        if preview.withdrawn:
            held.append(f"{len(preview.withdrawn)} withdrawn")
        lines = [
            Content.assemble(
                ("It holds ", "bold"),
                ", ".join(held),
                " and your note:" if preview.note else ", no note.",
            )
        ]
        lines_end = [
            Content.styled(
                f"Sealed for {preview.mentee.name}: only they can read it.", "dim"
            )  # user text in a Content: never markup
        ]
        if preview.note:
            lines.append(Content.assemble("  ", (first_line(preview.note), "italic")))
        if not name:
            lines.append(
                Content.styled(
                    "Type your name below: your mentee sees it (it is remembered).",
                    "bold $text-warning",
                )
            )
        summary.update(Content("\n").join(lines + lines_end))

    def action_write(self) -> None:
        if self.preview is None:
            self.rebuild()
            if self.preview is None:
                name_box = self.query_one("#reply-name", Input)
                self.notify(
                    "Type the name your mentee will see.", title="Not written", severity="error"
                )
                name_box.focus()
                return
        value = self.query_one("#reply-file", Input).value
        if not value.strip():
            self.notify("Type the file to write.", title="Not written", severity="error")
            return
        path = file_path(value)
        preview = self.preview
        written = write_or_notify(
            self, path, lambda target: self.col.mentor.write_reply(target, preview)
        )
        if written is None:
            return
        self.notify(
            f"Wrote {written}: {fmt.plural(len(self.preview.comments), 'comment')}"
            f"{' and your note' if self.preview.note else ''} for {self.preview.mentee.name}.",
            title="Reply written",
            markup=False,
            timeout=8,
        )
        self.dismiss(written)

    def action_cancel(self) -> None:
        self.dismiss(None)
