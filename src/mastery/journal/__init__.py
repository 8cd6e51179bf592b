"""The learning journal: entries, prompts, search, streaks and Markdown export/import.

An entry has a stable `uid` (``e-`` and ten base32 characters) that survives export and import,
so a mentor's feedback can point at it. Its `day` is a learner's date (see `days.py`): today by
default, earlier days through human phrases (`dates.parse_date`), never a future day.

The package, one idea per module:

* `service.py`: `Journal` (`Collection.journal`), the one writer of entries: add, edit, delete,
  visibility, Markdown export and import; `reading.py`: `JournalReader`, its reading half (one
  entry, lists, search, streaks, an entry's goals);
* `search.py`: matching search words (Unicode case folding) and highlighting them; the search
  line is parsed by `mastery.query`;
* `markdown.py`: the two Markdown shapes (one file of many entries, one file per entry);
  `meta.py`: their ``key: value`` metadata and its pydantic model `EntryMeta`;
* `prompts.py`: `prompts.toml`, bundled and the profile's own, checked by `PromptsFile`;
* `fields.py`: what a title, tags, body and visibility may be, and `JournalFormatError`;
* `views.py`: the plain dataclasses returned to the CLI and the app.
"""

from __future__ import annotations

from mastery.journal.fields import VISIBILITIES, JournalFormatError, display_title
from mastery.journal.meta import EntryMeta
from mastery.journal.prompts import PROMPTS_FILE, PromptModel, PromptsFile
from mastery.journal.service import Journal
from mastery.journal.views import (
    EntrySummary,
    EntryView,
    Highlight,
    ImportSummary,
    Prompt,
    SearchHit,
)

__all__ = [
    "PROMPTS_FILE",
    "VISIBILITIES",
    "EntryMeta",
    "EntrySummary",
    "EntryView",
    "Highlight",
    "ImportSummary",
    "Journal",
    "JournalFormatError",
    "Prompt",
    "PromptModel",
    "PromptsFile",
    "SearchHit",
    "display_title",
]
