"""Issue 15: a steward holds each member's vector as 64-bit values, not Python integers, and
sums them as wide integers."""

from __future__ import annotations

import random
import re
from array import array
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nacl.encoding
import nacl.hash
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from mastery.identity import Identity
from mastery.team.roster import Roster, entry_name
from mastery.team.steward import contribution_id
from mastery.team.store import Entry
from mastery.team.wire import (
    B64,
    B64_PATTERN,
    MODULUS,
    WireProblem,
    decode_packed,
    decode_share,
    decode_vector,
    encode_vector,
    round_of,
    sum_shares,
)


def test_packed_vectors_hold_the_same_values_in_8_bytes_each() -> None:
    values = [0, 1, MODULUS - 1, 2**63, 12345678901234567890 % MODULUS]
    text = encode_vector(values)
    packed = decode_packed(text, len(values))
    assert isinstance(packed, array) and packed.itemsize == 8
    assert packed.tolist() == decode_vector(text, len(values)) == values
    # Summing as the steward does: Python integers from the arrays, reduced at the end.
    total = [(a + b) % MODULUS for a, b in zip(packed, decode_packed(text, 5), strict=True)]
    assert total == [(2 * v) % MODULUS for v in values]


def test_a_packed_vector_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(WireProblem, match="holds 2 values, not 3"):
        decode_packed(encode_vector([1, 2]), 3)


def test_shares_summed_as_wide_integers_match_the_sum_of_each_coordinate() -> None:
    """Every coordinate's sum modulo 2**64, also when each of 1,000 shares is at the top of
    the range (a carry out of every coordinate, each time), and for no share at all."""
    rng = random.Random(7)
    length = 37
    vectors = [[rng.randrange(MODULUS) for _ in range(length)] for _ in range(300)]
    vectors += [[MODULUS - 1] * length for _ in range(1_000)]
    vectors += [[0, 1, 2**63] + [rng.choice((0, 1, 2**64 - 2)) for _ in range(length - 3)]]
    shares = [decode_share(encode_vector(v), length) for v in vectors]
    expected = [sum(column) % MODULUS for column in zip(*vectors, strict=True)]
    assert sum_shares(shares, length) == expected
    assert sum_shares(shares[:1], length) == vectors[0]
    assert sum_shares([], length) == [0] * length


def test_a_share_of_the_wrong_length_or_not_base64_is_refused() -> None:
    with pytest.raises(WireProblem, match="holds 2 values, not 3"):
        decode_share(encode_vector([1, 2]), 3)
    with pytest.raises(WireProblem, match="is not base64"):
        decode_share("AAAA AAAAAAA=", 1)


def test_contribution_ids_and_roster_names_are_libsodiums_blake2b() -> None:
    """Earlier versions computed both digests with libsodium: a contribution's id must agree
    between stewards (or no two sums ever would), a roster entry's name with the file a
    member wrote (or the entry is refused as filed under another name)."""
    for data in (b"", b"{}", bytes(range(256)) * 40):
        expected = nacl.hash.blake2b(data, digest_size=16, encoder=nacl.encoding.HexEncoder)
        assert contribution_id(data) == expected.decode()
    for _ in range(3):
        public = Identity.generate().public
        expected = nacl.hash.blake2b(
            public.signing_bytes, digest_size=8, encoder=nacl.encoding.HexEncoder
        )
        assert entry_name(public) == expected.decode()


_BASE64_TEXT = TypeAdapter(B64)


@given(st.text(alphabet="AZaz09+/=\n é\x00", max_size=13))
@example("AAAA\n")  # Python's `$` would let a newline through; the check must not
@example("AA=A")
@example("AAA==")
@example("")
def test_base64_fields_accept_exactly_standard_padded_base64(text: str) -> None:
    """Every base64 field of a round's files (shares, signed entries, sums) is checked
    without decoding: it must accept exactly the texts of the standard padded pattern."""
    try:
        accepted = _BASE64_TEXT.validate_python(text) == text
    except ValidationError:
        accepted = False
    assert accepted == (re.fullmatch(B64_PATTERN, text) is not None)


