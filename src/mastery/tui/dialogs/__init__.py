"""Dialogs: small modal screens that ask one thing (a file, a yes or no, a comment, a note, a
reply) and dismiss with the answer. Screens push them; a dialog never pushes a screen (only
another dialog, such as the yes/no question before discarding text).

The mentor dialogs share the mentor styles (`MENTOR_CSS`).
"""

from __future__ import annotations

from mastery.tui.screens.base import MENTOR_CSS

__all__ = ["MENTOR_CSS"]
