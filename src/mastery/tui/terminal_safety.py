"""Every piece of text the TUI draws, made safe for the terminal in one place.

Deck cards, journal entries, mentor bundles and team files can hold escape sequences, C1
controls and bidi overrides. Textual and Rich drop only BEL, BS, VT, FF and CR from the text
they draw, so ESC and the rest would reach the terminal raw. Both libraries pass every string
that becomes drawn text (`Content(...)`, markup, `rich.text.Text`, notifications, titles,
table cells, Markdown blocks) through one function; `install` swaps that function for
`mastery.text.visible_controls`, so no screen or widget has to remember to call it and a new
one cannot forget. The replacement keeps the text's length, so styled spans stay aligned.
"""

from __future__ import annotations

import rich.text
import textual.content

from mastery.text import visible_controls

__all__ = ["install", "neutralise"]


def neutralise(text: str, _translate_table: object = None) -> str:
    """The libraries' control-code filter, ours: every unsafe character shown as one visible
    character (the table argument of the functions it replaces is accepted and ignored)."""
    return visible_controls(text)


def install() -> None:
    """Route Textual's and Rich's control-code filters through `neutralise` (idempotent).

    Raises `RuntimeError` when a library upgrade renamed a filter: the app must not start
    drawing raw file text without anyone noticing."""
    for module, name in (
        (textual.content, "_strip_control_codes"),
        (rich.text, "strip_control_codes"),
    ):
        if not callable(getattr(module, name, None)):
            raise RuntimeError(f"{module.__name__}.{name} is gone: terminal safety not installed")
        setattr(module, name, neutralise)
