"""HTML (Anki's fields, text imports with ``#html:true``) as Mastery's Markdown card text.

The conversion is markdownify's (MIT, a kept library): tables stay tables, links keep their
URLs, ``<style>`` and ``<script>`` lose their content, whitespace inside ``<b> x </b>`` moves
outside the marks, and text that Markdown would read as markup (``*``, ``_``, a ``#`` heading
or a ``-``/``1.`` list marker at a line start) is escaped. It is configured for card text:
ATX headings, ``-`` bullets, and a ``<br>`` or Anki's ``<div>`` line as one line break.

BeautifulSoup costs ~0.5 ms a field, too slow for a 10,000-note package, so two fast paths
give the same text without it: text without markup is only escaped, and text whose only tags
are bold, italics and line breaks goes through a small tokenizer
(`tests/test_markup.py` holds both to markdownify's output).
"""

from __future__ import annotations

import html
import re
from typing import Any

from markdownify import MarkdownConverter

# markdownify's own patterns (its escape_misc), kept here: they are not its public API.
_DASHES = re.compile(r"(\s|^)(-+(?:\s|$))")
_HASHES = re.compile(r"(\s|^)(#{1,6}(?:\s|$))")
_LIST_ITEMS = re.compile(r"((?:\s|^)[0-9]{1,9})([.)](?:\s|$))")

__all__ = ["html_to_markdown", "markdownify_markdown"]


class _CardConverter(MarkdownConverter):
    """markdownify for card text: what differs from its defaults, and why."""

    def escape(self, text: str, parent_tags: Any) -> str:
        # Escape what would turn card text into markup (emphasis, headings, list items), not
        # every character markdownify's escape_misc would (``=``, ``+``, ``|``, ``&``...):
        # those read as themselves in a card and backslashes before them would only be noise.
        if not text:
            return ""
        if "-" in text:
            text = _DASHES.sub(r"\1\\\2", text)
        if "#" in text:
            text = _HASHES.sub(r"\1\\\2", text)
        if "." in text or ")" in text:
            text = _LIST_ITEMS.sub(r"\1\\\2", text)
        if "*" in text:
            text = text.replace("*", r"\*")
        if "_" in text:
            text = text.replace("_", r"\_")
        return text

    def convert_br(self, el: Any, text: str, parent_tags: Any) -> str:
        # One line break, as Mastery's card text has always had for Anki's <br>.
        return " " if "_inline" in parent_tags else "\n"

    def convert_div(self, el: Any, text: str, parent_tags: Any) -> str:
        # Anki's editor writes each line as a <div>: a line, not a paragraph.
        if "_inline" in parent_tags:
            return " " + text.strip() + " "
        text = text.strip()
        return f"\n{text}\n" if text else ""

    def convert_style(self, el: Any, text: str, parent_tags: Any) -> str:
        return ""

    def convert_script(self, el: Any, text: str, parent_tags: Any) -> str:
        return ""


_CONVERTER = _CardConverter(
    heading_style="ATX", bullets="-", strong_em_symbol="*", table_infer_header=True
)

_SIMPLE_TAG = re.compile(r"<\s*(/?)\s*(b|strong|i|em|br)\s*(/?)\s*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[a-zA-Z/!?]")
_ANY_MARKUP = re.compile(r"<[a-zA-Z/!?][^>]*>?")
_NEWLINE_SPACE = re.compile(r"[\t \r\n]*[\r\n][\t \r\n]*")
_SPACES = re.compile(r"[\t ]+")
_LINE_END_SPACE = re.compile(r"[ \t]+\n")
_INNER_SPACES = re.compile(r"(?<=\S) {2,}")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*"}


def html_to_markdown(text: str) -> str:
    """HTML as Markdown card text (see the module's docstring); the same result whichever
    path it takes."""
    if "<" not in text:
        if "&" in text:
            text = html.unescape(text)
        return _tidy(_escape_text(text))
    fast = _simple_markup(text)
    if fast is not None:
        return fast
    return markdownify_markdown(text)


def markdownify_markdown(text: str) -> str:
    """The conversion through BeautifulSoup and markdownify, without fast paths."""
    try:
        return _tidy(_CONVERTER.convert(text))
    except RecursionError:  # thousands of nested tags (a hostile field): their text only
        return _tidy(_escape_text(html.unescape(_ANY_MARKUP.sub("", text))))


def _escape_text(text: str) -> str:
    """A text node as markdownify treats it: whitespace runs collapsed, markup escaped."""
    if "\n" in text or "\r" in text:
        text = _NEWLINE_SPACE.sub("\n", text)
    if "  " in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    return _CONVERTER.escape(text, ())


def _tidy(text: str) -> str:
    """What both paths end with: non-breaking spaces as spaces, no spaces around line breaks,
    at most one blank line in a row."""
    text = _INNER_SPACES.sub(" ", text.replace("\xa0", " "))
    if "\n" in text:
        text = _MANY_NEWLINES.sub("\n\n", _LINE_END_SPACE.sub("\n", text))
    return text.strip()


def _simple_markup(text: str) -> str | None:
    """The Markdown of text whose only tags are ``<b>``/``<strong>``/``<i>``/``<em>`` (not
    nested in themselves) and ``<br>``; None for anything else (markdownify takes it)."""
    pieces: list[str] = []
    open_marks: list[str] = []
    spans: list[int] = []  # where each open mark's text starts in `pieces`
    pos = 0
    for match in _SIMPLE_TAG.finditer(text):
        between = text[pos : match.start()]
        if "<" in between and _ANY_TAG.search(between):
            return None
        if between:
            pieces.append(_escape_text(html.unescape(between)))
        pos = match.end()
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name == "br":
            if closing:
                return None
            pieces.append("\n")
            continue
        if self_closing:
            return None
        if not closing:
            if name in open_marks:
                return None
            open_marks.append(name)
            spans.append(len(pieces))
            continue
        if not open_marks or open_marks[-1] != name:
            return None
        open_marks.pop()
        start = spans.pop()
        inner = "".join(pieces[start:])
        del pieces[start:]
        if "\n" in inner:
            return None  # a line break inside a mark: markdownify's rules, not ours
        prefix = " " if inner[:1] == " " else ""
        suffix = " " if inner[-1:] == " " else ""
        inner = inner.strip()
        if inner:
            mark = _MARKS[name]
            pieces.append(f"{prefix}{mark}{inner}{mark}{suffix}")
    if open_marks:
        return None
    rest = text[pos:]
    if _ANY_TAG.search(rest):
        return None
    if rest:
        pieces.append(_escape_text(html.unescape(rest)))
    return _tidy(_join(pieces))


_EDGE_NEWLINES = re.compile(r"^(\n*)((?:.*[^\n])?)(\n*)$", re.DOTALL)


def _join(pieces: list[str]) -> str:
    """markdownify's join of a tag's children: newlines meeting at a boundary count once (the
    larger run, at most two)."""
    pieces = [piece for piece in pieces if piece]
    if not any(b[:1] == "\n" and a[-1:] == "\n" for a, b in zip(pieces, pieces[1:], strict=False)):
        return "".join(pieces)  # no newlines meet at a boundary
    out = [""]
    for piece in pieces:
        if not piece:
            continue
        match = _EDGE_NEWLINES.match(piece)
        assert match is not None  # the pattern matches any text
        leading, content, trailing = match.groups()
        if out[-1] and leading:
            leading = "\n" * min(2, max(len(out.pop()), len(leading)))
        out.extend((leading, content, trailing))
    return "".join(out)
