"""Mentor feedback as the screens show it: a list of comments, and the dashboard's mentor line.

Both are dumb: they take plain data from `mastery.mentor` (`Comment`, `MentorNote`) and draw
it. Deciding when something counts as read (`Mentor.mark_read`) is the screen's business.
Comment bodies are Markdown written by someone else: they go through `Markdown` (never
Textual markup), and names and dates through `Content`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from mastery.present import UNREAD_MARK

if TYPE_CHECKING:
    # Types only: the dashboard's MentorLine is on the start path, and `mastery.mentor`
    # (pydantic file formats, PyNaCl) costs 0.1 s or more to import.
    from mastery.mentor import Comment, MentorNote

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NEW_MARK = f"{UNREAD_MARK} new"
"""How an unread comment or note is marked (tests look for it)."""


def short_date(moment: datetime, zone: tzinfo | None = None) -> str:
    """ "22 Nov 2026" in the learner's zone (English names: strftime follows the locale)."""
    local = moment.astimezone(zone or UTC)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}"


def first_line(text: str) -> str:
    """The first line of a note or comment that has any words on it."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


class FeedbackList(Vertical):
    """Comments on one entry or goal, oldest first: who, when, new or not, then the body.

    `FeedbackList(comments, title="Feedback", zone=clock.zone)`; `show(comments)` replaces
    them (the reader moved to another entry). With no comments the widget hides itself.
    `author` names comments whose `mentor_name` is empty (the mentor's own, on their side).
    """

    DEFAULT_CSS = """
    FeedbackList {
        height: auto;
        margin-top: 1;
    }
    FeedbackList > .feedback-title {
        text-style: bold;
        color: $text-accent;
    }
    FeedbackList > .feedback-head {
        margin-top: 1;
        color: $text-muted;
    }
    FeedbackList > .feedback-head.-unread {
        color: $text;
    }
    FeedbackList > .feedback-body {
        height: auto;
        padding: 0 0 0 1;
        border-left: outer $accent 50%;
    }
    FeedbackList Markdown {
        margin: 0;
        padding: 0;
    }
    FeedbackList Markdown > *:last-child {
        margin-bottom: 0;
    }
    """

    def __init__(
        self,
        comments: Sequence[Comment] = (),
        *,
        title: str = "Feedback",
        author: str = "You",
        zone: tzinfo | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.comments: tuple[Comment, ...] = tuple(comments)
        self.title = title
        self.author = author
        self.zone = zone

    def compose(self) -> ComposeResult:
        yield from self._children()

    def on_mount(self) -> None:
        self.display = bool(self.comments)

    def show(self, comments: Sequence[Comment]) -> None:
        """Show these comments instead (an empty list hides the widget)."""
        self.comments = tuple(comments)
        self.display = bool(self.comments)
        self.remove_children()
        if self.comments:
            self.mount_all(self._children())

    def _children(self) -> list[Static | Vertical]:
        if not self.comments:
            return []
        unread = sum(c.unread for c in self.comments)
        title = Content.assemble(
            (self.title, "bold"),
            (f"  {len(self.comments)}", "dim"),
            (f"  {unread} new", "bold $text-warning") if unread else "",
        )
        from textual.widgets import Markdown  # not at start-up: markdown-it is heavy

        widgets: list[Static | Vertical] = [Static(title, classes="feedback-title")]
        for comment in self.comments:
            widgets.append(
                Static(
                    self.heading(comment),
                    classes="feedback-head" + (" -unread" if comment.unread else ""),
                )
            )
            # The bar and indent sit on a wrapper: screens may restyle Markdown inside readers.
            widgets.append(
                Vertical(Markdown(comment.body, open_links=False), classes="feedback-body")
            )
        return widgets

    def heading(self, comment: Comment) -> Content:
        """ "● new  Bo · 22 Nov 2026 (edited 23 Nov 2026)": user text as plain Content."""
        when = short_date(comment.created, self.zone)
        edited = short_date(comment.updated, self.zone)
        return Content.assemble(
            (f"{NEW_MARK}  ", "bold $text-warning") if comment.unread else "",
            (comment.mentor_name or self.author, "bold"),
            f" · {when}",
            (f" (edited {edited})" if edited != when else "", "dim"),
        )


class MentorLine(Static):
    """The dashboard's lines about mentor feedback: the newest note's first line (marked new
    until read), and how many comments are unread. Hidden when there is neither."""

    DEFAULT_CSS = """
    MentorLine {
        height: auto;
        margin-top: 1;
        padding: 0 2;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, markup=False)
        self.display = False

    def show(
        self,
        note: MentorNote | None,
        unread_comments: int,
        key: str = "m",
        *,
        unread_from_mentees: Sequence[tuple[str, int]] = (),
    ) -> None:
        """Draw the lines for this note and count; `key` is the key that opens the note. As
        a mentor: `unread_from_mentees` (name, unread shared entries) gets a line too."""
        lines: list[Content] = []
        if unread_from_mentees:
            total = sum(n for _, n in unread_from_mentees)
            names = ", ".join(name for name, _ in unread_from_mentees[:3])
            more = len(unread_from_mentees) - 3
            lines.append(
                Content.assemble(
                    (f"{total} unread shared {'entry' if total == 1 else 'entries'}", "bold"),
                    " from ",
                    names,  # user text: plain Content, never markup
                    f" and {more} more" if more > 0 else "",
                    " (",
                    ("M", "bold $text-accent"),
                    " Mentees)",
                )
            )
        if note is not None:
            marker = (
                Content.assemble(
                    (NEW_MARK, "bold $text-warning"), " (", (key, "bold $text-accent"), ")  "
                )
                if note.unread
                else Content("")
            )
            lines.append(
                Content.assemble(
                    marker,
                    ("Mentor ", "bold"),
                    (note.mentor_name, "bold"),
                    ": ",
                    first_line(note.body),  # user text: plain Content, never markup
                )
            )
        if unread_comments:
            noun = "comment" if unread_comments == 1 else "comments"
            lines.append(
                Content.assemble(
                    (f"{unread_comments} new {noun}", "bold $text-warning"),
                    " from your mentor, under your journal entries and goals",
                )
            )
        self.display = bool(lines)
        self.update(Content("\n").join(lines))
