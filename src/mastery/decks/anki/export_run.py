"""A profile's decks as an Anki collection: what `mastery deck export --to FILE.apkg` writes.

Each card becomes one note of the ``Mastery`` note type (Front, Back) with one card. The
note's guid names the card (``mastery:<deck key>|<card key>``), which Anki and AnkiDroid keep
through every import and export, so importing the phone's package back finds each card
again (`own_card`) instead of adding a copy. Card text is Markdown turned into the small HTML
the importer turns back into the same Markdown (`markdown_html`), and media links become
Anki's ``<img src>`` and ``[sound:]`` with the files in the package.

With history, each card keeps its schedule in Anki's columns (review cards due on the same
learner's day, learning cards at the same moment, suspended and buried ones so) and its FSRS
memory state in ``cards.data`` (``s``, ``d``, ``lrt``), and its scheduled reviews become
``revlog`` rows whose ids are their times in ms. Without history the cards are new.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from mastery.days import DayClock, from_ms, to_ms
from mastery.decks.anki.media import MEDIA_FOLDER, safe_media_name
from mastery.decks.anki.writer import AnkiCard, AnkiCollection, AnkiDeck, AnkiRevlog, Progress
from mastery.decks.spec import CARD_ID, DECK_ID
from mastery.states import CardState, Flag, scheduled

__all__ = ["GUID_PREFIX", "card_guid", "gather_export", "markdown_html", "own_card"]

GUID_PREFIX = "mastery:"
# Anki ids are ms timestamps; ours are small integers, placed after this one (2017-07-14).
ID_BASE = 1_500_000_000_000
_ANKI_MAX_INT = 2**31 - 1

_MEDIA_LINK = re.compile(
    r"!\[(?P<alt>[^\]]*)\]\((?P<img>[^)\s]*|<[^>]*>)\)"
    r"|\[sound: (?P<label>[^\]]*)\]\((?P<snd>[^)\s]*|<[^>]*>)\)"
)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
_TAG = re.compile(r"<[^>]*>")
_SPECIAL = re.compile(r"[*<>&\n\[]")
_OWN_CARD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*(::c[0-9]+)?")


def card_guid(deck_key: str, card_key: str, note_key: str) -> str:
    """The guid of an exported card's note: ``mastery:<deck>|<card>``, then ``|<note>`` when
    the card shares a note with others (cloze siblings, a reversed card)."""
    guid = f"{GUID_PREFIX}{deck_key}|{card_key}"
    note = note_key.removeprefix(f"{deck_key}/")
    return guid if note == card_key else f"{guid}|{note}"


def own_card(guid: str) -> tuple[str, str, str] | None:
    """(deck key, card key, note key) of a note Mastery exported, from its guid
    (`card_guid`); None for any other note.

    A team deck's key holds its team (``team/deck``); anything that is not a valid key falls
    back to the guid's usual hash (`mastery.decks.csv._guid_key`)."""
    if not guid.startswith(GUID_PREFIX):
        return None
    parts = guid[len(GUID_PREFIX) :].split("|")
    if len(parts) not in (2, 3):
        return None
    deck_key, card_key, note = parts[0], parts[1], parts[-1]
    deck_parts = deck_key.split("/")
    if len(deck_parts) > 2 or not all(DECK_ID.fullmatch(p) for p in deck_parts):
        return None
    if not all(_OWN_CARD.fullmatch(k) and CARD_ID.match(k) for k in (card_key, note)):
        return None
    return deck_key, card_key, f"{deck_key}/{note}"


def markdown_html(text: str, media_dir: Path, media: dict[str, Path]) -> str:
    """Card Markdown as the field HTML Anki shows and `field_markdown` reads back unchanged:
    text escaped, line breaks as ``<br>``, ``**bold**`` and ``*italic*`` as tags, and links to
    files in the media folder as ``<img src>`` / ``[sound:]``, their files added to `media`
    (Anki name -> file). A link outside the media folder, or to a file that is not there,
    keeps its name but brings no file."""
    if not _SPECIAL.search(text):
        return text  # most card text: nothing to escape, mark up or link
    out: list[str] = []
    at = 0
    for match in _MEDIA_LINK.finditer(text):
        out.append(_text_html(text[at : match.start()]))
        at = match.end()
        target = (match.group("img") or match.group("snd") or "").strip("<>")
        target = target.replace("%3C", "<").replace("%3E", ">")
        if "://" in target and match.group("img") is not None:
            out.append(f'<img src="{html.escape(target)}">')
            continue
        name = _media_name(target, media_dir, media)
        if match.group("img") is not None:
            out.append(f'<img src="{html.escape(name)}">')
        else:
            out.append(f"[sound:{html.escape(name, quote=False)}]")
    out.append(_text_html(text[at:]))
    return "".join(out)


