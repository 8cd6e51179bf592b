"""Where profiles live.

One SQLite file per profile under the platform's user data dir; `MASTERY_HOME` or `--home`
moves the whole tree (tests point it at a temporary directory).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mastery.errors import ProfileError

DEFAULT_PROFILE = "default"
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def home_dir(home: str | Path | None = None) -> Path:
    """The root folder of all profiles: explicit argument, then MASTERY_HOME, then platformdirs."""
    if home:
        return Path(home).expanduser()
    env = os.environ.get("MASTERY_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("mastery", appauthor=False)


def check_profile_name(name: str) -> str:
    """Profile names become folder names, so keep them to a safe, portable alphabet."""
    if not _PROFILE_NAME.match(name):
        raise ProfileError(
            f"invalid profile name {name!r}: use letters, digits, '.', '_' or '-' (max 64)"
        )
    return name


def profile_dir(profile: str = DEFAULT_PROFILE, home: str | Path | None = None) -> Path:
    """The folder of one profile: its database, backups and media sit inside."""
    return home_dir(home) / "profiles" / check_profile_name(profile)


def database_path(profile: str = DEFAULT_PROFILE, home: str | Path | None = None) -> Path:
    return profile_dir(profile, home) / "mastery.db"


def profile_names(home: str | Path | None = None) -> list[str]:
    """The profiles that exist (a folder holding a database), sorted: what a mistyped
    `--profile` is told to choose from."""
    root = home_dir(home) / "profiles"
    try:
        folders = list(root.iterdir())
    except OSError:  # no profile yet (or the folder cannot be read: nothing to list)
        return []
    return sorted(
        f.name for f in folders if _PROFILE_NAME.match(f.name) and (f / "mastery.db").is_file()
    )


def require_profile(profile: str, home: str | Path | None = None) -> None:
    """Refuse a profile that does not exist yet, unless it is the default one (made on first
    use). A typo in `--profile` must not quietly start an empty profile whose reviews and
    entries then seem lost; creating one is asked for (`mastery profile add`, `--create`)."""
    if profile == DEFAULT_PROFILE or database_path(profile, home).exists():
        return
    names = profile_names(home)
    have = f"profiles: {', '.join(names)}" if names else "no profiles yet"
    raise ProfileError(
        f"no profile {profile!r} ({have}); create it with `mastery profile add {profile}` "
        "or add --create"
    )


def backup_dir(profile: str = DEFAULT_PROFILE, home: str | Path | None = None) -> Path:
    return profile_dir(profile, home) / "backups"


def export_dir() -> Path:
    """Where a file the app writes for a person (a bundle, an invitation, a reply) goes unless
    they type another path: their documents folder (platformdirs: `~/Documents`, or what
    XDG user-dirs names) when it exists, else their home folder. Never the folder the app
    happened to be started from, which is often a repository or `/`."""
    from platformdirs import user_documents_path

    try:
        documents = user_documents_path()
        if documents.is_dir():
            return documents
    except (OSError, RuntimeError):  # no home folder to speak of: fall back below
        pass
    return Path.home()


def bundled_decks_dir() -> Path:
    """The curated decks shipped with Mastery.

    A wheel carries them inside the package (`mastery/_bundled_decks`); an editable install or a
    source checkout reads the repository's `decks/` folder directly.
    """
    packaged = Path(__file__).parent / "_bundled_decks"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "decks"


def is_bundled(path: str | Path) -> bool:
    """Whether a deck file is one of the bundled decks (read-only: part of the installation,
    or of the repository in a source checkout), wherever Mastery runs from."""
    try:
        return Path(path).resolve().is_relative_to(bundled_decks_dir().resolve())
    except (OSError, RuntimeError, ValueError):
        return False
