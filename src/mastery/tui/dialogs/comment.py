"""The mentor's comment on a mentee's entry or goal: write one, or edit or delete an earlier
one listed under the text box."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Static, TextArea
from textual.widgets.option_list import Option

from mastery.errors import MasteryError
from mastery.mentor import Comment
from mastery.tui.dialogs import MENTOR_CSS
from mastery.tui.dialogs.unsaved import UnsavedChanges
from mastery.tui.dialogs.yes_no import YesNoScreen
from mastery.tui.screens.base import MasteryModal
from mastery.tui.widgets.feedback import first_line, short_date
from mastery.tui.widgets.key_list import KeyList


class CommentList(KeyList):
    """Your earlier comments on one entry or goal: `e` edits, `d` deletes (messages up)."""

    BINDINGS = [
        Binding("e", "edit", "Edit comment", id="comment-list-edit"),
        Binding("d,delete", "delete", "Delete comment", id="comment-list-delete"),
    ]

    class Chosen(Message):
        """The learner wants to `action` ("edit" or "delete") comment `uid`."""

        def __init__(self, action: str, uid: str) -> None:
            super().__init__()
            self.action = action
            self.uid = uid

    def action_edit(self) -> None:
        if self.highlighted_id is not None:
            self.post_message(self.Chosen("edit", self.highlighted_id))

    def action_delete(self) -> None:
        if self.highlighted_id is not None:
            self.post_message(self.Chosen("delete", self.highlighted_id))


class CommentScreen(UnsavedChanges, MasteryModal):
    """Write a comment on an entry or goal (ctrl+s saves); your earlier comments on it are
    listed under the text box, where `e` edits one and `d` deletes one."""

    AREA = "mentor"
    CSS_PATH = MENTOR_CSS
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="comment-save"),
        Binding("escape", "cancel", "Cancel", id="comment-cancel"),
    ]

    def __init__(self, mentee_id: int, kind: str, target_id: str, title: str) -> None:
        super().__init__()
        self.mentee_id = mentee_id
        self.kind = kind
        self.target_id = target_id
        self.target_title = title
        self.editing: Comment | None = None
        self.comments: dict[str, Comment] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="comment-box", classes="mentor-dialog"):
            yield Static(id="comment-title", classes="dialog-title")
            yield TextArea(
                id="comment-body",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="Your comment (Markdown). ctrl+s saves.",
            )
            yield Static(id="comment-hint", classes="dialog-hint")
            yield CommentList(id="comment-list")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._list_comments()
        self._title()
        self.query_one("#comment-body").focus()

    def _list_comments(self) -> None:
        with self.domain_errors():
            self.comments = {
                c.uid: c
                for c in self.col.mentor.mentee_comments(self.mentee_id)
                if c.target_kind == self.kind and c.target_id == self.target_id
            }
        zone = self.col.clock.zone
        listing = self.query_one("#comment-list", CommentList)
        listing.show(
            [
                Option(
                    Content.assemble(
                        (short_date(c.updated, zone) + "  ", "dim"), first_line(c.body)
                    ).truncate(70, ellipsis=True),
                    id=c.uid,
                )
                for c in self.comments.values()
            ],
            keep=listing.highlighted_id,
        )
        listing.display = bool(self.comments)
        hint = Content.assemble(
            ("ctrl+s", "bold $text-accent"),
            " saves; it goes with your next reply (",
            ("r", "bold $text-accent"),
            ").",
        )
        if self.comments:
            hint += Content.assemble(
                f" Your earlier comments below ({len(self.comments)}): ",
                ("tab", "bold $text-accent"),
                " to reach them, then ",
                ("e", "bold $text-accent"),
                " edits, ",
                ("d", "bold $text-accent"),
                " deletes.",
            )
        self.query_one("#comment-hint", Static).update(hint)

    def _title(self) -> None:
        what = "entry" if self.kind == "entry" else "goal"
        if self.editing is not None:
            date_text = short_date(self.editing.created, self.col.clock.zone)
            title = Content.assemble(
                ("Edit your comment of ", "bold"),
                (date_text, "bold"),
                f" on {what} ",
                (self.target_title, "bold"),
            )
        else:
            title = Content.assemble(
                ("Comment on ", "bold"), f"{what} ", (self.target_title, "bold")
            )  # user text
        self.query_one("#comment-title", Static).update(title)

    def on_comment_list_chosen(self, event: CommentList.Chosen) -> None:
        event.stop()
        comment = self.comments.get(event.uid)
        if comment is None:
            return
        if event.action == "edit":
            self.editing = comment
            body = self.query_one("#comment-body", TextArea)
            body.load_text(comment.body)
            self.mark_saved()  # the comment as saved is the starting point
            body.focus()
            self._title()
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            with self.domain_errors():
                self.col.mentor.delete_comment(comment.uid, now=self.now())
                self.notify(
                    "Comment deleted: your next reply withdraws it from your mentee's profile too."
                )
                if self.editing is not None and self.editing.uid == comment.uid:
                    self.editing = None
                    self.query_one("#comment-body", TextArea).load_text("")
                    self.mark_saved()
                    self._title()
                self._list_comments()
                if not self.comments:
                    self.query_one("#comment-body").focus()

        self.app.push_screen(
            YesNoScreen(
                Content.assemble("Delete this comment?\n", (first_line(comment.body), "bold"))
            ),
            answered,
        )

    def action_save(self) -> None:
        body = self.query_one("#comment-body", TextArea).text
        mentor, now = self.col.mentor, self.now()
        try:
            if self.editing is not None:
                saved = mentor.edit_comment(self.editing.uid, body, now=now)
            else:
                saved = mentor.comment(self.mentee_id, self.kind, self.target_id, body, now=now)
        except MasteryError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        self.notify("Comment saved: it goes with your next reply (r).")
        self.dismiss(saved)
