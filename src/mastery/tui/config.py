"""The terminal app's own settings file, `config.toml`: the theme and the user's keymap.

It lives in the user's config folder (`~/.config/mastery/config.toml` on Linux, platformdirs
elsewhere), or in `<home>/config/` when `--home` or `MASTERY_HOME` moves the whole tree: one
file per user, for every profile (a keymap and a colour theme belong to the person at the
keyboard, not to a collection of cards).

    theme = "nord"              # written by Mastery when you pick a theme (ctrl+p: app: Theme…)

    [keymap]                    # binding id = "key" or "key1,key2" (? shows the ids)
    review-again = "1,a"
    app-select-all = "f7"       # give ctrl+a back to "start of line"

A file that cannot be read is never fatal: each problem becomes one warning and the rest of
the file still applies (a wrong keymap entry is ignored, not the whole keymap).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path

from mastery import limits, paths
from mastery.errors import InputError, MasteryError
from mastery.files import write_atomic

FILE_NAME = "config.toml"
MAX_BYTES = 1 << 20  # a settings file; anything larger is a mistake, refused before reading
_KEYS = re.compile(r"^[^\s,]+(,[^\s,]+)*$")  # "a", "ctrl+a,f7": no spaces, no empty key


def config_path(database: Path) -> Path:
    """`config.toml` for the profile whose database is `database`: in `<home>/config/` when the
    profiles' home was moved (`--home`, `MASTERY_HOME`), else in the user's config folder."""
    profiles = database.parent.parent  # <home>/profiles/<name>/mastery.db
    # A database opened by its path, outside any home: the home in force.
    home = profiles.parent if profiles.name == "profiles" else paths.home_dir()
    if home == paths.home_dir() and not paths.home_moved():
        return paths.user_config_dir() / FILE_NAME
    return home / "config" / FILE_NAME


@dataclass
class TuiConfig:
    """What `config.toml` says, checked: an unknown theme or a bad keymap entry is left out
    and said in `warnings` (one line each)."""

    path: Path
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def load(path: Path, *, themes: set[str]) -> TuiConfig:
    """Read `path` (a missing file is an empty config); `themes` are the names a theme may
    have. Keymap ids are checked by `unknown_ids`, which is slower."""
    config = TuiConfig(path)
    if not path.exists():
        return config
    try:
        document = limits.loads_toml(limits.read_text_bounded(path, MAX_BYTES), source=path)
    except InputError as exc:  # too big, not UTF-8, not TOML, too deep, a FIFO...
        config.warnings.append(f"{exc}; using defaults")
        return config
    for key in document:
        if key not in ("theme", "keymap"):
            config.warnings.append(f"{path}: unknown setting {key!r} (ignored)")
    theme = document.get("theme")
    if theme is not None:
        if not isinstance(theme, str) or theme not in themes:
            config.warnings.append(
                f"{path}: theme {theme!r} is not one of Textual's themes (ignored); "
                "choose one with ctrl+p: app: Theme…"
            )
        else:
            config.theme = theme
    keymap = document.get("keymap", {})
    if not isinstance(keymap, dict):
        config.warnings.append(f"{path}: [keymap] must be a table of binding id = keys")
        return config
    for binding_id, keys in keymap.items():
        if not isinstance(keys, str) or not _KEYS.match(keys):
            config.warnings.append(
                f"{path}: keymap: {binding_id} = {keys!r} is not a key list "
                '(like "a" or "ctrl+a,f7"; ignored)'
            )
        else:
            config.keymap[binding_id] = keys
    return config


def save_theme(path: Path, theme: str) -> None:
    """Remember `theme` in `path`, keeping the rest of the file (comments included). A file
    that cannot be read is left alone: raises `MasteryError` saying so."""
    import tomlkit  # only to write: reading is tomllib's (start-up must not pay ~5 ms)
    from tomlkit.exceptions import TOMLKitError

    try:
        text = limits.read_text_bounded(path, MAX_BYTES) if path.exists() else ""
        limits.loads_toml(text, source=path)  # the same checks as `load`
        document = tomlkit.parse(text)
    except InputError as exc:
        raise MasteryError(f"{exc}; theme not remembered") from exc
    except TOMLKitError as exc:  # read by tomllib, refused by tomlkit: leave it alone
        raise MasteryError(f"{path}: {exc}; theme not remembered") from exc
    if document.get("theme") == theme:
        return
    document["theme"] = theme
    write_atomic(path, tomlkit.dumps(document))


def unknown_ids(config: TuiConfig) -> list[str]:
    """A warning for each keymap entry whose id no binding has (a typo: it does nothing)."""
    known = binding_ids()
    return [
        f"{config.path}: keymap: no binding has the id {binding_id!r} "
        "(ignored; ? shows each key's id)"
        for binding_id in config.keymap
        if binding_id not in known
    ]


def binding_ids() -> set[str]:
    """The id of every binding of Mastery's screens, dialogs, widgets and app: what a keymap
    may name. Imports every screen module (about what opening each screen once would)."""
    import mastery.tui.app
    import mastery.tui.dialogs
    import mastery.tui.screens
    import mastery.tui.widgets

    modules = [mastery.tui.app]
    for package in (mastery.tui.screens, mastery.tui.dialogs, mastery.tui.widgets):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            modules.append(importlib.import_module(info.name))
    ids: set[str] = set()
    for module in modules:
        for value in vars(module).values():
            for binding in getattr(value, "BINDINGS", None) or ():
                binding_id = getattr(binding, "id", None)
                if isinstance(value, type) and binding_id:
                    ids.add(binding_id)
    return ids
