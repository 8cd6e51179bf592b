"""Anki's card templates, rendered as Anki renders them: every card shows its own template.

Follows Anki's renderer (rslib ``template.rs``, ``template_filters.rs``, ``cloze.rs``):

- ``{{Field}}`` is the field's HTML; ``{{FrontSide}}`` the rendered question; ``{{Tags}}``,
  ``{{Type}}``, ``{{Deck}}``, ``{{Subdeck}}``, ``{{Card}}`` and ``{{CardFlag}}`` as in Anki;
- ``{{#Field}}...{{/Field}}`` shows its content when the field is not empty, ``{{^Field}}``
  when it is; "empty" is Anki's: only whitespace, ``<br>`` and ``<div>`` tags; sections nest;
- filters apply right to left (``{{text:hint:F}}``: hint, then text): ``text`` strips HTML,
  ``hint`` becomes a line naming the field (a card here cannot hide it behind a link),
  ``cloze`` hides the card's own cloze number on the question (``[...]`` or ``[hint]``) and
  shows it in bold on the answer, other numbers as plain text, ``cloze-only``, ``kana``,
  ``kanji`` and ``furigana`` as in Anki, ``type`` (Anki's typing box) renders nothing; an
  unknown filter (``tts``, add-ons') degrades to the field text;
- a cloze never closed raises `ClozeError` (Anki would drop its text without a word);
- a template Anki would refuse (an unknown field, an unclosed section) renders what it can:
  the unknown field as nothing, the section up to the template's end.

Mastery shows a card's front above its back, so the answer's copy of the question is dropped:
the back is what follows ``<hr id=answer>``, else what follows ``{{FrontSide}}``.

Card keys come from the note's guid and the card's ordinal, so re-importing a package keeps
review history: ``<note>`` for card 1, ``<note>.reverse`` for card 2 of a note type named
like "reversed", ``<note>.card<N>`` otherwise, ``<note>::c<N>`` for cloze number N.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from mastery.decks.cloze import ClozeError, _excerpt

__all__ = [
    "CardTemplate",
    "NoteType",
    "card_key",
    "cloze_numbers",
    "field_is_empty",
    "parse_template",
    "render_card",
]

# ---------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class _Field:
    key: str
    filters: tuple[str, ...]  # in the order they apply


@dataclass(frozen=True, slots=True)
class _Section:
    key: str
    negated: bool
    children: tuple[_Node, ...]


_Node = str | _Field | _Section

_ALT_SYNTAX = "{{=<% %>=}}"


def parse_template(text: str) -> tuple[_Node, ...]:
    """A template as nodes: text, field replacements and (negated) sections."""
    tokens = iter(_tokens(text))
    return tuple(_parse(tokens, None))


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text): "text", "field", "#", "^" or "/" (Anki's tokenizer: comments are text,
    with no replacements inside them)."""
    start, end = "{{", "}}"
    stripped = text.lstrip()
    if stripped.startswith(_ALT_SYNTAX):  # Anki's legacy alternative delimiters
        text, start, end = stripped[len(_ALT_SYNTAX) :], "<%", "%>"
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        opening = text.find(start, pos)
        comment = text.find("<!--", pos)
        if comment != -1 and (opening == -1 or comment < opening):
            close = text.find("-->", comment + 4)
            if close != -1:
                out.append(("text", text[pos : close + 3]))
                pos = close + 3
                continue
        close = -1 if opening == -1 else text.find(end, opening + len(start))
        if close == -1:
            out.append(("text", text[pos:]))
            break
        if opening > pos:
            out.append(("text", text[pos:opening]))
        pos = close + len(end)
        handle = text[opening + len(start) : close].lstrip("{").strip()
        kind = handle[:1] if len(handle) >= 2 and handle[:1] in "#^/" else ""
        out.append((kind or "field", handle[1:].lstrip() if kind else handle))
    return out


_MAX_DEPTH = 50  # sections nested deeper (only a hostile template): their tags are ignored


def _parse(tokens: Iterator[tuple[str, str]], open_key: str | None, depth: int = 0) -> list[_Node]:
    nodes: list[_Node] = []
    for kind, value in tokens:
        if kind == "text":
            nodes.append(value)
        elif kind == "field":
            parts = value.split(":")
            nodes.append(_Field(parts[-1], tuple(reversed(parts[:-1]))))
        elif kind in ("#", "^"):
            if depth < _MAX_DEPTH:
                children = tuple(_parse(tokens, value, depth + 1))
                nodes.append(_Section(value, kind == "^", children))
        elif value == open_key:
            return nodes
        # a closing tag that closes nothing open: Anki refuses the template; ignored here
    return nodes  # a section never closed ends with the template


# ---------------------------------------------------------------------------- rendering

