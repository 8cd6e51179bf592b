"""The card browser: search, suspend or unsuspend, edit, flag and mark (as in Anki), open a
card's info, cram the search; `u` takes back the newest flag, mark or suspension."""

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
from mastery.states import Flag
from mastery.tui.dialogs.flag import COLOURS, flag_cell
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
        Binding("e", "edit", "Edit", id="browse-edit"),
        Binding("f", "flag", "Flag", id="browse-flag"),
        # Out of the footer so that Help fits in 80 columns; the ★ on a row shows it.
        Binding("asterisk", "mark", "Mark", show=False, id="browse-mark"),
        Binding("s", "toggle_suspend", "Suspend", id="browse-suspend"),
        Binding("u", "undo", "Undo", show=False, id="browse-undo"),
        Binding("enter", "info", "Info", tooltip="Card info", id="browse-info"),
        Binding("c", "cram", "Cram", id="browse-cram"),
        Binding("escape", "leave", "Back", id="browse-leave"),
        # q quits as everywhere, out of the footer here so that Help fits in 80 columns.
        # (No description: the palette and the help list the app's own Quit.)
        Binding("q", "app.quit", "", show=False, id="browse-quit"),
        *(
            Binding(
                f"ctrl+{n}",
                f"set_flag({n})",
                "",  # one row in help and the palette: f
                show=False,
                id=f"browse-flag-{n}",
            )
            for n in range(1, 8)
        ),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__(id="browser")
        self._query = query
        self._cards: dict[str, CardView] = {}
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(self._query, placeholder=SEARCH_HELP, id="search")
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
        """Column widths for the terminal's width: the front gets what the others leave, and
        the most of it (24 columns at 80, 41 at 120); state ("relearning") and due ("in 30d")
        fit whole, deck and tags take what is left in proportion."""
        width = self.app.size.width
        wide = width >= 100
        widths = {
            "id": 6 if wide else 5,
            "deck": min(24, 18 + (width - 120) // 8) if wide else 9,
            "state": 10,
            "due": 7 if wide else 6,
            "tags": min(30, 22 + (width - 120) // 4) if wide else 10,
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
        front = Text()
        if card.flag or card.marked:  # ⚑ in the flag's colour, ★ when marked, then the front
            front = flag_cell(card.flag, card.marked)
            front.append(" ")
        front.append(fmt.excerpt(card.front, widths["front"] - len(front)))
        tags = Text(fmt.excerpt(" ".join(card.tags), widths["tags"]), style="dim")
        if card.flag:
            tags.highlight_words([card.flag.tag or ""], style=COLOURS[card.flag])
        return (
            Text(str(card.id), style="dim", justify="right"),
            Text(fmt.excerpt(card.deck_label, widths["deck"])),
            front,
            state,
            Text(fmt.due_cell(card.due, now, self.col.clock)),
            tags,
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

    def _refresh_row(self, card_id: int) -> None:
        """Show one card's row again after a change (suspend, flag, mark, edit, undo)."""
        fresh = self.col.card(card_id)
        key = str(card_id)
        if key not in self._cards:
            return
        self._cards[key] = fresh
        table = self.query_one("#cards", KeyTable)
        cells = self._cells(fresh, self._widths())
        for column, cell in zip(
            ("id", "deck", "front", "state", "due", "tags"), cells, strict=True
        ):
            table.update_cell(key, column, cell)

    def action_edit(self) -> None:
        """Edit the selected card's front, back and tags (into its deck file, see `Cards.edit`)."""
        card = self._selected()
        if card is None:
            return
        from mastery.tui.dialogs.card_editor import CardEditorScreen

        def saved(edited: CardView | None) -> None:
            if edited is not None:
                self._refresh_row(edited.id)

        self.app.push_screen(CardEditorScreen(card), saved)

    def action_flag(self) -> None:
        """Choose the selected card's flag (1-7, 0 for none)."""
        card = self._selected()
        if card is None:
            return
        from mastery.tui.dialogs.flag import FlagScreen

        def chosen(flag: int | None) -> None:
            if flag is not None:
                self.action_set_flag(flag, card.id)

        self.app.push_screen(FlagScreen(card.flag), chosen)

    def action_set_flag(self, flag: int, card_id: int | None = None) -> None:
        """Flag a card (Anki's ctrl+1..7; the same flag again takes it off)."""
        card = self._cards.get(str(card_id)) if card_id is not None else self._selected()
        if card is None:
            return
        wanted = Flag.NONE if card.flag == flag else Flag(flag)
        with self.domain_errors():
            self.col.set_flag([card.id], wanted, now=self.now())
            self._refresh_row(card.id)
            self.notify(f"Flagged {wanted.label} (u to undo)." if wanted else "Flag taken off.")

    def action_mark(self) -> None:
        """Mark or unmark the selected card (Anki's `*`: the tag `marked`)."""
        card = self._selected()
        if card is None:
            return
        with self.domain_errors():
            self.col.set_marked([card.id], not card.marked, now=self.now())
            self._refresh_row(card.id)
            self.notify("Marked (u to undo)." if not card.marked else "Mark taken off.")

    def action_undo(self) -> None:
        """Take back the newest flag, mark or suspension (answers are undone in review)."""
        if self.col.undo_kind not in ("flag", "mark", "suspend"):
            self.notify("Nothing to undo here.")
            return
        with self.domain_errors():
            restored = self.col.undo()
            if restored is not None:
                self._refresh_row(restored.id)
                self.notify("Undone.")

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
            self._refresh_row(card.id)

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
