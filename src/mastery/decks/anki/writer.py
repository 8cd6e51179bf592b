"""Writing an Anki package (``.apkg``) that Anki desktop and AnkiDroid both import.

The layout is the one Anki itself writes with "Support older Anki versions" ticked: a
schema-11 collection as ``collection.anki21`` (note types, decks and deck options as JSON in
the ``col`` row), a ``meta`` member saying so (package version 2), a JSON ``media`` map and the
media files as members ``0``, ``1``, ... Every Anki since 2.1.0 reads it, and so does
AnkiDroid (both upgrade it to their own schema on import), whereas the newer
``collection.anki21b`` (zstd, schema 18) needs Anki 2.1.50 or AnkiDroid 2.16. Both keep
``cards.data``, where recent versions hold the FSRS memory state (``{"s", "d", "lrt"}``).

This module knows the format only; `mastery.decks.anki.export_run` turns a profile's decks
into the `AnkiCollection` written here. The package is built in a temporary folder and put
in place by `mastery.files.atomic_file` (temp file, fsync, rename): a failed export leaves
the old file, or none.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from mastery.files import atomic_file

__all__ = [
    "NOTETYPE_ID",
    "NOTETYPE_NAME",
    "AnkiCard",
    "AnkiCollection",
    "AnkiDeck",
    "AnkiRevlog",
    "Progress",
    "write_apkg",
]

# The note type every exported card uses: a stable id, so a second export merges into the
# note type the first one created on the phone instead of adding "Mastery-1a2b3".
NOTETYPE_ID = 1_500_000_000_000
NOTETYPE_NAME = "Mastery"
DEFAULT_CONF_ID = 1
_CSS = ".card {\n    font-family: arial;\n    font-size: 20px;\n    text-align: center;\n}\n"
_QUESTION = "{{Front}}"
_ANSWER = "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}"

# Called with (what is being written, done, total) as the export goes.
Progress = Callable[[str, int, int], None]

_DDL = """
CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL,
  scm integer NOT NULL, ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL,
  ls integer NOT NULL, conf text NOT NULL, models text NOT NULL, decks text NOT NULL,
  dconf text NOT NULL, tags text NOT NULL);
CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL,
  sfld integer NOT NULL, csum integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL,
  ord integer NOT NULL, mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL,
  queue integer NOT NULL, due integer NOT NULL, ivl integer NOT NULL, factor integer NOT NULL,
  reps integer NOT NULL, lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL,
  odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE revlog (id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL,
  ease integer NOT NULL, ivl integer NOT NULL, lastIvl integer NOT NULL,
  factor integer NOT NULL, time integer NOT NULL, type integer NOT NULL);
CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
"""


@dataclass(frozen=True, slots=True)
class AnkiDeck:
    """A deck as Anki names it (``Parent::Child``); `description` is Markdown."""

    id: int
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class AnkiCard:
    """One note of the Mastery note type and its one card, in Anki's columns.

    `front` and `back` are field HTML; `sort_field` and `checksum` are what Anki derives from
    the front (its duplicate check and the browser's sort column use them).
    """

    id: int  # the note's id and the card's id
    guid: str
    deck_id: int
    front: str
    back: str
    sort_field: str
    checksum: int
    tags: tuple[str, ...]
    mod: int  # seconds
    type: int = 0
    queue: int = 0
    due: int = 0
    ivl: int = 0
    factor: int = 0
    reps: int = 0
    lapses: int = 0
    left: int = 0
    flags: int = 0  # Anki's card flag, 0-7 (ours travel as a flag::colour tag)
    data: str = "{}"


@dataclass(frozen=True, slots=True)
class AnkiRevlog:
    """One review-log row, in Anki's columns (id: ms timestamp, unique)."""

    id: int
    cid: int
    ease: int
    ivl: int
    last_ivl: int
    factor: int
    time: int
    type: int


@dataclass
class AnkiCollection:
    """Everything one package holds. `created` (seconds) and `rollover` (hour) define Anki's
    day numbers: day 0 starts at `created`, which is a learner's day start; `creation_offset`
    is that moment's UTC offset in minutes west, as Anki stores it."""

    created: int
    creation_offset: int
    rollover: int
    decks: list[AnkiDeck] = field(default_factory=list)
    cards: list[AnkiCard] = field(default_factory=list)
    revlog: list[AnkiRevlog] = field(default_factory=list)
    media: list[tuple[str, Path]] = field(default_factory=list)  # (Anki name, file)


def write_apkg(path: Path, col: AnkiCollection, progress: Progress | None = None) -> None:
    """Write `col` as a package at `path`, atomically (see the module docstring).

    Raises `MasteryError` (one line, naming the file) when it cannot be written, and leaves
    nothing behind then.
    """
    report = progress or (lambda what, done, total: None)
    with tempfile.TemporaryDirectory(prefix="mastery-apkg-") as tmp:
        db = Path(tmp) / "collection.anki21"
        _write_collection(db, col)
        report("collection", 1, 1)
        with atomic_file(path) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("meta", b"\x08\x02")  # PackageMetadata { version: LEGACY_2 }
            zf.write(db, "collection.anki21")
            _write_media(zf, col, report)


def _write_media(zf: zipfile.ZipFile, col: AnkiCollection, report: Progress) -> None:
    """The media files as members ``0``, ``1``, ... and the JSON map naming them."""
    total = len(col.media)
    for index, (_, file) in enumerate(col.media):
        zf.write(file, str(index))
        report("media", index + 1, total)
    mapping = {str(index): name for index, (name, _) in enumerate(col.media)}
    zf.writestr("media", json.dumps(mapping))


def _write_collection(db: Path, col: AnkiCollection) -> None:
    with closing(sqlite3.connect(db)) as conn, conn:
        # A scratch file, zipped and fsynced as a whole afterwards: no journal, no syncs.
        conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _DDL)
        ms = col.created * 1000
        conf = {
            "nextPos": len(col.cards) + 1,
            "schedVer": 2,
            "sched2021": True,
            "curDeck": DEFAULT_CONF_ID,
            "activeDecks": [DEFAULT_CONF_ID],
            "rollover": col.rollover,
            "creationOffset": col.creation_offset,
            "collapseTime": 1200,
        }
        decks = {str(d["id"]): d for d in _deck_json(col.decks)}
        conn.execute(
            "INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
            (
                col.created,
                ms,
                ms,
                json.dumps(conf),
                json.dumps({str(NOTETYPE_ID): _notetype_json(ms)}),
                json.dumps(decks),
                json.dumps({str(DEFAULT_CONF_ID): _deck_conf_json()}),
            ),
        )
        conn.executemany(
            "INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')",
            [
                (
                    c.id,
                    c.guid,
                    NOTETYPE_ID,
                    c.mod,
                    f" {' '.join(c.tags)} " if c.tags else "",
                    f"{c.front}\x1f{c.back}",
                    c.sort_field,
                    c.checksum,
                )
                for c in col.cards
            ],
        )
        conn.executemany(
            "INSERT INTO cards VALUES (?, ?, ?, 0, ?, -1, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
            [
                (
                    c.id,
                    c.id,
                    c.deck_id,
                    c.mod,
                    c.type,
                    c.queue,
                    c.due,
                    c.ivl,
                    c.factor,
                    c.reps,
                    c.lapses,
                    c.left,
                    c.flags,
                    c.data,
                )
                for c in col.cards
            ],
        )
        conn.executemany(
            "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
            [
                (r.id, r.cid, r.ease, r.ivl, r.last_ivl, r.factor, r.time, r.type)
                for r in col.revlog
            ],
        )


