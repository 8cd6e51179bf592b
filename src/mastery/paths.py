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


def home_moved() -> bool:
    """Whether `MASTERY_HOME` moves the profiles' home (then the user's own files move too)."""
    return bool(os.environ.get("MASTERY_HOME"))


def user_config_dir() -> Path:
    """The platform's folder for the user's own settings files (~/.config/mastery on Linux)."""
    from platformdirs import user_config_path

    return user_config_path("mastery", appauthor=False)


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


def backup_dir(profile: str = DEFAULT_PROFILE, home: str | Path | None = None) -> Path:
    return profile_dir(profile, home) / "backups"


def bundled_decks_dir() -> Path:
    """The curated decks shipped with Mastery.

    A wheel carries them inside the package (`mastery/_bundled_decks`); an editable install or a
    source checkout reads the repository's `decks/` folder directly.
    """
    packaged = Path(__file__).parent / "_bundled_decks"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "decks"
