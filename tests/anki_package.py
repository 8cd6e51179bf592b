"""Build real-format Anki packages (``.apkg``) in tests, without Anki.

Two layouts, both as Anki writes them (the DDL is copied from packages exported by Anki 26.9.3,
see ``shared/fixtures/anki``):

- `AnkiPackage.write_legacy`: a schema-11 collection (``collection.anki21``, or
  ``collection.anki2`` for packages from before Anki 2.1.28): note types, decks and deck options
  as JSON in the ``col`` row, a JSON media map and plain media members;
- `AnkiPackage.write_latest`: a schema-18 collection (``collection.anki21b``, zstd): note types,
  fields, templates and decks in their own tables with protobuf configs, deck names split by
  ``\\x1f`` and compared with the ``unicase`` collation, the one-note placeholder
  ``collection.anki2`` that older Ankis show, a ``meta`` member, a zstd protobuf media map and
  zstd media members.

Usage::

    pkg = AnkiPackage()
    deck = pkg.add_deck("Lang::German", description="<b>Words</b>")
    [card] = pkg.add_note("Basic", ["<b>Haus</b>", "house"], deck=deck, tags=["lang::de"])
    pkg.add_review(card, datetime(2026, 1, 1, tzinfo=UTC), ease=3)
    pkg.add_media("dot.png", b"...")
    pkg.write_latest(tmp_path / "deck.apkg")
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import zstandard

# A fixed creation time (2025-01-06 08:00 UTC), so ids are stable from run to run.
BASE_MS = 1_736_150_400_000
PLACEHOLDER_TEXT = (
    "Please update to the latest Anki version, then import the .colpkg/.apkg file again."
)

# --------------------------------------------------------------------------- schema 11 DDL
LEGACY_DDL = """
CREATE TABLE col (
  id integer PRIMARY KEY,
  crt integer NOT NULL,
  mod integer NOT NULL,
  scm integer NOT NULL,
  ver integer NOT NULL,
  dty integer NOT NULL,
  usn integer NOT NULL,
  ls integer NOT NULL,
  conf text NOT NULL,
  models text NOT NULL,
  decks text NOT NULL,
  dconf text NOT NULL,
  tags text NOT NULL
);
CREATE TABLE notes (
  id integer PRIMARY KEY,
  guid text NOT NULL,
  mid integer NOT NULL,
  mod integer NOT NULL,
  usn integer NOT NULL,
  tags text NOT NULL,
  flds text NOT NULL,
  -- The use of type integer for sfld is deliberate, because it means that integer values in this
  -- field will sort numerically.
  sfld integer NOT NULL,
  csum integer NOT NULL,
  flags integer NOT NULL,
  data text NOT NULL
);
CREATE TABLE cards (
  id integer PRIMARY KEY,
  nid integer NOT NULL,
  did integer NOT NULL,
  ord integer NOT NULL,
  mod integer NOT NULL,
  usn integer NOT NULL,
  type integer NOT NULL,
  queue integer NOT NULL,
  due integer NOT NULL,
  ivl integer NOT NULL,
  factor integer NOT NULL,
  reps integer NOT NULL,
  lapses integer NOT NULL,
  left integer NOT NULL,
  odue integer NOT NULL,
  odid integer NOT NULL,
  flags integer NOT NULL,
  data text NOT NULL
);
CREATE TABLE revlog (
  id integer PRIMARY KEY,
  cid integer NOT NULL,
  usn integer NOT NULL,
  ease integer NOT NULL,
  ivl integer NOT NULL,
  lastIvl integer NOT NULL,
  factor integer NOT NULL,
  time integer NOT NULL,
  type integer NOT NULL
);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
"""
LEGACY_GRAVES = """
CREATE TABLE graves (
  usn integer NOT NULL,
  oid integer NOT NULL,
  type integer NOT NULL
);
"""

# --------------------------------------------------------------------------- schema 18 DDL
# Schema 18 keeps col/notes/cards/revlog (the col row's JSON columns are empty) and adds:
LATEST_DDL = """
CREATE TABLE deck_config (
  id integer PRIMARY KEY NOT NULL,
  name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL,
  usn integer NOT NULL,
  config blob NOT NULL
);
CREATE TABLE config (
  KEY text NOT NULL PRIMARY KEY,
  usn integer NOT NULL,
  mtime_secs integer NOT NULL,
  val blob NOT NULL
) without rowid;
CREATE TABLE fields (
  ntid integer NOT NULL,
  ord integer NOT NULL,
  name text NOT NULL COLLATE unicase,
  config blob NOT NULL,
  PRIMARY KEY (ntid, ord)
) without rowid;
CREATE UNIQUE INDEX idx_fields_name_ntid ON fields (name, ntid);
CREATE TABLE templates (
  ntid integer NOT NULL,
  ord integer NOT NULL,
  name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL,
  usn integer NOT NULL,
  config blob NOT NULL,
  PRIMARY KEY (ntid, ord)
) without rowid;
CREATE UNIQUE INDEX idx_templates_name_ntid ON templates (name, ntid);
CREATE INDEX idx_templates_usn ON templates (usn);
CREATE TABLE notetypes (
  id integer NOT NULL PRIMARY KEY,
  name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL,
  usn integer NOT NULL,
  config blob NOT NULL
);
CREATE UNIQUE INDEX idx_notetypes_name ON notetypes (name);
CREATE INDEX idx_notetypes_usn ON notetypes (usn);
CREATE TABLE decks (
  id integer PRIMARY KEY NOT NULL,
  name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL,
  usn integer NOT NULL,
  common blob NOT NULL,
  kind blob NOT NULL
);
CREATE UNIQUE INDEX idx_decks_name ON decks (name);
CREATE INDEX idx_notes_mid ON notes (mid);
CREATE INDEX idx_cards_odid ON cards (odid)
WHERE odid != 0;
CREATE TABLE tags (
  tag text NOT NULL PRIMARY KEY COLLATE unicase,
  usn integer NOT NULL,
  collapsed boolean NOT NULL,
  config blob NULL
) without rowid;
CREATE TABLE graves (
  oid integer NOT NULL,
  type integer NOT NULL,
  usn integer NOT NULL,
  PRIMARY KEY (oid, type)
) WITHOUT ROWID;
CREATE INDEX idx_graves_pending ON graves (usn);
"""

_CSS = ".card {\n    font-family: arial;\n    font-size: 20px;\n    text-align: center;\n}\n"
_ANSWER = "{{FrontSide}}\n\n<hr id=answer>\n\n"


@dataclass
class NoteType:
    """An Anki note type: fields, card templates (name, question, answer) and whether cloze.

    `requires` maps a template's index to the field index that must be non-empty for the
    card to exist (Anki's "optional reversed card" rule); other templates always make a card.
    """

    id: int
    name: str
    fields: list[str]
    templates: list[tuple[str, str, str]]
    cloze: bool = False
    requires: dict[int, int] = field(default_factory=dict)


@dataclass
class Deck:
    id: int
    name: str  # "Parent::Child"
    description: str = ""
    markdown: bool = False
    filtered: bool = False  # a filtered deck: its cards' home deck is their `odid`


@dataclass
class Note:
    id: int
    guid: str
    notetype: NoteType
    fields: list[str]
    tags: list[str]


@dataclass
class Card:
    id: int
    note: Note
    deck: Deck
    ord: int
    type: int = 0  # Anki: 0 new, 1 learning, 2 review, 3 relearning
    queue: int = 0  # -1 suspended
    ivl: int = 0
    factor: int = 0
    reps: int = 0
    lapses: int = 0
    odid: int = 0  # the home deck while the card sits in a filtered deck


@dataclass
class Review:
    """One revlog row: Anki's answer to a card (ids are ms timestamps)."""

    id: int
    cid: int
    ease: int
    ivl: int
    last_ivl: int
    factor: int
    time: int
    type: int


def stock_notetypes() -> list[NoteType]:
    """Anki's stock note types, with the ids the fixtures use."""
    front_back = ["Front", "Back"]
    return [
        NoteType(BASE_MS, "Basic", front_back, [("Card 1", "{{Front}}", _ANSWER + "{{Back}}")]),
        NoteType(
            BASE_MS + 1,
            "Basic (and reversed card)",
            front_back,
            [
                ("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),
                ("Card 2", "{{Back}}", _ANSWER + "{{Front}}"),
            ],
        ),
        NoteType(
            BASE_MS + 2,
            "Basic (optional reversed card)",
            [*front_back, "Add Reverse"],
            [
                ("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),
                ("Card 2", "{{#Add Reverse}}{{Back}}{{/Add Reverse}}", _ANSWER + "{{Front}}"),
            ],
            requires={1: 2},
        ),
        NoteType(
            BASE_MS + 4,
            "Cloze",
            ["Text", "Back Extra"],
            [("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}")],
            cloze=True,
        ),
    ]


class AnkiPackage:
    """An Anki collection being put together in memory, written out as a package."""

    def __init__(self) -> None:
        self.notetypes: dict[str, NoteType] = {nt.name: nt for nt in stock_notetypes()}
        self.decks: dict[str, Deck] = {"Default": Deck(1, "Default")}
        self.notes: list[Note] = []
        self.cards: list[Card] = []
        self.reviews: list[Review] = []
        self.media: list[tuple[str, bytes]] = []
        self._review_ids: set[int] = set()

    # ------------------------------------------------------------------ content
    def add_notetype(
        self,
        name: str,
        fields: list[str],
        templates: list[tuple[str, str, str]] | None = None,
        *,
        cloze: bool = False,
    ) -> NoteType:
        """A custom note type (by default one template showing the first field)."""
        nt = NoteType(
            BASE_MS + 100 + len(self.notetypes),
            name,
            fields,
            templates or [("Card 1", f"{{{{{fields[0]}}}}}", _ANSWER + f"{{{{{fields[-1]}}}}}")],
            cloze=cloze,
        )
        self.notetypes[name] = nt
        return nt

    def add_deck(self, name: str, *, description: str = "", markdown: bool = False) -> Deck:
        """A deck, and (as Anki does) each missing parent deck of a ``Parent::Child`` name."""
        parts = name.split("::")
        for i in range(1, len(parts)):
            parent = "::".join(parts[:i])
            if parent not in self.decks:
                self.decks[parent] = Deck(BASE_MS + len(self.decks), parent)
        deck = self.decks.get(name)
        if deck is None:
            deck = self.decks[name] = Deck(BASE_MS + len(self.decks), name)
        deck.description, deck.markdown = description, markdown
        return deck

    def add_note(
        self,
        notetype: str,
        fields: list[str],
        *,
        deck: Deck | str = "Default",
        tags: list[str] | tuple[str, ...] = (),
        guid: str | None = None,
    ) -> list[Card]:
        """A note and the cards Anki would make for it (one per template, or per cloze number)."""
        nt = self.notetypes[notetype]
        if len(fields) != len(nt.fields):
            raise ValueError(f"{notetype} has {len(nt.fields)} fields, got {len(fields)}")
        target = deck if isinstance(deck, Deck) else self.decks.get(deck) or self.add_deck(deck)
        n = len(self.notes)
        note = Note(BASE_MS + n, guid or _guid(n), nt, list(fields), list(tags))
        self.notes.append(note)
        if nt.cloze:
            numbers = sorted({int(m) for m in re.findall(r"\{\{c(\d+)::", fields[0])}) or [1]
            ords = [number - 1 for number in numbers]
        else:
            ords = [
                i
                for i in range(len(nt.templates))
                if i not in nt.requires or fields[nt.requires[i]].strip()
            ]
        new = [Card(BASE_MS + len(self.cards) + i, note, target, o) for i, o in enumerate(ords)]
        self.cards.extend(new)
        return new

    def move_to_filtered(self, cards: list[Card], name: str) -> Deck:
        """Move cards into a filtered deck, as Anki's "Create Filtered Deck" does."""
        deck = self.add_deck(name)
        deck.filtered = True
        for card in cards:
            card.odid, card.deck = card.deck.id, deck
        return deck

    def add_review(
        self,
        card: Card,
        when: datetime,
        ease: int,
        *,
        type: int = 1,
        time_ms: int = 6_000,
        ivl: int = 0,
        last_ivl: int = 0,
        factor: int = 2_500,
    ) -> Review:
        """A revlog row for `card` at `when` (its id is the ms timestamp, made unique)."""
        rid = int(when.timestamp() * 1000)
        while rid in self._review_ids:
            rid += 1
        self._review_ids.add(rid)
        review = Review(rid, card.id, ease, ivl, last_ivl, factor, time_ms, type)
        self.reviews.append(review)
        if ease:
            card.reps += 1
            card.type = card.queue = 2
        return review

    def add_media(self, name: str, data: bytes) -> None:
        self.media.append((name, data))

    # ------------------------------------------------------------------ writing
    def write_legacy(
        self, path: Path | str, *, member: str = "collection.anki21", meta: bool = True
    ) -> Path:
        """A schema-11 package (``collection.anki21``; ``collection.anki2`` for old ones)."""
        path = Path(path)
        collection = self._sqlite(self._fill_legacy)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            if meta:
                zf.writestr("meta", _pb_varint(1, 2))  # PackageMetadata { version: LEGACY_2 }
            zf.writestr(member, collection)
            for i, (_, data) in enumerate(self.media):
                zf.writestr(str(i), data)
            zf.writestr("media", json.dumps({str(i): n for i, (n, _) in enumerate(self.media)}))
        return path

    def write_latest(self, path: Path | str) -> Path:
        """A schema-18 package (``collection.anki21b`` and friends, zstd-compressed)."""
        path = Path(path)
        collection = self._sqlite(self._fill_latest)
        placeholder = AnkiPackage()
        placeholder.add_note("Basic", [PLACEHOLDER_TEXT, ""])
        old = placeholder._sqlite(placeholder._fill_legacy)
        zstd = zstandard.ZstdCompressor(write_content_size=False)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("meta", _pb_varint(1, 3))  # PackageMetadata { version: LATEST }
            zf.writestr("collection.anki21b", zstd.compress(collection))
            zf.writestr("collection.anki2", old)
            entries = b""
            for i, (name, data) in enumerate(self.media):
                zf.writestr(str(i), zstd.compress(data))
                entry = (
                    _pb_bytes(1, name.encode())
                    + _pb_varint(2, len(data))
                    + _pb_bytes(3, hashlib.sha1(data).digest())
                )
                entries += _pb_bytes(1, entry)
            zf.writestr("media", zstd.compress(entries))
        return path

    def _sqlite(self, fill) -> bytes:
        with tempfile.TemporaryDirectory(prefix="anki-package-") as tmp:
            db = Path(tmp) / "collection.db"
            conn = sqlite3.connect(db)
            conn.create_collation("unicase", _unicase)
            try:
                with conn:
                    fill(conn)
            finally:
                conn.close()
            return db.read_bytes()

    def _fill_common(self, conn: sqlite3.Connection) -> None:
        """notes, cards and revlog: the same in both schemas."""
        conn.executemany(
            "INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')",
            [
                (
                    n.id,
                    n.guid,
                    n.notetype.id,
                    n.id // 1000,
                    f" {' '.join(n.tags)} " if n.tags else "",
                    "\x1f".join(n.fields),
                    _strip_html(n.fields[0]),
                    _checksum(n.fields[0]),
                )
                for n in self.notes
            ],
        )
        conn.executemany(
            "INSERT INTO cards VALUES (?, ?, ?, ?, ?, -1, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, 0, '')",
            [
                (
                    c.id,
                    c.note.id,
                    c.deck.id,
                    c.ord,
                    c.id // 1000,
                    c.type,
                    c.queue,
                    i + 1 if c.type == 0 else 0,
                    c.ivl,
                    c.factor,
                    c.reps,
                    c.lapses,
                    c.odid,
                )
                for i, c in enumerate(self.cards)
            ],
        )
        conn.executemany(
            "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
            [
                (r.id, r.cid, r.ease, r.ivl, r.last_ivl, r.factor, r.time, r.type)
                for r in self.reviews
            ],
        )

    def _fill_legacy(self, conn: sqlite3.Connection) -> None:
        conn.executescript(LEGACY_DDL + LEGACY_GRAVES)
        models = {str(nt.id): _model_json(nt) for nt in self.notetypes.values()}
        decks = {str(d.id): _deck_json(d) for d in self.decks.values()}
        dconf = {
            "1": {
                "id": 1,
                "mod": 0,
                "name": "Default",
                "usn": 0,
                "maxTaken": 60,
                "new": {"delays": [1.0, 10.0], "perDay": 20},
                "rev": {"perDay": 200, "maxIvl": 36500},
                "lapse": {"delays": [10.0], "leechFails": 8},
                "dyn": False,
            }
        }
        conf = {"nextPos": len(self.cards) + 1, "sched2021": True, "schedVer": 2, "curDeck": 1}
        conn.execute(
            "INSERT INTO col VALUES (1, ?, ?, ?, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
            (
                BASE_MS // 1000,
                BASE_MS,
                BASE_MS,
                json.dumps(conf),
                json.dumps(models),
                json.dumps(decks),
                json.dumps(dconf),
            ),
        )
        self._fill_common(conn)

    def _fill_latest(self, conn: sqlite3.Connection) -> None:
        conn.executescript(LEGACY_DDL + LATEST_DDL)
        conn.execute(
            "INSERT INTO col VALUES (1, ?, ?, ?, 18, 0, 0, 0, '', '', '', '', '')",
            (BASE_MS // 1000, BASE_MS, BASE_MS),
        )
        for nt in self.notetypes.values():
            # Notetype.Config { kind = 1 (1: cloze); sort_field_idx = 2; css = 3 }
            config = (_pb_varint(1, 1) if nt.cloze else b"") + _pb_bytes(3, _CSS.encode())
            conn.execute("INSERT INTO notetypes VALUES (?, ?, 0, 0, ?)", (nt.id, nt.name, config))
            conn.executemany(
                "INSERT INTO fields VALUES (?, ?, ?, ?)",
                # NoteField.Config { font_name = 3; font_size = 4 }
                [
                    (nt.id, i, name, _pb_bytes(3, b"Arial") + _pb_varint(4, 20))
                    for i, name in enumerate(nt.fields)
                ],
            )
            conn.executemany(
                "INSERT INTO templates VALUES (?, ?, ?, 0, 0, ?)",
                # CardTemplate.Config { q_format = 1; a_format = 2 }
                [
                    (nt.id, i, name, _pb_bytes(1, q.encode()) + _pb_bytes(2, a.encode()))
                    for i, (name, q, a) in enumerate(nt.templates)
                ],
            )
        for deck in self.decks.values():
            # Deck.Common { study_collapsed = 1; browser_collapsed = 2 }
            common = _pb_varint(1, 1) + _pb_varint(2, 1)
            # Deck.KindContainer { normal = 1 | filtered = 2 }: Normal { config_id = 1;
            # description = 4; markdown_description = 5 }, Filtered { reschedule = 1 }
            normal = _pb_varint(1, 1)
            if deck.description:
                normal += _pb_bytes(4, deck.description.encode())
            if deck.markdown:
                normal += _pb_varint(5, 1)
            kind = _pb_bytes(2, _pb_varint(1, 1)) if deck.filtered else _pb_bytes(1, normal)
            conn.execute(
                "INSERT INTO decks VALUES (?, ?, 0, 0, ?, ?)",
                (deck.id, deck.name.replace("::", "\x1f"), common, kind),
            )
        conn.execute("INSERT INTO deck_config VALUES (1, 'Default', 0, 0, ?)", (b"",))
        conn.executemany(
            "INSERT INTO config VALUES (?, 0, 0, ?)",
            [("schedVer", b"2"), ("curDeck", b"1"), ("nextPos", str(len(self.cards) + 1).encode())],
        )
        tags = sorted({t for n in self.notes for t in n.tags}, key=str.casefold)
        conn.executemany("INSERT OR IGNORE INTO tags VALUES (?, 0, 0, NULL)", [(t,) for t in tags])
        self._fill_common(conn)


# --------------------------------------------------------------------------- helpers
def _guid(n: int) -> str:
    """A guid shaped like Anki's (base91 characters, punctuation included)."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
    digest = hashlib.sha256(f"note-{n}".encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


def _strip_html(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", text)).strip()


def _checksum(first_field: str) -> int:
    """Anki's csum: the first 8 hex digits of the SHA-1 of the stripped first field."""
    return int(hashlib.sha1(_strip_html(first_field).encode()).hexdigest()[:8], 16)


def _unicase(a: str, b: str) -> int:
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


def _model_json(nt: NoteType) -> dict:
    return {
        "id": nt.id,
        "name": nt.name,
        "type": 1 if nt.cloze else 0,
        "mod": 0,
        "usn": 0,
        "sortf": 0,
        "did": None,
        "tmpls": [
            {
                "name": name,
                "ord": i,
                "qfmt": q,
                "afmt": a,
                "bqfmt": "",
                "bafmt": "",
                "did": None,
                "bfont": "",
                "bsize": 0,
            }
            for i, (name, q, a) in enumerate(nt.templates)
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
            for i, name in enumerate(nt.fields)
        ],
        "css": _CSS,
        "latexPre": "",
        "latexPost": "",
        "latexsvg": False,
        "req": [[i, "any", [0]] for i in range(len(nt.templates))],
    }


def _deck_json(deck: Deck) -> dict:
    return {
        "id": deck.id,
        "mod": 0,
        "name": deck.name,
        "usn": 0,
        "lrnToday": [0, 0],
        "revToday": [0, 0],
        "newToday": [0, 0],
        "timeToday": [0, 0],
        "collapsed": True,
        "browserCollapsed": True,
        "desc": deck.description,
        "md": deck.markdown,
        "dyn": int(deck.filtered),
        "conf": 1,
        "extendNew": 0,
        "extendRev": 0,
    }


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _pb_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _pb_bytes(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def synthetic_package(notes: int, *, seed: int = 7, history_every: int = 5) -> AnkiPackage:
    """A large package for benchmarks: `notes` notes (60% Basic, 20% reversed, 20% cloze with
    two clozes) over five sub-decks, with HTML and hierarchical tags; the first card of every
    `history_every`-th note has 4-10 answers spread over the months before 2026-11-01."""
    import random
    from datetime import UTC, timedelta

    rng = random.Random(seed)
    pkg = AnkiPackage()
    decks = [pkg.add_deck(f"Big::Part {i}", description=f"<i>Part</i> {i}") for i in range(5)]
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for n in range(notes):
        deck = decks[n % len(decks)]
        tags = [f"topic::t{n % 7}", "big"]
        kind = n % 10
        if kind < 6:
            cards = pkg.add_note(
                "Basic",
                [f"<b>Question</b> {n}&nbsp;{rng.random():.6f}", f"Answer {n}<br>more"],
                deck=deck,
                tags=tags,
            )
        elif kind < 8:
            cards = pkg.add_note(
                "Basic (and reversed card)",
                [f"Word {n}", f"<i>meaning</i> {n}"],
                deck=deck,
                tags=tags,
            )
        else:
            cards = pkg.add_note(
                "Cloze",
                [f"{{{{c1::Alpha {n}}}}} and {{{{c2::beta}}}}", "extra"],
                deck=deck,
                tags=tags,
            )
        if n % history_every == 0:
            when = start + timedelta(minutes=rng.randrange(600))
            gap = timedelta(days=1)
            for _ in range(rng.randrange(4, 11)):
                ease = rng.choices((1, 2, 3, 4), weights=(10, 5, 80, 5))[0]
                pkg.add_review(cards[0], when, ease, time_ms=rng.randrange(2_000, 20_000))
                when += gap
                gap = gap * 2 if ease > 1 else timedelta(days=1)
    return pkg
