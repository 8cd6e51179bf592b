"""Sync between devices, end-to-end encrypted (issue 14; the design is docs/sync.md).

`Sync(col)` sets a profile up against a target (`setup`), brings it and the target up to date
(`run`) and says where it stands (`status`). What syncs: scheduled answers and their undo
(`merge.py`), and every channel in `registry.py`. The profile keeps its side in meta (`sync`:
target, device id, next chunk number, the chunk each other device was read up to, the
hybrid logical clock, whether the app syncs on its own, the place it was set up at:
`place.py`) and in the `syncevent` table and each
channel's own; the key derived from the passphrase may be remembered beside it
(`keystore.py`), so that `run()` needs no passphrase.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel

from mastery import collector
from mastery.days import to_ms
from mastery.errors import SyncError
from mastery.sync import chunks, crypto, merge
from mastery.sync.channels import Channel
from mastery.sync.events import (
    AnswerEvent,
    AnswersEvent,
    AnyEvent,
    ChunkEvent,
    UndoEvent,
    parse_answer_chunk,
    parse_chunk,
)
from mastery.sync.hlc import Clock
from mastery.sync.keystore import KeyStore
from mastery.sync.place import here
from mastery.sync.registry import CHANNELS, channel_of
from mastery.sync.transport import FolderTarget, GitTarget, Target, is_git_url

if TYPE_CHECKING:
    from mastery.collection import Collection

__all__ = ["Progress", "Sync", "SyncReport", "SyncStatus"]

_META = "sync"
# Called with (share done, what is being done) while chunks are read and cards replayed.
Progress = Callable[[float, str], None]
# Where the bar stands when the chunks are read and added, and when the cards are replayed;
# writing this device's chunks takes the rest.
_READING, _REPLAYED = 0.6, 0.95


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync did."""

    received: int  # answers added from other devices
    chunks_read: int
    sent: int  # events written in this device's new chunk (0: none written)
    devices: int  # other devices seen in the target
    joined: bool = False  # setup joined an existing target (vs. made a new one)
    rewritten: int = 0  # this device's chunks the target had lost, written again
    changes: int = 0  # other devices' changes besides answers (settings, card states...) read


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """Where this profile stands (read without the passphrase)."""

    target: str | None
    kind: str | None
    device: str | None
    chunks_sent: int = 0
    unsent_answers: int = 0
    pending_answers: int = 0  # received for cards this device does not have yet
    read_up_to: dict[str, int] = field(default_factory=dict)
    last_sync: int | None = None  # ms UTC
    key_remembered: bool = False  # this device keeps the key: syncs without the passphrase
    auto: bool = True  # the app syncs on its own (when it opens, after a review session)


Sourced = list[tuple[str, AnyEvent]]  # (device, event) in chunk order


def _split(
    events: list[tuple[str, ChunkEvent]],
) -> tuple[list[tuple[str, ChunkEvent]], list[tuple[Channel, Sourced]]]:
    """Answers and undos (the review log's path: `merge.Merge`), and the rest by channel."""
    answers: list[tuple[str, ChunkEvent]] = []
    by_channel: dict[int, tuple[Channel, Sourced]] = {}
    for device, event in events:
        channel = None if type(event) is dict else channel_of(cast(BaseModel, event))
        if channel is None:
            assert type(event) is dict or isinstance(event, AnswerEvent | AnswersEvent | UndoEvent)
            answers.append((device, event))
        else:
            pair = (device, cast(AnyEvent, event))
            by_channel.setdefault(id(channel), (channel, []))[1].append(pair)
    # In the registry's order, whatever order they came in: a card state is for a card
    # that a content event may create.
    order = {id(channel): i for i, channel in enumerate(CHANNELS)}
    return answers, [by_channel[k] for k in sorted(by_channel, key=order.__getitem__)]


