"""Sync in the app (issue 14): on its own when the app opens and after a review session, and
when asked ("Sync now", `y` on the dashboard), always in a worker thread.

A sync reads and writes files (a git remote may take seconds), so it runs on a `Collection` of
its own, as the daily backup does: the app's connection stays on the UI thread. One at a
time: asked while one runs, one more follows it (a session's answers must go out), never two
at once. What it brought is shown by reloading the screen, as a change from another window
is. A failure is a toast and "sync failed" in the header, never a crash; the palette's "Sync
now" says the reason too.

The app syncs on its own only with a key remembered on this device (`mastery sync setup`
keeps it) and automatic sync on (`mastery sync auto on|off`): it never asks for a passphrase
unprompted.
"""

from __future__ import annotations

from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Literal

from mastery import present
from mastery.collection import Collection
from mastery.days import from_ms
from mastery.errors import MasteryError

if TYPE_CHECKING:
    from mastery.sync import SyncReport, SyncStatus
    from mastery.tui.app import MasteryApp

Reason = Literal["open", "session", "now"]
NOT_SET_UP = (
    "Sync is not set up: run `mastery sync setup TARGET` in your shell (TARGET: a folder "
    "another tool syncs, or a git URL), then sync here with y or ctrl+p."
)


class SyncRunner:
    """The app's syncs: when they start, the one running, the status in the header."""

    def __init__(self, app: MasteryApp) -> None:
        self.app = app
        self.running = False
        self.queued: Reason | None = None  # asked while one ran: runs when it ends
        self.error: str | None = None  # the last sync's failure, until one succeeds

    # ------------------------------------------------------------------ starting
    def status(self) -> SyncStatus | None:
        """Where the profile stands (read on the UI thread: meta only, no counts)."""
        try:
            return self.app.collection.sync.status(counts=False)
        except MasteryError:
            return None

    def start(self, reason: Reason) -> None:
        """Sync now if this reason allows it: "now" always (asking for the passphrase when no
        key is remembered), "open" and "session" only with the key and automatic sync on."""
        status = self.status()
        if status is None or status.target is None:
            if reason == "now":
                self.app.notify(NOT_SET_UP, title="Sync", markup=False, timeout=12)
            self.show()
            return
        if reason != "now" and not (status.auto and status.key_remembered):
            self.show()
            return
        if self.running:
            self.queued = "now" if reason == "now" or self.queued == "now" else reason
            if reason == "now":
                self.app.notify("A sync is running: another follows it.", title="Sync")
            return
        if not status.key_remembered:
            from mastery.tui.dialogs.sync_passphrase import PassphraseScreen

            def given(answer: tuple[str, bool] | None) -> None:
                if answer is None:
                    return
                if self.running:  # an automatic one began meanwhile
                    self.app.notify("A sync is running: try again when it ends.", title="Sync")
                    return
                self._run(reason, *answer)

            self.app.push_screen(PassphraseScreen(), given)
            return
        self._run(reason, None, False)

    def _run(self, reason: Reason, passphrase: str | None, remember: bool) -> None:
        self.running = True
        self.show()
        self.app.run_worker(
            partial(self._work, reason, passphrase, remember),
            name="sync",
            group="sync",
            thread=True,
            exit_on_error=False,
        )

    # ------------------------------------------------------------------ the worker
    def _work(self, reason: Reason, passphrase: str | None, remember: bool) -> None:
        """In the worker thread: sync on a connection of its own, then hand the outcome to
        the UI thread. Whatever goes wrong ends as a message: the app keeps running."""
        app = self.app
        report: SyncReport | None = None
        error: str | None = None
        try:
            with Collection.open_path(app.collection.db.path, clock=app.now) as col:
                report = col.sync.run(passphrase)
                if remember and passphrase is not None:
                    col.sync.remember(passphrase)
        except MasteryError as exc:
            error = str(exc)
        except Exception as exc:  # a sync must never take the session down with it
            from mastery.db import translate

            typed = translate(exc, app.collection.db.path)
            error = str(typed) if typed is not None else f"{type(exc).__name__}: {exc}"
        # The app may have quit meanwhile: the sync is done (or rolled back), nothing to show.
        with suppress(RuntimeError):
            app.call_from_thread(self._done, reason, report, error)

    def _done(self, reason: Reason, report: SyncReport | None, error: str | None) -> None:
        """On the UI thread: say how it went, reload what it changed, run the queued one."""
        app = self.app
        self.running = False
        self.error = error
        if error is not None:
            app.notify(
                f"Sync failed: {error}", title="Sync", severity="error", markup=False, timeout=10
            )
        elif report is not None:
            # The worker committed on its own connection: forget what the app's connection
            # cached (today's queue, settings), then redraw the screen showing.
            app.collection.changed_elsewhere()
            screen = app.screen
            refresh = getattr(screen, "refresh_data", None)
            if callable(refresh) and not screen.is_modal:
                refresh()
            if reason == "now":
                text = present.synced(report.received, report.devices, report.sent)
                app.notify(text, title="Sync", markup=False)
            elif report.received:
                got = present.plural(report.received, "answer")
                app.notify(f"Sync: {got} from your other devices.", title="Sync", markup=False)
        self.show()
        queued, self.queued = self.queued, None
        if queued is not None:
            self.start(queued)

    # ------------------------------------------------------------------ the status
    def show(self) -> None:
        """Put the status in the app's `sync_status` (every `SyncHeader` follows it)."""
        self.app.sync_status = self.line()

    def line(self) -> tuple[str, str]:
        """(text, state) for the header: short enough for 80 columns beside the title."""
        if self.running:
            return "syncing…", "busy"
        status = self.status()
        if status is None or status.target is None:
            return "", ""
        if self.error is not None:
            return "sync failed", "failed"
        if status.last_sync is None:
            return "not synced yet", "ok"
        return f"synced {present.ago(from_ms(status.last_sync), self.app.now())}", "ok"

    def details(self) -> str:
        """What the palette's "Sync now" says beside its title."""
        if self.error is not None:
            return f"Last sync failed: {self.error}"
        status = self.status()
        if status is None or status.target is None:
            return "Not set up: mastery sync setup TARGET (a folder or a git URL)"
        return "Bring this profile and your other devices up to date (y on the dashboard)"