def _round_of_four(folder: Path) -> tuple[Any, Any, Any, list[list[int]], datetime]:
    """A team (k = 2, two stewards) whose closed round holds four members' contributions, a
    member's older one, a copy of a file and a contribution of a key off the roster: (store,
    config, layout, each member's newest vector, a moment after the round closed)."""
    from test_team import make_team

    from mastery.team import load_team
    from mastery.team.contribution import seal_contribution
    from mastery.team.layout import deck_cards, layout_of
    from mastery.team.roster import roster_entry
    from mastery.team.store import FolderStore

    make_team(folder, k=2)
    config = load_team(folder)
    layout = layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])
    store = FolderStore(folder)
    rng = random.Random(3)
    now = datetime(2026, 11, 18, 12, tzinfo=UTC)
    round_id = round_of(now.date())

    def contribute(member: Identity, name: str, when: datetime) -> list[int]:
        vector = [rng.randrange(2) for _ in range(layout.size)]
        sealed = seal_contribution(member, config, layout, round_id, vector, now=when)
        store.put_contribution(round_id, name, sealed)
        return vector

    newest = []
    for n, member in enumerate(Identity.generate() for _ in range(4)):
        store.put_member(entry_name(member.public), roster_entry(member, config.id, now.date()))
        if n == 0:  # an older contribution of the same member, still in the folder
            contribute(member, "a" * 32, now - timedelta(hours=1))
        newest.append(contribute(member, f"{n:032x}", now))
    copy = (folder / "rounds" / round_id / "contributions" / f"{1:032x}.json").read_bytes()
    store.put_contribution(round_id, "c" * 32, copy)
    contribute(Identity.generate(), "d" * 32, now)  # not on the roster
    return store, config, layout, newest, now + timedelta(days=7)


