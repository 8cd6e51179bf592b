"""The "review: Cram…" dialog: type a search, see how many cards it matches, Enter starts.

The session itself runs on `CramScreen` (review.py); this only picks the search, so the same
session can also start from the browser (`c`), the dashboard (`c`) and `mastery cram`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from mastery import present as fmt
from mastery.cram import SEARCH_HINT, nothing_to_cram
from mastery.errors import MasteryError
from mastery.tui.screens.base import MasteryModal


class CramPromptScreen(MasteryModal):
    """Asks for the search to cram; dismisses with it (Enter), or None (Escape).

    Enter on a search that matches nothing keeps the dialog open and says so."""

    AREA = "review"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cram-cancel"),
    ]
    DEFAULT_CSS = """
    CramPromptScreen {
        align: center middle;
    }
    #cram-box {
        width: 74;
        max-width: 100%;
        height: auto;
        padding: 0 1;
        border: round $accent;
        background: $surface;
    }
    #cram-title {
        margin-bottom: 1;
    }
    #cram-query {
        background: $boost;
    }
    #cram-count {
        margin-top: 1;
    }
    #cram-hint {
        margin-top: 1;
        color: $text-muted;
    }
    """

    def __init__(self) -> None:
        super().__init__(id="cram-prompt")
        self._matches = 0
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="cram-box"):
            yield Static(
                Content.assemble(
                    ("Cram", "bold"), ("  any search, without touching the schedule", "dim")
                ),
                id="cram-title",
            )
            yield Input(placeholder="Search, e.g. deck:git due:3", id="cram-query")
            yield Static(id="cram-count", markup=False)
            yield Static(
                f"{SEARCH_HINT}\nis:new deck:x previews a deck's new cards. In the session, "
                "Again brings a card back soon; Hard, Good and Easy are done with it.",
                id="cram-hint",
                markup=False,
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#cram-query", Input).focus()
        self.count("")

    def count(self, query: str) -> int:
        """Show how many cards the search matches (or why it cannot be read); returns it."""
        label = self.query_one("#cram-count", Static)
        try:
            self._matches = self.col.cram_count(query, now=self.now())
        except MasteryError as exc:
            self._matches = 0
            label.update(str(exc))
            return 0
        if self._matches:
            what = "every card" if not query.strip() else "this search"
            label.update(f"{fmt.plural(self._matches, 'card')} to cram ({what}). Enter starts.")
        else:
            label.update(nothing_to_cram(query.strip() or "all cards"))
        return self._matches

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value
        self._debounce = self.set_timer(0.15, lambda: self.count(value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        if self.count(event.value):
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
