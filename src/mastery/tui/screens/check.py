"""profile: Check database: runs `mastery check` in a worker and shows its report."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from mastery.check import RESTORE_HINT, damage_hint
from mastery.collection import Collection
from mastery.errors import MasteryError
from mastery.tui.screens.base import MasteryModal


class CheckScreen(MasteryModal):
    """A small dialog: "Checking…", then what was fixed (or "No problems found.")."""

    AREA = "check"
    BINDINGS = [Binding("escape,q,enter", "close", "Close", id="check-close")]

    class Done(Message):
        """The check finished: its report lines, or one error line."""

        def __init__(self, lines: list[str], error: bool) -> None:
            super().__init__()
            self.lines = lines
            self.error = error

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="check-box"):
            yield Static(Content.styled("Check database", "bold"), id="check-title")
            yield Static("Checking the database… (a big profile takes a minute)", id="check-body")
            yield Static("Esc closes this.", id="check-hint")

    def on_mount(self) -> None:
        self.run_check()

    @work(thread=True, exclusive=True, exit_on_error=False, group="check")
    def run_check(self) -> None:
        """On a connection of its own, like the daily backup: the app stays responsive and
        the fixes are one transaction there."""
        try:
            with Collection.open_path(self.col.db.path) as col:
                report = col.check(now=self.now())
            self.post_message(self.Done(report.lines(), error=False))
        except (MasteryError, OSError) as exc:
            text = str(exc)
            if damage_hint(text) and "--restore" not in text:
                text += f"; {RESTORE_HINT}"  # the check itself cannot help a file this broken
            self.post_message(self.Done([text], error=True))

    def on_check_screen_done(self, message: Done) -> None:
        body = self.query_one("#check-body", Static)
        body.set_class(message.error, "-error")
        body.update(Content("\n".join(message.lines)))  # file paths are not markup
        if not message.error:
            self.col.reload_settings()  # the check may have changed rows this app has read

    def action_close(self) -> None:
        self.dismiss()