def _split_chunk(
    device: str, events: list[ChunkEvent]
) -> tuple[list[ChunkEvent], list[tuple[Channel, Sourced]]]:
    """One chunk's events (all `device`'s), split as `_split` does. Its answers (50,000
    dicts) are picked without a tuple each: a million tuples made while a join holds
    millions of objects cost seconds of garbage collection."""
    log = (AnswerEvent, AnswersEvent, UndoEvent)
    answers: list[ChunkEvent] = [e for e in events if type(e) is dict or isinstance(e, log)]
    if len(answers) == len(events):
        return answers, []
    _, by_channel = _split(
        [(device, e) for e in events if not (type(e) is dict or isinstance(e, log))]
    )
    return answers, by_channel


def _observe(clock: Clock, event: BaseModel) -> None:
    stamp = getattr(event, "stamp", None)
    if isinstance(stamp, int):
        clock.observe(stamp)


@contextmanager
def _settings_reread(col: Collection) -> Iterator[None]:
    """The profile's cached settings read again once the sync's transaction is over, an
    error included: a sync reloads them from inside it (a join after each chunk's settings,
    every sync before its replay), and a sync refused later rolls those settings back; the
    app must not go on scheduling with settings the profile does not hold."""
    try:
        yield
    finally:
        col.reload_settings()


def _check_pin(state: dict[str, Any], header: crypto.Header) -> None:
    """The target's header must be the one this device joined: another one (set up again by
    a device that raced this one, or put there by the host) opens with the same passphrase
    but gives another key, so the chunks already there could no longer be read, and this
    device's next ones could not be read by the others."""
    pin = state.get("header")
    if pin is not None and pin != header.pin:
        raise SyncError(
            "the target's sync header changed since this device joined it (set up again by "
            "another device, or replaced by the host); nothing was applied or sent; if you "
            "set it up again, run `mastery sync setup TARGET --rejoin` to start this device "
            "over under it (nothing in this profile is lost)"
        )


def _elsewhere(target: str, recorded: dict[str, Any], place: dict[str, str]) -> SyncError:
    """The line for a profile found away from the place its sync was set up at: a copy (the
    original still syncs as this device) or a move; only the person knows which."""
    where = str(recorded.get("profile", "?"))
    other = " on another machine" if recorded.get("machine") != place["machine"] else ""
    return SyncError(
        f"this profile's sync was set up at {where}{other}, so this is a copy or a move; "
        f"nothing was synced: if it moved (the old place will never sync again), run "
        f"`mastery sync setup {target} --moved`; if it is a copy, run "
        f"`mastery sync setup {target} --new-device` to sync it as a device of its own"
    )


