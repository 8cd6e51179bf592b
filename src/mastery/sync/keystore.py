"""The sync key remembered on this device (`PROFILE/sync/key`), so the app syncs without a prompt.

What is kept is the key derived from the passphrase (32 bytes, `crypto.unlock`), never the
passphrase: the passphrase may open other things the person uses, the key opens this target
only. Keeping it beside the profile gives nobody anything new: the profile database next to it
is plaintext, so whoever can read the key file can already read every review the target holds.
The file is written atomically with mode 0600, and `mastery sync forget-key` removes it.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from mastery.errors import DiskFullError, SyncError

KEY_FILE = "key"
_KEY_BYTES = 32  # nacl.secret.SecretBox.KEY_SIZE


class KeyStore:
    """The remembered key of one profile, in its sync folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / KEY_FILE

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> bytes | None:
        """The remembered key, or None when there is none; a damaged file is one line."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise SyncError(f"{self.path}: cannot read the remembered sync key ({exc})") from exc
        try:
            key = bytes.fromhex(text)
        except ValueError:
            key = b""
        if len(key) != _KEY_BYTES:
            raise SyncError(
                f"{self.path}: not a sync key (damaged?): run `mastery sync forget-key`, "
                "then `mastery sync` with the passphrase"
            )
        return key

    def save(self, key: bytes) -> None:
        """Keep `key`: a temp file made 0600 from the start (never readable by others, not
        even for a moment), fsynced, then renamed over the old one."""
        if len(key) != _KEY_BYTES:
            raise ValueError("a sync key is 32 bytes")
        folder = self.path.parent
        tmp = folder / f".{KEY_FILE}.{secrets.token_hex(4)}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(key.hex() + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DiskFullError(self.path) from exc
            raise SyncError(
                f"{self.path}: cannot remember the sync key ({exc.strerror or exc})"
            ) from exc

    def forget(self) -> bool:
        """Remove the remembered key; False when there was none."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise SyncError(
                f"{self.path}: cannot remove the remembered sync key ({exc.strerror or exc})"
            ) from exc
        return True
