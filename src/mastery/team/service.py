"""`Team`: this profile's teams (reached as `Collection.team`): join, pull, sync, report."""

from __future__ import annotations

import base64
import binascii
import builtins
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery.errors import MasteryError, NotFoundError, StoredValueError

if TYPE_CHECKING:
    from mastery.collection import Collection
    from mastery.model import ImportReport

from mastery.team.config import (
    DECKS_DIR,
    TeamConfig,
    TeamError,
    init_team,
    load_team,
    redacted_url,
    same_store,
)
from mastery.team.legacy_report import TeamReport, build_report
from mastery.team.peers import end_membership, kept_meta_key
from mastery.team.records import member_record

if TYPE_CHECKING:
    from mastery.identity import Identity
    from mastery.team.layout import Layout
    from mastery.team.report import RoundsReport
    from mastery.team.steward import RoundOutcome
    from mastery.team.store import TeamStore
    from mastery.team.wire import PartialPayload

# Meta: the noise scales OpenDP found for a steward's sums, by layout size, sensitivity and
# rho (`steward._scale`): the same for every team, and public (the partial sums carry them).
_NOISE_SCALES = "team_noise_scales"


# ----------------------------------------------------------------------------- the facade part
@dataclass(frozen=True, slots=True)
class JoinedTeam:
    """A team this profile joined: its folder and whether it syncs."""

    id: str
    name: str
    folder: Path
    sync: bool
    config: TeamConfig | None = None
    problem: str | None = None
    database: str | None = None  # a team in PostgreSQL: its URL without the password

    @property
    def where(self) -> str:
        return self.database or str(self.folder)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "folder": str(self.folder),
            "database": self.database,
            "sync": self.sync,
            "problem": self.problem,
        }


