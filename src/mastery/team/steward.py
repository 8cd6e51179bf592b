"""A steward's work: open the shares sealed to it, sum a closed round, add noise, publish.

`mastery team aggregate` runs this for every closed round the steward has not published yet.
For a round it:

1. opens the shares sealed to this steward (others' shares it cannot open, and skips);
2. keeps a share only when it is signed by a key on the roster, is for this team, round and
   layout, and is not dated in the future: made-up files and files of non-members never count;
3. keeps one contribution per member (the newest by its own time, then by id), or, when
   another steward already published, exactly the contributions that steward summed, so that
   all partial sums cover the same members (otherwise their sum would be meaningless), less
   what it cannot use (a file it cannot open, a key not on the roster): the first steward then
   sums again without those, so the stewards settle on what all of them can vouch for;
4. with fewer than k members publishes only the count (the round is suppressed); otherwise
   adds the shares modulo 2**64, adds noise drawn by OpenDP (`noise.py`) and publishes the
   signed partial sum.

A steward publishes a round once: a second, freshly noised sum of the same members would let
anyone average the noise away, so the store refuses to replace a partial sum.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gc
import hashlib
import math
import os
import pickle
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import NoReturn

from mastery.identity import (
    PAIRED_MAGIC,
    SEALED_MAGIC,
    Identity,
    IdentityFormatError,
    Peer,
    PublicIdentity,
    SealedFileError,
    UnknownSenderError,
    claimed_message,
)
from mastery.present import plural
from mastery.team.config import TeamConfig, TeamError
from mastery.team.layout import Layout
from mastery.team.noise import draw_noise, noise_scale, rho_of
from mastery.team.peers import Kept, RoundTags, round_label, round_tags
from mastery.team.report import MAX_ATTEMPTS, agreed, partial_name
from mastery.team.roster import Roster
from mastery.team.store import Entry, FolderStore, TeamStore
from mastery.team.wire import (
    MODULUS,
    PARTIAL_FORMAT,
    ContributionFile,
    PartialPayload,
    SharePayload,
    ShareSum,
    SignedFile,
    WireProblem,
    decode_share,
    dumps,
    encode_vector,
    parse,
    round_days,
)

__all__ = ["CLOSE_AFTER", "SKEW", "RoundOutcome", "aggregate", "is_closed", "sign_partial"]

BATCH = 256  # contribution files opened together at most ...
BATCH_BYTES = 16 * 1024 * 1024  # ... and at most this much of them (16 MB each at most);
# two batches are held at once: one being opened, the next being read
PROCESSES = 2  # processes that open a folder's shares, at most (one per core) ...
FORK_FROM = 512  # ... from this many files in the round: a fork costs milliseconds, and
# anyone can make hundreds of small round folders
SKEW = timedelta(minutes=10)  # how far ahead of our clock a contribution may be dated
CLOSE_AFTER = timedelta(days=1)  # a round closes this long after its last day ends
NOT_ON_ROSTER = "not from a member on the roster"  # a share's key, or a paired share's tag


def is_closed(round_id: str, today: date) -> bool:
    """Whether a round can be summed: its last day ended over `CLOSE_AFTER` ago (time for
    the last syncs of Sunday evening in any time zone to arrive)."""
    _, sunday = round_days(round_id)
    return today > sunday + CLOSE_AFTER


@dataclass(slots=True)
class RoundOutcome:
    """What `aggregate` did with one round."""

    round: str
    status: str  # published | suppressed | waiting | refused | skipped
    members: int = 0
    detail: str = ""
    ignored: dict[str, int] = field(default_factory=dict)

    def ignore(self, why: str) -> None:
        self.ignored[why] = self.ignored.get(why, 0) + 1


@dataclass(frozen=True, slots=True)
class _Round:
    """What summing one round needs: who sums, where, for which team, decks and members."""

    identity: Identity
    store: TeamStore
    config: TeamConfig
    layout: Layout
    roster: _RosterRead  # read while the first shares are opened
    round_id: str
    now: datetime
    known: Mapping[bytes, Peer] = field(default_factory=dict)  # pairs kept from earlier rounds
    scales: MutableMapping[str, float] = field(default_factory=dict)  # noise scales kept (`_scale`)
    # The round's tags of the pairs known so far (`_kept_tags`, `_roster_tags`), for paired
    # shares (`Identity.open_paired`), and the folder's listing the forked openers read.
    tags: RoundTags = field(default_factory=dict)
    tagged: set[Peer] = field(default_factory=set)  # the peers in `tags`, each once
    listed: list[tuple[str, bool]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Share:
    signer: str
    created_at: datetime
    contribution: str
    on_roster: bool
    summed: int  # how many times its vector is in the running sum (copies of a file: more)


class _RosterRead:
    """The roster, read once, on this thread, by whoever first needs it: the parent while
    the forked openers open the shares, or before the shares are opened on threads (a
    paired share opens only with its pair's tag). A read that failed fails every caller
    alike."""

    def __init__(self, source: Roster | Callable[[], Roster]) -> None:
        self._source = source
        self._future: Future[Roster] | None = None
        self._peers: list[Peer] | None = None
        if isinstance(source, Roster):
            self._future = Future()
            self._future.set_result(source)

    def done(self) -> bool:
        return self._future is not None

    def result(self) -> Roster:
        if self._future is None:
            self._future = Future()
            try:
                self._future.set_result(self._source() if callable(self._source) else self._source)
            except Exception as exc:  # kept, and raised to every caller
                self._future.set_exception(exc)
        return self._future.result()

    def peers(self, identity: Identity) -> list[Peer]:
        """The roster's members with the key `identity` shares with each: as a steward's
        read gives them (`read_roster(keys=...)`), or derived here for a roster read without
        (a key that cannot be paired with pairs with nobody)."""
        roster = self.result()
        if roster.peers is not None:
            return list(roster.peers.values())
        if not roster.verified:  # a caller's mistake: an entry nobody verified could name
            # a member's signing key beside someone else's encryption key
            raise ValueError("a steward pairs only with a roster whose entries were verified")
        if self._peers is None:
            self._peers = []
            for member in roster.members.values():
                with contextlib.suppress(IdentityFormatError, ValueError):
                    key = identity.pair_key(member.encryption_bytes)
                    self._peers.append(Peer.of(member.signing_bytes, member.encryption_bytes, key))
        return self._peers


def aggregate(
    identity: Identity,
    store: TeamStore,
    config: TeamConfig,
    layout: Layout,
    roster: Roster | Callable[[], Roster],
    published: dict[str, list[PartialPayload]],
    *,
    now: datetime,
    today: date,
    recall: Callable[[str], dict[int, bytes]] = lambda round_id: {},
    remember: Callable[[str, int, bytes], bytes] = lambda round_id, attempt, data: data,
    kept: Kept | None = None,
    keep: Callable[[Kept], None] | None = None,
    noise_scales: MutableMapping[str, float] | None = None,
) -> list[RoundOutcome]:
    """Sum every closed round whose stewards do not yet agree; `published` holds the rounds'
    verified partial sums (`report.read_partials`). `roster` is the roster, or a function
    that reads it: then it is read once, while forked openers open a folder's shares (with
    the pairs kept from the last run), or before the shares are opened on threads.

    The folder cannot be trusted to say what this steward published: anyone can delete its
    partial sum, and a second, freshly noised sum of the same contributions would let readers
    of git history average the noise away. So the caller keeps each partial sum in the
    profile: `remember` stores a new one once (per attempt) and returns what is stored
    (another process may have stored its own first), `recall` gives them back, and a partial
    sum missing from the folder is put back as it was.

    Stewards agree when each has a partial sum over the same contributions. When they do not
    (a member's file only one of them could open, or both summed before seeing the other's
    sum), a steward sums again what the other steward listed, less what it cannot use: at most
    `MAX_ATTEMPTS` sums per steward and round, each over a different list, so the noise is
    never averaged and a round settles within a run or two of each.

    Members seal their shares under the key they share with this steward (`team/peers.py`):
    `kept` is what earlier runs kept of the roster (pairs by entry digest, whose shares are
    opened before the roster is read, and refusals); `keep` is given what this run's roster
    read would keep when it changed, for the next run. `noise_scales` keeps OpenDP's noise scales between runs
    (by layout size, sensitivity and rho): the caller stores it when it changed."""
    if not config.has_steward(identity.public):
        raise TeamError(
            config.folder / "team.toml",
            f"you are not a steward of this team (your fingerprint: {identity.fingerprint})",
        )
    outcomes = []
    members = _RosterRead(roster)
    for round_id in store.rounds():
        if not is_closed(round_id, today):
            continue
        partials = published.get(round_id, [])
        if agreed(partials, config) is not None:
            continue
        try:
            outcome = _settle_round(
                _Round(
                    identity,
                    store,
                    config,
                    layout,
                    members,
                    round_id,
                    now,
                    {} if kept is None else kept.peers,
                    {} if noise_scales is None else noise_scales,
                ),
                partials,
                recall(round_id),
                remember,
            )
            if outcome is not None:
                outcomes.append(outcome)
        except TeamError as exc:  # one round's file in the way must not stop the others
            outcomes.append(RoundOutcome(round_id, "refused", detail=str(exc)))
    roster = members.result()  # a roster that cannot be read is the error, not each round's
    if keep is not None and roster.peers is not None:
        now_kept = Kept(roster.peers, roster.refusals or {})
        if not now_kept.same_entries(kept or Kept()):
            keep(now_kept)
    return outcomes


def _settle_round(
    r: _Round,
    partials: list[PartialPayload],
    kept: dict[int, bytes],
    remember: Callable[[str, int, bytes], bytes],
) -> RoundOutcome | None:
    """Do this steward's part of a round: put back a kept sum that went missing, or sum."""
    me = r.identity.public.to_text()
    mine = [p for p in partials if p.steward == me]
    missing = sorted(set(kept) - {_attempt_of(r, p, kept) for p in mine})
    if missing:
        for attempt in missing:
            _put_back(r.identity, r.store, r.round_id, attempt, kept[attempt])
        return RoundOutcome(
            r.round_id,
            "published",
            max(p.n for p in mine) if mine else 0,
            "your partial sum was missing from the folder: the one you published is back",
        )
    others = [p for p in partials if p.steward != me]
    if mine and not others:
        return None  # waiting for the other stewards: nothing for this one to do
    if others:
        target = max(others, key=lambda p: (p.created_at, p.steward))
        if any(tuple(p.contributions) == tuple(target.contributions) for p in mine):
            return None  # already summed that list: the other stewards follow
    attempt = max(kept, default=0) + 1
    if attempt > MAX_ATTEMPTS:
        return RoundOutcome(
            r.round_id,
            "refused",
            detail=f"the stewards still disagree after {MAX_ATTEMPTS} sums each: compare "
            "their folders (one may not have every contribution file)",
        )
    return _aggregate_round(r, others, attempt, remember)