def _media_name(target: str, media_dir: Path, media: dict[str, Path]) -> str:
    """The Anki name of a linked file: its name in the media folder, made safe (no folders)."""
    prefix = f"{MEDIA_FOLDER}/"
    raw = target[len(prefix) :] if target.startswith(prefix) else target
    name = safe_media_name(raw)
    if target.startswith(prefix) and name == raw and name not in media:
        file = media_dir / name
        # A symlink in the media folder pointing elsewhere brings nothing from elsewhere.
        if file.is_file() and file.resolve().is_relative_to(media_dir.resolve()):
            media[name] = file
    return name


def _text_html(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    escaped = _ITALIC.sub(r"<i>\1</i>", escaped)
    return escaped.replace("\n", "<br>")


def _plain(field_html: str) -> str:
    return html.unescape(_TAG.sub("", field_html)).strip()


def _checksum(field_html: str) -> int:
    """Anki's csum: the first 8 hex digits of the SHA-1 of the stripped first field."""
    return int(hashlib.sha1(_plain(field_html).encode()).hexdigest()[:8], 16)


def _difficulty_factor(difficulty: float | None) -> int:
    """Anki's revlog factor under FSRS: difficulty in 0.1-1.1 (``difficulty_shifted``) x 1000."""
    if difficulty is None:
        return 0
    return round(((difficulty - 1) / 9 + 0.1) * 1000)


def gather_export(
    conn: sqlite3.Connection,
    deck_ids: Sequence[int],
    *,
    clock: DayClock,
    now: datetime,
    media_dir: Path,
    with_history: bool,
    progress: Progress | None = None,
) -> AnkiCollection:
    """The decks `deck_ids` of the profile behind `conn` as one Anki collection (reads only);
    `progress` hears ("cards", done, total) every 1,000 cards."""
    marks = ", ".join("?" * len(deck_ids))
    decks = conn.execute(
        f"SELECT id, key, name, description FROM deck WHERE id IN ({marks}) ORDER BY name",
        list(deck_ids),
    ).fetchall()
    rows = conn.execute(
        "SELECT c.id, c.deck_id, c.key, c.note_key, c.front, c.back, c.tags, c.state, c.stability, "
        "c.difficulty, c.due, c.last_review, c.reps, c.lapses, c.suspended, c.buried_until, "
        "c.updated_at, d.key AS deck_key FROM card c JOIN deck d ON d.id = c.deck_id "
        f"WHERE c.deck_id IN ({marks}) AND c.in_deck = 1 ORDER BY d.name, c.position, c.id",
        list(deck_ids),
    ).fetchall()
    # Day 0 is the learner's day holding the earliest due date (or today), so day numbers
    # are never negative; Anki moves them onto its own day count when it imports.
    dues = [r["due"] for r in rows if with_history and r["due"] is not None]
    first_day = clock.day_of(min([now, *(from_ms(d) for d in dues)]))
    created = clock.day_start(first_day)
    offset = created.astimezone(clock.zone).utcoffset() or timedelta(0)
    col = AnkiCollection(
        created=int(created.timestamp()),
        creation_offset=-int(offset.total_seconds() // 60),
        rollover=clock.rollover_hour,
        decks=[AnkiDeck(ID_BASE + d["id"], d["name"], d["description"]) for d in decks],
    )
    media: dict[str, Path] = {}
    schedule = _Schedule(clock, now, first_day)
    for position, r in enumerate(rows, start=1):
        if progress is not None and (position % 1000 == 0 or position == len(rows)):
            progress("cards", position, len(rows))
        columns = schedule.columns(r) if with_history else schedule.new(r)
        if not columns.get("type"):
            columns["due"] = position  # new cards: Anki's new-card order, as in the deck
        front = markdown_html(r["front"], media_dir, media)
        back = markdown_html(r["back"], media_dir, media)
        tags = r["tags"].split()
        col.cards.append(
            AnkiCard(
                id=ID_BASE + position,  # in deck order: importing back keeps the order
                guid=card_guid(r["deck_key"], r["key"], r["note_key"]),
                deck_id=ID_BASE + r["deck_id"],
                front=front,
                back=back,
                sort_field=_plain(front),
                checksum=_checksum(front),
                # A flag goes back as Anki's own card flag (the phone shows it), not a tag.
                tags=tuple(t for t in tags if Flag.of((t,)) is Flag.NONE),
                flags=int(Flag.of(tags)),
                mod=r["updated_at"] // 1000,
                **columns,  # type: ignore[arg-type]
            )
        )
    col.media = sorted(media.items())
    if with_history:
        col.revlog = _revlog(conn, {r["id"]: ID_BASE + n for n, r in enumerate(rows, start=1)})
    return col


class _Schedule:
    """A card's schedule in Anki's columns (type, queue, due, ivl, factor, left, data)."""

    def __init__(self, clock: DayClock, now: datetime, first_day: date) -> None:
        self.clock = clock
        self.now_ms = to_ms(now)
        self.day_end = to_ms(clock.next_day_start(now))
        self.first_day = first_day

    def day(self, ms: int) -> int:
        """Anki's day number of a moment: learner's days since day 0."""
        return (self.clock.day_of(from_ms(ms)) - self.first_day).days

    def new(self, r: sqlite3.Row) -> dict[str, int | str]:
        return {"queue": -1 if r["suspended"] else 0}

    def columns(self, r: sqlite3.Row) -> dict[str, int | str]:
        state, due = r["state"], r["due"] if r["due"] is not None else self.now_ms
        if state == CardState.NEW:
            return self.new(r)
        out: dict[str, int | str] = {
            "type": int(state),
            "reps": r["reps"],
            "lapses": r["lapses"],
            "factor": 2500,
        }
        if state == CardState.REVIEW:
            last = r["last_review"]
            days = self.day(due) - self.day(last) if last is not None else 0
            ivl = days if days > 0 else max(1, round(r["stability"] or 1))
            out.update(queue=2, due=self.day(due), ivl=min(ivl, 36500))
        else:  # learning and relearning: due today at a time, or on a later day
            if due < self.day_end:
                out.update(queue=1, due=min(due // 1000, _ANKI_MAX_INT))
            else:
                out.update(queue=3, due=self.day(due))
            out.update(left=1, ivl=max(1, round(r["stability"] or 1)) if state == 3 else 0)
        if r["suspended"]:
            out["queue"] = -1
        elif r["buried_until"] is not None and r["buried_until"] > self.now_ms:
            out["queue"] = -3  # buried by hand: back at Anki's next day, as in Mastery
        if r["stability"] is not None and r["difficulty"] is not None:
            data: dict[str, float | int] = {
                "s": round(float(r["stability"]), 4),
                "d": round(float(r["difficulty"]), 4),
            }
            if r["last_review"] is not None:
                data["lrt"] = r["last_review"] // 1000
            out["data"] = json.dumps(data, separators=(",", ":"))
        return out


_REVLOG_TYPE = {
    CardState.NEW: 0,
    CardState.LEARNING: 0,
    CardState.REVIEW: 1,
    CardState.RELEARNING: 2,
}


def _revlog(conn: sqlite3.Connection, anki_ids: dict[int, int]) -> list[AnkiRevlog]:
    """The scheduled reviews of the cards `anki_ids` maps (to their Anki ids) as revlog rows.

    A revlog id is its time in ms and must be unique: an answer at the same ms as one already
    written moves a ms earlier, never later, so importing the package back (which adds only
    answers newer than a card's newest) never takes it for a new one.
    """
    out: list[AnkiRevlog] = []
    used: set[int] = set()
    card_ids = list(anki_ids)
    for at in range(0, len(card_ids), 500):
        part = card_ids[at : at + 500]
        last_ivl: dict[int, int] = {}
        for r in conn.execute(
            "SELECT card_id, rating, reviewed_at, duration_ms, state_before, state_after, "
            "due_after, difficulty_after, scheduled_days FROM reviewlog "
            f"WHERE card_id IN ({', '.join('?' * len(part))}) AND {scheduled()} "
            "ORDER BY card_id, reviewed_at, id",
            part,
        ):
            rid = r["reviewed_at"]
            while rid in used:
                rid -= 1
            used.add(rid)
            if r["state_after"] == CardState.REVIEW:
                ivl = max(1, r["scheduled_days"] or 1)
            else:  # learning steps: Anki writes the seconds until due, negated
                ivl = -min(max(0, (r["due_after"] - r["reviewed_at"]) // 1000), _ANKI_MAX_INT)
            cid = anki_ids[r["card_id"]]
            out.append(
                AnkiRevlog(
                    id=rid,
                    cid=cid,
                    ease=r["rating"],
                    ivl=ivl,
                    last_ivl=last_ivl.get(cid, 0),
                    factor=_difficulty_factor(r["difficulty_after"]),
                    time=min(max(0, r["duration_ms"] or 0), _ANKI_MAX_INT),
                    type=_REVLOG_TYPE.get(CardState(r["state_before"]), 1),
                )
            )
            last_ivl[cid] = ivl
    return out
