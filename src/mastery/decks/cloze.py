"""Cloze notes: ``{{c1::answer}}`` and ``{{c1::answer::hint}}`` in a card's front, as in Anki.

A cloze note makes one card per distinct number N. On card N's front its clozes read ``[...]``
(or ``[hint]``) and the other clozes show their answers as plain text; card N's back is the whole
text with card N's answers in bold, then the note's extra text (its ``back``) after a blank line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_OPEN = re.compile(r"\{\{c([^:{}]*)::")
_ALMOST = re.compile(r"\{\{\s*c\s*\d")  # "{{c1:x}}", "{{ c1::x}}": meant as a cloze, mistyped
_NUMBER = re.compile(r"[0-9]+")


class ClozeError(ValueError):
    """Cloze markup that cannot be read; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Cloze:
    """One ``{{cN::answer::hint}}``; `hint` is "" when there is none."""

    number: int
    answer: str
    hint: str


def _excerpt(text: str, start: int) -> str:
    piece = text[start : start + 24].split("\n")[0]
    return piece + ("…" if len(piece) < len(text) - start else "")


def parse_cloze(text: str) -> list[str | Cloze]:
    """Split text into plain pieces and clozes. Text without clozes is one plain piece.

    Raises `ClozeError` for an unclosed ``{{``, a number that is not 1 or more (``{{c0::``,
    ``{{cx::``), an empty answer, or a cloze inside a cloze.

    Spaces around an answer (``{{c1:: Paris }}``) belong to the text around the cloze, so the
    front keeps them where the back shows them, and the answer itself is bolded cleanly.
    """
    parts: list[str | Cloze] = []
    pos = plain_from = 0
    carry = ""  # the previous answer's trailing spaces, which start the next plain piece
    while (start := text.find("{{", pos)) != -1:
        opener = _OPEN.match(text, start)
        if opener is None:
            if _ALMOST.match(text, start):
                raise ClozeError(
                    f"malformed cloze {_excerpt(text, start)!r} (write {{{{c1::answer}}}})"
                )
            close = text.find("}}", start + 2)
            if close == -1:
                raise ClozeError(f"unclosed '{{{{' in {_excerpt(text, start)!r}")
            pos = close + 2  # "{{ like this }}" that is not a cloze stays as written
            continue
        number = opener.group(1)
        if not _NUMBER.fullmatch(number) or int(number) < 1:
            raise ClozeError(
                f"cloze number must be 1 or more, not {number!r} in {_excerpt(text, start)!r}"
            )
        close = text.find("}}", opener.end())
        if close == -1:
            raise ClozeError(f"unclosed cloze {_excerpt(text, start)!r} (missing '}}}}')")
        body = text[opener.end() : close]
        if "{{" in body:
            raise ClozeError(f"cloze inside a cloze in {_excerpt(text, start)!r}")
        answer, _, hint = body.partition("::")
        if not answer.strip():
            raise ClozeError(f"cloze with an empty answer: {_excerpt(text, start)!r}")
        core = answer.strip()
        lead = answer[: len(answer) - len(answer.lstrip())]
        if plain := carry + text[plain_from:start] + lead:
            parts.append(plain)
        parts.append(Cloze(int(number), core, hint.strip()))
        carry = answer[len(answer.rstrip()) :]
        pos = plain_from = close + 2
    if plain := carry + text[plain_from:]:
        parts.append(plain)
    return parts


def _bold(answer: str, before: str, after: str) -> str:
    # Already bold in the note ("**{{c1::x}}**"): a second pair would break the Markdown.
    if before.endswith("**") and after.startswith("**"):
        return answer
    return f"**{answer}**"  # no spaces inside: `parse_cloze` moved them out


def cloze_cards(parts: list[str | Cloze], extra: str) -> list[tuple[int, str, str]]:
    """(number, front, back) for each distinct cloze number, in ascending order."""
    numbers = sorted({p.number for p in parts if isinstance(p, Cloze)})
    cards = []
    for n in numbers:
        front: list[str] = []
        back: list[str] = []
        for i, part in enumerate(parts):
            if isinstance(part, str):
                front.append(part)
                back.append(part)
            elif part.number == n:
                front.append(f"[{part.hint or '...'}]")
                before = parts[i - 1] if i else ""
                after = parts[i + 1] if i + 1 < len(parts) else ""
                back.append(
                    _bold(
                        part.answer,
                        before if isinstance(before, str) else "",
                        after if isinstance(after, str) else "",
                    )
                )
            else:
                front.append(part.answer)
                back.append(part.answer)
        # Stripped like a basic card's sides (spaces moved out of a first or last answer).
        full = "".join(back).strip()
        cards.append((n, "".join(front).strip(), f"{full}\n\n{extra}" if extra else full))
    return cards


