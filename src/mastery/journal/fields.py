"""What an entry's fields may hold: the cleaning and checks every way in (add, edit, import)
shares, the title shown for an entry without one, and the error a malformed file raises."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from mastery.errors import MasteryError
from mastery.journal.views import Prompt

VISIBILITIES = ("private", "shared")
TITLE_LENGTH = 60

_HEADING = re.compile(r"#{1,6}\s+(.*?)\s*#*\s*$")


class JournalFormatError(MasteryError):
    """A journal Markdown file (or a prompts file) is malformed: names the file, line and why."""

    def __init__(self, path: str | Path, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


def display_title(body: str, prompt: Prompt | None = None) -> str:
    """A title for an entry that has none: its first line that is not one of the prompt's
    questions (heading marks removed), else the prompt's name."""
    questions = set(prompt.questions) if prompt else set()
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        if set(line) <= set("-*_= "):
            continue  # a thematic break or setext underline
        heading = _HEADING.fullmatch(line)
        if heading:
            line = heading.group(1)
            if line in questions:
                continue
        line = line.lstrip(">*-+ ").strip() or line
        if len(line) > TITLE_LENGTH:
            line = line[: TITLE_LENGTH - 1].rstrip() + "…"
        return line
    return prompt.name if prompt else "Untitled"


def normalise_body(body: str) -> str:
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).rstrip()


def check_body(body: str, template: str = "") -> str:
    body = normalise_body(body)
    questions = {line.strip() for line in template.splitlines() if line.strip()}
    if not any(line.strip() and line.strip() not in questions for line in body.splitlines()):
        raise MasteryError("the entry is empty: write something (or answer a question)")
    return body


def clean_title(title: str) -> str:
    return " ".join(title.split())


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as given, split on spaces and commas, without a leading '#', first spelling kept."""
    if isinstance(tags, str):
        tags = [tags]
    seen: dict[str, str] = {}
    for raw in tags:
        for tag in re.split(r"[\s,]+", raw):
            tag = tag.lstrip("#")
            if tag:
                seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


# `#tag` in an entry's text, as jrnl reads it: a letter after the '#', which starts a word
# (so "C#", "page#part" and "# Heading" are not tags); code spans and blocks are skipped.
_INLINE_TAG = re.compile(r"(?<![\w#&/])#([^\W\d_][\w:-]*)")
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.DOTALL)


def inline_tags(body: str) -> tuple[str, ...]:
    """The `#tags` written in an entry's text (jrnl's habit), in order, without the '#'.
    They are added to the entry's tags; the text keeps them as written."""
    text = _CODE.sub(" ", body)
    return clean_tags(m.group(1).rstrip(":-") for m in _INLINE_TAG.finditer(text))


def check_visibility(visibility: str) -> str:
    value = visibility.strip().lower()
    if value not in VISIBILITIES:
        raise MasteryError(f"visibility must be private or shared, not {visibility!r}")
    return value
