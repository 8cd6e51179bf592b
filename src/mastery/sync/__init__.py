"""Sync between devices, end-to-end encrypted (issue 14; the design is docs/sync.md).

`Sync(col)` sets a profile up against a target (`setup`), brings it and the target up to date
(`run`) and says where it stands (`status`). What syncs today: scheduled answers, their
undo, and cards' suspension and burial. The profile keeps its side in meta (`sync`: target, device id, next chunk number, the
chunk each other device was read up to) and in the `syncevent` table.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery.days import to_ms
from mastery.errors import SyncError
from mastery.sync import chunks, crypto, merge
from mastery.sync.events import ChunkEvent, parse_chunk
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


def _check_pin(state: dict[str, Any], header: crypto.Header) -> None:
    """The target's header must be the one this device joined: another one (set up again by
    a device that raced this one, or put there by the host) opens with the same passphrase
    but gives another key, so the chunks already there could no longer be read, and this
    device's next ones could not be read by the others."""
    pin = state.get("header")
    if pin is not None and pin != header.pin:
        raise SyncError(
            "the target's sync header changed since this device joined it (set up again by "
            "another device, or replaced by the host); nothing was applied or sent"
        )


class Sync:
    """Sync for one profile."""

    def __init__(self, col: Collection, *, fast_kdf: bool = False) -> None:
        self._col = col
        self._fast_kdf = fast_kdf  # Argon2id's smallest limits, for tests

    # ------------------------------------------------------------------ state
    def _state(self) -> dict[str, Any]:
        state = self._col.meta(_META)
        return dict(state) if isinstance(state, dict) else {}

    @property
    def _cache(self) -> Path:
        return self._col.db.path.parent / "sync"

    def _target(self, state: dict[str, Any]) -> Target:
        if not state.get("target"):
            raise SyncError("no sync target yet: run `mastery sync setup TARGET` first")
        if state.get("kind") == "git":
            return GitTarget(state["target"], self._cache / "repo")
        return FolderTarget(state["target"])

    # ------------------------------------------------------------------ setup
    def setup(
        self, target: str, passphrase: str, *, progress: Progress | None = None
    ) -> SyncReport:
        """Point this profile at `target` (a folder or a git remote) and sync once: a new
        target gets its header (key from `passphrase`), an existing one must open with it."""
        if not target.strip():
            raise SyncError("the sync target is empty: give a folder or a git URL")
        old = self._state()
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
        device = self._col.meta_once("sync_device", secrets.token_hex(16))
        state = {**old, "target": target, "kind": kind, "device": device}
        state.setdefault("next_seq", 1)
        state.setdefault("seen", {})
        where = self._target(state)
        where.pull()
        header = chunks.read_header(where.folder)
        joined = header is not None
        pinned = crypto.Header.from_pin(old.get("header")) if old.get("target") == target else None
        if header is None and pinned is not None:
            # This device joined this target before: the sync below puts its header back.
            crypto.unlock(pinned, passphrase)
            header = pinned
        elif header is None:
            if chunks.devices(where.folder):
                raise SyncError(
                    f"{where.folder}: devices' chunks but no sync header (deleted, or not "
                    "synced here yet); a new one would make them unreadable; nothing was set up"
                )
            header, _ = crypto.new_header(passphrase, fast=self._fast_kdf)
            made = chunks.create_header(where.folder, header)
            if made is None:  # another device set the folder up meanwhile: join it
                header = chunks.read_header(where.folder)
                if header is None:
                    raise SyncError(f"{where.folder}: the sync header vanished; run setup again")
                crypto.unlock(header, passphrase)
                joined = True
            else:
                try:
                    where.push([made])
                except SyncError as exc:
                    # Another device set the target up first: its header stays, ours goes.
                    where.forget()
                    raise SyncError(
                        f"{exc}; nothing was set up: run setup again (it joins the target "
                        "if another device set it up meanwhile)"
                    ) from exc
        else:
            if old.get("target") == target:
                _check_pin(old, header)
            crypto.unlock(header, passphrase)  # a wrong passphrase: one line, nothing stored
        state["header"] = header.pin
        self._col.set_meta(_META, state)
        report = self.run(passphrase, progress=progress)
        return SyncReport(
            report.received,
            report.chunks_read,
            report.sent,
            report.devices,
            joined=joined,
            rewritten=report.rewritten,
        )

    # ------------------------------------------------------------------ sync
    def run(self, passphrase: str, *, progress: Progress | None = None) -> SyncReport:
        """Read the other devices' new chunks, write this device's new events, apply both in
        one transaction, publish. Under a lock, so two syncs of one profile take turns."""
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
        passphrase: str,
        progress: Progress | None,
    ) -> SyncReport:
        col = self._col
        state = self._state()  # read again under the lock: another sync may just have ended
        where.pull()
        folder = where.folder
        header = chunks.read_header(folder)
        written: list[Path] = []
        lost_header = header is None
        if header is None:
            # Deleted from the target (or a force-push to before it): every device that
            # joined remembers it and puts it back; nothing else would open the chunks.
            header = crypto.Header.from_pin(state.get("header"))
            if header is None:
                raise SyncError(f"{folder}: no sync header (not set up, or emptied); run setup")
        _check_pin(state, header)
        key = crypto.unlock(header, passphrase)
        if lost_header:
            written.append(chunks.write_header(folder, header))
        state["header"] = header.pin  # a profile set up before pins: trusted from now on
        me: str = state["device"]
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

        def read(done: int, device: str, seq: int) -> list[ChunkEvent]:
            where_name = f"{device}/{chunks.chunk_name(seq)}"
            if progress:
                progress(_READING * done / max(total, 1), f"reading chunk {done + 1} of {total}")
            raw = crypto.open_chunk(
                key, device, seq, chunks.read_chunk(folder, device, seq), where_name
            )
            return parse_chunk(raw, where_name)

        now_ms = to_ms(col.now())
        # One transaction. The chunks are opened, checked and added one at a time (a joining
        # device never holds them all); one bad chunk raises and rolls everything back, so
        # nothing is applied. This device's chunk is written after the replay, so its
        # answers carry the schedules every device will have.
        with col.db.transaction() as conn:
            # Own chunks beyond the recorded sequence (a killed sync's, or a restored
            # backup's), every one even past a gap: writing on after the gap would replace
            # a chunk that others have read. The gap itself is written again below (`lost`).
            changed: dict[int, int] = {}
            missing: list[ChunkEvent] = []
            for done, seq in enumerate(own_left):
                cards, gone = merge.mark_resent(conn, me, read(done, me, seq))
                for card, at in cards.items():
                    changed[card] = min(at, changed.get(card, at))
                missing += gone
            if lost:
                # Everything in the last lost chunk: a device that had not read them all
                # reads on through it; one that had, drops what it already has.
                again = merge.dumps(merge.resend(conn, me))
                for seq in lost:
                    written.append(
                        chunks.write_chunk(
                            folder,
                            me,
                            seq,
                            crypto.seal(key, me, seq, again if seq == lost[-1] else []),
                        )
                    )
            # What this device sends, read before anything received is added.
            out = merge.outgoing(conn, me, now_ms, state.get("logged"))
            # Its card changes count before the others' are applied, so the latest of all
            # wins here as everywhere (its chunk is written below).
            merge.mark_cards_sent(conn, me, out)
            m = merge.Merge(conn, out)
            m.changed(changed)
            m.add(me, missing)  # its own answers the target has and this profile lost
            for done, (device, seq) in enumerate(todo, len(own_left)):
                m.add(device, read(done, device, seq))
                seen[device] = seq
            schedulers = {}

            def scheduler_for(deck_id: int) -> Any:
                if deck_id not in schedulers:
                    schedulers[deck_id] = col.scheduler_for(deck_id)
                return schedulers[deck_id]

            def replaying(done: int, cards: int) -> None:
                if progress:
                    share = _READING + (_REPLAYED - _READING) * done / max(cards, 1)
                    progress(share, f"replaying cards {done:,} of {cards:,}")

            replayed_with = m.replay(
                scheduler_for,
                now_ms,
                replayed_with=dict(state.get("replayed_with", {})),
                progress=replaying,
            )
            if out.size:
                # Written before the profile records them: a kill in between leaves chunks
                # that the next sync finds (`own_left`) and records, never lost ones.
                count = -(-out.size // merge.CHUNK_EVENTS)
                for done, events in enumerate(m.chunks(me, out)):
                    if progress:
                        share = _REPLAYED + (1 - _REPLAYED) * done / count
                        progress(share, f"writing chunk {done + 1} of {count}")
                    written.append(
                        chunks.write_chunk(
                            folder, me, next_seq, crypto.seal(key, me, next_seq, events)
                        )
                    )
                    next_seq += 1
                merge.mark_sent(conn, me, out)
            m.close()
            state.update(
                seen=seen,
                next_seq=next_seq,
                last_sync=now_ms,
                replayed_with={**state.get("replayed_with", {}), **replayed_with},
                logged=merge.last_logged(conn),
            )
            col.set_meta(_META, state)
            if progress:
                progress(1.0, "done")
        col.queue.forget()
        where.push(written + [folder / me / chunks.chunk_name(s) for s in own_left])
        return SyncReport(
            received=m.added,
            chunks_read=len(todo),
            sent=out.size,
            devices=len(others),
            rewritten=len(lost),
        )

    # ------------------------------------------------------------------ status
    def status(self) -> SyncStatus:
        """The target, this device, what is waiting to be sent (no passphrase needed)."""
        state = self._state()
        if not state.get("target"):
            return SyncStatus(None, None, None)
        conn = self._col.conn
        out = merge.outgoing(conn, state["device"], 0, state.get("logged"))
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
        )
