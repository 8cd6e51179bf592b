"""What every Mastery screen shares: its area name, the collection, the clock, error display."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar

from textual import getters
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen
from textual.types import CSSPathType

from mastery.errors import MasteryError

_TUI = Path(__file__).resolve().parent.parent
# Textual parses the app's stylesheet (mastery.tcss: the dashboard, review and done screens)
# before the first frame; every other screen brings its styles (`CSS_PATH`), parsed the first
# time one of them opens (a one-off ~20 ms reparse then). The shared file comes first, so the
# rules keep the order they had in one file.
SCREENS_CSS: list[str | PurePath] = [_TUI / "screens.tcss"]
GOALS_JOURNAL_CSS: list[str | PurePath] = [*SCREENS_CSS, _TUI / "goals_journal.tcss"]
MENTOR_CSS: list[str | PurePath] = [*SCREENS_CSS, _TUI / "mentor.tcss"]

if TYPE_CHECKING:
    from mastery.collection import Collection
    from mastery.tui.app import MasteryApp


class MasteryMixin(MessagePump):
    """Shortcuts to the app's collection and clock, and domain errors shown as notifications.

    A `MessagePump` (not a DOM node, so Textual's CSS inheritance still follows the screen
    class) so that Textual's typed `app` getter applies to it.
    """

    AREA: ClassVar[str] = ""
    """The command palette's area prefix for this screen's actions ("review: Undo")."""

    if TYPE_CHECKING:
        # Textual types `app` as `App[object]`; this is Textual's own way to narrow it.
        app = getters.app(MasteryApp)

    @property
    def col(self) -> Collection:
        return self.app.collection

    def now(self) -> datetime:
        """The current moment by the profile's clock (`Collection.now`, through the app), so
        that a collection opened on a test clock drives every screen's "today"."""
        return self.app.now()

    @contextmanager
    def domain_errors(self) -> Iterator[None]:
        """Show a `MasteryError` as an error notification instead of a traceback; so is a
        database fault a read met (a damaged file), in the words `Database` would use."""
        try:
            yield
        except MasteryError as exc:
            self.app.notify(str(exc), title="Error", severity="error", markup=False)
        except Exception as exc:
            from mastery.db import translate

            typed = translate(exc, self.col.db.path)
            if typed is None:
                raise
            self.app.notify(str(typed), title="Error", severity="error", markup=False)


class MasteryScreen(MasteryMixin, Screen):
    """A full screen of the app."""

    CSS_PATH: ClassVar[CSSPathType | None] = SCREENS_CSS


class MasteryModal(MasteryMixin, ModalScreen):
    """A dialog over another screen."""

    CSS_PATH: ClassVar[CSSPathType | None] = SCREENS_CSS
