"""The header with the sync status on its right ("synced 2 min ago", "syncing…", "sync failed").

The footer is full at 80 columns (it must keep "? Help"); the header's right end is empty, where
Textual would put a clock. The status is the app's `sync_status` reactive, a (text, state) pair
the app keeps up to date; every header showing it follows it, so the dashboard under a review
is right when the review ends. No text (no sync target) shows nothing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Click
from textual.message import Message
from textual.widgets import Header, Static

STATES = ("ok", "busy", "failed")


class SyncStatusLabel(Static):
    """The status text; its state is a class (`-ok`, `-busy`, `-failed`) styled in TCSS."""

    class Clicked(Message):
        """The status was clicked: the app says more (the last error, when it failed)."""

    def show(self, text: str, state: str) -> None:
        self.update(text)
        self.display = bool(text)
        for name in STATES:
            self.set_class(name == state, f"-{name}")

    def on_click(self, event: Click) -> None:
        event.stop()
        self.post_message(self.Clicked())


class SyncHeader(Header):
    """Textual's header, the sync status in place of the clock."""

    def compose(self) -> ComposeResult:
        yield from super().compose()  # its clock's space: hidden while a status shows
        yield SyncStatusLabel(id="sync-status", markup=False)

    def on_mount(self) -> None:
        # Textual's own way to follow another node's reactive (its Header follows the title).
        if hasattr(self.app, "sync_status"):
            self.watch(self.app, "sync_status", self._show)

    def _show(self, status: tuple[str, str]) -> None:
        self.set_class(bool(status[0]), "-sync")  # the status takes the clock's place
        self.query_one(SyncStatusLabel).show(*status)
