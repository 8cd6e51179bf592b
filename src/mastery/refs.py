"""References people type for things with titles: goals, milestones, a mentee's shared goals.

People remember a word of a title, not its first letters: `spanish` must find "Speak Spanish
at work". So a reference matches a title when the title starts with it, or when every word of
it starts a word of the title ("speak work", "span"). An exact title wins over partial ones.
When several titles match, nothing is guessed: the error lists them so the person can give a
number (or more words). Goals, milestones and mentors' views of shared goals all read
references here, so they follow one rule.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from typing import TypeVar

from mastery.errors import MasteryError, NotFoundError

__all__ = ["pick_by_title", "title_matches"]

K = TypeVar("K", bound=Hashable)

_WORD = re.compile(r"\w+")
_SHOWN = 5  # titles listed when a reference is ambiguous


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def title_matches(title: str, ref: str) -> bool:
    """Whether `ref` names `title`: a case-insensitive start of it, or every word of `ref`
    the start of some word of the title."""
    wanted = " ".join(ref.casefold().split())
    if not wanted:
        return False
    folded = " ".join(title.casefold().split())
    if folded.startswith(wanted):
        return True
    words = _words(wanted)
    have = _words(folded)
    return bool(words) and all(any(h.startswith(w) for h in have) for w in words)


def pick_by_title(
    items: Sequence[tuple[K, str]], ref: str, noun: str, *, see: str = "", give: str = "the number"
) -> K:
    """The key of the one item whose title `ref` names (see `title_matches`).

    `items` are (key, title) pairs in the order to list them; `noun` names them in errors
    ("goal"), `see` ends a not-found error with where to look (`mastery goal list`), and
    `give` says what names one for sure ("the number", "the g- id")."""
    wanted = " ".join(ref.casefold().split())
    exact = [key for key, title in items if " ".join(title.casefold().split()) == wanted]
    if len(exact) == 1:
        return exact[0]
    found = [(key, title) for key, title in items if title_matches(title, ref)]
    if not found:
        where = f"; see `{see}`" if see else ""
        raise NotFoundError(f"no {noun} matches {ref.strip()!r}{where}")
    if len(found) > 1:
        names = "; ".join(f"{key} {title}" for key, title in found[:_SHOWN])
        more = f"; and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
        raise MasteryError(
            f"{ref.strip()!r} matches {len(found)} {noun}s ({names}{more}): "
            f"give {give} or more words"
        )
    return found[0][0]
