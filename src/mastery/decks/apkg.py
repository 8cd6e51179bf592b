"""Anki packages (``.apkg``, ``.colpkg``): every Anki deck in the package as a `DeckSpec`.

A package is a zip holding the collection as SQLite: ``collection.anki21b`` (zstd-compressed,
schema 18), else ``collection.anki21`` or ``collection.anki2`` (schema 11, decks and note types
as JSON in the ``col`` row). Newer packages also hold a one-note placeholder ``collection.anki2``,
so the newer members are read first.

How notes become cards:

- Basic: card 1 is field 1 -> field 2; "(and reversed card)" adds card 2, field 2 -> field 1;
- Cloze: the note's text is a Mastery cloze note (one card per ``{{cN::...}}`` number), its
  second field the extra text on the back;
- any other note type: the first field is the front, the other fields the back.

Fields are Anki's HTML, turned into Markdown. A sub-deck becomes a deck named ``Parent::Child``
(key: the slugified full name). Card keys come from the note's guid (and the card's ordinal), so
re-importing a package keeps review history. Media files are listed (`read_apkg_media`) but not
copied yet.
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import zipfile
from contextlib import closing
from pathlib import Path

from mastery.decks.cloze import ClozeError
from mastery.decks.csv import _guid_key, deck_key_from_stem, html_to_markdown
from mastery.decks.spec import CardSpec, DeckSpec, merge_tags, note_cards
from mastery.errors import DeckFormatError

__all__ = ["APKG_SUFFIXES", "read_apkg", "read_apkg_media"]

APKG_SUFFIXES = (".apkg", ".colpkg")
_MEMBERS = ("collection.anki21b", "collection.anki21", "collection.anki2")


def read_apkg(path: Path | str) -> list[DeckSpec]:
    """Every deck of an Anki package that has cards, in name order.

    Raises `DeckFormatError` (and reads nothing) if the file is not a zip, holds no collection,
    or the collection cannot be read.
    """
    path = Path(path)
    name = str(path)
    data = _collection_bytes(path)
    with tempfile.TemporaryDirectory(prefix="mastery-apkg-") as tmp:
        db = Path(tmp) / "collection.sqlite"
        db.write_bytes(data)
        try:
            with closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
                conn.create_collation("unicase", _unicase)
                return _read_collection(conn, name)
        except sqlite3.DatabaseError as exc:
            raise DeckFormatError(name, None, f"cannot read the Anki collection: {exc}") from None


def read_apkg_media(path: Path | str) -> dict[str, str]:
    """The package's media map: zip member name -> file name (files are not copied yet)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            if "media" not in zf.namelist():
                return {}
            raw = zf.read("media")
    except (OSError, zipfile.BadZipFile) as exc:
        raise DeckFormatError(str(path), None, f"not an Anki package: {exc}") from None
    if raw[:4] == _ZSTD_MAGIC:
        # MediaEntries { repeated MediaEntry entries = 1 }; MediaEntry { string name = 1; ... }
        entries = [v for f, v in _proto(_unzstd(raw, str(path))) if f == 1]
        names = [next((v for f, v in _proto(e) if f == 1), b"").decode() for e in entries]
        return {str(i): n for i, n in enumerate(names)}
    try:
        return {str(k): str(v) for k, v in json.loads(raw.decode("utf-8") or "{}").items()}
    except (UnicodeDecodeError, ValueError, AttributeError):
        raise DeckFormatError(str(path), None, "the package's media list is unreadable") from None


# --------------------------------------------------------------------------- reading the zip

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def _collection_bytes(path: Path) -> bytes:
    name = str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            members = set(zf.namelist())
            member = next((m for m in _MEMBERS if m in members), None)
            if member is None:
                raise DeckFormatError(name, None, "not an Anki package: no collection inside")
            data = zf.read(member)
    except FileNotFoundError:
        raise DeckFormatError(name, None, "no such file") from None
    except zipfile.BadZipFile:
        raise DeckFormatError(name, None, "not an Anki package (not a zip file)") from None
    except OSError as exc:
        raise DeckFormatError(name, None, f"cannot read the file: {exc.strerror or exc}") from None
    if data[:4] == _ZSTD_MAGIC:
        data = _unzstd(data, name)
    if not data.startswith(b"SQLite format 3\x00"):
        raise DeckFormatError(name, None, f"the package's {member} is not an SQLite database")
    return data


