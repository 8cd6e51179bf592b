"""Anki's field HTML as Mastery's Markdown card text.

Fields are Anki's HTML, turned into Markdown by `html_to_markdown` (shared with text imports);
lists keep their ``-``/``1.`` markers. Media references become links relative to the profile
folder: ``<img src="x.png">`` becomes ``![x.png](media/x.png)`` and ``[sound:x.mp3]``
``[sound: x.mp3](media/x.mp3)``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from mastery.decks.anki.media import MEDIA_FOLDER, safe_media_name
from mastery.decks.csv import html_to_markdown

__all__ = ["field_markdown"]

_IMG = re.compile(
    r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))[^>]*>", re.IGNORECASE
)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_LIST_TAG = re.compile(r"<\s*(/?)\s*(ul|ol|li)\b[^>]*>", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\x02(\d+)\x03")
_CONTROL = re.compile(r"[\x02-\x04]")


def field_markdown(text: str, links: Mapping[str, str] | None = None) -> str:
    """Anki field HTML as Markdown: `html_to_markdown` plus list markers and media links.

    `links` maps media file names to link targets (default ``media/<safe name>``).
    """
    links = links or {}
    refs: list[str] = []

    def keep(markdown: str) -> str:
        refs.append(markdown)
        return f"\x02{len(refs) - 1}\x03"

    text = _CONTROL.sub("", text)
    if "<" in text:
        text = _IMG.sub(
            lambda m: keep(_image(next(g for g in m.groups() if g is not None), links)), text
        )
        if _LIST_TAG.search(text):
            text = _list_markers(text)
    if "[sound:" in text:
        text = _SOUND.sub(lambda m: keep(_sound(m.group(1), links)), text)
    out = html_to_markdown(text).replace("\x04", " ")
    if refs:
        out = _PLACEHOLDER.sub(lambda m: refs[int(m.group(1))], out)
    return out.strip()


def _media_target(raw: str, links: Mapping[str, str]) -> tuple[str, str]:
    """(file name, link target) for a media reference as written in a field."""
    file = html.unescape(raw).strip()
    target = links.get(file)
    if target is None and "%" in file:
        decoded = unquote(file)
        if decoded in links:
            file, target = decoded, links[decoded]
    if target is None:
        target = f"{MEDIA_FOLDER}/{safe_media_name(file)}"
    if re.search(r"[\s()<>]", target):
        target = "<" + target.replace("<", "%3C").replace(">", "%3E") + ">"
    return file, target


def _label(file: str) -> str:
    return file.replace("[", "(").replace("]", ")")


def _image(raw: str, links: Mapping[str, str]) -> str:
    if raw.strip().lower().startswith("data:"):
        return ""  # an image inlined in the field: nothing to link to
    if "://" in raw:
        return f"![]({html.unescape(raw).strip()})"
    file, target = _media_target(raw, links)
    return f"![{_label(file)}]({target})"


def _sound(raw: str, links: Mapping[str, str]) -> str:
    file, target = _media_target(raw, links)
    return f"[sound: {_label(file)}]({target})"


def _list_markers(text: str) -> str:
    """Put Markdown markers (``-``, ``1.``) after each ``<li>``, indented for nesting.

    Indentation is written as ``\\x04`` so `html_to_markdown` does not strip it at line starts;
    nested list tags are dropped so that a nested list stays tight under its item.
    """
    stack: list[list[Any]] = []  # per open list: [kind, items so far, indent, marker width]

    def tag(match: re.Match[str]) -> str:
        closing, kind = match.group(1), match.group(2).lower()
        if kind in ("ul", "ol"):
            if closing:
                if stack:
                    stack.pop()
                return match.group() if not stack else ""
            indent = stack[-1][2] + stack[-1][3] if stack else 0
            nested = bool(stack)
            stack.append([kind, 0, indent, 0])
            return "" if nested else match.group()
        if closing or not stack:
            return match.group()
        top = stack[-1]
        top[1] += 1
        marker = "- " if top[0] == "ul" else f"{top[1]}. "
        top[3] = len(marker)
        return match.group() + "\x04" * top[2] + marker

    return _LIST_TAG.sub(tag, text)
