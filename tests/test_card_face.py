"""A card side on the review screen (`CardFace`): plain text in a `Static`, looking as the
`Markdown` widget draws it, and the `Markdown` widget only for text that needs it (issue 15:
the first card drawn without building Textual's Markdown machinery)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown

from mastery.tui.widgets.card_face import CardFace, is_plain


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of France?",
        "Paris",
        "3.14 is about pi, and 2 + 2 = 4",
        "A learning organization: Senge, 1990 (The Fifth Discipline)",
        "Ça marche: naïve café, 東京",
        "",
    ],
)
def test_words_are_plain(text: str) -> None:
    assert is_plain(text)


@pytest.mark.parametrize(
    "text",
    [
        "**bold**",
        "_stress_",
        "`code`",
        "[a link](x)",
        "![image](x.png)",
        "<b>html</b>",
        "Fish &amp; chips",
        "# Heading",
        "a | b",
        "~~gone~~",
        "two\nlines",
        "see https://example.org",
        "see www.example.org",
        "- an item",
        "+ an item",
        "1. first",
        "2) second",
        "> quoted",
        "    indented code",
        "escaped \\* star",
    ],
)
def test_markdown_syntax_is_not_plain(text: str) -> None:
    assert not is_plain(text)


class Sides(App[None]):
    """A card side beside the `Markdown` widget, styled as the review screen styles it."""

    CSS = "#card Markdown { margin: 0; padding: 0 1; }"

    def compose(self) -> ComposeResult:
        with Vertical(id="card"):
            yield CardFace(id="face")
            yield Markdown(id="reference", open_links=False)


async def test_plain_text_looks_as_the_markdown_widget_draws_it() -> None:
    """The same rows on the screen: the text at the same column, the blank line after it."""
    text = "What is the capital of France? A long question wraps the same way too."
    app = Sides()
    async with app.run_test(size=(40, 12)) as pilot:
        face = app.query_one(CardFace)
        face.show(text)
        await app.query_one("#reference", Markdown).update(text)
        await pilot.pause()
        assert face.markdown is None  # plain: no Markdown widget built
        ours, theirs = face.region, app.query_one("#reference").region
        assert (ours.width, ours.height) == (theirs.width, theirs.height)
        rows = [strip.text for strip in app.screen._compositor.render_strips()]  # noqa: SLF001
        assert rows[ours.y : ours.bottom] == rows[theirs.y : theirs.bottom]
        assert "capital of France" in rows[ours.y]


async def test_a_side_switches_between_plain_and_markdown() -> None:
    app = Sides()
    async with app.run_test(size=(60, 10)) as pilot:
        face = app.query_one(CardFace)
        face.show("**Paris**")
        await pilot.pause()
        assert face.markdown is not None and face.markdown.display
        assert face.drawn
        face.show("Rome")
        await pilot.pause()
        assert not face.markdown.display and face.source == "Rome"
        face.show("*Berlin*")
        await pilot.pause()
        assert face.markdown.display and face.markdown.source == "*Berlin*"


def test_the_review_screen_does_not_import_markdown_for_a_plain_card() -> None:
    """The start path: the review screen's module loads neither Textual's Markdown widget
    nor markdown-it (they come with the first card that needs them)."""
    code = (
        "import sys\n"
        "import mastery.tui.screens.review\n"
        "print('textual.widgets._markdown' in sys.modules, 'markdown_it' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
