"""Deck presets (Anki's deck options), FSRS parameters and the schedulers built from them.

A preset holds the settings decks share (`PRESET_KEYS`: desired retention, daily limits,
steps, maximum interval, leech settings, FSRS weights, easy days). The default preset (id 1) is the
profile's own settings, so `mastery config` and the Settings screen edit it and a profile from
before presets behaves as it did; every deck uses it until `use` gives the deck another. A
deck may also have FSRS weights of its own (fitted on its reviews by `mastery optimize
--deck`), which win over its preset's. Stored preset values are checked by
`settings.SETTINGS` on every read: a bad one falls back to the default preset's with a warning. Schedulers are built lazily, because building
the first imports fsrs, and cached until a setting changes (`forget`). Weights stored before
py-fsrs's bounds were checked give FSRS's defaults and a warning instead of crashing every
review.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mastery import settings as settings_mod
from mastery.days import to_ms
from mastery.errors import MasteryError, NotFoundError
from mastery.limits import shown
from mastery.model import PresetView

if TYPE_CHECKING:
    from mastery.collection import Collection
    from mastery.scheduler import Scheduler

DECK_PARAMETERS = "deck_fsrs_parameters"  # meta: {deck key: [21 weights]}
DEFAULT_PRESET = 1  # Anki's default deck options id too
DEFAULT_NAME = "Default"
MAX_NAME_LENGTH = 60
MAX_PRESETS = 500
# The settings a preset holds; the rest (day clock, fuzz, load balancer on/off...) stay per
# profile. Easy days are a preset's as in Anki (`easy_days_percentages`): the load balancer
# spreads each preset's cards over its own week.
PRESET_KEYS = (
    "desired_retention",
    "new_per_day",
    "reviews_per_day",
    "learning_steps",
    "relearning_steps",
    "maximum_interval",
    "leech_threshold",
    "leech_action",
    "fsrs_parameters",
    "easy_days",
)


class Presets:
    """Deck presets, the FSRS weights in force, and the scheduler for each deck's cards."""

    def __init__(self, col: Collection) -> None:
        self._col = col
        self._scheduler: Scheduler | None = None
        self._deck_schedulers: dict[int, Scheduler] | None = None
        self._deck_presets: dict[int, int] | None = None
        self._configs: dict[int, dict[str, Any]] = {}

    def forget(self) -> None:
        """Build the schedulers again on next use (settings, presets or weights changed)."""
        self._scheduler = None
        self._deck_schedulers = None
        self._deck_presets = None
        self._configs = {}

    @property
    def scheduler(self) -> Scheduler:
        """The FSRS scheduler for this profile's settings."""
        if self._scheduler is None:
            self._scheduler = self._stored(
                self._col.settings_store.current()["fsrs_parameters"], "setting fsrs_parameters"
            )
        return self._scheduler

    def scheduler_for(self, deck_id: int | None) -> Scheduler:
        """The scheduler for one deck's cards: its preset's (the profile's by default), with
        the deck's own FSRS parameters when it has them (`set_parameters(..., deck_key=...)`)."""
        if deck_id is None:
            return self.scheduler
        cache = self._deck_schedulers
        if cache is None:
            cache = self._deck_schedulers = self._own_schedulers()
        found = cache.get(deck_id)
        if found is None:
            preset = self.deck_presets().get(deck_id, DEFAULT_PRESET)
            if preset == DEFAULT_PRESET:
                return self.scheduler
            found = cache[deck_id] = self._preset_scheduler(preset)
        return found

    def _preset_scheduler(self, preset_id: int) -> Scheduler:
        config = self.config(preset_id)
        return self._stored(
            config["fsrs_parameters"], f"preset {preset_id}'s FSRS parameters", config
        )

    def _own_schedulers(self) -> dict[int, Scheduler]:
        own = self._col.meta(DECK_PARAMETERS) or {}
        if not own:
            return {}
        ids = {r["key"]: r["id"] for r in self._col.conn.execute("SELECT key, id FROM deck")}
        presets = self.deck_presets()
        schedulers = {}
        for key, params in own.items():
            if key not in ids:
                continue
            try:
                checked = settings_mod.parse_parameters(params)
            except settings_mod.SettingError as exc:
                self._col.settings_store.warn(
                    f"deck {key}'s FSRS parameters: {exc}; using the profile's"
                )
                continue
            config = self.config(presets.get(ids[key], DEFAULT_PRESET))
            schedulers[ids[key]] = self._stored(checked, f"deck {key}'s FSRS parameters", config)
        return schedulers

    def _stored(
        self, parameters: Sequence[float], source: str, config: dict[str, Any] | None = None
    ) -> Scheduler:
        """A scheduler from stored weights; ones py-fsrs refuses give FSRS's defaults and a
        warning."""
        try:
            self.check(parameters)
        except settings_mod.SettingValueError as exc:
            self._col.settings_store.warn(
                f"{source}: {exc.reason}; using FSRS's default parameters"
            )
            parameters = ()
        return self.build(parameters, config)

    def build(self, parameters: Sequence[float], config: dict[str, Any] | None = None) -> Scheduler:
        """A scheduler with these weights (empty: FSRS's defaults), a preset's other
        scheduling settings (default: the profile's) and the profile's day clock."""
        from mastery.scheduler import Scheduler, SchedulerConfig

        s = {**self._col.settings_store.current(), **(config or {})}
        scheduler_config = SchedulerConfig(
            desired_retention=s["desired_retention"],
            learning_steps=tuple(map(settings_mod.step_to_timedelta, s["learning_steps"])),
            relearning_steps=tuple(map(settings_mod.step_to_timedelta, s["relearning_steps"])),
            maximum_interval=s["maximum_interval"],
            enable_fuzz=s["enable_fuzz"],
            parameters=tuple(parameters) or None,
        )
        return Scheduler(scheduler_config, self._col.clock)

    def check(self, values: Sequence[float]) -> None:
        """py-fsrs checks each weight's bounds: refuse out-of-bounds weights before storing."""
        if not values:
            return
        try:
            self.build(values)
        except ValueError as exc:
            # py-fsrs lists every offending weight on its own line: say the first, count the
            # rest, so the error stays one line.
            lines = [ln.strip() for ln in str(exc).splitlines() if "parameters[" in ln]
            first = lines[0] if lines else str(exc).splitlines()[0]
            more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
            raise settings_mod.SettingValueError(
                "fsrs_parameters",
                f"refused by FSRS: {first}{more}",
                settings_mod.SETTINGS["fsrs_parameters"].allowed + " within FSRS's bounds",
            ) from None

    def parameters(
        self, deck_key: str | None = None, *, preset: str | int | None = None
    ) -> tuple[float, ...]:
        """The FSRS weights in force: the deck's own, else its preset's (or the named
        preset's), else FSRS's defaults."""
        from mastery.scheduler import DEFAULT_PARAMETERS

        preset_id = DEFAULT_PRESET
        if preset is not None:
            preset_id = self.preset(preset).id
        elif deck_key is not None:
            own = (self._col.meta(DECK_PARAMETERS) or {}).get(deck_key)
            if own:
                return tuple(own)
            preset_id = self.preset_of(self._col.deck(deck_key).id)
        return tuple(self.config(preset_id)["fsrs_parameters"]) or DEFAULT_PARAMETERS

    def decks_with_own(self) -> list[str]:
        """Keys of the decks that have FSRS parameters of their own."""
        return sorted(self._col.meta(DECK_PARAMETERS) or {})

    def set_parameters(
        self,
        parameters: Sequence[float] | None,
        *,
        deck_key: str | None = None,
        preset: str | int | None = None,
    ) -> None:
        """Use these FSRS weights for the profile (the default preset), one preset, or one
        deck (None: back to its preset's weights for a deck, to the defaults for a preset).
        py-fsrs checks their bounds."""
        values = settings_mod.parse_parameters(list(parameters or []))
        self.check(values)
        if preset is not None:
            self.edit(preset, "fsrs_parameters", values)
            return
        if deck_key is None:
            self._col.set_setting("fsrs_parameters", values)
            return
        self._col.deck(deck_key)  # NotFoundError for an unknown deck
        own = dict(self._col.meta(DECK_PARAMETERS) or {})
        if values:
            own[deck_key] = values
        else:
            own.pop(deck_key, None)
        self._col.set_meta(DECK_PARAMETERS, own)
        self._deck_schedulers = None

    def deck_renamed(self, old_key: str, new_key: str) -> None:
        """A deck's own weights follow it to its new key (a team pull moving it into the
        team's namespace), inside the caller's transaction; a later deck with the old key
        starts from the profile's weights."""
        own = dict(self._col.meta(DECK_PARAMETERS) or {})
        if old_key in own:
            own[new_key] = own.pop(old_key)
            self._col.set_meta(DECK_PARAMETERS, own)
        self._deck_schedulers = None

    # ------------------------------------------------------------------ presets
    def deck_presets(self) -> dict[int, int]:
        """{deck id: preset id} for the decks that use a preset other than the default."""
        if self._deck_presets is None:
            self._deck_presets = {
                r["deck_id"]: r["preset_id"]
                for r in self._col.conn.execute("SELECT deck_id, preset_id FROM deckpreset")
            }
        return self._deck_presets

    def _rows(self) -> dict[int, Any]:
        return {
            r["id"]: r
            for r in self._col.conn.execute("SELECT id, name, config FROM preset ORDER BY id")
        }

    def config(self, preset_id: int) -> dict[str, Any]:
        """The preset's values of `PRESET_KEYS`: its own where it sets them, else the default
        preset's (the profile's settings). A stored value that is no longer valid is reported
        and replaced by the default preset's, never crashing a review."""
        cached = self._configs.get(preset_id)
        if cached is not None:
            return cached
        base = self._col.settings_store.current()
        values = {key: base[key] for key in PRESET_KEYS}
        if preset_id != DEFAULT_PRESET:
            row = self._col.conn.execute(
                "SELECT name, config FROM preset WHERE id = ?", (preset_id,)
            ).fetchone()
            try:
                stored = _decoded_config(row["config"]) if row else {}
            except MasteryError as exc:
                self._col.settings_store.warn(f"preset {preset_id}: {exc}; using the default's")
                stored = {}
            for key, value in stored.items():
                if key not in PRESET_KEYS:
                    continue
                try:
                    values[key] = settings_mod.coerce(key, value)
                except MasteryError as exc:
                    self._col.settings_store.warn(
                        f"preset {shown(row['name'])}: {exc}; using the default preset's"
                    )
        self._configs[preset_id] = values
        return values

    def presets(self) -> list[PresetView]:
        """Every preset, the default first, with its values and the decks that use it."""
        rows = self._rows()
        names = {DEFAULT_PRESET: DEFAULT_NAME} | {i: r["name"] for i, r in rows.items()}
        decks: dict[int, list[str]] = {i: [] for i in names}
        links = self.deck_presets()
        for r in self._col.conn.execute("SELECT id, key FROM deck ORDER BY key"):
            decks.setdefault(links.get(r["id"], DEFAULT_PRESET), []).append(r["key"])
        return [
            PresetView(
                id=i,
                name=name,
                default=i == DEFAULT_PRESET,
                values=dict(self.config(i)),
                decks=tuple(decks.get(i, ())),
            )
            for i, name in names.items()
        ]

    def preset(self, name: str | int) -> PresetView:
        """One preset by name or number; `NotFoundError` names the command that lists them."""
        for view in self.presets():
            if view.name == name or str(view.id) == str(name):
                return view
        raise NotFoundError(f"no preset {shown(str(name))}; see `mastery preset list`")

    def add(self, name: str, *, copy_of: str | int | None = None) -> PresetView:
        """A new preset holding the values of `copy_of` (default: the default preset) as they
        are now, used by no deck yet."""
        name = _checked_name(name)
        source = self.preset(copy_of if copy_of is not None else DEFAULT_PRESET)
        col = self._col
        with col.db.transaction() as conn:
            if any(p.name == name for p in self.presets()):
                raise MasteryError(f"a preset named {shown(name)} exists already")
            count = conn.execute("SELECT count(*) AS n FROM preset").fetchone()["n"]
            if count >= MAX_PRESETS:
                raise MasteryError(f"at most {MAX_PRESETS} presets")
            now = to_ms(col.now())
            conn.execute(
                "INSERT INTO preset (id, name, config, created_at, updated_at) "
                "VALUES ((SELECT max(2, coalesce(max(id), 0) + 1) FROM preset), ?, ?, ?, ?)",
                (name, json.dumps(source.values, allow_nan=False), now, now),
            )
        self._changed()
        return self.preset(name)

    def edit(self, name: str | int, key: str, value: Any) -> Any:
        """Set one value of a preset (checked as the setting is); for the default preset this
        is the profile's setting. Returns the value stored."""
        view = self.preset(name)
        if key not in PRESET_KEYS:
            raise MasteryError(
                f"{shown(key)} is not a preset setting; presets hold: {', '.join(PRESET_KEYS)}"
            )
        if view.default:
            return self._col.set_setting(key, value)
        checked = settings_mod.coerce(key, value)
        if key == "fsrs_parameters":
            self.check(checked)
        values = {**view.values, key: checked}
        with self._col.db.transaction() as conn:
            conn.execute(
                "UPDATE preset SET config = ?, updated_at = ? WHERE id = ?",
                (json.dumps(values, allow_nan=False), to_ms(self._col.now()), view.id),
            )
        self._changed()
        return checked

    def rename(self, name: str | int, new_name: str) -> PresetView:
        """Give a preset another name (the default preset keeps its own)."""
        view = self.preset(name)
        new_name = _checked_name(new_name)
        if any(p.name == new_name and p.id != view.id for p in self.presets()):
            raise MasteryError(f"a preset named {shown(new_name)} exists already")
        now = to_ms(self._col.now())
        with self._col.db.transaction() as conn:
            if view.default:
                raise MasteryError("the default preset keeps its name")
            conn.execute(
                "UPDATE preset SET name = ?, updated_at = ? WHERE id = ?", (new_name, now, view.id)
            )
        self._changed()
        return self.preset(view.id)

    def remove(self, name: str | int) -> PresetView:
        """Delete a preset; its decks go back to the default preset (as in Anki)."""
        view = self.preset(name)
        if view.default:
            raise MasteryError("the default preset cannot be removed")
        with self._col.db.transaction() as conn:
            conn.execute("DELETE FROM deckpreset WHERE preset_id = ?", (view.id,))
            conn.execute("DELETE FROM preset WHERE id = ?", (view.id,))
        self._changed()
        return view

    def use(self, deck_key: str, name: str | int) -> PresetView:
        """Make a deck use a preset (the default preset: forget the deck's link)."""
        view = self.preset(name)
        deck = self._col.deck(deck_key)
        with self._col.db.transaction() as conn:
            conn.execute("DELETE FROM deckpreset WHERE deck_id = ?", (deck.id,))
            if not view.default:
                conn.execute(
                    "INSERT INTO deckpreset (deck_id, preset_id) VALUES (?, ?)", (deck.id, view.id)
                )
        self._changed()
        return view

    def preset_of(self, deck_id: int) -> int:
        """The id of the preset a deck uses."""
        return self.deck_presets().get(deck_id, DEFAULT_PRESET)

    def _changed(self) -> None:
        self.forget()
        self._col.queue.forget()


