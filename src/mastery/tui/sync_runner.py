"""Sync in the app (issue 14): on its own when the app opens and after a review session, and
when asked ("Sync now", `y` on the dashboard), always in a worker thread; asked with no sync
target yet, it offers the setup (`dialogs/sync.py`), as `mastery sync setup` does.

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

from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Literal

from mastery import present
from mastery.collection import Collection
from mastery.days import from_ms
from mastery.errors import MasteryError

if TYPE_CHECKING:
    # Not at start-up: the sync package is loaded by the first sync (or status) only.
    from mastery.sync import Progress, Sync, SyncReport, SyncStatus
    from mastery.tui.app import MasteryApp

    # What one sync does, on the worker's own collection: run, run with a passphrase, set up.
    Job = Callable[[Sync, Progress], SyncReport]

Reason = Literal["open", "session", "now", "setup"]


class SyncRunner:
    """The app's syncs: when they start, the one running, the status in the header."""

    def __init__(self, app: MasteryApp) -> None:
        self.app = app
        self.running = False
        self.queued: Reason | None = None  # asked while one ran: runs when it ends
        self.error: str | None = None  # the last sync's failure, until one succeeds
        self.percent: int | None = None  # how far the running sync got (`Sync.run`'s progress)

    # ------------------------------------------------------------------ starting
    def has_target(self) -> bool:
        """Whether the profile syncs at all, read from its meta alone: a profile without a
        target never imports the sync package (pydantic, libsodium: ~0.15 s at start-up)."""
        try:
            state = self.app.collection.meta("sync")
        except MasteryError:
            return False
        return isinstance(state, dict) and bool(state.get("target"))

    def status(self) -> SyncStatus | None:
        """Where the profile stands (read on the UI thread: meta only, no counts)."""
        try:
            return self.app.collection.sync.status(counts=False)
        except MasteryError:
            return None

    def start(self, reason: Reason) -> None:
        """Sync now if this reason allows it: "now" always (asking for the passphrase when no
        key is remembered, for a target and a passphrase when there is no target yet), "open"
        and "session" only with the key and automatic sync on."""
        status = self.status() if self.has_target() else None
        if status is None or status.target is None:
            if reason == "now" and not self.running:
                self._ask_setup()
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
            from mastery.tui.dialogs.sync import PassphraseScreen

            def given(answer: tuple[str, bool] | None) -> None:
                if answer is not None and self._free():
                    phrase, remember = answer
                    self._run(reason, partial(_with_passphrase, phrase, remember))

            self.app.push_screen(PassphraseScreen(), given)
            return
        self._run(reason, _with_key)

    def _ask_setup(self) -> None:
        """No target yet: the setup dialog (target, passphrase twice, the warning)."""
        from mastery.tui.dialogs.sync import SetupScreen

        def given(answer: tuple[str, str, bool] | None) -> None:
            if answer is not None and self._free():
                target, phrase, remember = answer
                self._run("setup", partial(_set_up, target, phrase, remember))

        self.app.push_screen(SetupScreen(), given)

    def _free(self) -> bool:
        """No sync running (an automatic one may have begun while a dialog was open)."""
        if self.running:
            self.app.notify("A sync is running: try again when it ends.", title="Sync")
        return not self.running

    def _run(self, reason: Reason, job: Job) -> None:
        self.running = True
        self.show()
        self.app.run_worker(
            partial(self._work, reason, job),
            name="sync",
            group="sync",
            thread=True,
            exit_on_error=False,
        )

    # ------------------------------------------------------------------ the worker
    def _work(self, reason: Reason, job: Job) -> None:
        """In the worker thread: sync on a connection of its own, then hand the outcome to
        the UI thread. Whatever goes wrong ends as a message: the app keeps running."""
        app = self.app
        report: SyncReport | None = None
        error: str | None = None
        shown = [-1]

        def progress(fraction: float, what: str) -> None:
            """The header's "syncing… 40%" (chunks read, cards replayed, chunks written): a
            new device joining a big profile waits a while. Handed to the UI thread only
            when the whole figure changes, and not at 0 (the header says "syncing…")."""
            percent = round(fraction * 100)
            if percent > 0 and percent != shown[0]:
                shown[0] = percent
                with suppress(RuntimeError):
                    app.call_from_thread(self._progress, percent)

        try:
            from mastery.sync import Sync

            with Collection.open_path(app.collection.db.path, clock=app.now) as col:
                # batch: git never asks on the terminal the app draws on.
                report = job(Sync(col, batch=True), progress)
        except MasteryError as exc:
            error = str(exc)
        except Exception as exc:  # a sync must never take the session down with it
            from mastery.db import translate

            typed = translate(exc, app.collection.db.path)
            error = str(typed) if typed is not None else f"{type(exc).__name__}: {exc}"
        # The app may have quit meanwhile: the sync is done (or rolled back), nothing to show.
        with suppress(RuntimeError):
            app.call_from_thread(self._done, reason, report, error)

    def _progress(self, percent: int) -> None:
        self.percent = percent
        self.show()

    def _done(self, reason: Reason, report: SyncReport | None, error: str | None) -> None:
        """On the UI thread: say how it went, reload what it changed, run the queued one."""
        app = self.app
        self.running = False
        self.percent = None
        self.error = error
        try:
            if error is not None:
                what = "Sync setup failed" if reason == "setup" else "Sync failed"
                app.notify(
                    f"{what}: {error}", title="Sync", severity="error", markup=False, timeout=10
                )
            elif report is not None:
                # The worker committed on its own connection: forget what the app's connection
                # cached (today's queue, settings), then redraw the screen showing.
                app.collection.changed_elsewhere()
                screen = app.screen
                refresh = getattr(screen, "refresh_data", None)
                if callable(refresh) and not screen.is_modal:
                    refresh()
                if reason in ("now", "setup"):
                    text = present.synced(
                        report.received, report.devices, report.sent, report.changes
                    )
                    if reason == "setup":
                        how = "Joined" if report.joined else "Set up"
                        target = self.status()
                        text = f"{how} sync with {target.target if target else ''}. {text}"
                    app.notify(text, title="Sync", markup=False)
                elif report.received:
                    got = present.plural(report.received, "answer")
                    app.notify(f"Sync: {got} from your other devices.", title="Sync", markup=False)
        finally:
            # Whatever the redraw did, the header never stays at "syncing…".
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
            return f"syncing… {self.percent}%" if self.percent is not None else "syncing…", "busy"
        status = self.status() if self.has_target() else None
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
            return "Not set up yet: choose a folder or a git remote (or: mastery sync setup)"
        return "Bring this profile and your other devices up to date (y on the dashboard)"


def _with_key(sync: Sync, progress: Progress) -> SyncReport:
    """A sync with the key remembered on this device."""
    return sync.run(progress=progress)


def _with_passphrase(passphrase: str, remember: bool, sync: Sync, progress: Progress) -> SyncReport:
    """A sync with the passphrase typed in the dialog; its key kept if the box was ticked."""
    report = sync.run(passphrase, progress=progress)
    if remember:
        sync.remember(passphrase)
    return report


def _set_up(
    target: str, passphrase: str, remember: bool, sync: Sync, progress: Progress
) -> SyncReport:
    """The app's `mastery sync setup TARGET`."""
    return sync.setup(target, passphrase, remember=remember, progress=progress)
