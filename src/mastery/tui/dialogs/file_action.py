"""A file box for one action on a file (import feedback, add a bundle, join a team), and the
helpers that turn what was typed into a path."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from mastery.errors import MasteryError
from mastery.tui.dialogs import MENTOR_CSS
from mastery.tui.screens.base import MasteryModal


def slug(name: str) -> str:
    """A name as a file name part: "Ana María" -> "ana-maría"."""
    return re.sub(r"[^\w]+", "-", name.casefold()).strip("-") or "mentee"


def file_path(text: str) -> Path:
    """What was typed in a file box, as an absolute path (~ expanded)."""
    return Path(text.strip()).expanduser().absolute()


def write_or_notify(
    screen: Screen[object], path: Path, write: Callable[[Path], Path]
) -> Path | None:
    """Run `write(path)`; on a refusal or a file-system fault, say why in one "Not written"
    notification and return None (the dialog stays open to try another path)."""
    try:
        return write(path)
    except MasteryError as exc:
        screen.notify(str(exc), title="Not written", severity="error", markup=False)
    except OSError as exc:
        screen.notify(
            f"{path}: {exc.strerror or exc}", title="Not written", severity="error", markup=False
        )
    return None


class FileActionScreen(MasteryModal):
    """A file box for one action on a file (import feedback, add a bundle): Enter runs
    `run(path)`, which returns what to tell the learner or raises `MasteryError` (shown, and
    the box stays open to try another path). Dismisses with True once done, else None."""

    AREA = "mentor"
    CSS_PATH = MENTOR_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="file-action-cancel")]

    def __init__(
        self,
        title: str,
        hint: Content,
        run: Callable[[Any], str],
        *,
        placeholder: str = "",
        done_title: str = "Done",
        parse: Callable[[str], Any] = file_path,
    ) -> None:
        """`parse` turns what was typed into what `run` takes (a path by default; a team
        can also live at a postgresql:// URL)."""
        super().__init__()
        self._parse = parse
        self.title_text = title
        self.hint = hint
        self._act = run
        self.placeholder = placeholder
        self.done_title = done_title

    def compose(self) -> ComposeResult:
        with Vertical(classes="mentor-dialog file-box"):
            yield Static(Content.styled(self.title_text, "bold"), classes="dialog-title")
            yield Input(id="file-action-path", compact=True, placeholder=self.placeholder)
            yield Static(self.hint, classes="dialog-hint")
        yield Footer(compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.notify("Type the path of the file.", title="Which file?", severity="error")
            return
        try:
            message = self._act(self._parse(event.value))
        except MasteryError as exc:
            self.notify(str(exc), title="Not done", severity="error", markup=False)
            return
        self.notify(message, title=self.done_title, markup=False, timeout=8)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(None)
