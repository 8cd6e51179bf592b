"""Issue 15: the steward's forked opening of a folder's shares, attacked. Whatever lies in the
round's folder, whatever happens while it is read, `mastery team aggregate` (forked children)
must publish what the app's worker (threads) would, and leave no process or descriptor behind.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mastery.identity import Identity
from mastery.team.store import FolderStore
from mastery.team.wire import MODULUS, decode_vector, round_of

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)
CLOSED = NOW + timedelta(days=7)
ROUND = round_of(NOW.date())


def _fork(monkeypatch: pytest.MonkeyPatch, *, fork: bool = True) -> Any:
    """The steward module set to open a round of any size in two forked children (`fork`),
    or on threads as the app's worker does; noise off, so sums compare to the unit."""
    from mastery.team import steward as steward_module

    monkeypatch.setattr(steward_module, "draw_noise", lambda size, scale: [0] * size)
    monkeypatch.setattr(steward_module, "_only_thread", lambda: fork)
    monkeypatch.setattr(steward_module, "_cores", lambda: 2)
    monkeypatch.setattr(steward_module, "FORK_FROM", 1)
    return steward_module


def _team(folder: Path) -> tuple[FolderStore, Any, Any]:
    from test_team import make_team

    from mastery.team import load_team
    from mastery.team.layout import deck_cards, layout_of

    make_team(folder, k=2)
    config = load_team(folder)
    return FolderStore(folder), config, layout_of(deck_cards(config.deck_files), ["basics"])


def _contribute(
    store: FolderStore, config: Any, layout: Any, who: Identity, name: str, when: datetime
) -> list[int]:
    from mastery.team.contribution import seal_contribution

    vector = [random.Random(name).randrange(3) for _ in range(layout.size)]
    store.put_contribution(
        ROUND, name, seal_contribution(who, config, layout, ROUND, vector, now=when)
    )
    return vector


def _join(store: FolderStore, config: Any, who: Identity) -> None:
    from mastery.team.roster import entry_name, roster_entry

    store.put_member(entry_name(who.public), roster_entry(who, config.id, NOW.date()))


def _run(store: FolderStore, config: Any, layout: Any, steward: Identity) -> Any:
    """One steward's `aggregate` of the folder's rounds, as the command runs it; its outcome
    for ROUND."""
    from test_team import aggregate_as_the_command

    outcomes = aggregate_as_the_command(steward, store, config, layout, CLOSED)
    return {o.round: o for o in outcomes}.get(ROUND)


def _published(store: FolderStore, config: Any, layout: Any) -> list[tuple[Any, ...]]:
    """Each steward's partial sum: the contributions it lists and its sums (noise off)."""
    from mastery.team.report import read_partials

    partials, _ = read_partials(store, config, ROUND)
    return sorted(
        (p.steward, tuple(p.contributions), p.n, decode_vector(p.sums or "", layout.size))
        for p in partials
    )


def _total(partials: list[tuple[Any, ...]]) -> list[int]:
    """The stewards' partial sums added: the members' figures (noise off)."""
    return [sum(column) % MODULUS for column in zip(*(p[3] for p in partials), strict=True)]


def _column_sums(vectors: list[list[int]]) -> list[int]:
    return [sum(column) for column in zip(*vectors, strict=True)]


