"""FSRS parameters and the schedulers built from them: the profile's, and each deck's own.

A deck may have FSRS weights of its own (fitted on its reviews by `mastery optimize --deck`);
its cards are then scheduled with them, every other card with the profile's (the setting
`fsrs_parameters`, empty for FSRS's defaults). Schedulers are built lazily, because building
the first imports fsrs, and cached until a setting changes (`forget`). Weights stored before
py-fsrs's bounds were checked give FSRS's defaults and a warning instead of crashing every
review.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mastery import settings as settings_mod

if TYPE_CHECKING:
    from mastery.collection import Collection
    from mastery.scheduler import Scheduler

DECK_PARAMETERS = "deck_fsrs_parameters"  # meta: {deck key: [21 weights]}


class Presets:
    """The FSRS weights in force and the scheduler for each deck's cards."""

    def __init__(self, col: Collection) -> None:
        self._col = col
        self._scheduler: Scheduler | None = None
        self._deck_schedulers: dict[int, Scheduler] | None = None

    def forget(self) -> None:
        """Build the schedulers again on next use (settings or weights changed)."""
        self._scheduler = None
        self._deck_schedulers = None

    @property
    def scheduler(self) -> Scheduler:
        """The FSRS scheduler for this profile's settings."""
        if self._scheduler is None:
            self._scheduler = self._stored(
                self._col.settings_store.current()["fsrs_parameters"], "setting fsrs_parameters"
            )
        return self._scheduler

    def scheduler_for(self, deck_id: int | None) -> Scheduler:
        """The scheduler for one deck's cards: the profile's, unless the deck has its own FSRS
        parameters (`set_parameters(..., deck_key=...)`)."""
        if deck_id is None:
            return self.scheduler
        cache = self._deck_schedulers
        if cache is None:
            cache = self._deck_schedulers = self._own_schedulers()
        return cache.get(deck_id) or self.scheduler

    def _own_schedulers(self) -> dict[int, Scheduler]:
        own = self._col.meta(DECK_PARAMETERS) or {}
        if not own:
            return {}
        ids = {r["key"]: r["id"] for r in self._col.conn.execute("SELECT key, id FROM deck")}
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
            schedulers[ids[key]] = self._stored(checked, f"deck {key}'s FSRS parameters")
        return schedulers

    def _stored(self, parameters: Sequence[float], source: str) -> Scheduler:
        """A scheduler from stored weights; ones py-fsrs refuses give FSRS's defaults and a
        warning."""
        try:
            self.check(parameters)
        except settings_mod.SettingValueError as exc:
            self._col.settings_store.warn(
                f"{source}: {exc.reason}; using FSRS's default parameters"
            )
            parameters = ()
        return self.build(parameters)

    def build(self, parameters: Sequence[float]) -> Scheduler:
        """A scheduler with these weights (empty: FSRS's defaults) and the profile's other
        scheduling settings and day clock."""
        from mastery.scheduler import Scheduler, SchedulerConfig

        s = self._col.settings_store.current()
        config = SchedulerConfig(
            desired_retention=s["desired_retention"],
            learning_steps=tuple(map(settings_mod.step_to_timedelta, s["learning_steps"])),
            relearning_steps=tuple(map(settings_mod.step_to_timedelta, s["relearning_steps"])),
            maximum_interval=s["maximum_interval"],
            enable_fuzz=s["enable_fuzz"],
            parameters=tuple(parameters) or None,
        )
        return Scheduler(config, self._col.clock)

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

    def parameters(self, deck_key: str | None = None) -> tuple[float, ...]:
        """The FSRS weights in force: the deck's own, else the profile's, else the defaults."""
        from mastery.scheduler import DEFAULT_PARAMETERS

        if deck_key is not None:
            own = (self._col.meta(DECK_PARAMETERS) or {}).get(deck_key)
            if own:
                return tuple(own)
        return tuple(self._col.setting("fsrs_parameters")) or DEFAULT_PARAMETERS

    def decks_with_own(self) -> list[str]:
        """Keys of the decks that have FSRS parameters of their own."""
        return sorted(self._col.meta(DECK_PARAMETERS) or {})

    def set_parameters(
        self, parameters: Sequence[float] | None, *, deck_key: str | None = None
    ) -> None:
        """Use these FSRS weights for the profile, or for one deck (None: back to the profile's
        weights for a deck, to the defaults for the profile). py-fsrs checks their bounds."""
        values = settings_mod.parse_parameters(list(parameters or []))
        self.check(values)
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