_EMPTY_FIELD = re.compile(r"(?:\s|</?(?:br|div) ?/?>)*", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>", re.DOTALL)
_FURIGANA = re.compile(r" ?([^ >]+?)\[(.+?)\]")
_CLOZE_TOKEN = re.compile(r"\{\{c(\d+(?:,\d+)*)::|\}\}")
_ANSWER_RULE = re.compile(r"<hr\s+id\s*=\s*[\"']?answer[\"']?\s*/?>", re.IGNORECASE)
_FRONT = "\x05"  # where {{FrontSide}} was, on the answer

_SPECIALS = frozenset(("Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag"))
FLAG_NAMES = ("", "red", "orange", "green", "blue", "pink", "turquoise", "purple")


def field_is_empty(text: str) -> bool:
    """Anki's rule: only whitespace and empty ``<br>``/``<div>`` tags."""
    return _EMPTY_FIELD.fullmatch(text) is not None


@dataclass(frozen=True)
class CardTemplate:
    name: str
    question: tuple[_Node, ...]
    answer: tuple[_Node, ...]


@dataclass(frozen=True)
class NoteType:
    """What rendering needs of a note type: its name, field names in order, templates."""

    name: str
    fields: tuple[str, ...]
    templates: tuple[CardTemplate, ...]
    cloze: bool
    referenced: frozenset[str] = frozenset()  # names the templates use (fields, sections)

    @classmethod
    def build(
        cls, name: str, fields: list[str], templates: list[tuple[str, str, str]], cloze: bool
    ) -> NoteType:
        """From template texts: (name, question format, answer format)."""
        parsed = tuple(
            CardTemplate(n, parse_template(q), parse_template(a)) for n, q, a in templates
        )
        names: set[str] = set()
        for template in parsed:
            _names(template.question, names)
            _names(template.answer, names)
        return cls(name, tuple(fields), parsed, cloze, frozenset(names))


def _names(nodes: tuple[_Node, ...], out: set[str]) -> None:
    for node in nodes:
        if isinstance(node, _Field):
            out.add(node.key)
        elif isinstance(node, _Section):
            out.add(node.key)
            _names(node.children, out)


@dataclass
class _Context:
    fields: Mapping[str, str]
    nonempty: set[str]
    ordinal: int  # the card's 1-based cloze number (cloze note types) or template ordinal + 1
    question: bool
    frontside: str = ""


def render_card(
    notetype: NoteType,
    fields: list[str],
    ord_: int,
    *,
    tags: str = "",
    deck: str = "",
    flag: int = 0,
) -> tuple[str, str] | None:
    """(question HTML, answer HTML without its copy of the question) of card `ord_` (Anki's
    0-based ordinal: the template's index, or the cloze number minus one); None when Anki
    would show an empty card (no template for it, an empty front, a cloze number the note
    does not have)."""
    if notetype.cloze:
        if not notetype.templates:
            return None
        template = notetype.templates[0]
    elif 0 <= ord_ < len(notetype.templates):
        template = notetype.templates[ord_]
    else:
        return None
    values = dict(zip(notetype.fields, fields, strict=False))
    for name in notetype.fields[len(fields) :]:
        values[name] = ""
    # Only what the templates use is looked at (a card is rendered 10,000s of times).
    used = notetype.referenced
    nonempty = {n for n in used if n in values and not field_is_empty(values[n])}
    if not used.isdisjoint(_SPECIALS):
        specials = {
            "Tags": tags.strip(),
            "Type": notetype.name,
            "Deck": deck,
            "Subdeck": deck.rsplit("::", 1)[-1],
            "Card": template.name,
            "CardFlag": f"flag{flag}" if flag else "",
        }
        for name, value in specials.items():
            if name not in values:
                values[name] = value
                if value:
                    nonempty.add(name)
    if notetype.cloze and ord_ + 1 not in cloze_numbers(fields):
        return None
    context = _Context(values, nonempty, ord_ + 1, question=True)
    question = _render(template.question, context)
    if (
        not notetype.cloze
        and field_is_empty(_TAG.sub("", question).replace("&nbsp;", ""))
        and not re.search(r"<img\b", question, re.IGNORECASE)
    ):
        return None
    context.question, context.frontside = False, _FRONT
    answer = _render(template.answer, context)
    rules = list(_ANSWER_RULE.finditer(answer))
    if rules:
        answer = answer[rules[-1].end() :]
    elif _FRONT in answer:
        answer = answer[answer.rindex(_FRONT) + 1 :]
    return question, answer.replace(_FRONT, "")


def _render(nodes: tuple[_Node, ...], context: _Context) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Field):
            if node.key == "FrontSide":
                out.append(context.frontside)
            elif node.key in context.fields or not node.key:
                out.append(_apply(node, context.fields.get(node.key, ""), context))
            # an unknown field: Anki refuses the template; it renders as nothing here
        elif (node.key in context.nonempty) != node.negated:
            out.append(_render(node.children, context))
    return "".join(out)


def _apply(node: _Field, text: str, context: _Context) -> str:
    filters = node.filters
    if filters and filters[-1] == "type":
        return ""  # Anki's typing box (and its comparison on the answer)
    for name in filters:
        if name == "text":
            text = html.escape(html.unescape(_TAG.sub("", text)), quote=False)
        elif name == "hint":
            if text.strip():
                text = f"<div><i>{html.escape(node.key)}:</i> {text}</div>"
        elif name == "cloze":
            text = _reveal_clozes(text, context.ordinal, context.question)
        elif name == "cloze-only":
            text = ", ".join(_cloze_texts(text, context.ordinal, context.question))
        elif name in ("kana", "kanji", "furigana"):
            text = _FURIGANA.sub(_ruby(name), text.replace("&nbsp;", " "))
        # "", "tts ...", add-ons' filters: the text as it is
    return text


