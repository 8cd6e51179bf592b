"""The fields of a journal entry: title, date phrase, shared switch, tags, goals and the body.

`EntryEditor` only holds values: `draft()` reads them as an `EntryDraft` (compare it with the
one it started from to know whether anything would be lost); the screen saves.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static, Switch, TextArea


@dataclass(frozen=True)
class EntryDraft:
    """An entry as typed. `goals` are goal titles (or numbers), `tags` words or commas."""

    body: str = ""
    title: str = ""
    day: str = ""
    tags: str = ""
    goals: tuple[str, ...] = ()
    shared: bool = False


def split_goals(text: str) -> tuple[str, ...]:
    """The Goals field: titles (or a start of one, or a goal's number) separated by commas."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


class EntryEditor(Vertical):
    """Two rows of fields above a TextArea for the Markdown body."""

    DEFAULT_CSS = """
    EntryEditor {
        height: 1fr;
    }
    EntryEditor .editor-row {
        height: 1;
        margin-bottom: 1;
    }
    EntryEditor .editor-label {
        width: auto;
        padding: 0 1 0 1;
        color: $text-muted;
    }
    EntryEditor Input {
        width: 1fr;
        background: $boost;
    }
    EntryEditor Input:focus {
        background: $primary 20%;
    }
    EntryEditor #entry-date {
        width: 16;
    }
    EntryEditor #entry-date-resolved {
        width: auto;
        padding-left: 1;
        color: $text-muted;
    }
    EntryEditor #entry-date-resolved.-refused {
        color: $text-error;
    }
    EntryEditor Switch {
        height: 1;
        width: 6;
        margin-left: 1;
        border: none;
        padding: 0;
        background: transparent;
    }
    EntryEditor #entry-visibility {
        width: 9;
        padding-left: 1;
    }
    EntryEditor Switch:focus {
        border: none;
        background: $primary 30%;
    }
    EntryEditor #entry-body {
        height: 1fr;
        border: round $primary 50%;
    }
    EntryEditor #entry-body:focus {
        border: round $primary;
    }
    """

    def __init__(self, draft: EntryDraft, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.initial = draft

    def compose(self) -> ComposeResult:
        d = self.initial
        with Horizontal(classes="editor-row"):
            yield Static("Title", classes="editor-label", markup=False)
            yield Input(
                d.title,
                id="entry-title",
                compact=True,
                placeholder="optional: taken from the first line",
            )
            yield Static("Date", classes="editor-label", markup=False)
            yield Input(d.day, id="entry-date", compact=True, placeholder="today")
            yield Static("", id="entry-date-resolved", markup=False)
            yield Switch(d.shared, id="entry-shared", animate=False)
            yield Static(self._visibility(d.shared), id="entry-visibility", markup=False)
        with Horizontal(classes="editor-row"):
            yield Static("Tags", classes="editor-label", markup=False)
            yield Input(d.tags, id="entry-tags", compact=True, placeholder="words or commas")
            yield Static("Goals", classes="editor-label", markup=False)
            yield Input(
                ", ".join(d.goals),
                id="entry-goals",
                compact=True,
                placeholder="goal titles, comma-separated",
            )
        yield TextArea(d.body, id="entry-body", soft_wrap=True, tab_behavior="focus")

    @staticmethod
    def _visibility(shared: bool) -> str:
        return "shared" if shared else "private"

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.query_one("#entry-visibility", Static).update(self._visibility(event.value))

    def show_day(self, text: str, *, refused: bool = False) -> None:
        """Beside the Date box: the day it resolves to ("Sun 6 Dec"), or why not."""
        label = self.query_one("#entry-date-resolved", Static)
        label.update(text)
        label.set_class(refused, "-refused")

    def draft(self) -> EntryDraft:
        return EntryDraft(
            body=self.query_one("#entry-body", TextArea).text,
            title=self.query_one("#entry-title", Input).value,
            day=self.query_one("#entry-date", Input).value,
            tags=self.query_one("#entry-tags", Input).value,
            goals=split_goals(self.query_one("#entry-goals", Input).value),
            shared=self.query_one("#entry-shared", Switch).value,
        )

    def focus_body(self, line: int = 0) -> None:
        """Focus the body with the cursor at the start of `line` (clamped to the text)."""
        body = self.query_one("#entry-body", TextArea)
        body.focus()
        last = body.document.line_count - 1
        row = min(max(0, line), last)
        body.move_cursor((row, len(body.document.get_line(row))))