def _checked_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise MasteryError(
            f"a preset name is 1 to {MAX_NAME_LENGTH} printable characters, got {shown(name)}"
        )
    if name.isdigit():
        raise MasteryError(f"a preset name needs a letter (numbers name presets), got {name}")
    return name


def _decoded_config(raw: str) -> dict[str, Any]:
    from mastery.limits import loads_json

    value = loads_json(raw, source="preset", max_depth=2)
    return value if isinstance(value, dict) else {}


# ----------------------------------------------------------------------------- sync
# Sync (sync/settings.py) stores another device's presets and deck links inside its own
# transaction, with no Collection: through these, so this module stays the one writer of the
# `preset` and `deckpreset` tables. The caller forgets the caches (`reload_settings`).
def store_preset(
    conn: Any, preset_id: int | None, name: str, values: dict[str, Any], at_ms: int
) -> int:
    """Write a checked preset (a new one when `preset_id` is None); returns its id."""
    text = json.dumps(values, allow_nan=False)
    if preset_id is not None:
        conn.execute(
            "UPDATE preset SET name = ?, config = ?, updated_at = ? WHERE id = ?",
            (name, text, at_ms, preset_id),
        )
        return preset_id
    new_id = int(
        conn.execute("SELECT max(2, coalesce(max(id), 0) + 1) AS id FROM preset").fetchone()["id"]
    )
    conn.execute(
        "INSERT INTO preset (id, name, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        (new_id, name, text, at_ms, at_ms),
    )
    return new_id


def rename_preset(conn: Any, preset_id: int, name: str) -> None:
    conn.execute("UPDATE preset SET name = ? WHERE id = ?", (name, preset_id))


def delete_preset(conn: Any, preset_id: int) -> None:
    """Remove a preset; its decks go back to the default preset (as `Presets.remove`)."""
    conn.execute("DELETE FROM deckpreset WHERE preset_id = ?", (preset_id,))
    conn.execute("DELETE FROM preset WHERE id = ?", (preset_id,))


def link_deck(conn: Any, deck_id: int, preset_id: int | None) -> None:
    """Make a deck use a preset (None: the default preset)."""
    conn.execute("DELETE FROM deckpreset WHERE deck_id = ?", (deck_id,))
    if preset_id is not None:
        conn.execute(
            "INSERT INTO deckpreset (deck_id, preset_id) VALUES (?, ?)", (deck_id, preset_id)
        )
