"""One side of a card on the review screen: plain text drawn as it is, Markdown rendered.

Most cards are a line of plain text. Textual's `Markdown` widget parses, builds a block
widget per paragraph and brings markdown-it and its stylesheet with it: about 0.04 s of the
first card's 0.3 s (benchmarks/README.md, "Issue 15: the first frame"). A side without any
Markdown syntax is drawn in a `Static` instead, looking as the `Markdown` widget draws a
paragraph; the `Markdown` widget is imported and mounted the first time a side needs it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.widgets import Markdown

# Anything Markdown could read as more than words: emphasis, code, links, images, HTML and
# entities, headings, tables, strikethrough, escapes, line breaks (a soft break joins two
# lines), bare links (linkified), and a start that makes a list, a quote, a setext or a
# thematic break, or indented code.
_SYNTAX = re.compile(r"[\\`*_\[\]<>#|~&\n\r]|://|www\.|^\s|^([-+>=]|\d+[.)])(\s|$)")


def is_plain(text: str) -> bool:
    """Whether `text` reads the same as plain text and as Markdown."""
    return _SYNTAX.search(text) is None


class CardFace(Vertical):
    """A card side (`show`): a `Static` for plain text, a `Markdown` for the rest."""

    DEFAULT_CSS = """
    CardFace {
        height: auto;
    }
    CardFace > .plain {
        margin: 0 0 1 0;  /* as a Markdown paragraph */
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self.source = ""
        self._plain = Static("", markup=False, classes="plain")
        self._markdown: Markdown | None = None

    def compose(self) -> ComposeResult:
        yield self._plain

    @property
    def markdown(self) -> Markdown | None:
        """The `Markdown` widget once a side needed it (shown or not)."""
        return self._markdown

    @property
    def drawn(self) -> bool:
        """Whether the side's text is in its widgets (a `Markdown` parses after mounting)."""
        if self._markdown is not None and self._markdown.display:
            return bool(self._markdown.children)
        return self._plain.is_mounted

    def show(self, text: str) -> None:
        """Draw `text`: in the `Static` when it is plain, else in the `Markdown` widget."""
        self.source = text
        if is_plain(text):
            self._plain.update(text)
            self._plain.display = True
            if self._markdown is not None:
                self._markdown.display = False
            return
        self._plain.display = False
        if self._markdown is None:
            from textual.widgets import Markdown

            self._markdown = Markdown(text, open_links=False)
            self.mount(self._markdown)
        else:
            self._markdown.update(text)
            self._markdown.display = True
