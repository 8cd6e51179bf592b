"""The mentee's side of mentoring: export a bundle (preview first), import feedback (a file
box), read the mentor's note (`tui/dialogs/note.py`).

The export screen shows exactly what `Mentor.write_bundle` will seal, before it writes: the
shared entries and goals, the learning summary, and the JSON text itself, and for whom it is
sealed (the paired mentor chosen on the form). The preview is rebuilt as the form changes; the
write key writes the preview on screen, never a newer one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import (
    Footer,
    Header,
    Input,
    Select,
    SelectionList,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)
from textual.widgets.selection_list import Selection

from mastery import paths
from mastery import present as fmt
from mastery.dates import describe_date
from mastery.errors import MasteryError
from mastery.mentor import BundlePreview, FeedbackReport
from mastery.tui.dialogs import MENTOR_CSS as CSS
from mastery.tui.dialogs.file_action import FileActionScreen, file_path, slug, write_or_notify
from mastery.tui.dialogs.pair import notify_repair
from mastery.tui.screens.base import MasteryScreen

if TYPE_CHECKING:
    from mastery.tui.app import MasteryApp

DEBOUNCE = 0.3  # seconds of quiet typing before the preview is rebuilt


def size_text(text: str) -> str:
    size = len(text.encode("utf-8"))
    return f"{size} bytes" if size < 1024 else f"{size / 1024:.1f} kB"


class ExportScreen(MasteryScreen):
    """Choose the name, `since`, decks and file; read the preview; ctrl+s writes it."""

    AREA = "mentor"
    SUB_TITLE = "Export bundle"
    CSS_PATH = CSS
    BINDINGS = [
        Binding("ctrl+s", "write", "Write file", id="export-write"),
        Binding("ctrl+t", "switch_view", "Contents/JSON", id="export-switch-view"),
        Binding("escape", "leave", "Back", id="export-leave"),
    ]

    def __init__(self) -> None:
        super().__init__(id="export-screen")
        self.preview: BundlePreview | None = None
        """The preview on screen: what ctrl+s writes."""
        self._stale = False  # the form changed since the preview on screen was built
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        mentor = self.col.mentor
        name = mentor.display_name() or ""
        decks = []
        with self.domain_errors():
            decks = self.col.decks(now=self.now())
        default_file = paths.export_dir() / f"{slug(name)}.bundle"
        mentors = [p.name for p in mentor.peers("mentor")]
        yield Header()
        with Vertical(id="export-form"):
            with Horizontal(classes="form-row"):
                yield Static("For", classes="form-label")
                if mentors:
                    yield Select(
                        [(Content(n), n) for n in mentors],  # user text: never markup
                        value=mentors[0],
                        allow_blank=False,
                        id="export-mentor",
                        compact=True,
                    )
                else:
                    yield Static(
                        "no mentor paired yet: pair first (command palette: mentor: Pair…)",
                        classes="form-note",
                    )
            with Horizontal(classes="form-row"):
                yield Static("Your name", classes="form-label")
                yield Input(
                    name,
                    id="export-name",
                    compact=True,
                    placeholder="the name your mentor sees (remembered)",
                )
            with Horizontal(classes="form-row"):
                yield Static("Since", classes="form-label")
                yield Input(
                    id="export-since",
                    compact=True,
                    placeholder='every shared entry, or "3 months ago", "2026-10-01"',
                )
            with Horizontal(classes="form-row"):
                yield Static("File", classes="form-label")
                yield Input(str(default_file), id="export-file", compact=True)
            with Horizontal(classes="form-row", id="export-decks-row"):
                yield Static("Decks", classes="form-label")
                if decks:
                    yield SelectionList[str](
                        # Deck names are user text: Content, so a "[" is not read as markup.
                        *(Selection(Content(d.label), d.key) for d in decks),
                        id="export-decks",
                        compact=True,
                    )
                else:
                    yield Static("no decks: the summary names none", classes="form-note")
        yield Static(id="export-status")
        with TabbedContent(id="export-views"):
            with (
                TabPane("Contents", id="export-contents-tab"),
                VerticalScroll(id="export-contents"),
            ):
                yield Static(id="export-contents-text")
            with TabPane("JSON: what is sealed", id="export-json-tab"):
                yield TextArea(id="export-json", read_only=True, soft_wrap=True, show_cursor=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        notify_repair(self)
        self.rebuild()
        self.query_one("#export-name" if not self._typed_name() else "#export-since").focus()

    # ------------------------------------------------------------------ the form
    def _typed_name(self) -> str:
        return self.query_one("#export-name", Input).value

    def _chosen_mentor(self) -> str | None:
        found = self.query("#export-mentor")
        value = found.first(Select).value if found else None
        return value if isinstance(value, str) else None

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "export-mentor":
            self._changed()

    def _chosen_decks(self) -> list[str]:
        found = self.query("#export-decks")
        return list(found.first(SelectionList).selected) if found else []

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("export-name", "export-since"):
            self._changed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id in ("export-name", "export-since"):
            self.rebuild(report=True)
        elif event.input.id == "export-file":
            self.action_write()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self._changed()

    def _changed(self) -> None:
        self._stale = True
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self.rebuild)

    def rebuild(self, *, report: bool = False) -> bool:
        """Build the preview from the form and show it; on a refusal (no name, a date phrase
        that cannot be read) say why, in the status line (and a notification if `report`)."""
        if self._debounce is not None:
            self._debounce.stop()
        self._stale = False
        name = self._typed_name().strip()
        since = self.query_one("#export-since", Input).value.strip()
        try:
            if not name:
                raise MasteryError("type your name above: your mentor sees it (it is remembered).")
            preview = self.col.mentor.preview_bundle(
                since=since or None,
                name=name,
                decks=self._chosen_decks(),
                mentor=self._chosen_mentor(),
                now=self.now(),
            )
        except MasteryError as exc:
            self.preview = None
            self.query_one("#export-status", Static).update(
                Content.assemble(("Nothing to write yet: ", "bold $text-error"), str(exc))
            )
            self.query_one("#export-contents-text", Static).update("")
            self.query_one("#export-json", TextArea).load_text("")
            if report:
                self.notify(str(exc), title="Preview", severity="error", markup=False)
            return False
        self.preview = preview
        self._show(preview)
        return True

    def _show(self, preview: BundlePreview) -> None:
        self.query_one("#export-status", Static).update(
            Content.assemble(
                ("Will write ", "bold"),
                fmt.plural(preview.entry_count, "shared entry", "shared entries"),
                ", ",
                fmt.plural(preview.goal_count, "shared goal"),
                f" and your summary ({size_text(preview.text)}), ",
                *(
                    ("sealed for ", (preview.mentor, "bold"), ": only they can read it. ")
                    if preview.mentor
                    else (("preview only: pair with your mentor to write it. ", "bold"),)
                ),
                ("Private entries, private goals and card text are never included.", "dim"),
            )
        )
        self.query_one("#export-contents-text", Static).update(self._contents(preview))
        json_view = self.query_one("#export-json", TextArea)
        json_view.load_text(preview.text)  # a TextArea never reads markup: the exact text

    def _contents(self, preview: BundlePreview) -> Content:
        """The entries (date, title), goals and summary figures, as the mentor will get them."""
        today = self.col.clock.day_of(self.now())
        head = "bold $text-accent"
        since = f" from {preview.since.isoformat()} on" if preview.since else ""
        lines: list[Content] = [
            Content.assemble(("Name ", head), preview.name),
            Content.styled(f"Shared entries{since} ({len(preview.entries)})", head),
        ]
        if not preview.entries:
            lines.append(
                Content.styled(
                    "  none yet: in the journal (J), v shares the entry under the cursor", "dim"
                )
            )
        for entry in reversed(preview.entries):  # newest first, as the journal lists them
            lines.append(
                Content.assemble(
                    f"  {entry.day.isoformat()}  ",
                    (entry.title, "bold"),  # user text
                    (f"  ({describe_date(entry.day, today)})", "dim"),
                )
            )
        lines.append(Content.styled(f"Shared goals ({len(preview.goals)})", head))
        if not preview.goals:
            lines.append(
                Content.styled(
                    "  none yet: share one with `mastery goal edit GOAL --shared`", "dim"
                )
            )
        for goal in preview.goals:
            lines.append(
                Content.assemble(
                    "  ",
                    (goal.title, "bold"),
                    f"  {fmt.percent(goal.progress)} · {goal.status}",
                    f" · {fmt.plural(len(goal.milestones), 'milestone')}",
                )
            )
        s = preview.summary
        lines += [
            Content.styled("Summary", head),
            Content(
                f"  Review streak {fmt.plural(s.review_streak, 'day')} · journal streak "
                f"{fmt.plural(s.journal_streak, 'day')}"
            ),
            Content(
                f"  {fmt.plural(s.reviews_30d, 'review')} in the last 30 days · "
                f"retention {fmt.percent(s.retention_30d)}"
            ),
        ]
        if not s.decks:
            lines.append(Content.styled("  No deck chosen: no deck is named.", "dim"))
        for deck in s.decks:
            lines.append(
                Content.assemble(
                    "  ",
                    (deck.name, "bold"),
                    f": {deck.cards} cards, {deck.studied} studied, {deck.mature} mature",
                )
            )
        return Content("\n").join(lines)

    # ------------------------------------------------------------------ actions
    def action_write(self) -> None:
        """Write the preview on screen; if the form changed since, show the new one first."""
        if self._stale or self.preview is None:
            if self.rebuild(report=True):
                self.notify(
                    "The preview changed: read it, then press ctrl+s again.",
                    title="Not written yet",
                )
            return
        value = self.query_one("#export-file", Input).value
        if not value.strip():
            self.notify("Type the file to write.", title="Not written", severity="error")
            return
        path = file_path(value)
        existed = path.exists()
        preview = self.preview
        written = write_or_notify(
            self, path, lambda target: self.col.mentor.write_bundle(target, preview)
        )
        if written is None:
            return
        replaced = " (replacing the old file)" if existed else ""
        self.notify(
            f"Wrote {written}{replaced}, sealed for {preview.mentor}. Send it to them.",
            title="Bundle written",
            markup=False,
            timeout=8,
        )

    def action_switch_view(self) -> None:
        views = self.query_one("#export-views", TabbedContent)
        views.active = (
            "export-contents-tab" if views.active == "export-json-tab" else "export-json-tab"
        )

    def action_leave(self) -> None:
        self.dismiss()


def import_feedback_screen(app: MasteryApp) -> FileActionScreen:
    """The "Import feedback" box, importing into the app's collection."""

    def run(path: Path) -> str:
        return report_text(app.collection.mentor.import_feedback(path, now=app.now()))

    return FileActionScreen(
        "Import feedback from your mentor",
        Content.assemble(
            ("Enter", "bold $text-accent"),
            " imports. Comments land under your entries and "
            "goals, marked new; the note shows on the dashboard. Importing the same file "
            "twice changes nothing.",
        ),
        run,
        placeholder="the feedback file, e.g. ~/Downloads/bo.feedback",
        done_title="Feedback imported",
    )


def report_text(report: FeedbackReport) -> str:
    """What an import brought, in one sentence."""
    parts = [fmt.plural(report.added, "new comment")]
    if report.updated:
        parts.append(f"{report.updated} changed")
    if report.withdrawn:
        parts.append(f"{report.withdrawn} withdrawn")
    if report.unchanged:
        parts.append(f"{report.unchanged} already here")
    text = f"From {report.mentor_name}: " + ", ".join(parts) + "."
    if report.note is not None:
        text += " A new note: it is on the dashboard (m reads it)."
    return text