def _unzstd(data: bytes, name: str) -> bytes:
    import zstandard

    try:
        # Anki's frames carry no content size, so decompress as a stream.
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
        with reader:
            return reader.read()
    except zstandard.ZstdError as exc:
        raise DeckFormatError(name, None, f"cannot decompress the collection: {exc}") from None


def _unicase(a: str, b: str) -> int:
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


def _proto(data: bytes) -> list[tuple[int, bytes | int]]:
    """The top-level fields of a protobuf message as (number, value); enough for Anki's."""
    out: list[tuple[int, bytes | int]] = []
    pos = 0

    def varint() -> int:
        nonlocal pos
        shift = value = 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    while pos < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            out.append((number, varint()))
        elif wire == 2:
            size = varint()
            out.append((number, data[pos : pos + size]))
            pos += size
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            break
    return out


# --------------------------------------------------------------------------- the collection


def _read_collection(conn: sqlite3.Connection, name: str) -> list[DeckSpec]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "notetypes" in tables:
        decks = {
            did: n.replace("\x1f", "::") for did, n in conn.execute("SELECT id, name FROM decks")
        }
        kinds = {}
        for ntid, nt_name, config in conn.execute("SELECT id, name, config FROM notetypes"):
            kind = next((v for f, v in _proto(config or b"") if f == 1), 0)
            kinds[ntid] = (nt_name, kind == 1)
    else:
        decks_json, models_json = conn.execute("SELECT decks, models FROM col").fetchone()
        decks = {int(k): v["name"] for k, v in json.loads(decks_json).items()}
        kinds = {
            int(k): (v["name"], v.get("type") == 1) for k, v in json.loads(models_json).items()
        }
    notes = {
        nid: (guid, mid, flds.split("\x1f"), tags.split())
        for nid, guid, mid, flds, tags in conn.execute(
            "SELECT id, guid, mid, flds, tags FROM notes"
        )
    }
    by_deck: dict[str, list[CardSpec]] = {}
    seen_cloze: set[tuple[int, str]] = set()
    for nid, ord_, did in conn.execute("SELECT nid, ord, did FROM cards ORDER BY nid, ord"):
        if nid not in notes:
            continue
        guid, mid, fields, tags = notes[nid]
        deck_name = decks.get(did, "Default")
        cards = by_deck.setdefault(deck_name, [])
        deck_key = deck_key_from_stem(deck_name)
        note_id = _guid_key(guid)
        note_key = f"{deck_key}/{note_id}"
        nt_name, is_cloze = kinds.get(mid, ("", False))
        md = [html_to_markdown(f).strip() for f in fields]
        tag_tuple = merge_tags(tags)
        if is_cloze:
            if (nid, deck_name) in seen_cloze:
                continue  # note_cards makes every cloze card of the note at once
            seen_cloze.add((nid, deck_name))
            text, extra = md[0], "\n\n".join(f for f in md[1:] if f)
            try:
                new = note_cards(
                    deck_key=deck_key,
                    note_id=note_id,
                    front=text,
                    back=extra,
                    tags=tag_tuple,
                    position=len(cards),
                    line=None,
                )
            except ClozeError as exc:
                raise DeckFormatError(name, None, f"note {guid!r}: {exc}") from None
            except ValueError:  # a cloze note without clozes or extra: the text both sides
                new = [CardSpec(note_id, note_key, text, text, tag_tuple, len(cards))]
            cards.extend(new)
            continue
        if ord_ == 1 and "revers" in nt_name.lower() and len(md) >= 2:
            key, front, back = f"{note_id}.reverse", md[1], md[0]
        else:
            key = note_id if ord_ == 0 else f"{note_id}.card{ord_ + 1}"
            front, back = md[0], "\n\n".join(f for f in md[1:] if f)
        cards.append(CardSpec(key, note_key, front, back, tag_tuple, len(cards)))
    return [
        DeckSpec(deck_key_from_stem(deck), deck, "", "", (), tuple(cards), name)
        for deck, cards in sorted(by_deck.items())
        if cards
    ]
