"""MasteryApp: the screens, the global keys and the command palette.

The CLI calls `run_app(collection)`. Screens other than the dashboard and review are imported
when first opened, so the first screen draws fast. Every call into the collection passes
`now=self.now()`: the collection's own clock (`Collection.open(clock=...)`), so a test that opens
the profile on a `FixedTime` sets the time of every screen and of the domain at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen

from mastery.collection import Collection
from mastery.errors import MasteryError
from mastery.tui import terminal_safety
from mastery.tui.key_order import OrderedKeysApp
from mastery.tui.sync_runner import SyncRunner

if TYPE_CHECKING:
    from textual.widgets import Input, TextArea

    from mastery.tui.config import TuiConfig
    from mastery.tui.screens.review import ReviewScreen, Session


class MasteryCommands(Provider):
    """Every screen and action as an "area: Action" command ("review: Start", "review: Undo")."""

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        """The app's commands, then the actions of the screen the palette was opened from,
        each once: a screen's key that does what an app command does (the dashboard's `g`
        and "goals: Open"), a second key for the same action, a title already listed, and
        Escape's "Back"/"Cancel" (in every footer) are left out."""
        app = self.app
        assert isinstance(app, MasteryApp)
        titles: set[str] = set()
        app_actions: set[str] = set()
        for title, callback, help_text in self._app_commands(app):
            titles.add(_same_title(title))
            if name := getattr(callback, "__name__", "").removeprefix("action_"):
                app_actions.add(name)
            yield title, callback, help_text
        screen = self.screen
        area = getattr(screen, "AREA", "")
        if not area:
            return
        seen: set[str] = set()
        for binding in Binding.make_bindings(screen.BINDINGS):
            action, _, params = binding.action.partition("(")
            if (
                not binding.description
                or binding.key == "escape"
                or binding.action in seen
                or (action.startswith("app.") and action[4:] in app_actions)
            ):
                continue
            seen.add(binding.action)
            title = f"{area}: {binding.description}"
            if _same_title(title) in titles:
                continue
            args = tuple(int(p) for p in params.rstrip(")").split(",") if p.strip().isdigit())
            if "." not in action and not screen.check_action(action, args):
                continue
            titles.add(_same_title(title))
            yield (
                title,
                partial(screen.run_action, binding.action),
                f"Key: {app.get_key_display(binding)}",
            )

    def _app_commands(self, app: MasteryApp) -> Iterator[tuple[str, Callable[[], object], str]]:
        """Every screen and app-wide action, whatever the screen."""
        yield "dashboard: Open", app.action_dashboard, "Decks and today's counts"
        yield "review: Start", app.action_review, "Review every card due now"
        yield (
            "review: Cram…",
            app.action_cram,
            "Go through any search (deck:x, tag:x, due:3, is:new) off the schedule",
        )
        yield "browse: Cards", app.action_browse, "Search cards, suspend them, see their history"
        yield "settings: Open", app.action_settings, "Retention, steps, daily limits, backups"
        yield (
            "deck: Preset…",
            app.action_deck_preset,
            "Choose the preset (limits, steps, retention) of the deck under the cursor",
        )
        yield (
            "settings: Optimize FSRS…",
            app.action_optimize,
            "Fit FSRS to your reviews; weigh desired retentions by their workload",
        )
        yield "help: Keys", app.action_help, "The keys of the current screen"
        yield "sync: Sync now", app.action_sync_now, app.sync_runner.details()
        yield (
            "profile: Check database",
            app.action_check_database,
            "Check the file, fix cards against their history, remove orphans (mastery check)",
        )
        yield "goals: Open", app.action_goals, "Vision, current reality, milestones, progress"
        yield "journal: Open", app.action_journal, "Read, search and write journal entries"
        yield "journal: Write…", app.action_write, "Start today's entry from a prompt"
        yield (
            "journal: Quick capture",
            app.action_capture,
            "A short private journal entry for today, from anywhere (ctrl+n)",
        )
        yield "team: Report", app.action_team, "Your team's vision, goals, activity and decks"
        yield (
            "stats: Open",
            app.action_stats,
            "Heatmap, true retention, forecast, time per day, card states (key t)",
        )
        yield (
            "stats: Calibration",
            app.action_calibration,
            "How sure you were against how often you recalled; FSRS's own calibration",
        )
        yield from app.mentor_commands()
        if app.collection.can_undo and getattr(self.screen, "AREA", "") != "review":
            yield "review: Undo", app.action_undo, "Take back the last answer, suspension or burial"
        try:
            decks = app.collection.decks(now=app.now())
        except MasteryError:
            decks = []
        for deck in decks:
            yield (
                f"review: Deck {deck.label}",
                partial(app.start_review, deck.key),
                f"{deck.new} new, {deck.learning} learning, {deck.due} due",
            )

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            # Content, not str: a str would be read as markup, and deck names are user text.
            yield DiscoveryHit(Content(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                # highlight() parses markup: escape it, a deck name may contain "[".
                shown = matcher.highlight(escape(title))
                yield Hit(score, shown, callback, text=title, help=help_text)


def _same_title(title: str) -> str:
    """Titles that read the same ("settings: Optimise FSRS" and "…FSRS…") are one command."""
    return title.rstrip("…").casefold()


UI_WAIT = 5.0  # seconds a write on the UI thread waits for another window's


class MasteryApp(OrderedKeysApp[None]):
    """The Mastery terminal app."""

    TITLE = "Mastery"
    CSS_PATH = ["mastery.tcss"]  # goals_journal.tcss comes with its screens
    # The sync status the headers show (widgets/sync_header.py): (text, state), kept by
    # `sync_runner`; no text when the profile has no sync target.
    sync_status: reactive[tuple[str, str]] = reactive(("", ""))
    COMMANDS = App.COMMANDS | {MasteryCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app-quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app-quit-now"),
        Binding("question_mark", "help", "Help", id="app-help"),
        # In a text box ? is typed, so f1 (the terminal's help key) opens help there; the
        # footer shows it when ? is taken.
        Binding("f1", "help_in_text", "Help", priority=True, id="app-help-f1"),
        # Quick capture works from every screen, even while typing in a box.
        Binding("ctrl+n", "capture", "Quick capture", show=False, priority=True, id="app-capture"),
        # The key users expect in a text box (Textual's is f7, which still works; ctrl+a
        # was "start of line", which home still is). Only in a text box: see check_action.
        Binding(
            "ctrl+a", "select_all", "Select all", show=False, priority=True, id="app-select-all"
        ),
    ]

    def __init__(
        self,
        collection: Collection,
        *,
        clock: Callable[[], datetime] | None = None,
        start_review: bool = False,
        deck_key: str | None = None,
        start_screen: str | None = None,
        mentee: str | None = None,
        cram_query: str | None = None,
    ) -> None:
        """`start_review` reviews at once (one deck with `deck_key`); `start_screen="mentees"`
        opens the Mentees screen, on `mentee` (a name) when given; `cram_query` opens a cram
        session over that search ("" for every card)."""
        # Before anything is drawn: text from files never reaches the terminal raw.
        terminal_safety.install()
        super().__init__()
        self.collection = collection
        # A write on the UI thread gives up after a few seconds (a notification, not a
        # frozen screen); an answer then waits longer in a worker (screens/review.py).
        collection.db.max_wait = UI_WAIT
        collection.db.on_busy = None
        # One clock: the profile's. A `clock` given here becomes the profile's own, so the
        # screens and every domain call made without `now` agree.
        if clock is not None:
            collection.set_clock(clock)
        self.now: Callable[[], datetime] = collection.now
        self._start_review = start_review
        self._deck_key = deck_key
        self._start_screen = start_screen
        self._mentee = mentee
        self._cram_query = cram_query
        self._config_path: Path | None = None  # known once config.toml is read (on_mount)
        self._clashes_told: set[frozenset[str]] = set()
        self.sync_runner = SyncRunner(self)

    def run(self, *, headless: bool = False, **kwargs: Any) -> None:
        """Textual's `run`, refused in one line without a terminal on both sides (a cron job,
        a pipe, `ssh host mastery review`): the app would wait for keys nobody can press."""
        if not headless and not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise MasteryError(
                "the app needs a terminal (stdin and stdout); to print the cards instead use "
                "`mastery cram --list is:due` (or `mastery due` for the counts)"
            )
        return super().run(headless=headless, **kwargs)

    def _handle_exception(self, error: Exception) -> None:
        """A fault no screen caught (a damaged file met by a read, a full disk) ends the app
        as the CLI ends: one line and exit code 2. Anything else is a bug: Textual's
        traceback and exit code 1."""
        from rich.text import Text

        from mastery.db import translate

        typed = translate(error, self.collection.db.path)
        if typed is None:
            super()._handle_exception(error)
            return
        self.exit(return_code=2, message=Text(f"mastery: error: {typed}"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own palette commands, cut to the two that are not Mastery commands
        already ("Keys" is "help: Keys") or noise here (maximise a table, an SVG in the
        current folder), and titled like the rest."""
        yield SystemCommand(
            "app: Theme…", "Choose the colours (remembered next time)", self.action_change_theme
        )
        yield SystemCommand(
            "app: Quit",
            "Quit Mastery (asks first if an editor has unsaved changes)",
            self.action_quit,
        )

    def get_default_screen(self) -> Screen:
        """The dashboard, at the bottom of the stack; built only when first shown if the app
        starts on another screen (`mastery review`, `mastery cram`, `mastery mentor open`)."""
        from mastery.tui.screens.dashboard import DashboardScreen

        starts_elsewhere = (
            self._start_review or self._cram_query is not None or self._start_screen is not None
        )
        return DashboardScreen(deferred=starts_elsewhere)

    # How often an open app looks for changes another process committed (`mastery config
    # set`, a second window): a pragma, so cheap at any size.
    POLL_SECONDS = 2.0
    # Seconds after start-up before the daily backup and the first sync: their imports and
    # reads would compete with the first frame's.
    BACKGROUND_DELAY = 1.0

    def on_mount(self) -> None:
        from mastery.tui.screens.dashboard import DashboardScreen

        self.collection.changed_elsewhere()  # the first look only remembers the version
        self.set_interval(self.POLL_SECONDS, self.poll_changes, name="poll-changes")
        self.apply_config()
        self.show_setting_warnings()
        if self._start_review:
            self.start_review(self._deck_key)
        elif self._cram_query is not None:
            self.start_cram(self._cram_query)
        elif self._start_screen == "mentees":
            self.open_mentees(self._mentee)
        dashboard = self.screen_stack[0]
        if (
            self.screen is dashboard
            and isinstance(dashboard, DashboardScreen)
            and dashboard.is_waiting
        ):
            # The start screen could not open (an unknown deck, nothing to cram): show the
            # dashboard, which waited for it.
            self.call_later(dashboard.show)
        # After the first frame: its imports and reads would compete with the first card's.
        self.set_timer(self.BACKGROUND_DELAY, self.daily_backup)
        # After the first frame, never before it: the first card is not kept waiting.
        self.set_timer(self.BACKGROUND_DELAY, lambda: self.sync_runner.start("open"))
        self.set_interval(self.SYNC_STATUS_SECONDS, self.sync_runner.show, name="sync-status")

    SYNC_STATUS_SECONDS = 30.0  # how often "synced 2 min ago" is worked out again

    def action_sync_now(self) -> None:
        """Sync with the other devices now (asks for the passphrase if no key is kept)."""
        self.sync_runner.start("now")

    def on_sync_status_label_clicked(self) -> None:
        """The header's sync status clicked: why the last sync failed, or when it ran."""
        runner = self.sync_runner
        text = runner.details() if runner.error else runner.line()[0]
        self.notify(text, title="Sync", markup=False)

    def poll_changes(self) -> None:
        """Settings (or cards, goals...) changed from the CLI or another window: read the
        settings again and redraw the screen that shows them, without a restart."""
        if not self.collection.changed_elsewhere():
            return
        refresh = getattr(self.screen, "refresh_data", None)
        if callable(refresh) and not self.screen.is_modal:
            refresh()

    def apply_config(self) -> None:
        """The theme and keymap of the user's config.toml (tui/config.py); what is wrong in it
        is a warning each, never a crash."""
        from mastery.tui import config

        path = config.config_path(self.collection.db.path)
        loaded = config.load(path, themes=set(self.available_themes))
        if loaded.theme is not None:
            self.theme = loaded.theme
        if loaded.keymap:
            self.set_keymap(loaded.keymap)
            self.check_keymap_ids(loaded)
        for line in loaded.warnings:
            self.notify(line, title="config.toml", severity="warning", markup=False, timeout=10)
        self._config_path = path  # from now on, a theme chosen is remembered

    @work(thread=True, exit_on_error=False, group="config")
    def check_keymap_ids(self, loaded: TuiConfig) -> None:
        """Say which keymap ids no binding has: it imports every screen to know (a second on
        a busy machine), so not before the first screen is drawn."""
        from mastery.tui import config

        for line in config.unknown_ids(loaded):
            self.notify(line, title="config.toml", severity="warning", markup=False, timeout=10)

    def watch_theme(self, theme: str) -> None:
        """Remember a theme chosen (ctrl+p: app: Theme…) for the next start."""
        from mastery.tui import config

        if self._config_path is None:
            return
        try:
            config.save_theme(self._config_path, theme)
        except MasteryError as exc:
            self.notify(str(exc), title="Theme", severity="warning", markup=False)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        """A keymap gave a key that something else on this screen already has: say so once."""
        ids = frozenset(b.id or b.action for b in clashed_bindings)
        if ids in self._clashes_told:
            return
        self._clashes_told.add(ids)
        keys = ", ".join(sorted({b.key for b in clashed_bindings}))
        self.notify(
            f"keymap: {keys} is given to more than one binding here ({', '.join(sorted(ids))})",
            title="config.toml",
            severity="warning",
            markup=False,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "help_in_text":
            return self._focused_text() is not None  # elsewhere ? is in the footer
        if action == "select_all":
            # Elsewhere ctrl+a goes on to the focused widget as if unbound.
            return self._focused_text() is not None
        return True

    def _focused_text(self) -> Input | TextArea | None:
        # A class not imported yet cannot be focused: the check never imports TextArea,
        # which is heavy (~3 ms), on the first frame's path.
        kinds = tuple(
            getattr(sys.modules[module], name)
            for module, name in (
                ("textual.widgets._input", "Input"),
                ("textual.widgets._text_area", "TextArea"),
            )
            if module in sys.modules
        )
        focused = self.focused
        return focused if kinds and isinstance(focused, kinds) else None

    def action_help_in_text(self) -> None:
        self.action_help()

    def action_select_all(self) -> None:
        """Select all the text of the focused text box or text area."""
        text = self._focused_text()
        if text is not None:
            text.select_all()

    def show_setting_warnings(self) -> None:
        """Stored settings found invalid when the profile opened are back to their defaults:
        say so once, before the first review, rather than crash it."""
        col = self.collection
        if col.setting("fsrs_parameters"):
            col.scheduler  # noqa: B018 - checks stored FSRS weights now, not mid-review
        for line in col.settings_warnings:
            self.notify(line, title="Setting reset", severity="warning", markup=False, timeout=10)

    def after_review_session(self) -> None:
        """A review session ended (answers given): teams set to sync automatically get this
        member's record, and the profile syncs with its other devices; both in workers."""
        self.team_auto_sync()
        self.sync_runner.start("session")

    @work(thread=True, exclusive=True, exit_on_error=False, group="team-sync")
    def team_auto_sync(self) -> None:
        """Teams set to sync automatically get this member's record after a session, on a
        connection of its own so the learner never waits for a shared folder."""
        try:
            with Collection.open_path(self.collection.db.path) as col:
                results = col.team.auto_sync(now=self.now())
        except (MasteryError, OSError) as exc:
            self.notify(f"Team sync failed: {exc}", severity="warning", markup=False)
            return
        for team_id, problem in results:
            if problem:
                self.notify(f"Team sync ({team_id}): {problem}", severity="warning", markup=False)

    @work(thread=True, exclusive=True, exit_on_error=False, group="backup")
    def daily_backup(self) -> None:
        """The daily backup, on its own connection so start-up and reviews never wait for it."""
        try:
            with Collection.open_path(self.collection.db.path) as col:
                col.auto_backup(now=self.now())
        except (MasteryError, OSError) as exc:
            self.notify(f"Daily backup failed: {exc}", severity="warning", markup=False)
        self.optimize_reminder()

    def optimize_reminder(self) -> None:
        """The monthly "re-fit FSRS" suggestion, once a day at most (run in the backup worker:
        counting a big review log must not delay the first screen)."""
        from mastery import optimize

        try:
            with Collection.open_path(self.collection.db.path) as col:
                text = optimize.reminder_once_a_day(col, now=self.now())
        except (MasteryError, OSError):
            return  # a reminder is never worth an error message
        if text:
            self.notify(
                text + " (ctrl+p: settings: Optimize FSRS)",
                title="Optimize FSRS",
                timeout=12,
                markup=False,
            )

    # ------------------------------------------------------------------ navigation
    def start_review(
        self,
        deck_key: str | None = None,
        *,
        session: Session | None = None,
        replace: bool = False,
    ) -> None:
        """Review what is due (in one deck, or all); the done screen when nothing is."""
        from mastery.tui.screens.review import ReviewScreen, Session

        if session is None:
            session = Session(deck_key=deck_key)
            if deck_key is not None:
                try:
                    deck = self.collection.deck(deck_key, now=self.now())
                except MasteryError as exc:
                    self.notify(str(exc), title="Error", severity="error", markup=False)
                    return
                session.deck_id, session.deck_name = deck.id, deck.label
        try:
            card = self.collection.next_card(now=self.now(), deck_id=session.deck_id)
        except MasteryError as exc:
            self.notify(str(exc), title="Error", severity="error", markup=False)
            return
        if card is None:
            from mastery.tui.screens.done import DoneScreen

            screen: Screen = DoneScreen(session)
        else:
            screen = ReviewScreen(card, session)
        if replace:
            self.switch_screen(screen)
        else:
            self.goto(screen, keep_session=False)

    def start_cram(
        self, query: str = "", *, deck_key: str | None = None, stack: bool = False
    ) -> None:
        """A cram session over a search (or one deck, matched exactly); a warning, not an
        empty screen, when nothing matches. `stack` opens it over the current screen (the
        browser), so leaving it goes back there."""
        from mastery.cram import nothing_to_cram
        from mastery.tui.screens.review import CramScreen, Session

        try:
            queue = self.collection.start_cram(query, deck=deck_key, now=self.now())
            first = self.collection.card(queue.current) if queue.current is not None else None
        except MasteryError as exc:
            self.notify(str(exc), title="Error", severity="error", markup=False)
            return
        if first is None:
            self.notify(nothing_to_cram(queue.label), severity="warning", markup=False)
            return
        screen = CramScreen(first, Session(deck_key=deck_key, cram=queue))
        if stack:
            self.push_screen(screen)
        else:
            self.goto(screen, keep_session=False)

    def action_cram(self) -> None:
        """Ask for a search, then cram it."""
        from mastery.tui.screens.cram import CramPromptScreen

        def chosen(query: str | None) -> None:
            if query is not None:
                self.start_cram(query)

        self.push_screen(CramPromptScreen(), chosen)

    def goto(self, screen: Screen, *, keep_session: bool = True) -> None:
        """Open a screen over the dashboard, closing whatever was open above it; but over a
        review or cram session when one is open (unless `keep_session` is False: a new one
        starts), so that leaving the screen comes back to the same card, with the session's
        counts and undo as they were."""
        session = self.review_session_screen() if keep_session else None
        keep = self.screen_stack.index(session) + 1 if session is not None else 1
        self.close_above(keep, partial(self.push_screen, screen))

    def close_above(self, keep: int, then: Callable[[], object] | None = None) -> None:
        """Close every screen above the first `keep`, then run `then`; when one of them is an
        editor with unsaved changes, only once the user says to discard them (the palette
        closes screens too, and must not lose what Escape would have asked about)."""

        def close() -> None:
            while len(self.screen_stack) > keep:
                self.pop_screen()
            if then is not None:
                then()

        closing = self.screen_stack[keep:]
        if not closing:  # the start screen: nothing to ask about, nor to import for it
            close()
            return
        from mastery.tui.dialogs.unsaved import DiscardScreen, UnsavedChanges

        if any(isinstance(s, UnsavedChanges) and s.has_unsaved_changes() for s in closing):
            self.push_screen(DiscardScreen(), lambda discard: close() if discard else None)
        else:
            close()

    def review_session_screen(self) -> ReviewScreen | None:
        """The review (or cram) screen open under the current screen, if any."""
        from mastery.tui.screens.review import ReviewScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, ReviewScreen):
                return screen
        return None

    def _back_to(self, screen: Screen, then: Callable[[], object] | None = None) -> None:
        self.close_above(self.screen_stack.index(screen) + 1, then)

    def action_dashboard(self) -> None:
        self.back_to_dashboard()

    def back_to_dashboard(self, then: Callable[[], object] | None = None) -> None:
        """Back to the dashboard, then run `then`; a review session open on the way ends as
        Escape ends it (its team sync included)."""
        session = self.review_session_screen()

        def closed() -> None:
            if session is not None and session.session.answered and session.session.cram is None:
                self.after_review_session()
            if then is not None:
                then()

        self.close_above(1, closed)

    def action_review(self) -> None:
        """Back to the review of every deck when one is open, else start one."""
        from mastery.tui.screens.review import CramScreen

        session = self.review_session_screen()
        if (
            session is not None
            and not isinstance(session, CramScreen)
            and session.session.deck_id is None
        ):
            self._back_to(session)
            return
        self.start_review()

    def action_deck_preset(self) -> None:
        """Back to the dashboard, then choose the preset of the deck under its cursor."""
        from mastery.tui.screens.dashboard import DashboardScreen

        def choose() -> None:
            if isinstance(self.screen, DashboardScreen):
                self.screen.when_built(self.screen.action_deck_preset)

        self.back_to_dashboard(choose)

    def action_undo(self) -> None:
        """Undo from outside the review screen: take the step back and show that card again."""
        from mastery.tui.screens.review import ReviewScreen, Session

        session = self.review_session_screen()
        if session is not None:
            # The session open below takes the step back itself, so its counts agree.
            self._back_to(session, session.action_undo)
            return
        kind = self.collection.undo_kind
        try:
            restored = self.collection.undo()
        except MasteryError as exc:
            self.notify(str(exc), title="Error", severity="error", markup=False)
            return
        if restored is None:
            self.notify("Nothing to undo.")
        elif kind == "cram":
            self.notify("Undone: the cram answer is deleted (it never changed the schedule).")
        elif restored.suspended:
            self.notify("Undone: the card is suspended again.")
        else:
            self.notify("Undone: the card is back.")
            self.goto(ReviewScreen(restored, Session()))

    def action_goals(self) -> None:
        from mastery.tui.screens.goals import GoalsScreen

        self.goto(GoalsScreen())

    def action_journal(self) -> None:
        from mastery.tui.screens.journal import JournalScreen

        self.goto(JournalScreen())

    def action_write(self) -> None:
        """Write today's entry: the journal with the prompt picker open."""
        from mastery.tui.screens.journal import JournalScreen

        self.goto(JournalScreen(start_new=True))

    def action_capture(self) -> None:
        from mastery.tui.screens.journal import QuickCaptureScreen

        if not isinstance(self.screen, QuickCaptureScreen):
            self.push_screen(QuickCaptureScreen())

    def action_browse(self) -> None:
        from mastery.tui.screens.browser import BrowserScreen

        self.goto(BrowserScreen())

    def action_settings(self) -> None:
        from mastery.tui.screens.settings import SettingsScreen

        self.goto(SettingsScreen())

    def action_optimize(self) -> None:
        from mastery.tui.screens.optimize import OptimizeScreen

        self.push_screen(OptimizeScreen())

    def action_team(self) -> None:
        from mastery.tui.screens.team import TeamScreen

        self.goto(TeamScreen())

    def action_stats(self) -> None:
        from mastery.tui.screens.stats import StatsScreen

        self.goto(StatsScreen())

    def action_calibration(self) -> None:
        """The Calibration screen; over the Stats screen when opened from it (`c`), so Escape
        goes back there."""
        from mastery.tui.screens.calibration import CalibrationScreen

        if getattr(self.screen, "AREA", "") == "stats":
            self.push_screen(CalibrationScreen())
        else:
            self.goto(CalibrationScreen())

    def action_check_database(self) -> None:
        from mastery.tui.screens.check import CheckScreen

        self.push_screen(CheckScreen())

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification; one that says the file looks damaged also says what to do."""
        from mastery.check import damage_hint

        hint = damage_hint(message, in_app=True)
        super().notify(
            message + (escape(hint) if markup else hint),
            title=title,
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    async def action_quit(self) -> None:
        """Quit (q, ctrl+q, the palette), asking first while an editor holds unsaved changes;
        ctrl+q again on that question quits anyway."""
        from mastery.tui.dialogs.unsaved import QuitScreen, screens_with_unsaved_changes

        if isinstance(self.screen, QuitScreen) or not screens_with_unsaved_changes(self):
            self.exit()
            return

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.exit()

        self.push_screen(QuitScreen(), answered)

    def action_help(self) -> None:
        from mastery.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    # ------------------------------------------------------------------ mentors
    def mentor_commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        """The palette's "mentor: …" commands (the Mentees screens add their own keys)."""
        yield (
            "mentor: Export bundle…",
            self.action_mentor_export,
            "Preview what you share with your mentor, then write the bundle file",
        )
        yield (
            "mentor: Pair with an invitation…",
            self.action_mentor_pair,
            "Check someone's invitation, compare the safety number, and pair",
        )
        yield (
            "mentor: Invite your mentor…",
            self.action_mentor_invite,
            "Write your invitation (public keys and name) for your mentor",
        )
        yield (
            "mentor: Invite a mentee…",
            self.action_mentor_invite_mentee,
            "Write your invitation (public keys and name) for a mentee",
        )
        yield (
            "mentor: Import feedback…",
            self.action_mentor_feedback,
            "Import your mentor's feedback file: comments and their note",
        )
        try:
            note = self.collection.mentor.latest_note()
        except MasteryError:
            note = None
        if note is not None:
            yield (
                "mentor: Read note",
                self.action_mentor_note,
                f"The newest note from {note.mentor_name}",
            )
        yield (
            "mentor: Mentees",
            self.open_mentees,
            "Read your mentees' bundles, comment, write the note and the reply",
        )

    def open_mentees(self, mentee: str | None = None) -> None:
        """The Mentees screen; with `mentee` (a name), that mentee's entries and goals."""
        from mastery.tui.screens.mentees import MenteesScreen

        self.goto(MenteesScreen(mentee))

    def action_mentees(self) -> None:
        self.open_mentees()

    def action_mentor_export(self) -> None:
        from mastery.tui.screens.mentor import ExportScreen

        self.goto(ExportScreen())

    def action_mentor_pair(self) -> None:
        from mastery.tui.dialogs.pair import PairScreen

        self.push_screen(PairScreen())

    def action_mentor_invite(self) -> None:
        from mastery.tui.dialogs.pair import InviteScreen

        self.push_screen(InviteScreen("mentee"))

    def action_mentor_invite_mentee(self) -> None:
        from mastery.tui.dialogs.pair import InviteScreen

        self.push_screen(InviteScreen("mentor"))

    def action_mentor_feedback(self) -> None:
        from mastery.tui.screens.mentor import import_feedback_screen

        self.push_screen(import_feedback_screen(self))

    def action_mentor_note(self) -> None:
        """The newest note from a mentor, in full (opening it marks it read)."""
        from mastery.tui.dialogs.note import MentorNoteScreen

        try:
            note = self.collection.mentor.latest_note()
        except MasteryError as exc:
            self.notify(str(exc), title="Error", severity="error", markup=False)
            return
        if note is None:
            self.notify("No note from a mentor yet: import their feedback file first.")
            return
        self.push_screen(MentorNoteScreen(note))


def run_app(
    collection: Collection,
    *,
    start_review: bool = False,
    deck_key: str | None = None,
    start_screen: str | None = None,
    mentee: str | None = None,
    cram_query: str | None = None,
) -> int:
    """Run the TUI on an open collection until the learner quits (see `MasteryApp`); returns
    the exit code: non-zero when the app had to stop on an error."""
    app = MasteryApp(
        collection,
        start_review=start_review,
        deck_key=deck_key,
        start_screen=start_screen,
        mentee=mentee,
        cram_query=cram_query,
    )
    app.run()
    if app.sync_runner.running:
        # The process waits for it (a kill would be safe, but a sync finished is better).
        print("mastery: finishing the sync with your other devices…", file=sys.stderr)
    return app.return_code or 0