def _deck_json(decks: list[AnkiDeck]) -> list[dict[str, object]]:
    """Anki's schema-11 deck objects: the Default deck, each deck, and (as Anki keeps them)
    every missing parent of a ``Parent::Child`` name."""
    out: dict[str, dict[str, object]] = {"Default": _one_deck(DEFAULT_CONF_ID, "Default", "")}
    names = {d.name for d in decks}
    next_id = max((d.id for d in decks), default=DEFAULT_CONF_ID) + 1
    for deck in decks:
        parts = deck.name.split("::")
        for i in range(1, len(parts)):
            parent = "::".join(parts[:i])
            if parent not in names and parent not in out:
                out[parent] = _one_deck(next_id, parent, "")
                next_id += 1
        out[deck.name] = _one_deck(deck.id, deck.name, deck.description)
    return list(out.values())


def _one_deck(deck_id: int, name: str, description: str) -> dict[str, object]:
    return {
        "id": deck_id,
        "mod": 0,
        "name": name,
        "usn": -1,
        "lrnToday": [0, 0],
        "revToday": [0, 0],
        "newToday": [0, 0],
        "timeToday": [0, 0],
        "collapsed": False,
        "browserCollapsed": False,
        "desc": description,
        "md": True,  # the description is Markdown, shown as such by Anki 2.1.41+
        "dyn": 0,
        "conf": DEFAULT_CONF_ID,
        "extendNew": 0,
        "extendRev": 0,
    }


def _deck_conf_json() -> dict[str, object]:
    return {
        "id": DEFAULT_CONF_ID,
        "mod": 0,
        "name": "Default",
        "usn": -1,
        "maxTaken": 60,
        "autoplay": True,
        "timer": 0,
        "replayq": True,
        "dyn": False,
        "new": {
            "delays": [1.0, 10.0],
            "ints": [1, 4, 0],
            "initialFactor": 2500,
            "order": 1,
            "perDay": 20,
        },
        "rev": {"perDay": 200, "ease4": 1.3, "maxIvl": 36500, "hardFactor": 1.2},
        "lapse": {"delays": [10.0], "mult": 0.0, "minInt": 1, "leechFails": 8, "leechAction": 1},
    }


def _notetype_json(ms: int) -> dict[str, object]:
    return {
        "id": NOTETYPE_ID,
        "name": NOTETYPE_NAME,
        "type": 0,
        "mod": ms // 1000,
        "usn": -1,
        "sortf": 0,
        "did": None,
        "tmpls": [
            {
                "name": "Card 1",
                "ord": 0,
                "qfmt": _QUESTION,
                "afmt": _ANSWER,
                "bqfmt": "",
                "bafmt": "",
                "did": None,
                "bfont": "",
                "bsize": 0,
            }
        ],
        "flds": [
            {
                "name": name,
                "ord": i,
                "sticky": False,
                "rtl": False,
                "font": "Arial",
                "size": 20,
                "description": "",
                "plainText": False,
                "collapsed": False,
            }
            for i, name in enumerate(("Front", "Back"))
        ],
        "css": _CSS,
        "latexPre": "",
        "latexPost": "",
        "latexsvg": False,
        "req": [[0, "any", [0]]],
        "tags": [],
        "vers": [],
    }
