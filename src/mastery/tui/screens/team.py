"""The Team screen: the shared vision, goals, activity, decks, hardest cards and streaks.

Every figure comes from the team's report (`Team.report`): sums the stewards published, with
their noise, shown only for rounds of at least k members. This screen only shows the report's
values and intervals, it never recomputes. A team that still has plaintext records of the first
team design (and no round yet) is shown as that report's text, with a note.
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
from mastery.team import HEATMAP_WEEKS, JoinedTeam, TeamReport, render_text
from mastery.team.render import members, nothing_to_sum, privacy_line, render_rounds, share
from mastery.team.report import RoundsReport
from mastery.team.service import SyncResult
from mastery.tui.screens.base import MasteryScreen
from mastery.tui.widgets.heatmap import Heatmap
from mastery.tui.widgets.table import KeyTable

EMPTY = (
    "No team yet: press j to join one (its folder, or a postgresql:// URL), or start one "
    "with `mastery team init DIR`."
)
NO_ROUND = (
    "No round to show yet: members sync (s), and after a week ends each steward runs "
    "`mastery team aggregate`."
)


class TeamScreen(MasteryScreen):
    """One joined team's report; `[`/`]` switch teams when several are joined."""

    AREA = "team"
    SUB_TITLE = "Team"
    DEFAULT_CSS = """
    TeamScreen #team-body { height: 1fr; padding: 0 1; }
    TeamScreen .team-head { text-style: bold; margin-top: 1; }
    TeamScreen KeyTable { height: auto; max-height: 12; }
    """
    BINDINGS = [
        Binding("j", "join", "Join…", id="team-join"),
        Binding("o", "opt", "Opt in/out", id="team-opt"),
        Binding("s", "sync", "Sync now", id="team-sync"),
        Binding("a", "aggregate", "Sum rounds", id="team-aggregate"),
        Binding("ctrl+e", "export", "Export…", id="team-export"),
        Binding("left_square_bracket", "switch(-1)", "Previous team", id="team-previous"),
        Binding("right_square_bracket", "switch(1)", "Next team", id="team-next"),
        # Not in the footer (full at 80 columns); in help (?).
        Binding("r", "refresh", "Refresh", show=False, id="team-refresh"),
        Binding("escape", "leave", "Back", id="team-leave"),
    ]

    class Synced(Message):
        """The sync worker sealed this member's contribution."""

        def __init__(self, result: SyncResult) -> None:
            super().__init__()
            self.result = result

    class Aggregated(Message):
        """The steward's worker summed closed rounds: one line per round."""

        def __init__(self, lines: list[str], error: bool) -> None:
            super().__init__()
            self.lines = lines
            self.error = error

    class SyncFailed(Message):
        """The sync worker hit a domain error."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self) -> None:
        super().__init__(id="team")
        self._teams: list[JoinedTeam] = []
        self._index = 0
        self.report: RoundsReport | TeamReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="team-body"):
            yield Static(id="team-title")
            yield Static(id="team-contributing")
            yield Static(id="team-vision")
            yield Static(id="team-privacy")
            yield Static(Content.styled("Team goals", "bold"), classes="team-head")
            yield Static(id="team-goals")
            yield Static(
                Content.styled(f"Members active per day (last {HEATMAP_WEEKS} weeks)", "bold"),
                classes="team-head",
            )
            yield Heatmap(id="team-heatmap")
            yield Static(Content.styled("Decks (latest round)", "bold"), classes="team-head")
            yield KeyTable(id="team-decks")
            yield Static(
                Content.styled("Hardest cards to discuss (members who pressed Again)", "bold"),
                classes="team-head",
            )
            yield KeyTable(id="team-hardest")
            yield Static(id="team-hardest-none")
            yield Static(
                Content.styled("Streaks (members per bucket of days)", "bold"),
                classes="team-head",
            )
            yield Static(id="team-streaks")
            yield Static(Content.styled("Rounds", "bold"), classes="team-head")
            yield Static(id="team-rounds")
            yield Static(id="team-legacy")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        decks = self.query_one("#team-decks", KeyTable)
        decks.add_column("Deck", key="deck")
        decks.add_column(Text("Cards", justify="right"), key="cards")
        for label in ("Active", "Coverage", "Maturity", "Retention"):
            decks.add_column(label, key=label.lower())
        hardest = self.query_one("#team-hardest", KeyTable)
        hardest.add_column("Deck/card", key="card")
        hardest.add_column("Members", key="members")
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
            try:
                self.report = self.col.team.report(team.id, now=self.now())
            except (MasteryError, OSError) as exc:
                self.app.notify(str(exc), title="Error", severity="error", markup=False)
            if self.report is not None:
                for problem in self.report.problems:
                    self.app.notify(f"Skipped {problem}", severity="warning", markup=False)
        self._show()

    def _show(self) -> None:
        title = self.query_one("#team-title", Static)
        texts = {
            name: self.query_one(f"#team-{name}", Static)
            for name in (
                "vision",
                "privacy",
                "goals",
                "streaks",
                "hardest-none",
                "rounds",
                "legacy",
            )
        }
        decks = self.query_one("#team-decks", KeyTable)
        hardest = self.query_one("#team-hardest", KeyTable)
        heat = self.query_one("#team-heatmap", Heatmap)
        decks.clear()
        hardest.clear()
        for text in texts.values():
            text.update("")
        self.query_one("#team-contributing", Static).update("")
        report = self.report
        rounds = isinstance(report, RoundsReport)
        self.query_one("#team-body").set_class(report is None, "-empty")
        for head in self.query(".team-head"):
            head.display = rounds
        decks.display = hardest.display = heat.display = rounds
        texts["legacy"].display = isinstance(report, TeamReport)
        switch = (
            f" · team {self._index + 1}/{len(self._teams)} ([ ] switch)"
            if len(self._teams) > 1
            else ""
        )
        if report is None:
            title.update(Content(EMPTY if not self._teams else "No report for this team."))
            heat.message("")
            return
        if isinstance(report, TeamReport):
            title.update(
                Content.assemble(
                    (f"Team {report.name}", "bold"),
                    f" ({report.team}) · plaintext records of the first team design{switch}",
                )
            )
            texts["vision"].update(
                Content(
                    "These records disappear as members sync with this version; the team's "
                    "figures then come from its stewards' sums."
                )
            )
            texts["legacy"].update(Content(render_text(report)))
            return
        self._show_rounds(report, switch, texts, decks, hardest, heat)

    def _show_rounds(
        self,
        report: RoundsReport,
        switch: str,
        texts: dict[str, Static],
        decks: KeyTable,
        hardest: KeyTable,
        heat: Heatmap,
    ) -> None:
        latest = report.latest
        state = f"round {latest.round}: {latest.members} members" if latest else "no round yet"
        self.query_one("#team-title", Static).update(
            Content.assemble(
                (f"Team {report.name}", "bold"),
                f" ({report.team}) · {report.roster} on the roster · {state} · "
                f"k={report.k}{switch}",
            )
        )
        self.query_one("#team-contributing", Static).update(
            Content.styled("You contribute to its figures (o opts out).", "$text-success")
            if self.col.team.sync_enabled(report.team)
            else Content.styled("You do not contribute (o opts in).", "$text-warning")
        )
        texts["vision"].update(
            Content(
                f"Vision: {report.vision}"
                if report.vision
                else "No shared vision in team.toml yet."
            )
        )
        texts["privacy"].update(Content(privacy_line(report)))
        lines = []
        for goal_id, title in report.goals:
            fig = latest.goals.get(goal_id) if latest else None
            shown = share(fig[0]) if fig else "-"
            lines.append(f"{title}: {shown}" + (" of cards mature" if shown[0].isdigit() else ""))
        texts["goals"].update(Content("\n".join(lines) or "(none in team.toml)"))
        if any(e is not None for _, e in report.heatmap):
            heat.show(
                [
                    (d, None if e is None or e.value is None else round(e.value))
                    for d, e in report.heatmap
                ]
            )
        else:
            heat.message(NO_ROUND)
        for d in latest.decks if latest else []:
            decks.add_row(
                Text(d.deck),
                Text(str(d.cards), justify="right"),
                members(d.active),
                share(d.coverage),
                share(d.maturity),
                share(d.retention),
                key=d.deck,
            )
        for c in report.hardest:
            hardest.add_row(
                Text(f"{c.deck}/{c.card}"), members(c.members), key=f"{c.deck}/{c.card}"
            )
        hardest.display = bool(report.hardest)
        none = texts["hardest-none"]
        none.display = not report.hardest
        none.update(Content("No card stands out above the noise."))
        if latest:
            from mastery.team.layout import STREAK_BUCKETS

            texts["streaks"].update(
                Content(
                    "\n".join(
                        f"{kind}: "
                        + " · ".join(
                            f"{b}d: {members(v)}"
                            for b, v in zip(STREAK_BUCKETS, values, strict=True)
                        )
                        for kind, values in (
                            ("review", latest.review_streak),
                            ("journal", latest.journal_streak),
                        )
                    )
                )
            )
        texts["rounds"].update(
            Content(
                "\n".join(
                    f"{r.round}: {r.members} members"
                    if r.shown
                    else f"{r.round}: {r.status} ({r.detail})"
                    for r in report.rounds
                )
                or NO_ROUND
            )
        )

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch":
            return len(self._teams) > 1
        if action in ("sync", "export", "opt"):
            return self.report is not None
        if action == "aggregate":
            return isinstance(self.report, RoundsReport) and self._is_steward()
        return True

    def action_switch(self, step: int) -> None:
        if len(self._teams) > 1:
            self._index = (self._index + step) % len(self._teams)
            self.action_refresh()
            self.refresh_bindings()

    def action_join(self) -> None:
        """Join a team from its folder or database URL, then offer to opt in."""
        from mastery.tui.dialogs.file_action import FileActionScreen, file_path

        joined: list[str] = []

        def run(where: str | Path) -> str:
            config = self.col.team.join(where)
            joined.append(config.id)
            return f"Joined team {config.name} ({config.id})."

        def done(result: bool | None) -> None:
            if not (result and joined):
                return
            ids = [team.id for team in self.col.team.list()]
            self._index = ids.index(joined[0]) if joined[0] in ids else 0
            self.action_refresh()  # the joined team's report, read once
            self.refresh_bindings()
            if not self.col.team.sync_enabled(joined[0]):
                self._ask_opt_in(joined[0])

        self.app.push_screen(
            FileActionScreen(
                "Join a team",
                Content.assemble(
                    "The team's shared folder (a git checkout or a synced folder with its "
                    "team.toml) or its postgresql:// URL. ",
                    ("Enter", "bold $text-accent"),
                    " joins; you choose next whether to contribute.",
                ),
                run,
                placeholder="e.g. ~/teams/crew",
                done_title="Team joined",
                parse=lambda text: text.strip() if "://" in text else file_path(text),
            ),
            done,
        )

    def action_opt(self) -> None:
        """Opt in (after saying what leaves this profile) or out of the team's figures."""
        report = self.report
        if report is None:
            return
        if self.col.team.sync_enabled(report.team):
            with self.domain_errors():
                # As `mastery team sync --disable`: automatic sync needs sync on anyway.
                self.col.team.set_sync(report.team, False)
            self.notify(
                "Opted out: nothing more is sent. Contributions already sealed stay until "
                "you leave the team (`mastery team leave`).",
                title="Not contributing",
                markup=False,
            )
            self.action_refresh()
            self.refresh_bindings()
            return
        self._ask_opt_in(report.team)

    def _ask_opt_in(self, team_id: str) -> None:
        from mastery.tui.dialogs.yes_no import YesNoScreen

        def answered(yes: bool | None) -> None:
            if yes:
                with self.domain_errors():
                    self.col.team.set_sync(team_id, True)
                self.notify(
                    "Opted in: s seals your contribution now.", title="Contributing", markup=False
                )
            self.action_refresh()
            self.refresh_bindings()

        self.app.push_screen(
            YesNoScreen(
                Content(
                    f"Contribute to team {team_id}'s figures each week? Which days you studied "
                    "its decks, coarse buckets of coverage, maturity, retention, streaks and "
                    "goal progress, and up to 5 cards you pressed Again on: split into shares "
                    "for its stewards and published only as noisy counts of at least k "
                    "members. Nothing from your journal, and no other deck, ever leaves."
                )
            ),
            answered,
        )

    def action_sync(self) -> None:
        if self.report is None:
            return
        self.notify("Sealing your contribution for the stewards…")
        self._sync(self.col.db.path, self.report.team)

    @work(thread=True, exclusive=True, exit_on_error=False, group="team-sync-now")
    def _sync(self, db_path: Path, team_id: str) -> None:
        """Write this member's record on a connection of its own (SQLite is per thread)."""
        try:
            with Collection.open_path(db_path) as col:
                result = col.team.sync(team_id, now=self.now())
        except (MasteryError, OSError) as exc:
            self.post_message(self.SyncFailed(str(exc)))
            return
        self.post_message(self.Synced(result))

    def on_team_screen_synced(self, message: Synced) -> None:
        rounds = ", ".join(message.result.rounds)
        self.notify(
            f"Sealed your contribution to {'round' if len(message.result.rounds) == 1 else 'rounds'} "
            f"{rounds}",
            markup=False,
        )
        self.action_refresh()

    def on_team_screen_sync_failed(self, message: SyncFailed) -> None:
        self.notify(message.error, title="Sync failed", severity="error", markup=False)

    def _is_steward(self) -> bool:
        team = self._teams[self._index] if self._teams else None
        if team is None or team.config is None:
            return False
        return self.col.team.is_steward(team.config)

    def action_aggregate(self) -> None:
        if not isinstance(self.report, RoundsReport):
            return
        self.notify("Summing closed rounds…")
        self._aggregate(self.col.db.path, self.report.team)

    @work(thread=True, exclusive=True, exit_on_error=False, group="team-aggregate")
    def _aggregate(self, db_path: Path, team_id: str) -> None:
        """As a steward: sum every closed round not yet summed, on a connection of its own."""
        try:
            now = self.now()
            with Collection.open_path(db_path) as col:
                outcomes = col.team.aggregate(team_id, now=now)
                upcoming = None if outcomes else col.team.next_to_close(team_id, now=now)
        except (MasteryError, OSError) as exc:
            self.post_message(self.Aggregated([str(exc)], True))
            return
        lines = [
            f"{o.round}: {o.status}"
            + (f" ({o.members} members)" if o.members else "")
            + (f": {o.detail}" if o.detail else "")
            for o in outcomes
        ] or [nothing_to_sum(upcoming)]
        failed = any(o.status not in ("published", "suppressed") for o in outcomes)
        self.post_message(self.Aggregated(lines, failed))

    def on_team_screen_aggregated(self, message: Aggregated) -> None:
        self.notify(
            "\n".join(message.lines),
            title="Not summed" if message.error else "Rounds summed",
            severity="error" if message.error else "information",
            markup=False,
        )
        self.action_refresh()

    def action_export(self) -> None:
        from mastery.tui.dialogs.file_action import FileActionScreen

        report = self.report
        if report is None:
            return

        def run(path: Path) -> str:
            text = (
                render_text(report, markdown=True)
                if isinstance(report, TeamReport)
                else render_rounds(report, markdown=True)
            )
            written = write_atomic(path, text)
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
