"""The collection inside a package: its decks, note types, notes, cards and review log.

The collection is SQLite in one of two schemas: 18 (decks and note types in their own tables,
their configs as protobuf) or 11 (decks and note types as JSON in the ``col`` row); a schema
outside 11-18 is refused. Every sub-deck with cards becomes a deck named ``Parent::Child``
(key: the slugified full name), and the Anki deck's description becomes the deck's
description. A card in a filtered deck belongs to its original deck. Notes become cards as
`mastery.decks.anki.templates` says; their fields' HTML becomes Markdown as
`mastery.decks.anki.html` says; the review log becomes history as
`mastery.decks.anki.history` says.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from mastery.decks.anki.history import AnkiReview, revlog_answers
from mastery.decks.anki.html import field_markdown
from mastery.decks.anki.package import (
    COLLECTION_MEMBERS,
    media_entries,
    open_zip,
    package_version,
    unpack_collection,
)
from mastery.decks.anki.protobuf import proto_field
from mastery.decks.anki.templates import FLAG_NAMES, NoteType, card_key, cloze_numbers, render_card
from mastery.decks.cloze import ClozeError
from mastery.decks.csv import _guid_key, deck_key_from_stem
from mastery.decks.spec import CardSpec, DeckSpec, merge_tags
from mastery.errors import DeckFormatError

__all__ = ["ApkgContents", "read_apkg", "read_apkg_contents"]

_SCHEMAS = range(11, 19)  # Anki's collection schema versions this module reads


@dataclass(frozen=True)
class ApkgContents:
    """What a package holds: its decks, its cards' review history and its media files.

    `history` maps (deck key, card key) to that card's answers, oldest first, already
    filtered (see `mastery.decks.anki.history`). `media` maps each Anki file name to its zip
    member.
    """

    decks: list[DeckSpec]
    history: dict[tuple[str, str], tuple[AnkiReview, ...]]
    media: dict[str, str]


def read_apkg(path: Path | str) -> list[DeckSpec]:
    """Every deck of an Anki package that has cards, in name order.

    Raises `DeckFormatError` (and reads nothing) if the file is not a zip, holds no collection,
    or the collection cannot be read.
    """
    return read_apkg_contents(path).decks


def read_apkg_contents(
    path: Path | str,
    *,
    media_links: Mapping[str, str] | None = None,
    workdir: Path | None = None,
) -> ApkgContents:
    """Decks, review history and media list of an Anki package.

    `media_links` maps Anki media names to the paths card text should link to (what
    `copy_apkg_media` returns); names not in it link to ``media/<safe name>``. The collection
    is unpacked into a temporary folder in `workdir` (the system's by default), in chunks.
    Raises `DeckFormatError` for any package that cannot be read whole or breaks a limit.
    """
    path = Path(path)
    name = str(path)
    with tempfile.TemporaryDirectory(prefix="mastery-apkg-", dir=workdir) as tmp:
        db = Path(tmp) / "collection.sqlite"
        with open_zip(path) as zf:
            package_version(zf, name)  # refuses packages from a newer Anki
            members = set(zf.namelist())
            member = next((m for m in COLLECTION_MEMBERS if m in members), None)
            if member is None:
                raise DeckFormatError(name, None, "not an Anki package: no collection inside")
            media = dict((n, m) for m, n in media_entries(zf, name))
            unpack_collection(zf, member, name, db)
        try:
            with closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
                conn.create_collation("unicase", _unicase)
                decks, history = _Reader(conn, name, media_links or {}).read()
        except sqlite3.DatabaseError as exc:
            raise DeckFormatError(name, None, f"cannot read the Anki collection: {exc}") from None
    return ApkgContents(decks, history, media)


def _unicase(a: str, b: str) -> int:
    """Anki's ``unicase`` collation (its tables' indexes use it), approximated by casefold."""
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


class _Reader:
    """Reads one open collection into deck specs and card histories."""

    def __init__(self, conn: sqlite3.Connection, name: str, links: Mapping[str, str]) -> None:
        self.conn = conn
        self.name = name
        self.links = links
        self._converted: dict[str, str] = {}

    def read(self) -> tuple[list[DeckSpec], dict[tuple[str, str], tuple[AnkiReview, ...]]]:
        conn, name = self.conn, self.name
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in ("col", "notes", "cards") if t not in tables]
        if missing:
            raise DeckFormatError(
                name, None, f"not an Anki collection (no {' or '.join(missing)} table)"
            )
        row = conn.execute("SELECT ver FROM col").fetchone()
        if row is None or row[0] not in _SCHEMAS:
            version = "none" if row is None else row[0]
            raise DeckFormatError(
                name,
                None,
                f"unsupported Anki collection schema {version} (Mastery reads "
                f"{_SCHEMAS.start} to {_SCHEMAS.stop - 1})",
            )
        if "notetypes" in tables:
            if "decks" not in tables:
                raise DeckFormatError(name, None, "not an Anki collection (no decks table)")
            decks, kinds = self._tables()
        else:
            decks, kinds = self._col_json()
        specs, card_keys = self._cards(decks, kinds)
        history = self._history(card_keys) if "revlog" in tables else {}
        return specs, history

    # ---------------------------------------------------------------- decks and note types
    def _tables(self) -> tuple[dict[int, tuple[str, str]], dict[int, NoteType]]:
        """Schema 18: decks and note types in their own tables, configs as protobuf."""
        decks = {}
        for did, deck_name, kind in self.conn.execute("SELECT id, name, kind FROM decks"):
            # Deck.KindContainer { Normal normal = 1 }; Normal { string description = 4;
            # bool markdown_description = 5 }
            normal = proto_field(kind, 1)
            desc = proto_field(normal, 4)
            text = desc.decode("utf-8", "replace") if isinstance(desc, bytes) else ""
            decks[did] = (
                deck_name.replace("\x1f", "::"),
                self._description(text, bool(proto_field(normal, 5))),
            )
        fields: dict[int, list[str]] = {}
        for ntid, name in self.conn.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
            fields.setdefault(ntid, []).append(name)
        templates: dict[int, list[tuple[str, str, str]]] = {}
        for ntid, name, config in self.conn.execute(
            "SELECT ntid, name, config FROM templates ORDER BY ntid, ord"
        ):
            # CardTemplate.Config { string q_format = 1; string a_format = 2 }
            question, answer = proto_field(config or b"", 1), proto_field(config or b"", 2)
            templates.setdefault(ntid, []).append((name, _text(question), _text(answer)))
        kinds = {}
        for ntid, nt_name, config in self.conn.execute("SELECT id, name, config FROM notetypes"):
            cloze = proto_field(config or b"", 1) == 1  # Config.kind: 1 cloze
            kinds[ntid] = NoteType.build(
                nt_name, fields.get(ntid, []), templates.get(ntid, []), cloze
            )
        return decks, kinds

    def _col_json(self) -> tuple[dict[int, tuple[str, str]], dict[int, NoteType]]:
        """Schema 11: decks and note types as JSON in the ``col`` row."""
        decks_json, models_json = self.conn.execute("SELECT decks, models FROM col").fetchone()
        try:
            decks = {
                int(k): (v["name"], self._description(str(v.get("desc") or ""), bool(v.get("md"))))
                for k, v in json.loads(decks_json).items()
            }
            kinds = {
                int(k): NoteType.build(
                    str(v["name"]),
                    [str(f["name"]) for f in sorted(v.get("flds") or [], key=_ord)],
                    [
                        (str(t.get("name", "")), str(t.get("qfmt", "")), str(t.get("afmt", "")))
                        for t in sorted(v.get("tmpls") or [], key=_ord)
                    ],
                    v.get("type") == 1,
                )
                for k, v in json.loads(models_json).items()
            }
        except (TypeError, ValueError, KeyError, AttributeError):
            raise DeckFormatError(
                self.name, None, "the collection's decks or note types are unreadable"
            ) from None
        return decks, kinds

    def _description(self, text: str, markdown: bool) -> str:
        return text.strip() if markdown else self.markdown(text)

    # ---------------------------------------------------------------- notes and cards
    def _cards(
        self, decks: dict[int, tuple[str, str]], kinds: dict[int, NoteType]
    ) -> tuple[list[DeckSpec], dict[int, tuple[str, str]]]:
        """The deck specs, and each Anki card id's (deck key, card key)."""
        conn, name = self.conn, self.name
        notes = {
            nid: (guid, mid, flds.split("\x1f"), tags.split())
            for nid, guid, mid, flds, tags in conn.execute(
                "SELECT id, guid, mid, flds, tags FROM notes"
            )
        }
        by_deck: dict[str, list[CardSpec]] = {}
        deck_keys: dict[str, str] = {}
        card_keys: dict[int, tuple[str, str]] = {}
        made: set[tuple[str, str]] = set()
        unknown = NoteType("", (), (), False)
        # A card in a filtered deck belongs to its original deck (odid).
        for cid, nid, ord_, did, queue, flags in conn.execute(
            "SELECT id, nid, ord, CASE WHEN odid != 0 THEN odid ELSE did END, queue, flags "
            "FROM cards ORDER BY nid, ord"
        ):
            if nid not in notes:
                continue
            guid, mid, fields, tags = notes[nid]
            deck_name = decks.get(did, ("Default", ""))[0]
            deck_key = deck_keys.get(deck_name)
            if deck_key is None:
                deck_key = deck_keys[deck_name] = deck_key_from_stem(deck_name)
            note_id = _guid_key(guid)
            notetype = kinds.get(mid, unknown)
            flag = (flags or 0) & 0b111
            rendered = self._render(notetype, fields, ord_, tags, deck_name, flag, guid, note_id)
            if rendered is None:
                continue
            key, front, back = rendered
            if not front or (deck_key, key) in made:
                continue
            made.add((deck_key, key))
            # The flag first: the browser's tag column is narrow, and a flag is what one scans for.
            tag_tuple = merge_tags((f"flag::{FLAG_NAMES[flag]}",) if flag else (), tags)
            cards = by_deck.setdefault(deck_name, [])
            cards.append(
                CardSpec(
                    key,
                    f"{deck_key}/{note_id}",
                    front,
                    back,
                    tag_tuple,
                    len(cards),
                    suspended=queue == -1,
                )
            )
            card_keys[cid] = (deck_key, key)
        descriptions = {deck_name: desc for deck_name, desc in decks.values()}
        specs = [
            DeckSpec(deck_keys[deck], deck, descriptions.get(deck, ""), "", (), tuple(cards), name)
            for deck, cards in sorted(by_deck.items())
            if cards
        ]
        return specs, card_keys

    def _render(
        self,
        notetype: NoteType,
        fields: list[str],
        ord_: int,
        tags: list[str],
        deck: str,
        flag: int,
        guid: str,
        note_id: str,
    ) -> tuple[str, str, str] | None:
        """(key, front, back) of one Anki card as Markdown; None if Anki shows it empty."""
        if not notetype.templates:  # a note type this reader could not read: fields in order
            front, back = fields[0] if fields else "", "\n\n".join(f for f in fields[1:] if f)
            key = note_id if ord_ == 0 else f"{note_id}.card{ord_ + 1}"
            return key, self.markdown(front), self.markdown(back)
        if notetype.cloze and not cloze_numbers(fields):
            # a cloze note without clozes: Anki's card is empty; its text on both sides
            text = self.markdown(fields[0]) if fields else ""
            extra = "\n\n".join(self.markdown(f) for f in fields[1:] if f)
            return card_key(note_id, notetype, ord_, clozes=False), text, extra or text
        try:
            sides = render_card(notetype, fields, ord_, tags=" ".join(tags), deck=deck, flag=flag)
        except ClozeError as exc:
            raise DeckFormatError(self.name, None, f"note {guid!r}: {exc}") from None
        if sides is None:
            return None
        return card_key(note_id, notetype, ord_), self.markdown(sides[0]), self.markdown(sides[1])

    # ---------------------------------------------------------------- review history
    def _history(
        self, card_keys: dict[int, tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[AnkiReview, ...]]:
        """Each card's answers to replay (what is skipped: `mastery.decks.anki.history`)."""
        return revlog_answers(
            self.conn.execute(
                "SELECT id, cid, ease, ivl, factor, time, type FROM revlog ORDER BY cid, id"
            ),
            card_keys,
        )

    # ---------------------------------------------------------------- field text
    def markdown(self, text: str) -> str:
        """One side of a card (or a deck description) as Markdown, media references as links
        (cached: many cards share a side, such as a cloze note's extra text)."""
        out = self._converted.get(text)
        if out is None:
            out = field_markdown(text, self.links)
            if len(self._converted) < 50_000:
                self._converted[text] = out
        return out


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ""


def _ord(item: object) -> int:
    value = item.get("ord", 0) if isinstance(item, dict) else 0
    return value if isinstance(value, int) else 0