def _children_of_this_process() -> set[int]:
    """Our child processes still running or not yet reaped (zombies included)."""
    found = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended since the listing (the steward's roster reader)
    return found


def _descriptors() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def _hostile_round(folder: Path, seed: int) -> list[list[int]]:
    """A round as an attacker with write access leaves it: six members (one with an older
    file, one file copied once, one twice), a key off the roster (and a copy of its file),
    junk, a name Mastery never writes, a link out of the folder, a share dated in the
    future, a contribution of another round filed here. File names are drawn from `seed`,
    so copies and a member's two files fall in one child or in both. The vectors that
    count: each member's newest, made before the round closed."""
    from mastery.team.contribution import seal_contribution

    store, config, layout = _team(folder)
    rng = random.Random(seed)

    def name() -> str:
        return f"{rng.getrandbits(128):032x}"

    members = [Identity.generate() for _ in range(6)]
    for who in members:
        _join(store, config, who)
    files = folder / "rounds" / ROUND / "contributions"
    _contribute(store, config, layout, members[0], name(), NOW - timedelta(hours=2))
    counted = []
    for who in members[:5]:
        counted.append(_contribute(store, config, layout, who, first := name(), NOW))
        copies = {1: 1, 2: 2}.get(members.index(who), 0)
        for _ in range(copies):
            shutil.copy(files / f"{first}.json", files / f"{name()}.json")
    _contribute(store, config, layout, members[5], name(), CLOSED + timedelta(days=1))
    stranger = name()
    _contribute(store, config, layout, Identity.generate(), stranger, NOW)
    shutil.copy(files / f"{stranger}.json", files / f"{name()}.json")
    (files / f"{name()}.json").write_text("{}")
    (files / "Not-Ours.json").write_text("{}")
    (folder.parent / "secret.json").write_text("{}")
    (files / f"{name()}.json").symlink_to(folder.parent / "secret.json")
    other = seal_contribution(members[4], config, layout, "2026-W40", [1] * layout.size, now=NOW)
    (files / f"{name()}.json").write_bytes(other)
    return counted


def _junk_round(folder: Path, seed: int) -> list[list[int]]:
    """A round of nothing but junk: files that are not contributions, one under a name
    Mastery never writes, one linking out of the folder."""
    _team(folder)
    files = folder / "rounds" / ROUND / "contributions"
    files.mkdir(parents=True)
    for n in range(seed):
        (files / f"{n:032x}.json").write_text("{}" if n % 2 else "not json")
    (files / "Not-Ours.json").write_text("{}")
    (folder.parent / "secret.json").write_text("{}")
    (files / f"{'f' * 32}.json").symlink_to(folder.parent / "secret.json")
    return []


def _both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, made: list[list[int]]
) -> list[tuple[Any, ...]]:
    """Both stewards sum the round under tmp_path/fork once in forked children (the command)
    and, in a copy of it, once on threads (the app). Their outcomes (status, members, every
    file ignored and why) and partial sums, the same both ways, after checking that no
    child process or descriptor outlives either way."""
    from test_team import STEWARDS

    steward_module = _fork(monkeypatch)
    shutil.copytree(tmp_path / "fork", tmp_path / "threads", symlinks=True)
    collect = steward_module._collect_children
    reported: dict[str, list[bool]] = {"fork": [], "threads": []}
    results = []
    for way in ("fork", "threads"):

        def collected(*args: Any, way: str = way) -> Any:
            result = collect(*args)
            reported[way].append(result is not None)
            return result

        monkeypatch.setattr(steward_module, "_collect_children", collected)
        monkeypatch.setattr(steward_module, "_only_thread", lambda way=way: way == "fork")
        store, config, layout = _team_of(tmp_path / way / "t")
        children, descriptors = _children_of_this_process(), _descriptors()
        outcomes = [_run(store, config, layout, s) for s in STEWARDS]
        assert _descriptors() == descriptors
        assert not _left_behind(children)
        results.append(
            (
                [o and (o.status, o.members, o.ignored) for o in outcomes],
                _published(store, config, layout),
            )
        )
    # The children's results summed each round (a failed child leaves it to the threads).
    assert reported == {"fork": [True, True], "threads": []}
    assert results[0] == results[1]
    if made:
        assert _total(results[0][1]) == _column_sums(made)
    return results[0][0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_forked_children_publish_what_the_threads_publish_for_a_hostile_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Whatever an attacker leaves in a round (`_hostile_round`), the command's children
    and the app's threads publish the same: each member's newest share once, to the unit."""
    made = _hostile_round(tmp_path / "fork" / "t", seed)
    first, second = _both_ways(tmp_path, monkeypatch, made)
    assert first[:2] == second[:2] == ("published", 5)


@pytest.mark.parametrize("files", [1, 6])
def test_a_round_of_nothing_but_junk_is_skipped_alike_by_children_and_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: int
) -> None:
    """Nothing to publish, and each junk file ignored once, for the same reason."""
    _junk_round(tmp_path / "fork" / "t", files)
    first, second = _both_ways(tmp_path, monkeypatch, [])
    assert first == second
    assert first[0] == "skipped" and sum(first[2].values()) == files + 2, first


def _team_of(folder: Path) -> tuple[FolderStore, Any, Any]:
    from mastery.team import load_team
    from mastery.team.layout import deck_cards, layout_of

    config = load_team(folder)
    return FolderStore(folder), config, layout_of(deck_cards(config.deck_files), ["basics"])


def _round_of_members(folder: Path, members: int) -> tuple[FolderStore, Any, Any, list[list[int]]]:
    """A round of `members` members' contributions, each on the roster: (store, config,
    layout, their vectors)."""
    store, config, layout = _team(folder)
    vectors = []
    for n in range(members):
        who = Identity.generate()
        _join(store, config, who)
        vectors.append(_contribute(store, config, layout, who, f"{n + 1:032x}", NOW))
    return store, config, layout, vectors


def test_a_file_arriving_while_the_children_list_the_round_hides_no_member(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync (git pull, a shared drive) brings a file while the steward's children start:
    if each child listed the folder itself, the second would cut a longer listing than the
    first, and the files both children skip would be summed by neither: members left out
    of the round without a word."""
    from test_team import STEWARDS

    _fork(monkeypatch)
    store, config, layout, vectors = _round_of_members(tmp_path / "t", 6)
    files = tmp_path / "t" / "rounds" / ROUND / "contributions"
    listed = tmp_path / "listed"

    class Syncing(FolderStore):
        def each_contribution(self, round_id: str, *args: Any, **kwargs: Any) -> Iterator[Any]:
            found = super().each_contribution(round_id, *args, **kwargs)
            part = kwargs.get("part", args[0] if args else (0, 1))
            if part == (0, 2):  # the first child has listed the round, then a file arrives
                first = next(found)
                (files / "00.json").write_text("{}")  # named to be listed first
                listed.touch()
                return iter([first, *found])
            if part == (1, 2):  # the second child starts after it
                for _ in range(500):
                    if listed.exists():
                        break
                    time.sleep(0.01)
            return found

    for steward in STEWARDS:
        outcome = _run(Syncing(store.folder), config, layout, steward)
        assert outcome.status == "published" and outcome.members == 6, outcome
    assert listed.exists()  # the file did arrive meanwhile
    assert _total(_published(store, config, layout)) == _column_sums(
        vectors
    )  # the file did arrive meanwhile


