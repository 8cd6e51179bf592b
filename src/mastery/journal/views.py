"""The journal's plain data: entries, prompts, search hits and import summaries.

Frozen dataclasses with `to_dict`, returned to the CLI and the app; nothing here reads the
database or a file.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt to start an entry from: its template has one ``## `` heading per question."""

    key: str
    name: str
    description: str
    template: str
    source: str = "bundled"  # "bundled" or the path of the profile's prompts file

    @property
    def questions(self) -> tuple[str, ...]:
        """The questions, in order: the text of the template's ``## `` headings."""
        return tuple(
            line[3:].strip() for line in self.template.splitlines() if line.startswith("## ")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "questions": list(self.questions),
            "template": self.template,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class EntryView:
    """A journal entry as plain data.

    `title` is for display: the entry's own title, or one derived from the body when it has
    none (`own_title` is then ""). `goals` are goal titles, `goal_ids` the same goals' ids.
    """

    id: int
    uid: str
    day: date
    title: str
    own_title: str
    body: str
    tags: tuple[str, ...]
    goals: tuple[str, ...]
    goal_ids: tuple[int, ...]
    prompt: str | None
    visibility: str
    created: datetime
    updated: datetime
    conflict_of: str | None = None  # a conflict copy made by sync: the uid of the original

    @property
    def shared(self) -> bool:
        return self.visibility == "shared"

    @property
    def preview(self) -> str:
        """The body on one line, shortened, for lists."""
        text = " ".join(self.body.split())
        return text if len(text) <= 100 else text[:99] + "…"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "day": self.day.isoformat(),
            "title": self.title,
            "own_title": self.own_title,
            "body": self.body,
            "tags": list(self.tags),
            "goals": list(self.goals),
            "goal_ids": list(self.goal_ids),
            "prompt": self.prompt,
            "visibility": self.visibility,
            "conflict_of": self.conflict_of,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
        }


# Lists return whole entries (a journal is small); the second name reads better in list code.
EntrySummary = EntryView


class Highlight(NamedTuple):
    """A piece of text around matches; `spans` are (start, end) offsets into `snippet`."""

    snippet: str
    spans: list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One entry found by `Journal.search`, with where the words matched.

    `highlights` are snippets of the body; `title_spans` are matches in `entry.title`. Offsets
    are plain (start, end) pairs so the CLI and TUI can style them without markup.
    """

    entry: EntryView
    highlights: list[Highlight] = field(default_factory=builtins.list)
    title_spans: list[tuple[int, int]] = field(default_factory=builtins.list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry.to_dict(),
            "title_spans": [builtins.list(s) for s in self.title_spans],
            "highlights": [
                {"snippet": h.snippet, "spans": [builtins.list(s) for s in h.spans]}
                for h in self.highlights
            ],
        }


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What one import did; `notes` say what was skipped (unknown goals, new uids)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "notes": builtins.list(self.notes),
        }