@pytest.fixture(params=["processes", "threads"])
def opening(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Both ways a steward opens a folder's shares: in forked processes (the command) or on
    threads (the app's worker); how many reads of the round's folder the first takes. The
    processes' way checks afterwards that every round was summed from the children's
    results: a child that fails leaves the round to the threads, and would test those."""
    from mastery.team import steward as steward_module

    if request.param == "threads":
        monkeypatch.setattr(steward_module, "_only_thread", lambda: False)
        yield 1
        return
    monkeypatch.setattr(steward_module, "_only_thread", lambda: True)
    monkeypatch.setattr(steward_module, "_cores", lambda: 2)
    monkeypatch.setattr(steward_module, "FORK_FROM", 1)  # a round of a few files forks too
    collected = []
    collect = steward_module._collect_children

    def spied(*args: Any) -> Any:
        collected.append(collect(*args))
        return collected[-1]

    monkeypatch.setattr(steward_module, "_collect_children", spied)
    yield 2
    assert collected and None not in collected, "a child failed: the threads summed the round"


def test_a_steward_counts_each_members_newest_share_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opening: int
) -> None:
    """The steward keeps a running sum of every share on the roster, not the shares: a
    member's older file in the round, a copy of a file and a key off the roster must still
    leave exactly the newest share of each member in the two stewards' sums (noise off, so
    the sums are the members' figures to the unit). The first steward is given the roster,
    the second a function reading it (read when first needed)."""
    from test_team import STEWARDS

    from mastery.team import steward as steward_module
    from mastery.team.report import read_partials
    from mastery.team.roster import read_roster

    monkeypatch.setattr(steward_module, "draw_noise", lambda size, scale: [0] * size)
    store, config, layout, newest, closed = _round_of_four(tmp_path / "t")
    rosters = [
        read_roster(store, config.id),
        lambda: read_roster(store, config.id),
    ]
    for steward, roster in zip(STEWARDS, rosters, strict=True):
        published = {r: read_partials(store, config, r)[0] for r in store.rounds()}
        [outcome] = steward_module.aggregate(
            steward, store, config, layout, roster, published, now=closed, today=closed.date()
        )
        assert outcome.status == "published" and outcome.members == 4, outcome
    partials, problems = read_partials(store, config, store.rounds()[0])
    assert len(partials) == 2 and not problems
    sums = [decode_vector(p.sums or "", layout.size) for p in partials]
    total = [(a + b) % MODULUS for a, b in zip(*sums, strict=True)]
    assert total == [sum(column) for column in zip(*newest, strict=True)]


def test_a_roster_that_cannot_be_read_stops_the_steward_with_its_error(tmp_path: Path) -> None:
    """Read when first needed, a roster that cannot be read (a database gone, say) is still
    the steward's one-line error, not a round refused, and nothing is published."""
    from test_team import STEWARDS

    from mastery.team.config import TeamError
    from mastery.team.steward import aggregate

    store, config, layout, _, closed = _round_of_four(tmp_path / "t")

    def unreadable() -> Roster:
        raise TeamError("postgresql://team", "cannot connect")

    with pytest.raises(TeamError, match="cannot connect"):
        aggregate(
            STEWARDS[0], store, config, layout, unreadable, {}, now=closed, today=closed.date()
        )
    assert not list((tmp_path / "t").glob("rounds/*/partials/*.json"))


def test_rewriting_a_file_while_the_round_is_summed_never_fails_or_skews_the_sum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opening: int
) -> None:
    """The steward opens again the shares it counted but does not keep (here a member's
    older file). A member who rewrites that file while the steward runs (a shared drive, a
    database) must not make the round fail, nor leave the older share in the sum."""

    from mastery.team import steward as steward_module
    from mastery.team.contribution import seal_contribution
    from mastery.team.store import FolderStore

    monkeypatch.setattr(steward_module, "draw_noise", lambda size, scale: [0] * size)
    parts = opening
    store, config, layout, newest, closed = _round_of_four(tmp_path / "t")
    older = next(tmp_path.glob(f"t/rounds/*/contributions/{'a' * 32}.json"))
    member = Identity.generate()
    log = tmp_path / "reads"  # a file: forked children read the round too
    log.write_text("")

    class Rewritten(FolderStore):
        def each_contribution(
            self,
            round_id: str,
            part: tuple[int, int] = (0, 1),
            listed: list[tuple[str, bool]] | None = None,
        ) -> Iterator[Entry | str]:
            with log.open("a") as reads:
                reads.write(f"{part}\n")
            if len(log.read_text().splitlines()) > parts:  # after the first read: new bytes,
                # a new id, the same signer
                sealed = seal_contribution(
                    member, config, layout, round_id, [0] * layout.size, now=closed
                )
                older.write_bytes(sealed)
            return super().each_contribution(round_id, part, listed)

    sums = _steward_runs(Rewritten(store.folder), config, layout, closed)
    assert len(log.read_text().splitlines()) > 2 * parts  # each steward read the round again
    total = [(a + b) % MODULUS for a, b in zip(*sums, strict=True)]
    assert total == [sum(column) for column in zip(*newest, strict=True)]


def _steward_runs(store: Any, config: Any, layout: Any, closed: datetime) -> list[list[int]]:
    """Both stewards aggregate the round (noise off by the caller); their partial sums."""
    from test_team import STEWARDS, aggregate_as_the_command

    from mastery.team.report import read_partials

    for steward in STEWARDS:
        [outcome] = aggregate_as_the_command(steward, store, config, layout, closed)
        assert outcome.status == "published" and outcome.members == 4, outcome
    partials, _ = read_partials(store, config, store.rounds()[0])
    return [decode_vector(p.sums or "", layout.size) for p in partials]


def test_the_command_opens_a_folders_shares_in_two_processes_and_leaves_none_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: `mastery team aggregate` (the only thread of its process) opens the shares
    in two forked processes, each half of the files, and reaps both: the same sums to the
    unit as on threads, and no child process left."""
    import os

    from mastery.team import steward as steward_module

    monkeypatch.setattr(steward_module, "draw_noise", lambda size, scale: [0] * size)
    monkeypatch.setattr(steward_module, "_only_thread", lambda: True)
    monkeypatch.setattr(steward_module, "_cores", lambda: 2)
    monkeypatch.setattr(steward_module, "FORK_FROM", 1)  # a round of a few files forks too
    store, config, layout, newest, closed = _round_of_four(tmp_path / "t")
    pids = tmp_path / "pids"
    pids.write_text("")
    opened = steward_module._open_one

    def open_one(*args: Any) -> Any:
        with pids.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return opened(*args)

    monkeypatch.setattr(steward_module, "_open_one", open_one)
    sums = _steward_runs(store, config, layout, closed)
    total = [(a + b) % MODULUS for a, b in zip(*sums, strict=True)]
    assert total == [sum(column) for column in zip(*newest, strict=True)]
    openers = pids.read_text().split()
    assert str(os.getpid()) in openers  # the parent opens again only the older share
    children = set(openers) - {str(os.getpid())}
    assert len(children) == 4  # two children for each steward
    for child in children:
        with pytest.raises(ChildProcessError):  # reaped, not left running or a zombie
            os.waitpid(int(child), os.WNOHANG)


def test_a_child_that_dies_leaves_the_round_to_the_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked child killed mid-round (out of memory, a signal) sends nothing: the steward
    opens the round on threads instead, publishes the same sums, and reaps the children."""
    import os

    from mastery.team import steward as steward_module

    monkeypatch.setattr(steward_module, "draw_noise", lambda size, scale: [0] * size)
    monkeypatch.setattr(steward_module, "_only_thread", lambda: True)
    monkeypatch.setattr(steward_module, "_cores", lambda: 2)
    monkeypatch.setattr(steward_module, "FORK_FROM", 1)  # a round of a few files forks too
    store, config, layout, newest, closed = _round_of_four(tmp_path / "t")
    parent = os.getpid()
    pids = tmp_path / "pids"
    pids.write_text("")
    opened = steward_module._open_one

    def open_one(*args: Any) -> Any:
        if os.getpid() != parent:
            with pids.open("a") as out:
                out.write(f"{os.getpid()}\n")
            os.kill(os.getpid(), 9)
        return opened(*args)

    monkeypatch.setattr(steward_module, "_open_one", open_one)
    sums = _steward_runs(store, config, layout, closed)
    total = [(a + b) % MODULUS for a, b in zip(*sums, strict=True)]
    assert total == [sum(column) for column in zip(*newest, strict=True)]
    children = set(pids.read_text().split())
    # Both stewards forked two; a child that has not opened a share yet when the other
    # dies is stopped by the parent before it writes its pid.
    assert len(children) >= 2
    for child in children:
        with pytest.raises(ChildProcessError):
            os.waitpid(int(child), os.WNOHANG)


def test_a_small_round_is_opened_on_threads_without_forking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fork costs milliseconds and anyone can make hundreds of round folders: below
    `FORK_FROM` files a round is opened on threads, also by the command."""
    from mastery.team import steward as steward_module

    monkeypatch.setattr(steward_module, "draw_noise", lambda size, scale: [0] * size)
    monkeypatch.setattr(steward_module, "_only_thread", lambda: True)
    monkeypatch.setattr(steward_module, "_cores", lambda: 2)
    store, config, layout, newest, closed = _round_of_four(tmp_path / "t")
    assert len(store.contribution_files(store.rounds()[0])) < steward_module.FORK_FROM

    def no_fork() -> int:
        raise AssertionError("forked for a small round")

    monkeypatch.setattr(steward_module.os, "fork", no_fork)
    sums = _steward_runs(store, config, layout, closed)
    total = [(a + b) % MODULUS for a, b in zip(*sums, strict=True)]
    assert total == [sum(column) for column in zip(*newest, strict=True)]