class Sync:
    """Sync for one profile."""

    def __init__(self, col: Collection, *, fast_kdf: bool = False, batch: bool = False) -> None:
        self._col = col
        self._fast_kdf = fast_kdf  # Argon2id's smallest limits, for tests
        self._batch = batch  # git without the terminal (the app): see `GitTarget`

    # ------------------------------------------------------------------ state
    def _state(self) -> dict[str, Any]:
        state = self._col.meta(_META)
        return dict(state) if isinstance(state, dict) else {}

    @property
    def _cache(self) -> Path:
        return self._col.db.path.parent / "sync"

    @property
    def keys(self) -> KeyStore:
        """The key remembered on this device (`PROFILE/sync/key`), if any."""
        return KeyStore(self._cache)

    def forget_key(self) -> bool:
        """Remove the remembered key (False: there was none); syncs ask for the passphrase."""
        return self.keys.forget()

    def remember(self, passphrase: str) -> None:
        """Keep the key of `passphrase` on this device (the app's "remember" after a sync
        that asked for it), checked against the header this device joined."""
        header = crypto.Header.from_pin(self._state().get("header"))
        if header is None:
            raise SyncError("no sync target yet: run `mastery sync setup TARGET` first")
        self.keys.save(crypto.unlock(header, passphrase))

    def set_auto(self, on: bool) -> None:
        """Whether the app syncs on its own. Kept in this device's sync meta, not in the
        settings: the settings are the person's and will sync, whether this device syncs by
        itself is the device's (a slow link, a metered phone)."""
        state = self._state()
        if not state.get("target"):
            raise SyncError("no sync target yet: run `mastery sync setup TARGET` first")
        state["auto"] = on
        self._col.set_meta(_META, state)

    def _key(self, header: crypto.Header, passphrase: str | None, target: str) -> bytes:
        """The key from `passphrase`, or the remembered one (None), checked against the
        header either way: a stale remembered key must not seal chunks nobody can open."""
        if passphrase is not None:
            return crypto.unlock(header, passphrase)
        key = self.keys.load()
        if key is None:
            raise SyncError(
                "this device does not remember the sync key: give the passphrase "
                "(or run `mastery sync setup TARGET` again to remember it)"
            )
        if not crypto.opens(header, key):
            raise SyncError(
                "the remembered key no longer opens the target (its passphrase changed?): "
                f"run `mastery sync setup {target}` again"
            )
        return key

    def _target(self, state: dict[str, Any]) -> Target:
        if not state.get("target"):
            raise SyncError("no sync target yet: run `mastery sync setup TARGET` first")
        if state.get("kind") == "git":
            return GitTarget(state["target"], self._cache / "repo", batch=self._batch)
        return FolderTarget(state["target"])

    # ------------------------------------------------------------------ setup
    def setup(
        self,
        target: str,
        passphrase: str,
        *,
        remember: bool = True,
        auto: bool | None = None,
        rejoin: bool = False,
        moved: bool = False,
        new_device: bool = False,
        progress: Progress | None = None,
    ) -> SyncReport:
        """Point this profile at `target` (a folder or a git remote) and sync once: a new
        target gets its header (key from `passphrase`), an existing one must open with it.
        `remember` keeps the derived key on this device (False removes one kept before);
        `auto` switches the app's own syncs on or off (None: as they were, on at first).
        `rejoin`: the target's header is not the one this device joined (two devices set up
        one synced folder at once, each with its own), so this device starts over under the
        target's header (`_rejoin`); without it, that is refused in one line.
        A profile away from the place its sync was set up at (`place.py`) is refused unless
        it says what it is: `moved` (the same device: the new place is recorded) or
        `new_device` (a copy: it goes on under a new device id, `_fork`)."""
        if not target.strip():
            raise SyncError("the sync target is empty: give a folder or a git URL")
        if moved and new_device:
            raise SyncError(
                "give --moved (the same device, moved) or --new-device (a copy), not both"
            )
        if new_device and rejoin:
            raise SyncError("give --new-device or --rejoin, not both: set up the copy first")
        old = self._state()
        place = here(self._col.db.path)
        recorded = old.get("place") if old.get("target") else None
        if isinstance(recorded, dict) and recorded != place and not (moved or new_device):
            raise _elsewhere(target, recorded, place)
        if new_device and not old.get("target"):
            raise SyncError(
                "--new-device is for a copy of a profile that syncs; this one does not sync "
                "yet: run `mastery sync setup TARGET` without it"
            )
        if old.get("target") and old["target"] != target and old.get("next_seq", 1) > 1:
            raise SyncError(
                f"this profile already syncs with {old['target']}; a second target is not "
                "supported yet"
            )
        kind = "git" if is_git_url(target) else "folder"
        if kind == "folder":
            path = Path(target).expanduser()
            if path.exists() and not path.is_dir():
                raise SyncError(f"{path}: is a file, not a folder (give a folder or a git URL)")
            if not path.is_dir():
                raise SyncError(f"{path}: no such folder (make it first, or give a git URL)")
            target = str(path.resolve())
            self._check_apart(path.resolve())
        # The state's own first: a copy made a device of its own keeps the new id there.
        device = old.get("device") or self._col.meta_once("sync_device", secrets.token_hex(16))
        state = {**old, "target": target, "kind": kind, "device": device}
        if auto is not None:
            state["auto"] = auto
        state.setdefault("next_seq", 1)
        state.setdefault("seen", {})
        if new_device:
            state = self._fork(state)
        state["place"] = place
        where = self._target(state)
        where.pull()
        header = chunks.read_header(where.folder)
        joined = header is not None
        pinned = crypto.Header.from_pin(old.get("header")) if old.get("target") == target else None
        if header is None and pinned is not None:
            # This device joined this target before: the sync below puts its header back.
            key = crypto.unlock(pinned, passphrase)
            header = pinned
        elif header is None:
            if chunks.devices(where.folder):
                raise SyncError(
                    f"{where.folder}: devices' chunks but no sync header (deleted, or not "
                    "synced here yet); a new one would make them unreadable; nothing was set up"
                )
            header, key = crypto.new_header(passphrase, fast=self._fast_kdf)
            made = chunks.create_header(where.folder, header)
            if made is None:  # another device set the folder up meanwhile: join it
                header = chunks.read_header(where.folder)
                if header is None:
                    raise SyncError(f"{where.folder}: the sync header vanished; run setup again")
                key = crypto.unlock(header, passphrase)
                joined = True
            else:
                try:
                    where.push()
                except SyncError as exc:
                    # Another device set the target up first: its header stays, ours goes.
                    where.forget()
                    raise SyncError(
                        f"{exc}; nothing was set up: run setup again (it joins the target "
                        "if another device set it up meanwhile)"
                    ) from exc
        else:
            changed = old.get("target") == target and old.get("header") not in (None, header.pin)
            if changed and not rejoin:
                _check_pin(old, header)
            # A wrong passphrase: one line, nothing stored.
            key = crypto.unlock(header, passphrase)
            if changed:
                state = self._rejoin(state, where.folder)
        state["header"] = header.pin
        self._col.set_meta(_META, state)
        self._col.set_meta("sync_device", state["device"])
        if remember:
            self.keys.save(key)
            report = self.run(progress=progress)  # the key just kept: no second derivation
        else:
            self.keys.forget()
            report = self.run(passphrase, progress=progress)
        return SyncReport(
            report.received,
            report.chunks_read,
            report.sent,
            report.devices,
            joined=joined,
            rewritten=report.rewritten,
            changes=report.changes,
        )

    def _check_apart(self, folder: Path) -> None:
        """A sync folder is the person's own, apart from what must not travel. Inside a
        team's folder, the teammates would get every chunk (and team files are no part of
        the personal target). Holding this profile's sync folder, the host would get the
        remembered key (and the database beside it); inside it, the target would sit among
        the clone and the key, which a sync deletes and rewrites."""
        inside = (folder, *folder.parents)
        teams = self._col.meta("teams")
        for team_id, info in (teams if isinstance(teams, dict) else {}).items():
            there = info.get("folder") if isinstance(info, dict) else None
            if isinstance(there, str) and Path(there).expanduser().resolve() in inside:
                raise SyncError(
                    f"{folder}: inside the folder of the team {team_id!r}, so your teammates "
                    "would get your sync files; give a folder of your own"
                )
        cache = self._cache.resolve()
        if cache in inside or folder in cache.parents:
            raise SyncError(
                f"{folder}: holds this profile's files or is among them (the key remembered "
                "for sync would reach whoever holds the target); give a folder of your own, "
                "outside the profile's"
            )

    def _fork(self, state: dict[str, Any]) -> dict[str, Any]:
        """Go on as a new device: this profile is a copy, and the one it was copied from
        still syncs as the old device. The old device's chunks stay on the target, and its
        rows here stay its own (answers, revisions, what each channel sent): the target has
        them under the old id already, so sending them again would count them twice. Its
        chunks up to the last this copy wrote are marked as read (they are this copy's past);
        the later ones are the original's, read as any other device's. What this copy made
        since its last sync was never recorded as sent, so it goes under the new id, and its
        revisions descend from the old device's: an entry edited on both copies becomes a
        conflict copy, not a lost edit."""
        old = str(state["device"])
        device = secrets.token_hex(16)
        seen = dict(state.get("seen", {}))
        seen[old] = max(int(seen.get(old, 0)), int(state.get("next_seq", 1)) - 1)
        return {**state, "device": device, "next_seq": 1, "seen": seen}

    def _rejoin(self, state: dict[str, Any], folder: Path) -> dict[str, Any]:
        """Start this device over under the target's current header: its chunks there were
        sealed with the key of the header it joined, which nobody else has (and which makes
        every other device's sync refuse them), so they go, and everything this device ever
        sent goes again under a new device id. It goes the way a chunk the target lost does:
        chunk 1 counts as lost, so the next sync writes it again holding every event the
        device sent (same event ids, same stamps: a device that did read some of them drops
        what it has), and every other device's chunks are read again. Nothing in the profile
        is touched but the device id its sync records carry."""
        import shutil

        old = str(state["device"])
        device = secrets.token_hex(16)
        with self._col.db.transaction() as conn:
            merge.rename_device(conn, old, device)
            for channel in CHANNELS:
                channel.rename_device(conn, old, device)
        self._col.set_meta("sync_device", device)
        if (folder / old).is_symlink():
            (folder / old).unlink()  # the host's link, never followed
        elif (folder / old).is_dir() and chunks.DEVICE.fullmatch(old):
            shutil.rmtree(folder / old)  # a git target commits the removal with the next push
        return {**state, "device": device, "next_seq": 2, "seen": {}}

    # ------------------------------------------------------------------ sync
    def run(self, passphrase: str | None = None, *, progress: Progress | None = None) -> SyncReport:
        """Read the other devices' new chunks, write this device's new events, apply both in
        one transaction, publish. Under a lock, so two syncs of one profile take turns.
        Without a passphrase, the key remembered on this device is used."""
        from filelock import FileLock, Timeout

        state = self._state()
        where = self._target(state)
        self._cache.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(self._cache / "sync.lock"), timeout=60):
                return self._run_locked(state, where, passphrase, progress)
        except Timeout as exc:
            raise SyncError("another sync of this profile is still running") from exc

    def _run_locked(
        self,
        state: dict[str, Any],
        where: Target,
        passphrase: str | None,
        progress: Progress | None,
    ) -> SyncReport:
        col = self._col
        state = self._state()  # read again under the lock: another sync may just have ended
        place = here(col.db.path)
        recorded = state.get("place")
        if isinstance(recorded, dict) and recorded != place:
            raise _elsewhere(str(state.get("target")), recorded, place)
        state["place"] = place  # a profile set up before places: recorded from now on
        where.pull()
        folder = where.folder
        header = chunks.read_header(folder)
        lost_header = header is None
        if header is None:
            # Deleted from the target (or a force-push to before it): every device that
            # joined remembers it and puts it back; nothing else would open the chunks.
            header = crypto.Header.from_pin(state.get("header"))
            if header is None:
                raise SyncError(f"{folder}: no sync header (not set up, or emptied); run setup")
        _check_pin(state, header)
        key = self._key(header, passphrase, str(state.get("target")))
        if lost_header:
            chunks.write_header(folder, header)
        state["header"] = header.pin  # a profile set up before pins: trusted from now on
        me: str = state["device"]
        chunks.check_own(folder, me)
        chunks.remove_leftovers(folder, me)
        seen: dict[str, int] = dict(state.get("seen", {}))
        next_seq: int = int(state.get("next_seq", 1))

        own_left = [s for s in chunks.sequences(folder, me) if s >= next_seq]
        others = [d for d in chunks.devices(folder) if d != me]
        todo = [(d, s) for d in others for s in chunks.following(folder, d, seen.get(d, 0))]
        if own_left:
            next_seq = own_left[-1] + 1
        # This device's chunks the target no longer has (deleted, a force-pushed remote):
        # a device joining later would wait at the gap for ever. Written again below.
        present = set(chunks.sequences(folder, me))
        lost = [s for s in range(1, next_seq) if s not in present]
        total = len(todo) + len(own_left)

        # The bar's share for reading chunks: most of a sync, nearly all of a streamed join
        # (its answers are replayed as they are read).
        reading = _READING

        def read(done: int, device: str, seq: int) -> list[ChunkEvent]:
            where_name = f"{device}/{chunks.chunk_name(seq)}"
            if progress:
                progress(reading * done / max(total, 1), f"reading chunk {done + 1} of {total}")
            plain = crypto.open_plain(key, chunks.read_chunk(folder, device, seq), where_name)
            answers = parse_answer_chunk(plain, device, seq)
            if answers is not None:
                return answers
            return parse_chunk(crypto.events_of(plain, device, seq, where_name), where_name)

        now_ms = to_ms(col.now())
        clock = Clock(int(state.get("clock", 0)))
        # One transaction. The chunks are opened, checked and added one at a time (a joining
        # device never holds them all); one bad chunk raises and rolls everything back, so
        # nothing is applied. This device's chunks are written after the replay, so its
        # answers carry the schedules every device will have.
        with collector.paused(), _settings_reread(col), col.db.transaction() as conn:
            # Own chunks beyond the recorded sequence (a killed sync's, or a restored
            # backup's), every one even past a gap: writing on after the gap would replace
            # a chunk that others have read. The gap itself is written again below (`lost`).
            changed: dict[int, int] = {}
            missing: list[ChunkEvent] = []
            for done, seq in enumerate(own_left):
                answers, by_channel = _split_chunk(me, read(done, me, seq))
                for channel, mine in by_channel:
                    for _, event in mine:
                        _observe(clock, event)
                    channel.mark_resent(conn, me, [e for _, e in mine])
                cards, gone = merge.mark_resent(conn, me, answers)
                for card, at in cards.items():
                    changed[card] = min(at, changed.get(card, at))
                missing += gone
            if lost:
                # Everything in the last lost chunk: a device that had not read them all
                # reads on through it; one that had, drops what it already has.
                everything: list[BaseModel] = [*merge.resend(conn, me)]
                for channel in CHANNELS:
                    everything += channel.resend(conn, me)
                again = merge.dumps(everything)
                for seq in lost:
                    chunks.write_chunk(
                        folder,
                        me,
                        seq,
                        crypto.seal(key, me, seq, again if seq == lost[-1] else []),
                    )
            # What this device sends, read before anything received is applied. The
            # channels' changes are recorded as sent at once (their chunk is written below,
            # in this transaction), so a received one wins here only if it is later, as on
            # every device that reads both.
            out = merge.outgoing(conn, me, state.get("logged"))
            batches = [channel.outgoing(conn, me, clock, now_ms) for channel in CHANNELS]
            for batch in batches:
                batch.mark(conn)
            sending: list[BaseModel] = [e for b in batches for e in b.events]
            m = merge.Merge(conn, out, me)
            m.changed(changed)
            # A setting that schedules changed here: its cards are replayed from the start.
            m.changed({card: 0 for b in batches for card in b.cards})
            m.add(me, missing)  # its own answers the target has and this profile lost
            # A device joining (an empty log): answers go to the log as they are read.
            streamed = m.stream(col.scheduler_for)
            if streamed:
                reading = _REPLAYED
            changes = 0
            for done, (device, seq) in enumerate(todo, len(own_left)):
                answers, by_channel = _split_chunk(device, read(done, device, seq))
                # A chunk's channel events first: an answer can need the card a content
                # event brings.
                for channel, group in by_channel:
                    for _, event in group:
                        _observe(clock, event)
                    m.changed(
                        {card: 0 for card in channel.apply(conn, device, [e for _, e in group])}
                    )
                    changes += len(group)
                if by_channel and streamed:
                    col.reload_settings()  # the chunk's settings schedule what it brings
                    m.reschedule()
                m.add(device, answers)
                seen[device] = seq
            # What waited for a card or deck that a later chunk brought, applied now (content
            # before card states, as the registry orders them), then the answers for it.
            for channel in CHANNELS:
                m.changed({card: 0 for card in channel.settle(conn)})
            m.retry_pending()
            # Settings and presets may have come with the chunks: every device replays with
            # the ones it holds now, never a scheduler cached before them.
            col.reload_settings()
            schedulers = {}

            def scheduler_for(deck_id: int) -> Any:
                if deck_id not in schedulers:
                    schedulers[deck_id] = col.scheduler_for(deck_id)
                return schedulers[deck_id]

            def replaying(done: int, cards: int) -> None:
                if progress:
                    share = reading + (_REPLAYED - reading) * done / max(cards, 1)
                    what = f"replaying cards {done:,} of {cards:,}" if cards else "cards replayed"
                    progress(share, what)

            replayed_with = m.replay(
                scheduler_for,
                now_ms,
                replayed_with=dict(state.get("replayed_with", {})),
                progress=replaying,
            )
            size = out.size + len(sending)
            if size:
                # Written before the profile records them: a kill in between leaves chunks
                # that the next sync finds (`own_left`) and records, never lost ones.
                count = -(-size // merge.CHUNK_EVENTS)
                for done, events in enumerate(m.chunks(me, out, sending)):
                    if progress:
                        share = _REPLAYED + (1 - _REPLAYED) * done / count
                        progress(share, f"writing chunk {done + 1} of {count}")
                    chunks.write_chunk(folder, me, next_seq, crypto.seal(key, me, next_seq, events))
                    next_seq += 1
                merge.mark_sent(conn, me, out)
            m.close()
            state.update(
                seen=seen,
                next_seq=next_seq,
                last_sync=now_ms,
                clock=clock.last,
                replayed_with={**state.get("replayed_with", {}), **replayed_with},
                logged=merge.last_logged(conn),
            )
            col.set_meta(_META, state)
            if progress:
                progress(1.0, "done")
        where.push()
        return SyncReport(
            received=m.added,
            chunks_read=len(todo),
            sent=size,
            devices=len(others),
            rewritten=len(lost),
            changes=changes,
        )

    # ------------------------------------------------------------------ status
    def status(self, *, counts: bool = True) -> SyncStatus:
        """The target, this device, what is waiting to be sent (no passphrase needed).
        Without `counts`, what waits is left at 0 (counting reads the review log): the
        app's status line asks often."""
        state = self._state()
        if not state.get("target"):
            return SyncStatus(None, None, None)
        if not counts:
            return SyncStatus(
                target=state["target"],
                kind=state.get("kind"),
                device=state["device"],
                chunks_sent=int(state.get("next_seq", 1)) - 1,
                read_up_to=dict(state.get("seen", {})),
                last_sync=state.get("last_sync"),
                key_remembered=self.keys.exists(),
                auto=bool(state.get("auto", True)),
            )
        conn = self._col.conn
        out = merge.outgoing(conn, state["device"], state.get("logged"))
        pending = conn.execute(
            "SELECT count(*) FROM syncevent WHERE pending IS NOT NULL"
        ).fetchone()[0]
        return SyncStatus(
            target=state["target"],
            kind=state.get("kind"),
            device=state["device"],
            chunks_sent=int(state.get("next_seq", 1)) - 1,
            unsent_answers=len(out.sent),
            pending_answers=int(pending),
            read_up_to=dict(state.get("seen", {})),
            last_sync=state.get("last_sync"),
            key_remembered=self.keys.exists(),
            auto=bool(state.get("auto", True)),
        )
