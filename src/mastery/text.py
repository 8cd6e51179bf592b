"""Text from files, made safe to print on a terminal.

A bundle, a team.toml, a deck or a journal entry can hold any Unicode, including escape
sequences (`ESC ] 0 ; title BEL` retitles the window, `ESC [ 2 J` clears the screen, some
terminals act on C1 controls such as U+009B) and bidi overrides that make text read differently
from what it is. `safe_text` turns every such character into a visible escape (`\\x1b`,
`\\u202e`) so what a file says is shown, never executed. Tabs and, unless asked otherwise,
newlines are kept where multi-line output is intended. The TUI uses `visible_controls`, which
swaps each such character for ONE visible character, so styled spans laid over the text stay
where they were.
"""

from __future__ import annotations

import re

__all__ = ["escape_json_text", "safe_line", "safe_text", "visible_controls"]

# C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings, overrides and
# isolates (U+202A-U+202E, U+2066-U+2069), plus the line and paragraph separators.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# In JSON output only C1, bidi and separator characters need escaping: json.dumps already
# writes C0 controls (ESC included) as \u001b.
_UNSAFE_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe_text(text: object) -> str:
    """`text` (anything, as `str`) with control characters shown as escapes; tabs and
    newlines kept for output that is meant to span lines."""
    return _UNSAFE.sub(_escape, str(text))


def safe_line(text: object) -> str:
    """`text` for one line of output: as `safe_text`, and newlines and tabs escaped too."""
    return _UNSAFE_LINE.sub(_escape, str(text))


def escape_json_text(dumped: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with the characters a terminal
    may act on written as `\\uXXXX` escapes: the same JSON value, safe to print."""
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


# C0 controls show as their Unicode "control picture" (ESC as U+241B, NUL as U+2400), DEL as
# U+2421; C1 controls, bidi controls and separators have no picture and show as U+FFFD.
_PICTURES = {code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A)}
_PICTURES[0x7F] = 0x2421
_PICTURES.update({code: 0xFFFD for code in range(0x80, 0xA0)})
_PICTURES.update({code: 0xFFFD for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})
_PICTURES.update({0x2028: 0xFFFD, 0x2029: 0xFFFD})


def visible_controls(text: str) -> str:
    """`text` with the characters `safe_text` escapes each replaced by one visible character
    (tabs and newlines kept): same length, so spans of styled text laid over it stay aligned,
    which a TUI needs when it neutralises text that is already styled."""
    return text.translate(_PICTURES)