def rebuild_cloze(cards: list[tuple[int, str, str]]) -> tuple[str, str] | None:
    """The note (text with cloze markup, extra) that `cloze_cards` turned into these cards.

    Used to export a deck whose cloze cards only exist as rendered fronts and backs. Returns
    None when the cards do not line up (edited by hand, say); the caller then exports them as
    they are.
    """
    plain: str | None = None
    extra = ""
    spans: dict[int, tuple[int, int, str]] = {}  # start in plain text -> (end, number, hint)
    for number, front, back in cards:
        read = _read_card(front, back)
        if read is None:
            return None
        text, found, card_extra = read
        if plain is None:
            plain, extra = text, card_extra
        elif text != plain or card_extra != extra:
            return None
        for start, end, hint in found:
            spans[start] = (end, number, hint)
    if plain is None or not spans:
        return None
    out: list[str] = []
    pos = 0
    for start in sorted(spans):
        end, number, hint = spans[start]
        if start < pos:
            return None
        answer = plain[start:end]
        out.append(plain[pos:start])
        out.append(
            f"{{{{c{number}::{answer}::{hint}}}}}" if hint else f"{{{{c{number}::{answer}}}}}"
        )
        pos = end
    out.append(plain[pos:])
    return "".join(out), extra


def _read_card(front: str, back: str) -> tuple[str, list[tuple[int, int, str]], str] | None:
    """Walk one rendered card: the text is the same on both sides except where the front says
    "[hint]" and the back "**answer**" (or just "answer" when the note had it in bold already)."""
    return _walk(front, back, 0, 0, 0)


def _walk(
    front: str, back: str, i: int, j: int, length: int
) -> tuple[str, list[tuple[int, int, str]], str] | None:
    """`_read_card` from front[i] and back[j] (`length` plain characters read so far). A
    cloze can often be read more than one way (a hint holding "][" looks like an empty hint
    and then a second cloze); each reading is followed to the card's end, and the first
    that gets there wins."""
    plain: list[str] = []
    while i < len(front):
        if j < len(back) and front[i] == back[j]:
            plain.append(front[i])
            length += 1
            i += 1
            j += 1
            continue
        for close_hint, answer, after in _clozes_at(front, i, back, j):
            tail = _walk(front, back, close_hint + 1, after, length + len(answer))
            if tail is not None:
                hint = front[i + 1 : close_hint]
                text, found, rest = tail
                here = (length, length + len(answer), "" if hint == "..." else hint)
                return "".join(plain) + answer + text, [here, *found], rest
        return None
    rest = back[j:]
    if rest and not rest.startswith("\n\n"):
        return None
    return "".join(plain), [], rest[2:]


def _clozes_at(front: str, i: int, back: str, j: int) -> Iterator[tuple[int, str, int]]:
    """Each reading of a cloze whose "[hint]" starts at front[i] and whose answer starts at
    back[j]: (where the hint's "]" is, the answer, where the back goes on). A hint may hold
    "]" and an answer "*" (``{{c1::**kwargs}}``), so every reading after which both sides go
    on alike is given, in order."""
    if front[i] != "[":
        return
    close = front.find("]", i + 1)
    while close != -1:
        if back.startswith("**", j):
            start, marks = j + 2, 2  # "**answer**"
        elif front.startswith("**", close + 1):
            start, marks = j, 0  # the note had it in bold already: "**{{c1::answer}}**"
        else:
            return
        end = back.find("**", start + 1)
        while end != -1:
            if _go_on_alike(front, close + 1, back, end + marks):
                yield close, back[start:end], end + marks
            end = back.find("**", end + 1)
        close = front.find("]", close + 1)


def _go_on_alike(front: str, i: int, back: str, j: int) -> bool:
    """Whether the back from j reads as the front from i, up to the front's next "[" (where
    a cloze may start) or to its end (where the back may add "\n\n" and the extra)."""
    next_open = front.find("[", i)
    same = front[i:] if next_open == -1 else front[i:next_open]
    if not back.startswith(same, j):
        return False
    rest = back[j + len(same) :]
    return next_open != -1 or not rest or rest.startswith("\n\n")
