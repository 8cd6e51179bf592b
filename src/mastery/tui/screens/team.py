"""The Team screen: the shared vision, goals, activity, decks, hardest cards and streaks.

Every figure comes from `mastery.team.build_report`, which already suppresses what fewer than
k members built; this screen only shows the report's values and flags, it never recomputes.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Header, Static

from mastery.collection import Collection
from mastery.errors import MasteryError
from mastery.files import write_atomic
from mastery.team import HEATMAP_WEEKS, Figure, JoinedTeam, TeamReport, render_text
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.widgets.heatmap import Heatmap
from mastery.tui.widgets.table import KeyTable

EMPTY = "No team yet: `mastery team join DIR` (or `mastery team init DIR` to start one)"


def shown(fig: Figure, k: int, fmt: str = "{:.0%}") -> str:
    """A figure as a table cell: the report's suppression flag decides, never a recount."""
    if fig.suppressed or fig.value is None:
        return f"suppressed (<{k})"
    return fmt.format(fig.value)


class TeamScreen(MasteryScreen):
    """One joined team's k-anonymous report; `[`/`]` switch teams when several are joined."""

    AREA = "team"
    SUB_TITLE = "Team"
    DEFAULT_CSS = """
    TeamScreen #team-body { height: 1fr; padding: 0 1; }
    TeamScreen .team-head { text-style: bold; margin-top: 1; }
    TeamScreen KeyTable { height: auto; max-height: 12; }
    """
    BINDINGS = [
        Binding("s", "sync", "Sync now", id="team-sync"),
        Binding("ctrl+e", "export", "Export Markdown…", id="team-export"),
        Binding("left_square_bracket", "switch(-1)", "Previous team", id="team-previous"),
        Binding("right_square_bracket", "switch(1)", "Next team", id="team-next"),
        Binding("r", "refresh", "Refresh", id="team-refresh"),
        Binding("escape", "leave", "Back", id="team-leave"),
    ]

    class Synced(Message):
        """The sync worker wrote this member's record to `path`."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    class SyncFailed(Message):
        """The sync worker hit a domain error."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self) -> None:
        super().__init__(id="team")
        self._teams: list[JoinedTeam] = []
        self._index = 0
        self.report: TeamReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="team-body"):
            yield Static(id="team-title")
            yield Static(id="team-vision")
            yield Static(Content.styled("Team goals", "bold"), classes="team-head")
            yield Static(id="team-goals")
            yield Static(
                Content.styled(f"Activity (last {HEATMAP_WEEKS} weeks)", "bold"),
                classes="team-head",
            )
            yield Heatmap(id="team-heatmap")
            yield Static(Content.styled("Decks", "bold"), classes="team-head")
            yield KeyTable(id="team-decks")
            yield Static(Content.styled("Hardest cards to discuss", "bold"), classes="team-head")
            yield KeyTable(id="team-hardest")
            yield Static(id="team-hardest-none")
            yield Static(
                Content.styled("Streaks (members per bucket)", "bold"), classes="team-head"
            )
            yield Static(id="team-streaks")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        decks = self.query_one("#team-decks", KeyTable)
        decks.add_column("Deck", key="deck")
        decks.add_column(Text("Cards", justify="right"), key="cards")
        for label in ("Active", "Coverage", "Retention", "Maturity"):
            decks.add_column(label, key=label.lower())
        hardest = self.query_one("#team-hardest", KeyTable)
        hardest.add_column("Deck/card", key="card")
        hardest.add_column("Again", key="again")
        hardest.add_column("Lapses/reviews", key="counts")
        hardest.add_column("Members", key="members")
        hardest.add_column("Difficulty", key="difficulty")
        self.action_refresh()

    # ------------------------------------------------------------------ data
    def action_refresh(self) -> None:
        """Read the joined teams and rebuild the current team's report."""
        with self.domain_errors():
            self._teams = self.col.team.list()
        self._index = min(self._index, max(0, len(self._teams) - 1))
        self.report = None
        team = self._teams[self._index] if self._teams else None
        if team is not None and team.config is None:
            self.app.notify(
                f"Team {team.id}: {team.problem}", title="Error", severity="error", markup=False
            )
        elif team is not None and team.config is not None:
            from mastery.team import build_report

            try:
                self.report = build_report(team.config, now=self.now())
            except (MasteryError, OSError) as exc:
                self.app.notify(str(exc), title="Error", severity="error", markup=False)
            if self.report is not None:
                for problem in self.report.problems:
                    self.app.notify(f"Skipped {problem}", severity="warning", markup=False)
        self._show()

    def _show(self) -> None:
        title = self.query_one("#team-title", Static)
        parts = [
            self.query_one(f"#team-{name}", Static)
            for name in ("vision", "goals", "streaks", "hardest-none")
        ]
        decks = self.query_one("#team-decks", KeyTable)
        hardest = self.query_one("#team-hardest", KeyTable)
        decks.clear()
        hardest.clear()
        report = self.report
        self.query_one("#team-body").set_class(report is None, "-empty")
        for widget in self.query(".team-head"):
            widget.display = report is not None
        decks.display = hardest.display = report is not None
        if report is None:
            title.update(Content(EMPTY if not self._teams else "No report for this team."))
            self.query_one("#team-heatmap", Heatmap).message("")
            for part in parts:
                part.update("")
            return
        k = report.k
        switch = (
            f" · team {self._index + 1}/{len(self._teams)} ([ ] switch)"
            if len(self._teams) > 1
            else ""
        )
        title.update(
            Content.assemble(
                (f"Team {report.name}", "bold"),
                f" ({report.team}) · {report.members} member(s) · k={k}{switch}",
            )
        )
        vision, goals, streaks, _ = parts
        heat = self.query_one("#team-heatmap", Heatmap)
        vision.update(
            Content(
                f"Vision: {report.vision}"
                if report.vision
                else "No shared vision in team.toml yet."
            )
        )
        lines = []
        for goal, fig in report.goals:
            target = f" · target {goal.target.isoformat()}" if goal.target else ""
            value = shown(fig, k) + ("" if fig.suppressed else " of cards mature")
            lines.append(f"{goal.title}: {value}{target}")
        goals.update(Content("\n".join(lines) or "(none in team.toml)"))
        if report.heatmap_suppressed:
            heat.message(f"suppressed (<{k} members)")
        else:
            heat.show(report.heatmap)
        for d in report.decks:
            decks.add_row(
                Text(d.deck),
                Text(str(d.cards), justify="right"),
                shown(d.active_members, k, "{:.0f}"),
                shown(d.coverage, k),
                shown(d.retention, k),
                shown(d.maturity, k),
                key=d.deck,
            )
        for c in report.hardest:
            hardest.add_row(
                Text(f"{c.deck}/{c.card}"),
                "-" if c.lapse_rate is None else f"{c.lapse_rate:.0%}",
                f"{c.lapses}/{c.reviews}",
                str(c.members),
                "-" if c.median_difficulty is None else f"{c.median_difficulty:.1f}",
                key=f"{c.deck}/{c.card}",
            )
        hardest.display = bool(report.hardest)
        none = self.query_one("#team-hardest-none", Static)
        none.display = not report.hardest
        none.update(Content(f"None yet (cards studied by fewer than {k} members are suppressed)."))
        if report.streaks_suppressed:
            streaks.update(Content(f"suppressed (<{k} members)"))
        else:
            streaks.update(
                Content(
                    "\n".join(
                        f"{kind}: " + " · ".join(f"{label}d: {n}" for label, n in buckets.items())
                        for kind, buckets in report.streaks.items()
                    )
                )
            )

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch":
            return len(self._teams) > 1
        if action in ("sync", "export"):
            return self.report is not None
        return True

    def action_switch(self, step: int) -> None:
        if len(self._teams) > 1:
            self._index = (self._index + step) % len(self._teams)
            self.action_refresh()
            self.refresh_bindings()

    def action_sync(self) -> None:
        if self.report is None:
            return
        self.notify("Syncing your anonymized record…")
        self._sync(self.col.db.path, self.report.team)

    @work(thread=True, exclusive=True, exit_on_error=False, group="team-sync-now")
    def _sync(self, db_path: Path, team_id: str) -> None:
        """Write this member's record on a connection of its own (SQLite is per thread)."""
        try:
            with Collection.open_path(db_path) as col:
                path = col.team.sync(team_id, now=self.now())
        except (MasteryError, OSError) as exc:
            self.post_message(self.SyncFailed(str(exc)))
            return
        self.post_message(self.Synced(path))

    def on_team_screen_synced(self, message: Synced) -> None:
        self.notify(f"Wrote your anonymized record to {message.path}", markup=False)
        self.action_refresh()

    def on_team_screen_sync_failed(self, message: SyncFailed) -> None:
        self.notify(message.error, title="Sync failed", severity="error", markup=False)

    def action_export(self) -> None:
        from mastery.tui.dialogs.file_action import FileActionScreen

        report = self.report
        if report is None:
            return

        def run(path: Path) -> str:
            written = write_atomic(path, render_text(report, markdown=True))
            return f"Wrote the team report to {written}"

        self.app.push_screen(
            FileActionScreen(
                "Export the team report (Markdown)",
                Content.assemble(
                    ("Enter", "bold $text-accent"),
                    " writes the report; an existing file is replaced.",
                ),
                run,
                placeholder=f"the file, e.g. ~/{report.team}-report.md",
                done_title="Report written",
            )
        )

    def action_leave(self) -> None:
        self.app.pop_screen()
