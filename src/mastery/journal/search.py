"""Journal search: which entries hold every word of a search line, and where.

The search line itself is parsed by `mastery.query.parse_journal` (the one syntax); here the
words are matched with Unicode case folding and turned into highlighted snippets.
"""

from __future__ import annotations

import builtins
import unicodedata
from collections.abc import Sequence
from typing import Any

from mastery.errors import SearchError
from mastery.journal.fields import clean_tags
from mastery.journal.views import EntryView, Highlight, SearchHit

SNIPPET_RADIUS = 40  # characters of context either side of a match
MAX_HIGHLIGHTS = 5


def folded_tags(tag: str | Sequence[str] | None) -> set[str]:
    if tag is None:
        return set()
    return {t.casefold() for t in clean_tags([tag] if isinstance(tag, str) else tag)}


def fold(text: str) -> str:
    """Caseless, canonically decomposed text: 'Ü' and 'U' + combining diaeresis compare equal."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).casefold())


def _fold_map(text: str) -> tuple[str, builtins.list[int]]:
    """`fold` per character, with the index in `text` that each folded character came from."""
    out: builtins.list[str] = []
    index: builtins.list[int] = []
    for i, ch in enumerate(text):
        folded = fold(ch)
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def query_words(terms: Sequence[str]) -> builtins.list[str]:
    """The words and phrases of a search, folded for matching, each once."""
    words = []
    for term in terms:
        word = fold(term.strip())
        if word and word not in words:
            words.append(word)
    return words


def one_filter(key: str, given: Any, typed: str | None) -> Any:
    """A filter given both as an option and in the search line must agree."""
    if typed is None:
        return given
    if given is not None and str(given).casefold() != typed.casefold():
        raise SearchError(f"one {key}: at a time")
    return typed


def _find(text: str, words: Sequence[str]) -> tuple[set[str], builtins.list[tuple[int, int]]]:
    """Which words occur in `text`, and every occurrence as merged (start, end) spans."""
    folded, index = _fold_map(text)
    found: set[str] = set()
    spans = []
    for word in words:
        start = folded.find(word)
        while start != -1:
            found.add(word)
            end = start + len(word)
            spans.append((index[start], index[end - 1] + 1))
            start = folded.find(word, end)
    spans.sort()
    merged: builtins.list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return found, merged


def match_entry(entry: EntryView, words: Sequence[str]) -> SearchHit | None:
    in_body, body_spans = _find(entry.body, words)
    in_title, _ = _find(entry.own_title, words)
    if len(in_body | in_title) < len(words):
        return None
    _, title_spans = _find(entry.title, words)
    return SearchHit(entry, _snippets(entry.body, body_spans), title_spans)


def _snippets(text: str, spans: Sequence[tuple[int, int]]) -> builtins.list[Highlight]:
    """Group nearby matches into snippets of about a line, cut at spaces, marked with '…'."""
    groups: builtins.list[builtins.list[tuple[int, int]]] = []
    for span in spans:
        if groups and span[0] - groups[-1][-1][1] <= 2 * SNIPPET_RADIUS:
            groups[-1].append(span)
        else:
            groups.append([span])
    out = []
    for group in groups[:MAX_HIGHLIGHTS]:
        first, last = group[0][0], group[-1][1]
        a = max(0, first - SNIPPET_RADIUS)
        b = min(len(text), last + SNIPPET_RADIUS)
        if a > 0:
            cut = _first_space(text, a, first)
            a = cut + 1 if cut is not None else a
        if b < len(text):
            cut = _last_space(text, last, b)
            b = cut if cut is not None else b
        while a < first and text[a].isspace():
            a += 1
        while b > last and text[b - 1].isspace():
            b -= 1
        # Newlines become spaces one for one, so offsets stay valid.
        piece = "".join(" " if ch in "\n\r\t" else ch for ch in text[a:b])
        prefix = "…" if a > 0 else ""
        suffix = "…" if b < len(text) else ""
        shift = len(prefix) - a
        out.append(Highlight(prefix + piece + suffix, [(s + shift, e + shift) for s, e in group]))
    return out


def _first_space(text: str, start: int, stop: int) -> int | None:
    for i in range(start, stop):
        if text[i].isspace():
            return i
    return None


def _last_space(text: str, start: int, stop: int) -> int | None:
    for i in range(stop - 1, start - 1, -1):
        if text[i].isspace():
            return i
    return None
