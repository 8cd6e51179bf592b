"""Conflict copies: what sync keeps when two devices edited one journal entry or goal between
syncs (sync/revisions.py), and how a person settles one.

Here, apart from sync, because the journal, goals, CLI and TUI all name them and none of them
should import the sync machinery (its cryptography) to do so.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# What a person can keep of a conflict copy: this copy, the other version, or both.
KEEP = ("this", "other", "both")
_COPY_TITLE = re.compile(r" ?\(conflict copy, [^()]*\)$")
MARK = "⚠ conflict copy"  # how lists and views flag a copy


def copy_title(title: str, ms: int) -> str:
    """A copy's title: its own, then when the version it holds was made (UTC, the same text
    on every device)."""
    when = datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
    return f"{title} (conflict copy, {when} UTC)".strip()


def original_title(title: str) -> str:
    """A conflict copy's title without what marks it a copy."""
    return _COPY_TITLE.sub("", title)
