"""The card browser: search, suspend or unsuspend, open a card's info, cram the search."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Static

from mastery import present as fmt
from mastery.errors import MasteryError
from mastery.model import CardView
from mastery.query import CARD_HELP
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.widgets.table import KeyTable

SEARCH_HELP = CARD_HELP
LIMIT = 1000


class BrowserScreen(MasteryScreen):
    """Every card matching the search box, one per row."""

    AREA = "browse"
    SUB_TITLE = "Browse cards"
    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="browse-search"),
        Binding("s", "toggle_suspend", "Suspend", id="browse-suspend"),
        Binding("enter", "info", "Card info", id="browse-info"),
        Binding("c", "cram", "Cram", id="browse-cram"),
        Binding("escape", "leave", "Back", id="browse-leave"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__(id="browser")
        self._query = query
        self._cards: dict[str, CardView] = {}
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(self._query, placeholder=f"Search: {SEARCH_HELP}", id="search")
        yield Static(id="found", markup=False)
        yield KeyTable(id="cards")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#cards", KeyTable)
        widths = self._widths()
        table.add_column(Text("#", justify="right"), key="id", width=widths["id"])
        for label in ("Deck", "Front", "State", "Due", "Tags"):
            table.add_column(label, key=label.lower(), width=widths[label.lower()])
        self.search(self._query)
        table.focus()

    def _widths(self) -> dict[str, int]:
        """Column widths for the terminal's width: the front gets what the others leave."""
        wide = self.app.size.width >= 110
        widths = {
            "id": 5,
            "deck": 20 if wide else 12,
            "state": 10,
            "due": 6,
            "tags": 18 if wide else 10,
        }
        # Each column's cell padding (2), the scrollbar and the margins.
        used = sum(widths.values()) + 2 * (len(widths) + 1) + 4
        widths["front"] = max(16, self.app.size.width - used)
        return widths

    def on_resize(self) -> None:
        table = self.query_one("#cards", KeyTable)
        widths = self._widths()
        changed = False
        for key, column in table.columns.items():
            width = widths.get(str(key.value))
            if width is not None and column.width != width:
                column.width = width
                changed = True
        if changed:
            self.search(self._query, keep_cursor=True)

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.search(self.query_one("#search", Input).value, keep_cursor=True)

    # ------------------------------------------------------------------ searching
    def on_input_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value
        self._debounce = self.set_timer(0.2, lambda: self.search(value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        if self.search(event.value, loud=True):
            self.query_one("#cards", KeyTable).focus()

    def search(self, query: str, *, keep_cursor: bool = False, loud: bool = False) -> bool:
        """List the cards the search box asks for. A search that cannot be read (`is:foo`,
        `deck:nosuch`) is said on the count line, the box turns red and the list stays as it
        was; `loud` (Enter) also notifies. Returns whether the search ran."""
        table = self.query_one("#cards", KeyTable)
        box = self.query_one("#search", Input)
        found = self.query_one("#found", Static)
        previous = table.cursor_key if keep_cursor else None
        try:
            cards = self.col.search_cards(query, limit=LIMIT, now=self.now())
        except MasteryError as exc:
            box.add_class("-invalid")
            found.add_class("-invalid")
            found.update(str(exc))
            if loud:
                self.notify(str(exc), title="Search", severity="error", markup=False)
            return False
        box.remove_class("-invalid")
        found.remove_class("-invalid")
        self._query = query
        table.clear()
        self._cards = {str(c.id): c for c in cards}
        widths = self._widths()
        for card in cards:
            table.add_row(*self._cells(card, widths), key=str(card.id))
        if previous in self._cards:
            table.move_cursor(row=list(self._cards).index(previous))
        if not cards:
            found.update(
                "No cards match. "
                + (
                    "Try fewer words."
                    if query.strip()
                    else "Import a deck from your shell: mastery import FILE"
                )
            )
        elif len(cards) >= LIMIT:
            found.update(f"The first {LIMIT} matching cards  ·  {SEARCH_HELP}")
        else:
            found.update(f"{fmt.plural(len(cards), 'card')}  ·  {SEARCH_HELP}")
        return True

    def _cells(self, card: CardView, widths: dict[str, int]) -> tuple[Text, ...]:
        now = self.now()
        if card.suspended:
            state = Text("suspended", style="yellow")
        elif card.buried_until is not None and card.buried_until > now:
            state = Text("buried", style="dim")
        else:
            state = Text(card.state_name)
        return (
            Text(str(card.id), style="dim", justify="right"),
            Text(fmt.excerpt(card.deck_label, widths["deck"])),
            Text(fmt.excerpt(card.front, widths["front"])),
            state,
            Text(fmt.due_cell(card.due, now, self.col.clock)),
            Text(fmt.excerpt(" ".join(card.tags), widths["tags"]), style="dim"),
        )

    @property
    def cards(self) -> list[CardView]:
        """The cards listed, in table order."""
        return list(self._cards.values())

    def _selected(self) -> CardView | None:
        key = self.query_one("#cards", KeyTable).cursor_key
        return self._cards.get(key) if key is not None else None

    # ------------------------------------------------------------------ actions
    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_toggle_suspend(self) -> None:
        card = self._selected()
        if card is None:
            return
        with self.domain_errors():
            if card.suspended:
                self.col.unsuspend([card.id], now=self.now())
                self.notify("Card unsuspended: it is back in the review queue.")
            else:
                self.col.suspend([card.id], now=self.now())
                self.notify("Card suspended: it leaves the review queue until unsuspended.")
            fresh = self.col.card(card.id)
            self._cards[str(card.id)] = fresh
            table = self.query_one("#cards", KeyTable)
            state, due = self._cells(fresh, self._widths())[3:5]
            table.update_cell(str(card.id), "state", state)
            table.update_cell(str(card.id), "due", due)

    def action_info(self) -> None:
        card = self._selected()
        if card is None:
            return
        from mastery.tui.screens.card_info import CardInfoScreen

        self.app.push_screen(CardInfoScreen(card.id))

    def action_cram(self) -> None:
        """Cram the cards of the search box (over the browser: leaving comes back here)."""
        self.app.start_cram(self.query_one("#search", Input).value, stack=True)

    def on_data_table_row_selected(self, event: KeyTable.RowSelected) -> None:
        event.stop()
        self.action_info()

    def action_leave(self) -> None:
        """Escape leaves the search box first, then the browser."""
        if isinstance(self.focused, Input):
            self.query_one("#cards", KeyTable).focus()
        else:
            self.dismiss()
