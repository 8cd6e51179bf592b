"""HTML to Markdown (issue 12): what the old regexes got wrong, and the fast paths held to
markdownify's own output so that speed never changes a card's text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mastery.decks.markup import html_to_markdown, markdownify_markdown


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<style>.card { color: red }</style>word", "word"),  # CSS no longer leaks into cards
        ("<script>alert(1)</script>word", "word"),
        (
            "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
            "| a | b |\n| --- | --- |\n| c | d |",
        ),  # a table, not "ab\ncd"
        ('<a href="https://example.org/x">the docs</a>', "[the docs](https://example.org/x)"),
        ("5 * 3 = 15", "5 \\* 3 = 15"),
        ("# not a heading", "\\# not a heading"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("snake_case", "snake\\_case"),
        ("<b> x </b>y", "**x** y"),  # not "** x **"
        ("<h2>Title</h2>text", "## Title\n\ntext"),
        ("<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>", "- a\n- b\n  - c"),
        ("<div>line 1</div><div>line 2</div>", "line 1\nline 2"),
        ("a<br>b", "a\nb"),
        ("caf&eacute;&nbsp;ok &lt;b&gt;", "café ok <b>"),
        ("plain text", "plain text"),
    ],
)
def test_html_to_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown
    assert markdownify_markdown(html) == markdown


_WORDS = st.sampled_from(
    [
        "a",
        "b c",
        " ",
        "  x ",
        "5 * 3",
        "# h",
        "- d",
        "1. e",
        "snake_case",
        "&amp;",
        "&nbsp;",
        "&lt;i&gt;",
        "\n",
        "x\ty",
        "é",
        "[...]",
        "#0",
        "2)",
    ]
)
_TAGS = st.sampled_from(
    [
        "<b>",
        "</b>",
        "<i>",
        "</i>",
        "<strong>",
        "</strong>",
        "<em>",
        "</em>",
        "<br>",
        "<br/>",
        "<BR>",
        "<b >",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(_WORDS, _TAGS), max_size=12))
def test_the_fast_paths_give_markdownifys_text(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert html_to_markdown(html) == markdownify_markdown(html), html


def test_deeply_nested_html_is_its_text_not_a_traceback() -> None:
    hostile = "<div><span>" * 5000 + "deep" + "</span></div>" * 5000
    assert html_to_markdown(hostile) == "deep"
