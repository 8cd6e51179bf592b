"""The Anki side of one import run: media staged until the run commits, history kept for later.

`Collection.import_files` (via the deck library) opens one `AnkiImport` around the whole run,
so the media of every package in it land in ``media/`` together, and only if the run's
transaction committed (`mastery.decks.anki.media`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from mastery.decks.anki.history import AnkiReview
from mastery.decks.anki.media import Staging, pending, set_pending
from mastery.decks.anki.package import APKG_SUFFIXES
from mastery.decks.anki.reader import read_apkg_contents
from mastery.decks.spec import DeckSpec
from mastery.errors import MasteryError

if TYPE_CHECKING:
    from mastery.db import Database

__all__ = ["AnkiImport"]


class AnkiImport:
    """The Anki side of one `Collection.import_files` run.

    `read` stages a package's media and reads its decks (and, with `with_history`, its review
    history); `apply` replays that history inside the run's transaction, and `record` marks the
    staged media as pending in it. Used as a context manager around the whole run: on the way
    out, the staged media are moved into the media folder if the transaction committed and
    removed otherwise, so a failed import leaves no new files behind. With `db`, the commit
    itself is what decides (a kill between commit and move is rolled forward at the next
    start); without it, leaving the block without an error does.
    """

    def __init__(
        self, media_dir: Path, *, with_history: bool = False, db: Database | None = None
    ) -> None:
        self.media_dir = media_dir
        self.with_history = with_history
        self.db = db
        self.created: list[Path] = []
        self.history: dict[tuple[str, str], tuple[AnkiReview, ...]] = {}
        self._staging: Staging | None = None
        self._recorded = False

    def __enter__(self) -> AnkiImport:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        staging = self._staging
        if staging is None:
            return
        try:
            if self._recorded and self.db is not None:
                committed = staging.token in pending(self.db.conn)
            else:
                committed = exc_type is None
            if not committed:
                staging.discard()
                return
            try:
                self.created = staging.publish()
            except OSError as exc:  # committed: the next start moves them (recover_media_imports)
                raise MasteryError(
                    f"{self.media_dir}: imported, but its media files could not be moved in yet "
                    f"({exc.strerror or exc}); they will be at the next start"
                ) from None
            if self._recorded and self.db is not None:
                try:
                    with self.db.transaction() as conn:
                        set_pending(conn, [t for t in pending(conn) if t != staging.token])
                except sqlite3.Error:
                    pass  # harmless: the folder is gone, and the next recovery drops the token
        finally:
            staging.close()

    @staticmethod
    def accepts(path: Path | str) -> bool:
        """Whether `path` is an Anki package (by its suffix, as `load_decks` decides)."""
        return Path(path).suffix.lower() in APKG_SUFFIXES

    def read(self, path: Path | str) -> list[DeckSpec]:
        """The package's decks, with card text linking to its media (staged until commit)."""
        if self._staging is None:
            staging = Staging(self.media_dir)
            staging.open(self.db)
            self._staging = staging
        links = self._staging.copy(Path(path))
        contents = read_apkg_contents(path, media_links=links, workdir=self._staging.root)
        if self.with_history:
            self.history.update(contents.history)
        return contents.decks

    def record(self, conn: sqlite3.Connection) -> None:
        """Inside the run's transaction: note the staged media as pending, so that the commit
        itself says they belong in the media folder (see `recover_media_imports`)."""
        if self._staging is not None and self._staging.count and not self._recorded:
            set_pending(conn, [*pending(conn), self._staging.token])
            self._recorded = True
