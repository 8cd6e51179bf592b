"""Anki's field HTML as Mastery's Markdown card text.

Fields are Anki's HTML, turned into Markdown by `mastery.decks.markup.html_to_markdown` (shared
with text imports). Media references become links relative to the profile
folder: ``<img src="x.png">`` becomes ``![x.png](media/x.png)`` and ``[sound:x.mp3]``
``[sound: x.mp3](media/x.mp3)``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from urllib.parse import unquote

from mastery.decks.anki.media import MEDIA_FOLDER, safe_media_name
from mastery.decks.markup import html_to_markdown

__all__ = ["field_markdown"]

_IMG = re.compile(
    r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))[^>]*>", re.IGNORECASE
)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_PLACEHOLDER = re.compile(r"\x02(\d+)\x03")
_CONTROL = re.compile(r"[\x02\x03]")


def field_markdown(text: str, links: Mapping[str, str] | None = None) -> str:
    """Anki field HTML as Markdown: `html_to_markdown` plus media links.

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
    if "[sound:" in text:
        text = _SOUND.sub(lambda m: keep(_sound(m.group(1), links)), text)
    out = html_to_markdown(text)
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
