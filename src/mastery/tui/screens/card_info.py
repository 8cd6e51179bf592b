"""One card in full: both sides, its memory (stability, difficulty, retrievability), its history."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Markdown, Static

from mastery import present as fmt
from mastery.model import CardInfo
from mastery.states import CardState
from mastery.tui.screens.base import MasteryScreen


class CardInfoScreen(MasteryScreen):
    """Opened from the browser with Enter; Escape goes back."""

    AREA = "browse"
    SUB_TITLE = "Card info"
    BINDINGS = [Binding("escape", "leave", "Back", id="card-info-leave")]

    def __init__(self, card_id: int) -> None:
        super().__init__(id="card-info")
        self.card_id = card_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="info-scroll"):
            yield Static(id="info-title", markup=False)
            yield Static("Front", classes="info-heading")
            yield Markdown(id="info-front", open_links=False)
            yield Static("Back", classes="info-heading")
            yield Markdown(id="info-back", open_links=False)
            yield Static("Memory", classes="info-heading")
            yield Static(id="info-facts", markup=False)
            yield Static("History", classes="info-heading")
            yield DataTable(id="info-history", cursor_type="none", zebra_stripes=True)
            yield Static("No reviews yet.", id="info-no-history")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        with self.domain_errors():
            info = self.col.card_info(self.card_id, now=self.now())
            self._show(info)
        self.query_one("#info-scroll").focus()

    def _show(self, info: CardInfo) -> None:
        card, now, clock = info.card, self.now(), self.col.clock
        self.query_one("#info-title", Static).update(
            Content.assemble((f"Card {card.id}", "bold"), f"  {card.deck_name}  ·  {card.ref}")
        )
        self.query_one("#info-front", Markdown).update(card.front)
        self.query_one("#info-back", Markdown).update(card.back)
        state = "suspended " + card.state_name if card.suspended else card.state_name
        facts = [
            ("State", state),
            (
                "Next due",
                "not yet studied"
                if card.due is None or card.state == CardState.NEW
                else "now"
                if card.due <= now
                else fmt.when(card.due, now, clock) + f" ({fmt.due_in(card.due, now, clock)})",
            ),
            ("Stability", f"{card.stability:.1f} days" if card.stability is not None else "-"),
            ("Difficulty", f"{card.difficulty:.1f} / 10" if card.difficulty is not None else "-"),
            (
                "Retrievability now",
                fmt.percent(info.retrievability),
            ),
            ("Reviews", f"{card.reps} ({fmt.plural(card.lapses, 'lapse')})"),
            ("Tags", " ".join(card.tags) or "-"),
        ]
        width = max(len(k) for k, _ in facts) + 2
        self.query_one("#info-facts", Static).update(
            Content("\n").join(Content.assemble((k.ljust(width), "bold"), v) for k, v in facts)
        )
        table = self.query_one("#info-history", DataTable)
        table.add_columns("Date", "Rating", "Interval", "Stability", "Difficulty", "Time")
        for log in info.history:
            table.add_row(
                Text(log.reviewed_at.astimezone(clock.zone).strftime("%Y-%m-%d %H:%M")),
                Text(log.rating_name),
                Text(fmt.interval_given(log.scheduled_days, log.due_after - log.reviewed_at)),
                Text(f"{log.stability_after:.1f}"),
                Text(f"{log.difficulty_after:.1f}"),
                Text(fmt.duration(log.duration_ms)),
            )
        table.display = bool(info.history)
        self.query_one("#info-no-history").display = not info.history

    def action_leave(self) -> None:
        self.dismiss()