def test_a_round_whose_contributions_folder_links_out_is_one_unreadable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member commits a round's `contributions` as a link to a folder elsewhere: the
    command says so once, as the app does, not once per child."""
    from test_team import STEWARDS

    outcomes = []
    for fork in (True, False):
        _fork(monkeypatch, fork=fork)
        folder = tmp_path / str(fork)
        store, config, layout, _ = _round_of_members(folder / "elsewhere", 3)
        store, config, layout = _team(folder / "t")
        (folder / "t" / "rounds" / ROUND).mkdir(parents=True)
        (folder / "t" / "rounds" / ROUND / "contributions").symlink_to(
            folder / "elsewhere" / "rounds" / ROUND / "contributions"
        )
        outcome = _run(store, config, layout, STEWARDS[0])
        outcomes.append((outcome.status, outcome.members, outcome.ignored))
    assert outcomes[0] == outcomes[1] == ("skipped", 0, {"unreadable file": 1})


def _left_behind(before: set[int]) -> set[int]:
    """Children started since `before` and not reaped (reaped here, so one test's leak does
    not outlive it)."""
    left = _children_of_this_process() - before
    for pid in left:
        with pytest.raises(ChildProcessError):
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            os.waitpid(pid, 0)
    return left


def test_a_thread_that_cannot_start_after_the_fork_leaves_no_child_or_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The children are forked before the steward's threads start; if a thread then cannot
    start (a limit on threads) — here the roster read's, verifying entries new since the
    keys were kept, while the children open the shares — the error must not leave the
    children running (or zombies) and their pipes open."""
    from concurrent.futures import ThreadPoolExecutor

    from test_team import STEWARDS, aggregate_as_the_command

    from mastery.team import roster as roster_module

    _fork(monkeypatch)
    store, config, layout, _ = _round_of_members(tmp_path / "t", 3)
    kept: dict[bytes, Any] = {}
    aggregate_as_the_command(STEWARDS[0], store, config, layout, CLOSED, kept)
    assert len(kept) == 3
    for partial in store.folder.glob("rounds/*/partials/*.json"):
        partial.unlink()
    _join(store, config, Identity.generate())  # an entry to verify on the roster's threads
    forked = []

    class NoThreads(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            forked.append(bool(_children_of_this_process() - children))
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(roster_module, "ThreadPoolExecutor", NoThreads)
    monkeypatch.setattr(roster_module, "PAIR_THREADS_FROM", 1)
    children, descriptors = _children_of_this_process(), _descriptors()
    with pytest.raises(RuntimeError, match="can't start new thread"):
        aggregate_as_the_command(STEWARDS[0], store, config, layout, CLOSED, kept)
    assert forked == [True]  # the thread failed while the children ran
    assert _descriptors() == descriptors
    assert not _left_behind(children)


def test_whatever_escapes_a_childs_work_the_child_never_returns_into_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child runs none of the command's code after the fork: a Ctrl-C that lands as the
    child starts (before its own handler) must end the child there, not unwind it through
    the command (its `finally` blocks, the profile's close, buffered output written twice).
    The round is then opened on threads."""
    from test_team import STEWARDS

    steward_module = _fork(monkeypatch)
    store, config, layout, vectors = _round_of_members(tmp_path / "t", 3)
    parent = os.getpid()
    unwound = tmp_path / "unwound"

    def interrupted(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(steward_module, "_open_part", interrupted)
    children = _children_of_this_process()
    try:
        outcomes = [_run(store, config, layout, steward) for steward in STEWARDS]
    finally:
        if os.getpid() != parent:  # a child came back here: say so, and end it
            unwound.touch()
            os._exit(0)
    assert not unwound.exists()
    assert [(o.status, o.members) for o in outcomes] == [("published", 3)] * 2
    assert _total(_published(store, config, layout)) == _column_sums(vectors)
    assert not _left_behind(children)


def test_a_roster_that_cannot_be_read_while_the_children_open_the_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent reads the roster while its children open the shares: a roster that
    cannot be read (or a Ctrl-C then) is the command's error, nothing is published, and no
    child or pipe is left."""
    from test_team import STEWARDS

    from mastery.team.config import TeamError
    from mastery.team.steward import aggregate

    _fork(monkeypatch)
    store, config, layout, _ = _round_of_members(tmp_path / "t", 3)
    for error in (TeamError("postgresql://team", "cannot connect"), KeyboardInterrupt()):

        def unreadable(error: BaseException = error) -> Any:
            raise error

        children, descriptors = _children_of_this_process(), _descriptors()
        with pytest.raises(type(error)):
            aggregate(
                STEWARDS[0], store, config, layout, unreadable, {}, now=CLOSED, today=CLOSED.date()
            )
        assert _descriptors() == descriptors
        assert not _left_behind(children)
    assert not list((tmp_path / "t").glob("rounds/*/partials/*.json"))


def test_the_command_writes_its_buffered_output_and_runs_its_exit_handlers_once(
    tmp_path: Path,
) -> None:
    """A steward's command whose output goes to a pipe (a script, a log): text printed
    before the round and still in the buffer, and the command's exit handlers, must come
    out once, from the command; a child that flushed or exited as Python does would repeat
    them (a fresh process: the only thread in it, as the command's)."""
    import subprocess
    import sys

    script = f"""
import atexit, os, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from pathlib import Path
from test_team import STEWARDS
from test_team_forked_opening import CLOSED, ROUND, _round_of_members, _run
from mastery.team import steward

steward.FORK_FROM = 1
steward._cores = lambda: 2
forks = []
fork = os.fork
def counted():
    pid = fork()
    forks.append(pid)
    return pid
steward.os.fork = counted
store, config, layout, _ = _round_of_members(Path({str(tmp_path / "t")!r}), 3)
atexit.register(lambda: print("exit handler"))
print("before the round")
outcome = _run(store, config, layout, STEWARDS[0])
print(outcome.status, outcome.members, "after forking", len(forks))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == ["before the round", "published 3 after forking 2", "exit handler"]


def test_an_older_round_opened_on_threads_leaves_the_members_round_to_the_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone can make a round folder holding one junk file, and a round nobody publishes
    is opened again on every run (so is an older round the stewards still settle). Opened
    first, on threads (too few files to fork), it must leave no thread of the steward's
    running (the roster's read), or every later round, the members' big one too, is opened
    on threads at half the speed."""
    import threading

    from test_team import STEWARDS

    steward_module = _fork(monkeypatch)
    others = threading.active_count()  # pytest's own (a worker's), none of the steward's
    monkeypatch.setattr(steward_module, "_only_thread", lambda: threading.active_count() == others)
    monkeypatch.setattr(steward_module, "FORK_FROM", 3)
    store, config, layout, vectors = _round_of_members(tmp_path / "t", 3)
    junk = tmp_path / "t" / "rounds" / "2026-W40" / "contributions"
    junk.mkdir(parents=True)
    (junk / f"{0:032x}.json").write_text("{}")
    assert store.rounds() == ["2026-W40", ROUND]  # the junk round is opened first
    forked = []
    collect = steward_module._collect_children

    def collected(r: Any, *args: Any) -> Any:
        result = collect(r, *args)
        forked.append((r.round_id, result is not None))
        return result

    monkeypatch.setattr(steward_module, "_collect_children", collected)
    for steward in STEWARDS:
        outcome = _run(store, config, layout, steward)
        assert outcome.status == "published" and outcome.members == 3
    assert forked == [(ROUND, True)] * 2
    assert _total(_published(store, config, layout)) == _column_sums(vectors)


def test_the_steward_command_opens_a_big_round_in_forked_children(
    mastery_home: Path, tmp_path: Path
) -> None:
    """`mastery team aggregate`, run as a steward runs it (a fresh process, its profile
    open), is the only thread of its process when the round is opened, so it forks: a
    thread started anywhere on the way (opening the profile, say) would silently put every
    round back on threads at half the speed. (A round of any size forks here, on any core
    count.)"""
    import subprocess
    import sys

    from test_team import make_team
    from test_team_rounds import NOW, add_stewards, open_profile, study

    folder = make_team(tmp_path / "crew", k=3, stewards=False)
    stewards = [open_profile(mastery_home, f"s{n}") for n in range(2)]
    add_stewards(folder, *stewards)
    everyone = [*stewards, *(open_profile(mastery_home, f"m{n}") for n in range(3))]
    for col in everyone:
        col.team.join(folder, sync=True)
        col.team.pull(now=NOW)
        study(col, [0])
        col.team.sync(now=NOW)
        col.close()
    script = """
from mastery.cli import main
from mastery.team import steward

steward.FORK_FROM = 1
steward._cores = lambda: 2  # as on the steward's machines
collect = steward._collect_children
def collected(*args):
    result = collect(*args)
    print("children reported:", result is not None)
    return result
steward._collect_children = collected
raise SystemExit(main(["--no-bundled-decks", "--profile", "s0", "team", "aggregate"]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "MASTERY_HOME": str(mastery_home)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "children reported: True"
    assert "published the noised sum of 5 members" in done.stdout


def test_files_changed_before_the_steward_opens_them_again_give_the_same_sum_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the first opening and the second (the shares counted but not kept are taken
    away), a member's older file is rewritten and another member's file removed: the round
    is summed afresh from the files as they are then, the same by children and threads,
    the removed file said once and left out."""
    steward_module = _fork(monkeypatch)
    folder = tmp_path / "fork" / "t"
    store, config, layout = _team(folder)
    members = [Identity.generate() for _ in range(4)]
    for who in members:
        _join(store, config, who)
    _contribute(store, config, layout, members[0], "a" * 32, NOW - timedelta(hours=1))
    made = [_contribute(store, config, layout, w, f"{n:032x}", NOW) for n, w in enumerate(members)]
    reopen = steward_module._reopened
    changed = set()

    def changing(r: Any, wanted: set[str]) -> Any:
        files = r.store.folder / "rounds" / ROUND / "contributions"
        if r.store.folder not in changed:  # once per folder: the first steward's run
            changed.add(r.store.folder)
            (files / f"{'a' * 32}.json").write_text("{}")
            (files / f"{2:032x}.json").unlink()
        return reopen(r, wanted)

    monkeypatch.setattr(steward_module, "_reopened", changing)
    first, second = _both_ways(tmp_path, monkeypatch, [made[0], made[1], made[3]])
    assert first == ("published", 3, {"changed or removed while the round was summed": 1})
    assert second[:2] == ("published", 3)
