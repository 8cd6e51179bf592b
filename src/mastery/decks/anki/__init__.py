"""Anki packages (``.apkg``, ``.colpkg``): decks, media files and review history.

What callers use is here; each part lives in its own module:

- `package`: the zip (zstd too), read as a stream under caps on every size (``MAX_*``, read
  at call time from that module: lower them there, not here, which is why they are not
  re-exported);
- `reader`: the collection database inside (decks, note types, notes, cards, review log),
  `read_apkg` / `read_apkg_contents`;
- `templates`: each card rendered from its own template, as Anki renders it, and its key;
- `html`: Anki's field HTML as Markdown, media references as links (`field_markdown`);
- `media`: the media files, staged and moved into ``media/`` only once an import commits
  (`copy_apkg_media`, `recover_media_imports`, `safe_media_name`);
- `history`: Anki's answers replayed through Mastery's scheduler (`replay_history`);
- `import_run`: `AnkiImport`, the Anki side of one `Collection.import_files` run;
- `protobuf`: the little protobuf decoding Anki's newer packages need.

Nothing here imports the facade: the deck library (`mastery.decks.library`) drives an import.
"""

from mastery.decks.anki.history import AnkiReview, replay_history
from mastery.decks.anki.html import field_markdown
from mastery.decks.anki.import_run import AnkiImport
from mastery.decks.anki.media import (
    MEDIA_FOLDER,
    MEDIA_STAGING,
    MediaCopy,
    copy_apkg_media,
    recover_media_imports,
    safe_media_name,
)
from mastery.decks.anki.package import (
    APKG_SUFFIXES,
    read_apkg_media,
)
from mastery.decks.anki.reader import ApkgContents, read_apkg, read_apkg_contents

__all__ = [
    "APKG_SUFFIXES",
    "MEDIA_FOLDER",
    "MEDIA_STAGING",
    "AnkiImport",
    "AnkiReview",
    "ApkgContents",
    "MediaCopy",
    "copy_apkg_media",
    "field_markdown",
    "read_apkg",
    "read_apkg_contents",
    "read_apkg_media",
    "recover_media_imports",
    "replay_history",
    "safe_media_name",
]