class Team:
    """This profile's teams: join, pull decks, sync the anonymized record, report."""

    def __init__(self, col: Collection) -> None:
        self.col = col

    # ------------------------------------------------------------------ membership
    def _joined(self) -> dict[str, dict[str, Any]]:
        """The joined teams by id; a record edited outside Mastery into another shape (a
        number, a list, a team that is no object) is one line, not a TypeError later."""
        stored = self.col.meta("teams")
        if stored is None:
            return {}
        if not isinstance(stored, dict) or not all(isinstance(v, dict) for v in stored.values()):
            raise StoredValueError("joined teams record", stored)
        return dict(stored)

    @contextmanager
    def _changing(self) -> Iterator[dict[str, dict[str, Any]]]:
        """The joined teams, to change in place: read and written back in one transaction, so
        another window changing them at the same moment waits rather than being overwritten."""
        with self.col.db.transaction():
            joined = self._joined()
            yield joined
            self.col.set_meta("teams", joined)

    def _joined_entry(self, joined: dict[str, dict[str, Any]], team_id: str) -> dict[str, Any]:
        if team_id not in joined:  # left in another window since it was looked up
            raise NotFoundError(f"team {team_id} is no longer joined")
        return joined[team_id]

    def init(
        self,
        folder: str | Path,
        *,
        name: str | None = None,
        team_id: str | None = None,
        now: datetime | None = None,
    ) -> TeamConfig:
        """Create a team folder (see `init_team`), its example target read from this
        profile's today."""
        today = self.col.clock.day_of(now or self.col.now())
        return init_team(
            folder, name=name, team_id=team_id, today=today, steward=self.identity().public
        )

    def publish(self, url: str, folder: str | Path) -> TeamConfig:
        """Put a team folder's team.toml and decks into a PostgreSQL database, where members
        join it by URL (`pg_store.publish_team`)."""
        from mastery.team.pg_store import publish_team

        return publish_team(url, folder)

    def _load(self, location: str | Path) -> TeamConfig:
        """A team from its folder or database URL; a database team's files are cached in this
        profile's folder (`teams/<id>/`)."""
        return load_team(location, cache=self.col.db.path.parent / "teams")

    def _location(self, info: dict[str, Any]) -> str:
        return str(info.get("store_url") or info["folder"])

    def join(self, folder: str | Path, *, sync: bool = False) -> TeamConfig:
        """Record a team folder (or database URL) in this profile, validated first, and put
        this profile on its roster; `sync` opts in."""
        config = self._load(folder)
        self._enrol(config)
        with self._changing() as joined:
            before = joined.get(config.id, {})
            joined[config.id] = {
                **before,
                "folder": str(config.folder),
                "name": config.name,
                "sync": bool(sync or before.get("sync")),
                "terms": _terms(config),  # joining (again) accepts team.toml's stewards and noise
            }
            if config.store_url:
                joined[config.id]["store_url"] = config.store_url
            if before and not _same_place(before, config):
                # another team's store: not its sums, nor its members' keys (the same
                # database under another password is no other store: `same_store`)
                end_membership(self.col.conn, joined[config.id])
        return config

    def accept(self, ref: str | None = None) -> TeamConfig:
        """Accept team.toml's stewards and privacy as they are now (after `steward add`)."""
        config = self.get(ref)
        with self._changing() as joined:
            self._joined_entry(joined, config.id)["terms"] = _terms(config)
        return config

    def _check_terms(self, config: TeamConfig) -> None:
        """Refuse to seal or sum under terms weaker than those this profile joined with.

        Every member can write team.toml: one who names two keys of their own as stewards
        receives every share of every member's next sync and adds them up; one who raises
        rho makes the stewards add almost no noise. So a profile keeps the stewards, rho and
        k it joined with, and a change stops sync and aggregate until the person accepts it
        (`mastery team join` again, after comparing the new stewards' fingerprints)."""
        current = _terms(config)
        pinned = self._joined().get(config.id, {}).get("terms")
        if not isinstance(pinned, dict):  # joined before terms were kept: trust on first use
            with self._changing() as joined:
                self._joined_entry(joined, config.id)["terms"] = current
            return
        changes = []
        if pinned.get("stewards") != current["stewards"]:
            stored = pinned.get("stewards")
            known: builtins.list[Any] = stored if isinstance(stored, builtins.list) else []
            new = [
                s.identity.fingerprint for s in config.stewards if s.identity.to_text() not in known
            ]
            changes.append(
                "its stewards changed"
                + (f" (new: {', '.join(new)})" if new else " (some were removed)")
            )
        rho, k = pinned.get("rho"), pinned.get("k")
        if not isinstance(rho, (int, float)) or config.rho > rho:
            changes.append(f"rho was raised to {config.rho:g} (less noise) from {rho}")
        if not isinstance(k, int) or config.k < k:
            changes.append(f"k was lowered to {config.k} from {k}")
        if changes:
            raise TeamError(
                config.folder / "team.toml",
                f"{'; '.join(changes)} since you joined: nothing was sealed or summed. If you "
                "trust the change (compare each new steward's fingerprint with them), accept it "
                f"with `mastery team join {config.folder}`",
            )

    def _enrol(self, config: TeamConfig) -> None:
        """Put this profile's signed entry on the team's roster (the same file each time)."""
        from mastery.team.roster import entry_name, roster_entry

        identity = self.identity()
        today = self.col.clock.day_of(self.col.now())
        self.store(config).put_member(
            entry_name(identity.public), roster_entry(identity, config.id, today)
        )

    def list(self) -> list[JoinedTeam]:
        out = []
        for team_id, info in sorted(self._joined().items()):
            try:
                config: TeamConfig | None = self._load(self._location(info))
                problem = None
            except MasteryError as exc:
                config, problem = None, str(exc)
            out.append(
                JoinedTeam(
                    team_id,
                    config.name if config else info.get("name", team_id),
                    Path(info["folder"]),
                    bool(info.get("sync")),
                    config,
                    problem,
                    redacted_url(info["store_url"]) if info.get("store_url") else None,
                )
            )
        return out

    def get(self, ref: str | None = None) -> TeamConfig:
        """A joined team by id or name; with no ref, the only joined team."""
        joined = self._joined()
        if not joined:
            raise NotFoundError("no team joined yet: join one with `mastery team join DIR`")
        if ref is None:
            if len(joined) > 1:
                raise MasteryError(f"several teams joined ({', '.join(sorted(joined))}): name one")
            ref = next(iter(joined))
        for team_id, info in joined.items():
            if ref in (team_id, info.get("name")):
                return self._load(self._location(info))
        raise NotFoundError(f"no joined team {ref!r} (joined: {', '.join(sorted(joined))})")

    def sync_enabled(self, team_id: str) -> bool:
        return bool(self._joined().get(team_id, {}).get("sync"))

    def set_sync(self, ref: str | None, on: bool) -> TeamConfig:
        config = self.get(ref)
        with self._changing() as joined:
            self._joined_entry(joined, config.id)["sync"] = on
        return config

    def auto_enabled(self, team_id: str) -> bool:
        info = self._joined().get(team_id, {})
        return bool(info.get("sync") and info.get("auto"))

    def set_auto(self, ref: str | None, on: bool) -> TeamConfig:
        """Sync automatically after each review session (turning it on also opts in)."""
        config = self.get(ref)
        with self._changing() as joined:
            entry = self._joined_entry(joined, config.id)
            entry["auto"] = on
            if on:
                entry["sync"] = True
        return config

    def auto_sync(self, *, now: datetime | None = None) -> builtins.list[tuple[str, str | None]]:
        """Sync every team set to sync automatically; run after a review session. Only the
        round that has ended is written, once (`sync(ended_only=True)`).

        Returns (team id, problem or None) per team: one team's unreadable folder must not
        stop the others, nor the learner's session.
        """
        results: builtins.list[tuple[str, str | None]] = []
        for team_id in sorted(t for t in self._joined() if self.auto_enabled(t)):
            try:
                self.sync(team_id, now=now, ended_only=True)
                results.append((team_id, None))
            except MasteryError as exc:
                results.append((team_id, str(exc)))
        return results

    def pull(
        self, ref: str | None = None, *, now: datetime | None = None
    ) -> builtins.list[ImportReport]:
        """Import or update the team's decks in one transaction; review history is kept.

        They are stored under keys namespaced by the team (``team-id/deck-id``), so a pull
        never touches a personal deck with the same id (`Library.import_team_decks`)."""
        config = self.get(ref)
        return self.col.library.import_team_decks(
            config.id, config.deck_files, folder=config.folder / DECKS_DIR, now=now
        )

    def leave(self, ref: str, *, now: datetime | None = None) -> tuple[TeamConfig, bool]:
        """Remove this member's record from the summary and forget the folder.

        Returns the team and whether a record was removed.
        """
        from mastery.team.roster import entry_name

        config = self.get(ref)
        store = self.store(config)
        removed = self._remove_legacy_record(config)
        for round_id, name in self._contributions(config.id).items():
            # A round a steward has summed keeps its files: the other stewards sum the same
            # contributions, and the figures published are sums that include this one anyway.
            if not self._summed(store, config, round_id):
                removed = store.remove_contribution(round_id, name) or removed
        removed = store.remove_member(entry_name(self.identity().public)) or removed
        with self._changing() as joined:  # the keys go in the same transaction
            end_membership(self.col.conn, joined.pop(config.id, {}))
        return config, removed

    def _remove_legacy_record(self, config: TeamConfig) -> bool:
        """Delete this member's plaintext record of the first team design, if any."""
        path = config.summary_dir / f"{self.pseudonym(config.id)}.json"
        if not path.exists():
            return False
        from filelock import FileLock

        try:
            with FileLock(str(config.summary_dir / f".{path.stem}.lock")):
                path.unlink(missing_ok=True)
            (config.summary_dir / f".{path.stem}.lock").unlink(missing_ok=True)
        except OSError as exc:
            raise TeamError(path, f"cannot remove it ({exc.strerror or exc})") from None
        return True

    def _summed(self, store: TeamStore, config: TeamConfig, round_id: str) -> bool:
        """Whether a steward has published a sum for the round (only the stewards' own file
        names are read: anything else in the folder could be large)."""
        from mastery.team.report import partial_names

        return bool(store.partials(round_id, partial_names(config))[0])

    def is_steward(self, config: TeamConfig) -> bool:
        """Whether this profile is one of the team's stewards (it may sum rounds)."""
        return config.has_steward(self.identity().public)

    def _contributions(self, team_id: str) -> dict[str, str]:
        """The contribution file this profile last wrote per round (to replace it)."""
        stored = self._joined().get(team_id, {}).get("contributions", {})
        return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}

    # ------------------------------------------------------------------ sync
    def pseudonym(self, team_id: str) -> str:
        """HMAC-SHA256 of the team id under this profile's secret (created once)."""
        # meta_once: simultaneous first syncs still agree on one secret (one pseudonym).
        secret = self.col.meta_once("team_secret", secrets.token_hex(32))
        return hmac.new(bytes.fromhex(secret), team_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def record(self, config: TeamConfig, *, now: datetime | None = None) -> dict[str, Any]:
        """This member's anonymized record for a team: counts, rates and dates only."""
        return member_record(self.col, config, self.pseudonym(config.id), now=now or self.col.now())

    def identity(self) -> Identity:
        from mastery.identity import Identity

        return Identity.of(self.col)

    def store(self, config: TeamConfig) -> TeamStore:
        from mastery.team.store import store_for

        return store_for(config)

    def layout(self, config: TeamConfig) -> Layout:
        from mastery.team.layout import deck_cards, layout_of

        return layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])

    def sync(
        self, ref: str | None = None, *, now: datetime | None = None, ended_only: bool = False
    ) -> SyncResult:
        """Seal this member's contribution to the current round (and to the previous one
        while no steward has summed it) for the team's stewards; opt-in per team.

        Each write replaces this profile's earlier file for that round under a new random
        name, and the member's plaintext record of the first team design is deleted.

        `ended_only` (automatic syncs) writes only the round that has ended, once: a file
        that changed after every review session would show whoever watches the folder the
        very days a member studied, which the noise is there to hide."""
        from mastery.team.contribution import member_vector, seal_contribution
        from mastery.team.roster import read_roster
        from mastery.team.wire import round_of

        config = self.get(ref)
        if not self.sync_enabled(config.id):
            raise MasteryError(
                f"sync is off for team {config.id}: nothing is shared until you opt in with "
                f"`mastery team sync {config.id} --enable`"
            )
        self._check_terms(config)
        now = now or self.col.now()
        today = self.col.clock.day_of(now)
        store, layout, identity = self.store(config), self.layout(config), self.identity()
        # A round a steward has summed is closed for good: a file written now would never
        # count, and replacing one would take away a contribution the sums refer to.
        previous = round_of(today - timedelta(days=7))
        candidates = (previous,) if ended_only else (previous, round_of(today))
        final = set(self._joined_entry(self._joined(), config.id).get("final") or [])
        rounds = [
            r
            for r in candidates
            if not self._summed(store, config, r) and not (ended_only and r in final)
        ]
        written = self._contributions(config.id)
        for round_id in rounds:
            vector = member_vector(self.col, config, layout, round_id, now=now)
            data = seal_contribution(identity, config, layout, round_id, vector, now=now)
            name = secrets.token_hex(16)
            store.put_contribution(round_id, name, data)
            old = written.get(round_id)
            if old and old != name:
                store.remove_contribution(round_id, old)
            written[round_id] = name
        keep = set(store.rounds()) | set(rounds)
        with self._changing() as joined:
            entry = self._joined_entry(joined, config.id)
            entry["contributions"] = {r: n for r, n in sorted(written.items()) if r in keep}
            # Rounds written after they ended: an automatic sync writes each of them once.
            entry["final"] = sorted((final | ({previous} & set(rounds))) & keep)
        legacy = self._remove_legacy_record(config)
        # As the stewards read it: an entry naming this key (they verify each share instead).
        on_roster = identity.public in read_roster(store, config.id, verify=False)
        if not on_roster:
            self._enrol(config)
        return SyncResult(config.id, tuple(rounds), legacy, on_roster, config.folder)

    def next_to_close(
        self, ref: str | None = None, *, now: datetime | None = None
    ) -> tuple[str, datetime] | None:
        """The earliest round of the team's folder a steward cannot sum yet, and when it can
        (this profile's wall time): what to say when `aggregate` found nothing to do. A
        round closes a day after its Sunday, by this profile's days, which start at its
        day-start hour, so "the 8th" would mislead at 2 am on the 8th."""
        from mastery.team.steward import CLOSE_AFTER, is_closed
        from mastery.team.wire import round_days

        config = self.get(ref)
        clock = self.col.clock
        today = clock.day_of(now or self.col.now())
        for round_id in self.store(config).rounds():
            # (one summed already is not next: a steward whose clock ran ahead, say)
            if not is_closed(round_id, today) and not self._partials(config.id, round_id):
                first = round_days(round_id)[1] + CLOSE_AFTER + timedelta(days=1)
                return round_id, clock.day_start(first).astimezone(clock.zone)
        return None

    def aggregate(
        self, ref: str | None = None, *, now: datetime | None = None
    ) -> builtins.list[RoundOutcome]:
        """As a steward: sum every closed round not yet summed, add noise, publish."""
        from mastery.team.peers import Kept, decode_peers, encode_peers
        from mastery.team.report import read_partials
        from mastery.team.roster import read_roster
        from mastery.team.steward import aggregate

        config = self.get(ref)
        self._check_terms(config)
        now = now or self.col.now()
        store = self.store(config)
        identity = self.identity()
        published = {r: read_partials(store, config, r)[0] for r in store.rounds()}
        peers_key = kept_meta_key(self._membership_token(config.id))
        try:
            kept = decode_peers(identity, self.col.meta(peers_key))
        except ValueError:  # a value edited by hand into no JSON: verified afresh, replaced
            kept = Kept()
        try:
            found = self.col.meta(_NOISE_SCALES)
        except ValueError:
            found = None
        scales = dict(found) if isinstance(found, dict) else {}
        before = dict(scales)
        outcomes = aggregate(
            identity,
            store,
            config,
            self.layout(config),
            # Read once (beside forked openers), with the key this steward shares with each
            # member: entries kept from earlier runs are only looked up, others verified.
            lambda: read_roster(store, config.id, keys=(identity, kept)),
            published,
            kept=kept,
            keep=lambda now_kept: self.col.set_meta(peers_key, encode_peers(identity, now_kept)),
            noise_scales=scales,
            now=now,
            today=self.col.clock.day_of(now),
            recall=lambda round_id: self._recall(
                config, identity, round_id, published.get(round_id, [])
            ),
            remember=lambda round_id, attempt, data: self._keep_partial(
                config.id, round_id, attempt, data
            ),
        )
        if scales != before:  # OpenDP's search, kept (each is checked again before use)
            self.col.set_meta(_NOISE_SCALES, scales)
        return outcomes

    def _membership_token(self, team_id: str) -> str:
        """A random token of this membership of this folder, made on first use: what a
        steward keeps for a team (partial sums, pairwise keys) is kept under it."""
        token = self._joined().get(team_id, {}).get("partials")
        if not isinstance(token, str):
            with self._changing() as joined:
                entry = self._joined_entry(joined, team_id)
                if not isinstance(entry.get("partials"), str):
                    entry["partials"] = secrets.token_hex(8)
                token = entry["partials"]
        return token

    def _partial_key(self, team_id: str, round_id: str, attempt: int = 1) -> str:
        """Where the partial sum of a round is kept: under a token of this membership of this
        folder (made on first use, dropped by `leave` or a join of another folder), since team
        ids are names people choose and another `crew` must never get this one's sums."""
        key = f"team_partial/{self._membership_token(team_id)}/{round_id}"
        return key if attempt == 1 else f"{key}/{attempt}"

    def _partials(self, team_id: str, round_id: str) -> dict[int, bytes]:
        """The partial sums this profile published for a round (by attempt), as kept."""
        from mastery.team.report import MAX_ATTEMPTS

        kept = {}
        for attempt in range(1, MAX_ATTEMPTS + 1):
            value = self.col.meta(self._partial_key(team_id, round_id, attempt))
            if isinstance(value, str):
                kept[attempt] = value.encode("utf-8")
        return kept

    def _recall(
        self,
        config: TeamConfig,
        identity: Identity,
        round_id: str,
        published: builtins.list[PartialPayload],
    ) -> dict[int, bytes]:
        """The partial sums this membership published for a round; `TeamError` when there
        are none, nor any of this steward's in the store (`published`), but an earlier
        membership of this team (another folder or database, left since) summed the round:
        the members' new files hold the same week, and a second, freshly noised sum of it
        would let readers of both stores average the noise away."""
        kept = self._partials(config.id, round_id)
        me = identity.public.to_text()
        if (
            not kept
            and not any(p.steward == me for p in published)
            and self._summed_before(config.id, identity, round_id)
        ):
            raise TeamError(
                config.folder,
                f"you summed round {round_id} of team {config.id} where the team was before "
                "(another folder or database): a second sum of the same week, with its own "
                "noise, would let anyone average the noise away, so it is not summed here",
            )
        return kept

    def _summed_before(self, team_id: str, identity: Identity, round_id: str) -> bool:
        """Whether a partial sum this steward kept under another membership token (a
        membership ended by a move, a join elsewhere or a leave: its sums stay) is one of
        this team's round."""
        from mastery.identity import SealedFileError, claimed_message
        from mastery.team.wire import PartialPayload, SignedFile, WireProblem, parse

        token = self._membership_token(team_id)
        me = identity.public.to_text()
        for key, value in self.col.meta_under("team_partial/").items():
            parts = key.split("/")
            if len(parts) < 3 or parts[1] == token or parts[2] != round_id:
                continue
            try:
                signed = base64.b64decode(parse(SignedFile, str(value)).signed)
                payload = parse(PartialPayload, claimed_message(signed))
            except (WireProblem, SealedFileError, binascii.Error, ValueError):
                continue
            if payload.team == team_id and payload.round == round_id and payload.steward == me:
                return True
        return False

    def _keep_partial(self, team_id: str, round_id: str, attempt: int, data: bytes) -> bytes:
        """Keep a partial sum before publishing it; returns the one kept (race-free: of two
        processes summing the same round, both publish the first one's noise, never two)."""
        key = self._partial_key(team_id, round_id, attempt)
        kept = self.col.meta_once(key, data.decode("utf-8"))
        return str(kept).encode("utf-8")

    def report(
        self, ref: str | None = None, *, now: datetime | None = None
    ) -> RoundsReport | TeamReport:
        """The team's report: from the stewards' partial sums; while the team has no round
        yet but still has plaintext records of the first design, from those."""
        config = self.get(ref)
        now = now or self.col.now()
        return team_report(config, self.store(config), now=now, today=self.col.clock.day_of(now))