def _attempt_of(r: _Round, payload: PartialPayload, kept: dict[int, bytes]) -> int:
    """Which of the kept attempts a published sum of this steward is (0: none of them)."""
    for attempt, data in kept.items():
        try:
            signed = base64.b64decode(parse(SignedFile, data).signed)
            if parse(PartialPayload, claimed_message(signed)).created_at == payload.created_at:
                return attempt
        except (WireProblem, SealedFileError, binascii.Error):
            continue
    return 0


def _put_back(
    identity: Identity, store: TeamStore, round_id: str, attempt: int, data: bytes
) -> None:
    """Publish again the very partial sum this steward published before (it went missing)."""
    store.put_partial(round_id, partial_name(identity.public, attempt), data, replace=True)


_Opening = tuple[dict[str, "_Share"], set[str], ShareSum]


def _open_shares(r: _Round, outcome: RoundOutcome, children: list[tuple[int, int]]) -> _Opening:
    """The shares sealed to this steward that pass every check, by contribution id, the ids
    of every contribution file present (usable here or not), and a running sum of vectors:
    only the sum is kept of them, not 10,000 vectors (`_chosen_sum` takes away those it does
    not count, rarely any; `_Share.summed` says which are in it).

    `children` are the processes `_fork_openers` started on a folder's shares: their
    results, when all of them report, are the answer. Otherwise the shares are opened here,
    on threads, once the roster is read (a paired share opens only with its pair's tag, and
    the roster has the pairs of members who joined since the keys were kept).

    Files are read a batch at a time (`TeamStore.each_contribution`), so however many someone
    puts in a round folder, a steward holds two batches of files (one being opened while the
    next is read), not all of them. Each batch is cut in one slice per core, each opened on a
    thread of its own: libsodium (cffi) and hashlib run without Python's lock, so unsealing,
    verifying and hashing use every core, and a slice per thread (not a task per file) keeps
    the threads from queueing on the lock for every file; the checks stay in one place
    (`_open_one`)."""
    if children:
        opened = _collect_children(r, outcome, children)
        if opened is not None:
            return opened
    _roster_tags(r)  # a paired share needs its pair's tag: the roster first, on threads
    shares: dict[str, _Share] = {}
    present: set[str] = set()
    total = ShareSum(r.layout.size)
    prefix = _share_prefix(r.identity)

    def open_slice(entries: list[Entry]) -> list[tuple[str, _Opened | str]]:  # on a thread
        out = []
        for entry in entries:
            contribution = contribution_id(entry.data)
            out.append((contribution, _open_one(r, entry, contribution, prefix)))
        return out

    roster = r.roster.result()

    def collect(slices: list[Future[list[tuple[str, _Opened | str]]]]) -> None:
        for done in slices:
            for contribution, result in done.result():
                present.add(contribution)
                if isinstance(result, str):
                    outcome.ignore(result)
                elif contribution not in shares:  # a copy of a file has the same id
                    sender, created_at, vector = result
                    on_roster = sender in roster
                    shares[contribution] = _Share(
                        sender.signing_key, created_at, contribution, on_roster, on_roster
                    )
                    if on_roster:
                        total.add(vector)

    workers = min(4, _cores())
    with ThreadPoolExecutor(max_workers=workers) as pool:
        opening: list[Future[list[tuple[str, _Opened | str]]]] = []
        for batch in _batches(r.store.each_contribution(r.round_id)):
            # This batch was read while the threads opened the one before: collect that one,
            # then hand this one over and read the next.
            collect(opening)
            entries = [e for e in batch if isinstance(e, Entry)]
            for _ in range(len(batch) - len(entries)):
                outcome.ignore("unreadable file")
            size = max(1, -(-len(entries) // workers))
            opening = [
                pool.submit(open_slice, entries[start : start + size])
                for start in range(0, len(entries), size)
            ]
            # Only the threads' slices hold this batch's files now: the loop variable would
            # otherwise keep them while the generator fills the next batch.
            batch.clear()
            entries.clear()
        collect(opening)
    return shares, present, total


def _forkable(r: _Round) -> bool:
    """Whether this process may open a folder's shares in processes of its own: on Linux,
    with more than one core, and only while no other thread runs (a thread holding a lock
    at the fork would leave it held forever in the child; the app's workers, for one)."""
    return (
        sys.platform == "linux"
        and isinstance(r.store, FolderStore)
        and _cores() > 1
        and _only_thread()
    )


def _cores() -> int:
    """The cores this process may run on (a container's or `taskset`'s limit, not the
    host's count, which `os.cpu_count` gives)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _only_thread() -> bool:
    return threading.active_count() == 1


def _fork_openers(r: _Round) -> list[tuple[int, int]]:
    """Processes that open this steward's shares of a folder's round, each every n-th file:
    (pid, the pipe its result comes through). Opening 10,000 shares is half libsodium (which
    runs beside Python's lock) and half Python (which does not): threads were held to one
    core by the lock, processes forked after the imports use both at no start-up cost.
    None (an empty list) when this process cannot fork (`_forkable`) or the round has
    fewer than `FORK_FROM` files: the shares are opened on threads.

    The round is listed here, once: each child takes its part of that one listing (a file
    arriving between two children's own listings would shift one's part against the
    other's, and the files both skip would be summed by neither)."""
    if not _forkable(r):
        return []
    assert isinstance(r.store, FolderStore)
    listed = r.store.contribution_files(r.round_id)
    if len(listed) < FORK_FROM:
        return []
    r.listed[:] = listed
    if not r.tags:  # no pairs kept (a steward's first run): the roster's, before forking
        _roster_tags(r)
    children: list[tuple[int, int]] = []
    parts = min(PROCESSES, _cores())
    try:
        for part in range(parts):
            try:
                read_end, write_end = os.pipe()
            except OSError:
                break
            try:
                pid = os.fork()
            except OSError:
                os.close(read_end)
                os.close(write_end)
                break
            if pid == 0:  # the child: its part of the round, then its exit, whatever happens
                try:  # (a Ctrl-C as it starts must not unwind it through the command)
                    os.close(read_end)
                    _open_part(r, part, parts, listed, write_end)
                finally:
                    os._exit(1)
            children.append((pid, read_end))
            os.close(write_end)
    except BaseException:  # interrupted between forks: none of them outlives this call
        _reap(children)
        raise
    if len(children) < parts:  # could not start them all: open on threads instead
        _reap(children)
        return []
    return children


def _open_part(
    r: _Round, part: int, parts: int, listed: list[tuple[str, bool]], pipe: int
) -> NoReturn:
    """In a forked child: open every `parts`-th contribution file of `listed` (the parent's
    listing of the round) from the `part`-th, sum the vectors of those that pass `_open_one`
    (all of them: the roster is the parent's to check), and send the parent what
    `_collect_children` reads. Exits, never returns: the parent's `finally` blocks and exit
    handlers are not the child's to run."""
    code = 1
    try:
        # The cyclic collector off for the child's short life: its shares make no cycle, and
        # the collector's rescans of the heap were 6% of its work (`mastery.collector`).
        gc.disable()
        assert isinstance(r.store, FolderStore)
        prefix = _share_prefix(r.identity)
        total = ShareSum(r.layout.size)
        found: list[tuple[str, str, str, datetime]] = []
        present: list[str] = []
        ignored: Counter[str] = Counter()
        unknown: list[tuple[str, str]] = []  # paired shares of no pair known yet: (name, id)
        for entry in r.store.each_contribution(r.round_id, part=(part, parts), listed=listed):
            if not isinstance(entry, Entry):
                ignored["unreadable file"] += 1
                continue
            contribution = contribution_id(entry.data)
            present.append(contribution)
            result = _open_one(r, entry, contribution, prefix)
            if result == NOT_ON_ROSTER:
                unknown.append((entry.name, contribution))
                continue
            if isinstance(result, str):
                ignored[result] += 1
                continue
            sender, created_at, vector = result
            total.add(vector)
            found.append((contribution, sender.signing_key, sender.encryption_key, created_at))
        data = pickle.dumps(
            (found, present, dict(ignored), total.wide, unknown), pickle.HIGHEST_PROTOCOL
        )
        with os.fdopen(pipe, "wb") as out:
            out.write(data)
        code = 0
    except BaseException:  # noqa: BLE001 - the parent sees no result and opens the shares itself
        pass
    os._exit(code)


def _collect_children(
    r: _Round, outcome: RoundOutcome, children: list[tuple[int, int]]
) -> _Opening | None:
    """The forked children's results as `_open_shares` returns them, with the roster read
    here meanwhile; None if any child failed (killed, out of memory): then nothing of theirs
    counts and the shares are opened on threads. Each child is taken out of `children` as
    it is reaped, and none is left in it on return."""
    results = []
    try:
        roster = r.roster.result()  # read here while the children open the shares
        while children:
            pid, pipe = children[0]
            with os.fdopen(pipe, "rb") as source:  # closes the pipe: not `_reap`'s to close
                children[0] = (pid, -1)
                data = source.read()
            _, status = os.waitpid(pid, 0)
            children.pop(0)
            if status != 0 or not data:
                return None
            results.append(pickle.loads(data))  # noqa: S301 - from our own child process
    finally:
        _reap(children)
    shares: dict[str, _Share] = {}
    present: set[str] = set()
    total = ShareSum(r.layout.size)
    unknown: list[tuple[str, str]] = []
    for found, seen, ignored, wide, strangers in results:
        present.update(seen)
        for why, count in ignored.items():
            outcome.ignored[why] = outcome.ignored.get(why, 0) + count
        total.add_wide(wide)
        unknown += strangers
        for contribution, signing, encryption, created_at in found:
            _count_share(shares, contribution, signing, encryption, created_at, roster)
    if unknown:
        _open_strangers(r, outcome, unknown, shares, total, roster)
    return shares, present, total


def _count_share(
    shares: dict[str, _Share],
    contribution: str,
    signing: str,
    encryption: str,
    created_at: datetime,
    roster: Roster,
) -> None:
    """A share whose vector was just added to the running sum, as `_Share`s count them."""
    known = shares.get(contribution)
    shares[contribution] = (
        replace(known, summed=known.summed + 1)
        if known is not None  # a copy of a file: the same contribution, summed again
        else _Share(signing, created_at, contribution, roster.has(signing, encryption), 1)
    )


def _open_strangers(
    r: _Round,
    outcome: RoundOutcome,
    unknown: list[tuple[str, str]],
    shares: dict[str, _Share],
    total: ShareSum,
    roster: Roster,
) -> None:
    """The paired shares the forked openers found no pair for, (file name, contribution id):
    opened here with the tags of the roster just read (members who joined since the pairs
    were kept), or, without any new tag, not from a member on the roster."""
    before = set(r.tags)
    _roster_tags(r)
    if set(r.tags) == before:
        for _ in unknown:
            outcome.ignore(NOT_ON_ROSTER)
        return
    names = {f"{name}.json": contribution for name, contribution in unknown}
    wanted = [(file_name, link) for file_name, link in r.listed if file_name in names]
    prefix = _share_prefix(r.identity)
    assert isinstance(r.store, FolderStore)  # only forked openers leave strangers
    for entry in r.store.each_contribution(r.round_id, listed=wanted):
        if not isinstance(entry, Entry):
            outcome.ignore("unreadable file")
            continue
        contribution = contribution_id(entry.data)
        if contribution != names[f"{entry.name}.json"]:
            outcome.ignore("changed or removed while the round was summed")
            continue
        result = _open_one(r, entry, contribution, prefix)
        if isinstance(result, str):
            outcome.ignore(result)
            continue
        sender, created_at, vector = result
        total.add(vector)
        _count_share(
            shares, contribution, sender.signing_key, sender.encryption_key, created_at, roster
        )


def _kept_tags(r: _Round) -> None:
    """The round's tags of the pairs kept from earlier runs, into `r.tags`, and of the
    roster's if an earlier round of this run read it already."""
    _add_tags(r, r.known.values())
    if r.roster.done():
        _roster_tags(r)


def _roster_tags(r: _Round) -> None:
    """The round's tags of every member on the roster, into `r.tags` (reads the roster).
    Kept pairs stay: a member who left is then still recognised, and told apart."""
    _add_tags(r, r.roster.peers(r.identity))


def _add_tags(r: _Round, peers: Iterable[Peer]) -> None:
    """`peers`' tags of the round into `r.tags`, those of peers already there left out (most
    of the roster's are the kept ones)."""
    new = [peer for peer in peers if peer not in r.tagged]
    r.tagged.update(new)
    round_tags(new, round_label(r.config.id, r.round_id), into=r.tags)


def _reap(children: list[tuple[int, int]]) -> None:
    """Make sure no child outlives this call: stop and wait for any still running, close
    the pipes still open (-1: closed already). Empties `children`, so a second call (the
    round's own, after an error) closes nothing twice."""
    while children:
        pid, pipe = children.pop()
        if pipe >= 0:
            os.close(pipe)
        with contextlib.suppress(ChildProcessError):  # reaped already
            if os.waitpid(pid, os.WNOHANG) == (0, 0):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _reopened(r: _Round, wanted: set[str]) -> Iterator[tuple[str, bytes]]:
    """The contributions `wanted` (ids) opened again, as (id, vector), each once, those still
    in the round and still usable: one thread reads the round again. Rare (see
    `_chosen_sum`), so no vector is kept while the round is first opened."""
    prefix = _share_prefix(r.identity)
    seen: set[str] = set()
    for entry in r.store.each_contribution(r.round_id):
        if not isinstance(entry, Entry):
            continue
        contribution = contribution_id(entry.data)
        if contribution in wanted and contribution not in seen:
            result = _open_one(r, entry, contribution, prefix)
            if not isinstance(result, str):
                seen.add(contribution)
                yield contribution, result[2]


def _chosen_sum(
    r: _Round,
    shares: dict[str, _Share],
    chosen: list[_Share],
    total: ShareSum,
    outcome: RoundOutcome,
) -> tuple[list[_Share], ShareSum]:
    """The chosen shares and their sum, from the running sum of every share on the roster.

    Shares on the roster that are not chosen (a member's older file, one the other steward
    did not list: rarely any) are opened again and taken away. If one of them is no longer
    there as it was (someone rewriting files while the round is summed), the chosen shares
    are summed afresh from the files as they are now, and a chosen file gone meanwhile is
    left out: so nobody can make the steward fail a round by rewriting files during its
    run, only make it read the round twice."""
    counted = {s.contribution for s in chosen}
    # How many times each vector is in the sum beyond the once it counts (none: not at all).
    extra = {c: s.summed - (c in counted) for c, s in shares.items() if s.summed > (c in counted)}
    if not extra:
        return chosen, total
    found = dict(_reopened(r, set(extra)))
    if set(found) == set(extra):
        for contribution, vector in found.items():
            for _ in range(extra[contribution]):
                total.remove(vector)
        return chosen, total
    found.clear()
    fresh = ShareSum(r.layout.size)
    summed: set[str] = set()
    for contribution, vector in _reopened(r, counted):
        fresh.add(vector)
        summed.add(contribution)
    for _ in range(len(counted - summed)):
        outcome.ignore("changed or removed while the round was summed")
    return [s for s in chosen if s.contribution in summed], fresh


def _batches(items: Iterable[Entry | str]) -> Iterator[list[Entry | str]]:
    """Files in batches of at most `BATCH` entries and `BATCH_BYTES` bytes: hundreds of the
    usual 7 KB contributions per batch (the threads stay busy), a few if someone made them huge."""
    batch: list[Entry | str] = []
    size = 0
    for item in items:
        batch.append(item)
        size += len(item.data) if isinstance(item, Entry) else 0
        if len(batch) >= BATCH or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def contribution_id(data: bytes) -> str:
    """A contribution's id: a digest of its file, the same for every steward whatever the
    shares inside say (an id a member chose could name one contribution to one steward and
    another to the other, and no two sums would ever agree). BLAKE2b of 16 bytes, unkeyed:
    the same digest as libsodium's `crypto_generichash`, from hashlib, which computes it
    without Python's lock."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _share_prefix(identity: Identity) -> tuple[str, str]:
    """How the base64 text of a share for `identity` starts, paired or sealed: the first 48
    bytes (64 characters) of the file's header and its key. Only a share that starts so is
    decoded (`_open_one` checks the whole header after decoding)."""
    key = identity.public.encryption_bytes
    return (
        base64.b64encode(PAIRED_MAGIC + key)[:64].decode(),
        base64.b64encode(SEALED_MAGIC + key)[:64].decode(),
    )


_Opened = tuple[PublicIdentity, datetime, bytes]  # a share that passed every check: its
# signer, its time and its vector


def _open_one(r: _Round, entry: Entry, contribution: str, prefix: tuple[str, str]) -> _Opened | str:
    """One contribution file: the sender, time and vector (as on the wire, `decode_share`)
    of the share for this steward, or why it does not count. `contribution` is the file's
    id, `prefix` how the base64 of a share for this steward starts (`_share_prefix`).

    A paired share (`Identity.open_paired`) opens only with a tag of `r.tags`: one of no
    known pair is `NOT_ON_ROSTER`. A sealed share (`Identity.seal`, before paired shares)
    opens on its own: whether its signer is on the roster is the caller's to check."""
    config, layout, round_id = r.config, r.layout, r.round_id
    key = r.identity.public.encryption_bytes
    mine = (PAIRED_MAGIC + key, SEALED_MAGIC + key)
    where = f"{r.store.where}/rounds/{round_id}/contributions/{entry.name}.json"
    try:
        found = parse(ContributionFile, entry.data)
        if found.team != config.id or found.round != round_id:
            raise WireProblem("filed under another team or round")
        if len(found.shares) != len(config.stewards):
            return "sealed for another set of stewards"
        box = next(
            (
                b
                for b in (binascii.a2b_base64(s) for s in found.shares if s.startswith(prefix))
                if b.startswith(mine)
            ),
            None,
        )
        if box is None:
            return "no share for this steward"
        if box.startswith(PAIRED_MAGIC):
            opened = r.identity.open_paired(box, r.tags, source=where)
        else:
            opened = r.identity.open(box, source=where, check_keys=False)
        payload = parse(SharePayload, opened.payload)
    except UnknownSenderError:
        return NOT_ON_ROSTER
    except (WireProblem, SealedFileError, IdentityFormatError, binascii.Error):
        return "damaged, forged or not a contribution"
    if payload.team != config.id or payload.round != round_id:
        return "sealed for another team or round"
    if payload.layout != layout.digest or payload.length != layout.size:
        return "made for other decks or goals (the member syncs again)"
    if payload.created_at > r.now + SKEW:
        return "dated in the future"
    try:
        vector = decode_share(payload.share, layout.size)
    except WireProblem:
        return "damaged, forged or not a contribution"
    return opened.sender, payload.created_at, vector


def _newest_per_member(shares: Iterable[_Share]) -> list[_Share]:
    newest: dict[str, _Share] = {}
    for share in shares:
        known = newest.get(share.signer)
        if known is None or (share.created_at, share.contribution) > (
            known.created_at,
            known.contribution,
        ):
            newest[share.signer] = share
    return sorted(newest.values(), key=lambda s: s.contribution)


def _aggregate_round(
    r: _Round,
    others: list[PartialPayload],
    attempt: int,
    remember: Callable[[str, int, bytes], bytes],
) -> RoundOutcome | None:
    """Sum one round (this steward's `attempt`-th sum of it). One that holds no share for this
    steward and that nobody summed is not published (anyone can make hundreds of round
    folders, and a partial sum for each is junk): None when it is empty, `skipped` with the
    files ignored otherwise. After another steward, sum what it listed less what cannot be
    used here; files it listed that are not here at all mean this folder is behind."""
    identity, store, config, layout, round_id = r.identity, r.store, r.config, r.layout, r.round_id
    outcome = RoundOutcome(round_id, "published")
    _kept_tags(r)
    children = _fork_openers(r)  # before any thread of ours starts
    try:
        with ThreadPoolExecutor(max_workers=1) as early:
            # OpenDP's import and its search for the scale (0.1-0.3 s and 18 MB, once per
            # process) run while the shares are opened on threads (which mostly wait on
            # libsodium); after forked openers are done (not beside them: their memory and
            # OpenDP's would add up), with the scale kept from an earlier run.
            scale_found = (
                None
                if children
                else early.submit(_scale, r.scales, layout.size, layout.sensitivity, config.rho)
            )
            shares, present, total = _open_shares(r, outcome, children)
    finally:  # an error before the children were collected (a thread that cannot start)
        _reap(children)
    if not shares and not others:  # say why, if files were there; publish nothing
        outcome.status, outcome.detail = "skipped", "nothing sealed for you to sum"
        return outcome if outcome.ignored else None
    for opened in shares.values():  # as a file of no known pair is: however it was opened
        if not opened.on_roster:
            outcome.ignore(NOT_ON_ROSTER)
    if others:
        target = max(others, key=lambda p: (p.created_at, p.steward))
        if target.layout_digest != layout.digest:
            outcome.status = "refused"
            outcome.detail = (
                "another steward summed this round with other decks or goals: update the "
                "team's folder and aggregate again"
            )
            return outcome
        absent = [c for c in target.contributions if c not in present]
        if absent:
            outcome.status = "waiting"
            outcome.detail = (
                f"{plural(len(absent), 'contribution file')} another steward summed are not in this "
                "folder yet: update it and aggregate again"
            )
            return outcome
        chosen, signers = [], set()
        for c in target.contributions:
            share = shares.get(c)
            if share is None or share.signer in signers or not share.on_roster:
                # Not usable here, or not a member (any more): the other steward then sums
                # again without it, so no steward can count keys the roster does not name.
                outcome.ignore("listed by another steward but not usable here")
                continue
            signers.add(share.signer)
            chosen.append(share)
    else:
        chosen = _newest_per_member(s for s in shares.values() if s.on_roster)
    if len(chosen) >= config.k:
        chosen, total = _chosen_sum(r, shares, chosen, total, outcome)
    outcome.members = len(chosen)
    sums: list[int] | None = None
    scale = (
        scale_found.result()
        if scale_found is not None
        else _scale(r.scales, layout.size, layout.sensitivity, config.rho)
    )
    if len(chosen) < config.k:
        outcome.status = "suppressed"
    else:
        noise = draw_noise(layout.size, scale)
        sums = [(a + b) % MODULUS for a, b in zip(total.values(), noise, strict=True)]
    payload = {
        "format": PARTIAL_FORMAT,
        "version": 1,
        "team": config.id,
        "round": round_id,
        "steward": identity.public.to_text(),
        "layout": layout.to_dict(),
        "layout_digest": layout.digest,
        "contributions": [s.contribution for s in chosen],
        "n": len(chosen),
        "suppressed": sums is None,
        "sums": None if sums is None else encode_vector(sums),
        "rho": config.rho,
        "sigma": scale,
        "created_at": r.now.astimezone(UTC).isoformat(timespec="milliseconds"),
    }
    data = remember(round_id, attempt, sign_partial(identity, payload))
    # Replace whatever lies at this steward's path: no verified sum of ours is there (see
    # `aggregate`), and the profile keeps each sum we publish, so nothing is re-noised.
    store.put_partial(round_id, partial_name(identity.public, attempt), data, replace=True)
    return outcome


def _scale(scales: MutableMapping[str, float], size: int, sensitivity: int, rho: float) -> float:
    """The noise scale for a sum (`noise_scale`): kept from an earlier run when OpenDP's own
    privacy map confirms that it still costs at most `rho` (so a kept value changed by hand,
    or kept by another OpenDP, is never trusted to protect anyone), found afresh otherwise
    (OpenDP's search: 0.13 s) and kept."""
    key = f"{size}:{sensitivity}:{rho!r}"
    kept = scales.get(key)
    if (
        isinstance(kept, float)
        and math.isfinite(kept)
        and kept > 0
        and rho_of(size, sensitivity, kept) <= rho
    ):
        return kept
    scale = noise_scale(size, sensitivity, rho)
    scales[key] = scale
    return scale


def sign_partial(identity: Identity, payload: dict[str, object]) -> bytes:
    """The partial-sum file: the canonical payload signed by the steward."""
    signed = identity.sign(dumps(payload))
    return dumps(
        {
            "format": PARTIAL_FORMAT,
            "fingerprint": identity.fingerprint,
            "signed": base64.b64encode(signed).decode("ascii"),
        }
    )