def _ruby(name: str) -> Callable[[re.Match[str]], str]:
    """Anki's ruby filters on ``漢字[かんじ]``: kana, kanji, or both as ``漢字(かんじ)``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(2).startswith("sound:"):
            return match.group(0)
        if name == "kana":
            return match.group(2)
        if name == "kanji":
            return match.group(1)
        return f"{match.group(1)}({match.group(2)})"

    return replace


# ---------------------------------------------------------------------------- clozes


@dataclass
class _Cloze:
    numbers: frozenset[int]
    nodes: list[str | _Cloze]
    hint: str | None = None


@lru_cache(maxsize=64)  # the question and the answer of a card parse the same text
def _parse_clozes(text: str) -> list[str | _Cloze]:
    """Anki's cloze parse: nested clozes, the hint after the first ``::`` of a text piece."""
    out: list[str | _Cloze] = []
    open_: list[_Cloze] = []
    pos = 0
    for match in _CLOZE_TOKEN.finditer(text):
        _cloze_text(text[pos : match.start()], open_, out)
        pos = match.end()
        if match.group(1) is not None:
            if len(open_) < 10:
                numbers = frozenset(int(n) for n in match.group(1).split(","))
                open_.append(_Cloze(numbers, []))
        elif open_:
            cloze = open_.pop()
            (open_[-1].nodes if open_ else out).append(cloze)
        else:
            out.append("}}")
    _cloze_text(text[pos:], open_, out)
    if open_:  # Anki silently drops the text of a cloze never closed: refused here instead
        start = text.rfind("{{c")
        raise ClozeError(f"unclosed cloze {_excerpt(text, start)!r} (missing '}}}}')")
    return out


def _cloze_text(piece: str, open_: list[_Cloze], out: list[str | _Cloze]) -> None:
    if not piece:
        return
    if open_:
        cloze = open_[-1]
        head, sep, tail = piece.partition("::")
        if sep:
            piece, cloze.hint = head, tail
        cloze.nodes.append(piece)
    else:
        out.append(piece)


def cloze_numbers(fields: list[str]) -> set[int]:
    """Every cloze number in a note's fields."""
    found: set[int] = set()
    for text in fields:
        if "{{c" in text:
            found.update(_numbers_in(text))
    return found


@lru_cache(maxsize=64)  # a note's fields are asked about once per card
def _numbers_in(text: str) -> frozenset[int]:
    return frozenset(
        int(n)
        for match in _CLOZE_TOKEN.finditer(text)
        if match.group(1) is not None
        for n in match.group(1).split(",")
    )


def _reveal_clozes(text: str, number: int, question: bool) -> str:
    if "{{c" not in text:
        return ""  # Anki: a field without the card's cloze renders empty under cloze:
    buf: list[str] = []
    found = [False]
    for node in _parse_clozes(text):
        if isinstance(node, str):
            buf.append(node)
        else:
            _reveal(node, number, question, found, buf)
    return "".join(buf) if found[0] else ""


def _reveal(cloze: _Cloze, number: int, question: bool, found: list[bool], buf: list[str]) -> None:
    active = number in cloze.numbers
    found[0] = found[0] or active
    if question and active:
        inner: list[str] = []
        for node in cloze.nodes:  # still looked at: nested clozes of this number count
            if not isinstance(node, str):
                _reveal(node, number, question, found, inner)
        buf.append(f"[{cloze.hint if cloze.hint is not None else '...'}]")
        return
    buf.append("<b>" if active else "")
    for node in cloze.nodes:
        if isinstance(node, str):
            buf.append(node)
        else:
            _reveal(node, number, question, found, buf)
    buf.append("</b>" if active else "")


def _cloze_texts(text: str, number: int, question: bool) -> list[str]:
    out: list[str] = []

    def walk(node: str | _Cloze) -> None:
        if isinstance(node, str):
            return
        if number in node.numbers:
            if question:
                out.append(node.hint if node.hint is not None else "...")
            else:
                parts: list[str] = []
                _reveal(node, -1, False, [False], parts)
                out.append("".join(parts))
        for child in node.nodes:
            walk(child)

    for node in _parse_clozes(text):
        walk(node)
    return out


# ---------------------------------------------------------------------------- keys


def card_key(note_id: str, notetype: NoteType, ord_: int, *, clozes: bool = True) -> str:
    """The Mastery key of Anki card `ord_` of a note (see the module's docstring); a cloze
    note without any cloze (`clozes` False) keeps the note's own key."""
    if notetype.cloze:
        return f"{note_id}::c{ord_ + 1}" if clozes else note_id
    if ord_ == 0:
        return note_id
    if ord_ == 1 and "revers" in notetype.name.lower():
        return f"{note_id}.reverse"
    return f"{note_id}.card{ord_ + 1}"