def _same_place(before: dict[str, Any], config: TeamConfig) -> bool:
    """Whether a team joined again lives where it lived (one database, or one folder)."""
    if config.store_url or before.get("store_url"):
        return same_store(before.get("store_url"), config.store_url)
    return before.get("folder") == str(config.folder)


def _terms(config: TeamConfig) -> dict[str, Any]:
    """What a member agrees to by joining: who may open its shares, and how much noise."""
    return {
        "stewards": sorted(s.identity.to_text() for s in config.stewards),
        "rho": config.rho,
        "k": config.k,
    }


def team_report(
    config: TeamConfig, store: TeamStore, *, now: datetime, today: date | None = None
) -> RoundsReport | TeamReport:
    """See `Team.report`; a function so that the TUI's worker can call it with a config."""
    from mastery.team.report import build_rounds_report
    from mastery.team.roster import read_roster

    rounds = store.rounds()
    if not rounds and any(config.summary_dir.glob("*.json")):
        return build_report(config, now=now)
    # The roster's size is only shown: members are counted by the stewards, who check each
    # share's signature. Verifying 10,000 entries here cost 1.7 s of every report.
    roster = read_roster(store, config.id, verify=False)
    return build_rounds_report(
        store, config, len(roster), today=today or now.date(), problems=list(roster.problems)
    )


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync wrote: the rounds contributed to, whether a plaintext record of the first
    design was deleted, and whether this profile was already on the roster."""

    team: str
    rounds: tuple[str, ...]
    removed_record: bool
    on_roster: bool
    folder: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "rounds": list(self.rounds),
            "removed_plaintext_record": self.removed_record,
            "on_roster": self.on_roster,
            "folder": str(self.folder),
        }
