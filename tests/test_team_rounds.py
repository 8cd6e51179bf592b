"""Issue 11: team figures nobody can trace to a person.

Members seal additive shares of their contribution to each steward; stewards sum closed rounds,
add OpenDP noise and publish signed partial sums; the report adds those. These tests play the
people the design protects against: a teammate or the folder's host reading every byte of the
folder and its git history, someone writing made-up files (Sybils, forged sums, replays,
future dates), and a lead comparing reports around one member's join.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from test_team import make_team, open_share

from conftest import NOW
from mastery.cli import main
from mastery.collection import Collection
from mastery.identity import Identity
from mastery.team import load_team, member_record, write_record
from mastery.team.contribution import member_vector, seal_contribution
from mastery.team.layout import deck_cards, layout_of
from mastery.team.report import RoundsReport, read_partials
from mastery.team.roster import entry_name, read_roster, roster_entry
from mastery.team.steward import aggregate
from mastery.team.store import FolderStore
from mastery.team.wire import round_of

ROUND = round_of(NOW.date())  # 2026-W47; NOW is a Saturday
CLOSED = NOW + timedelta(days=3)  # the Tuesday after: the round can be summed
CANARIES = ("CANARY-JOURNAL", "CANARY-GOAL", "CANARY-PRIVATE-DECK", "CANARY-NAME")


def open_profile(home: Path, name: str) -> Collection:
    col = Collection.open(name, home, bundled=False, now=NOW)
    col.set_setting("timezone", "UTC")
    return col


def add_stewards(folder: Path, *stewards: Collection) -> None:
    text = "".join(
        f'\n[[stewards]]\nname = "S{n}"\nidentity = "{Identity.of(s).public.to_text()}"\n'
        for n, s in enumerate(stewards)
    )
    path = folder / "team.toml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def study(col: Collection, days: list[int], again: bool = False) -> None:
    """Answer the team deck's first card on these days before NOW (0 = NOW's day)."""
    card = next(c for c in col.deck_cards(_deck_key(col)) if c.key == "alpha")
    for day in sorted(days, reverse=True):
        col.answer(card.id, 1 if again else 3, now=NOW - timedelta(days=day))


def _deck_key(col: Collection) -> str:
    keys = [d.key for d in col.decks()]
    return next(k for k in keys if k.endswith("team-deck"))


@pytest.fixture
def crew(mastery_home: Path, tmp_path: Path) -> dict[str, object]:
    """A team (k=3) with two stewards (who are members too) and three more members."""
    folder = make_team(tmp_path / "crew", k=3, stewards=False)
    stewards = [open_profile(mastery_home, f"s{n}") for n in range(2)]
    add_stewards(folder, *stewards)
    members = [open_profile(mastery_home, f"m{n}") for n in range(3)]
    for col in [*stewards, *members]:
        col.team.join(folder, sync=True)
        col.team.pull(now=NOW)
    return {"folder": folder, "stewards": stewards, "members": members}


def _everyone(crew: dict[str, object]) -> list[Collection]:
    return [*crew["stewards"], *crew["members"]]  # type: ignore[misc]


def _sync_all(crew: dict[str, object]) -> None:
    for col in _everyone(crew):
        col.team.sync(now=NOW)


def _aggregate_all(crew: dict[str, object], now=CLOSED) -> None:  # type: ignore[no-untyped-def]
    for steward in crew["stewards"]:  # type: ignore[attr-defined]
        outcomes = steward.team.aggregate(now=now)
        assert outcomes and all(o.status in ("published", "suppressed") for o in outcomes)


def _report(col: Collection) -> RoundsReport:
    report = col.team.report(now=CLOSED)
    assert isinstance(report, RoundsReport)
    return report


# ----------------------------------------------------------------------------- the protocol
def test_a_closed_round_is_summed_and_shown_with_its_noise(crew: dict[str, object]) -> None:
    for n, col in enumerate(_everyone(crew)):
        study(col, [0, 1] if n % 2 else [0])
    _sync_all(crew)
    steward = crew["stewards"][0]  # type: ignore[index]
    # on Saturday only last week's round is closed (this week's is still open)
    assert [o.round for o in steward.team.aggregate(now=NOW)] == [
        round_of(NOW.date() - timedelta(days=7))
    ]
    _aggregate_all(crew)
    report = _report(steward)
    shown = [r for r in report.rounds if r.shown]
    assert [r.round for r in shown][-1] == ROUND and shown[-1].members == 5
    figures = shown[-1]
    saturday, friday = figures.days[5], figures.days[4]
    assert saturday.margin > 0  # every figure carries its interval
    assert abs(saturday.value - 5) <= saturday.margin + 0.5  # type: ignore[operator]
    assert abs(friday.value - 2) <= friday.margin + 0.5  # type: ignore[operator]
    # both stewards summed exactly the same five contributions
    partials, problems = read_partials(
        FolderStore(crew["folder"]), load_team(crew["folder"]), ROUND
    )  # type: ignore[arg-type]
    assert not problems and len(partials) == 2
    assert partials[0].contributions == partials[1].contributions and partials[0].n == 5
    # a steward publishes once: running again changes nothing
    assert steward.team.aggregate(now=CLOSED) == []


def test_fewer_than_k_members_publish_a_count_only(mastery_home: Path, tmp_path: Path) -> None:
    folder = make_team(tmp_path / "t", k=3, stewards=False)
    stewards = [open_profile(mastery_home, f"s{n}") for n in range(2)]
    add_stewards(folder, *stewards)
    for col in stewards:
        col.team.join(folder, sync=True)
        col.team.pull(now=NOW)
        study(col, [0])
        col.team.sync(now=NOW)
    for col in stewards:
        assert [o.status for o in col.team.aggregate(now=CLOSED)] == ["suppressed", "suppressed"]
    report = _report(stewards[0])
    assert all(r.status == "suppressed" and r.members == 2 for r in report.rounds)
    assert report.latest is None
    for path in (folder / "rounds").rglob("partials/*.json"):
        signed = base64.b64decode(json.loads(path.read_text())["signed"])
        assert b'"sums":null' in signed  # no figure at all leaves the steward


# ----------------------------------------------------------------------------- attackers
def test_reading_every_byte_of_the_folder_and_its_git_history_yields_no_figure(
    crew: dict[str, object],
) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    if shutil.which("git") is None:
        pytest.fail("git is needed for this test (.ci/run installs it)")
    for col in _everyone(crew):
        col.journal.add("CANARY-JOURNAL private thoughts", now=NOW)
        col.goals.add("CANARY-GOAL private goal")
        col.mentor.set_display_name("CANARY-NAME")
        study(col, [0, 2])

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=folder,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    git("init", "-q", "-b", "main")
    for col in _everyone(crew):
        col.team.sync(now=NOW)
        git("add", "-A")
        git("commit", "-qm", "sync")
    _aggregate_all(crew)
    git("add", "-A")
    git("commit", "-qm", "sums")
    history = subprocess.run(
        ["git", "log", "-p", "--all", "--format=%H"], cwd=folder, capture_output=True, check=True
    ).stdout
    everything = history + b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    for canary in CANARIES:
        assert canary.encode() not in everything
    identities = [Identity.of(c).public for c in _everyone(crew)]
    contributions = list(folder.glob("rounds/*/contributions/*.json"))
    assert len(contributions) == 10  # five members, two rounds each
    for path in contributions:
        data = json.loads(path.read_text())
        assert set(data) == {"format", "version", "team", "round", "shares"}
        raw = path.read_bytes()
        for who in identities:  # no file says who wrote it
            assert who.signing_key.encode() not in raw and who.fingerprint.encode() not in raw
        for box in data["shares"]:  # sealed: no share is JSON anyone can read
            assert b'"share"' not in base64.b64decode(box)
    # a teammate (a member, not a steward) can open no share at all
    outsider = Identity.of(crew["members"][0])  # type: ignore[index]
    for path in contributions:
        for box in json.loads(path.read_text())["shares"]:
            with pytest.raises(Exception, match="another identity"):
                open_share(outsider, base64.b64decode(box), identities, path.parent.parent.name)
    # file names carry no stable pseudonym: the same member's two syncs use unrelated names
    member = crew["members"][1]  # type: ignore[index]
    before = {p.name for p in folder.glob(f"rounds/{ROUND}/contributions/*.json")}
    assert member.team.sync(now=NOW).rounds == ()  # both rounds are summed: closed for good
    member.team.sync(now=CLOSED)  # the next week's round gets a file with a new random name
    after = {p.name for p in folder.rglob("contributions/*.json")}
    assert before < after and len(after) == 11


def test_one_stewards_share_is_uniformly_random(crew: dict[str, object]) -> None:
    """Alone, a steward's share says nothing: the same vector twice gives unrelated shares
    spread over the whole 64-bit range."""
    col = crew["members"][0]  # type: ignore[index]
    config = load_team(crew["folder"])  # type: ignore[arg-type]
    layout = layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])
    vector = member_vector(col, config, layout, ROUND, now=NOW)
    steward = Identity.of(crew["stewards"][0])  # type: ignore[index]
    seen = []
    for _ in range(2):
        data = json.loads(
            seal_contribution(Identity.of(col), config, layout, ROUND, vector, now=NOW)
        )
        box = next(
            base64.b64decode(b)
            for b in data["shares"]
            if base64.b64decode(b).startswith(
                b"mastery-paired-1\n" + steward.public.encryption_bytes
            )
        )
        payload = json.loads(open_share(steward, box, [Identity.of(col).public], ROUND).payload)
        from mastery.team.wire import decode_vector

        seen.append(decode_vector(payload["share"], layout.size))
    assert seen[0] != seen[1]
    top_bits = [v >> 63 for share in seen for v in share]
    assert 0.3 < sum(top_bits) / len(top_bits) < 0.7
    assert all(v in (0, 1) for v in vector) and sum(vector) <= layout.bound


def test_made_up_and_repeated_contributions_never_lift_suppression(
    mastery_home: Path, tmp_path: Path
) -> None:
    """k = 3 and one real member: two Sybil files (keys not on the roster), the member's own
    file copied, and many syncs of one member are all counted as that one member."""
    folder = make_team(tmp_path / "t", k=3, stewards=False)
    stewards = [open_profile(mastery_home, f"s{n}") for n in range(2)]
    add_stewards(folder, *stewards)
    real = open_profile(mastery_home, "real")
    for col in [*stewards, real]:
        col.team.join(folder, sync=False)
    real.team.set_sync("crew", True)
    real.team.pull(now=NOW)
    study(real, [0])
    for n in range(3):
        real.team.sync(now=NOW - timedelta(hours=n))
    config = load_team(folder)
    layout = layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])
    store = FolderStore(folder)
    for n in range(2):
        sybil = Identity.generate()  # never on the roster
        data = seal_contribution(sybil, config, layout, ROUND, [1] * layout.size, now=NOW)
        store.put_contribution(ROUND, f"{n:032x}", data)
    own = (
        folder
        / "rounds"
        / ROUND
        / "contributions"
        / f"{real.team._contributions('crew')[ROUND]}.json"
    )
    shutil.copy(own, own.with_name("f" * 32 + ".json"))
    # a Sybil who writes a roster entry for itself is on the roster only if the folder's owner
    # keeps it: here nobody approved one, so the roster holds the three real profiles
    assert len(read_roster(store, "crew")) == 3
    for n, steward in enumerate(stewards):
        outcomes = steward.team.aggregate(now=CLOSED)
        w47 = next(o for o in outcomes if o.round == ROUND)
        assert w47.status == "suppressed" and w47.members == 1
        if n == 0:  # the second steward sums exactly the first one's list
            assert w47.ignored.get("not from a member on the roster") == 2
    assert all(not r.shown for r in _report(real).rounds)


def test_forged_and_tampered_partial_sums_are_skipped(crew: dict[str, object]) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    _aggregate_all(crew)
    partial = next(folder.glob(f"rounds/{ROUND}/partials/*.json"))
    good = partial.read_bytes()
    data = json.loads(good)
    signed = bytearray(base64.b64decode(data["signed"]))
    signed[-5] ^= 1  # tampered after signing
    partial.write_text(json.dumps({**data, "signed": base64.b64encode(bytes(signed)).decode()}))
    report = _report(crew["members"][0])  # type: ignore[index]
    assert report.latest is None or report.latest.round != ROUND
    assert any("signature" in p or "forged" in p for p in report.problems)
    # a sum signed by someone who is not a steward of team.toml
    partial.write_bytes(good)
    impostor = Identity.generate()
    message = json.loads(base64.b64decode(data["signed"])[64 + len(b"mastery signed v1\x00") :])
    from mastery.team.steward import sign_partial

    forged = sign_partial(impostor, {**message, "steward": impostor.public.to_text()})
    (partial.parent / f"{entry_name(impostor.public)}.json").write_bytes(forged)
    report = _report(crew["members"][0])  # type: ignore[index]
    assert report.latest is not None and report.latest.round == ROUND
    assert any("not a steward's partial sum" in p for p in report.problems)  # left unread


def test_future_dated_and_replayed_contributions_are_ignored(crew: dict[str, object]) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    member = crew["members"][0]  # type: ignore[index]
    config = load_team(folder)
    layout = layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])
    vector = member_vector(member, config, layout, ROUND, now=NOW)
    future = seal_contribution(
        Identity.of(member), config, layout, ROUND, vector, now=CLOSED + timedelta(days=400)
    )
    FolderStore(folder).put_contribution(ROUND, "0" * 32, future)
    # a genuine file of another round copied into this one
    other = next(folder.glob("rounds/*/contributions/*.json"))
    other_round = other.parent.parent.name
    target_round = "2026-W40" if other_round != "2026-W40" else "2026-W41"
    (folder / "rounds" / target_round / "contributions").mkdir(parents=True)
    shutil.copy(other, folder / "rounds" / target_round / "contributions" / other.name)
    outcomes = crew["stewards"][0].team.aggregate(now=CLOSED)  # type: ignore[index]
    by_round = {o.round: o for o in outcomes}
    assert by_round[ROUND].members == 5 and by_round[ROUND].ignored["dated in the future"] == 1
    assert by_round[target_round].members == 0
    assert by_round[target_round].ignored == {"damaged, forged or not a contribution": 1} or (
        by_round[target_round].ignored.get("sealed for another team or round") == 1
    )


def test_reports_around_one_members_join_differ_only_within_the_noise(
    crew: dict[str, object], tmp_path: Path
) -> None:
    """The differencing attack of the issue: two sums, one with and one without a member, in
    which the difference was that member's days exactly. Now each sum carries fresh noise from
    each steward: guessing the member's active days from the difference fails often."""
    everyone = _everyone(crew)
    for n, col in enumerate(everyone):
        study(col, [0, 1, 3] if n % 2 else [2, 4])
    _sync_all(crew)
    folder: Path = crew["folder"]  # type: ignore[assignment]
    newcomer = crew["members"][2]  # type: ignore[index]
    config = load_team(folder)
    layout = layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])
    truth = member_vector(newcomer, config, layout, ROUND, now=NOW)[:7]
    roster = read_roster(FolderStore(folder), "crew")
    stewards = [Identity.of(s) for s in crew["stewards"]]  # type: ignore[attr-defined]
    newcomer_files = set(crew["members"][2].team._contributions("crew").values())  # type: ignore[index]
    right = total = 0
    for trial in range(12):
        sums = []
        for with_newcomer in (False, True):
            copy = tmp_path / f"trial{trial}-{with_newcomer}"
            shutil.copytree(folder, copy)
            if not with_newcomer:
                for name in newcomer_files:
                    for f in copy.glob(f"rounds/*/contributions/{name}.json"):
                        f.unlink()
            store = FolderStore(copy)
            for identity in stewards:
                aggregate(
                    identity,
                    store,
                    config,
                    layout,
                    roster,
                    {r: read_partials(store, config, r)[0] for r in store.rounds()},
                    now=CLOSED,
                    today=CLOSED.date(),
                )
            from mastery.team.report import build_rounds_report

            report = build_rounds_report(store, config, 5, today=CLOSED.date(), problems=[])
            figures = next(r for r in report.rounds if r.round == ROUND)
            assert figures.shown
            sums.append([e.value for e in figures.days])
        guess = [round(b - a) for a, b in zip(sums[0], sums[1], strict=True)]  # type: ignore[operator]
        right += sum(g == t for g, t in zip(guess, truth, strict=True))
        total += len(truth)
    assert right / total < 0.8, f"the attacker guessed {right} of {total} days"


def test_a_personal_deck_with_the_team_decks_id_never_counts(
    mastery_home: Path, tmp_path: Path, write_deck
) -> None:
    from test_team import DECK

    folder = make_team(tmp_path / "t", stewards=False)
    col = open_profile(mastery_home, "p")
    col.import_files(
        [write_deck(DECK.replace("CANARY-CARD-FRONT", "CANARY-PRIVATE-DECK"))], now=NOW
    )
    card = col.deck_cards("team-deck")[0]
    col.answer(card.id, 1, now=NOW)  # a personal review, on a deck with the team's id
    steward = open_profile(mastery_home, "s")
    add_stewards(folder, steward)
    col.team.join(folder, sync=True)  # joined, but the team's decks not pulled
    config = load_team(folder)
    layout = layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])
    vector = member_vector(col, config, layout, ROUND, now=NOW)
    assert vector[:7] == [0] * 7  # no active day
    assert (
        vector[layout.at("retention:team-deck") : layout.at("retention:team-deck") + 6] == [0] * 6
    )
    assert sum(vector[layout.at("again:team-deck") : layout.at("again:team-deck") + 2]) == 0


# ----------------------------------------------------------------------------- migration
def test_sync_deletes_the_old_plaintext_record_and_the_old_report_works_until_then(
    crew: dict[str, object],
) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
        config = load_team(folder)
        write_record(folder, member_record(col, config, col.team.pseudonym("crew"), now=NOW))
    from mastery.team import TeamReport

    old = crew["members"][0].team.report(now=NOW)  # type: ignore[index]
    assert isinstance(old, TeamReport) and old.members == 5
    for col in _everyone(crew):
        col.team.sync(now=NOW)
    assert not list((folder / "summary").glob("*.json"))
    assert isinstance(crew["members"][0].team.report(now=NOW), RoundsReport)  # type: ignore[index]


def test_leaving_removes_roster_entry_and_contributions(crew: dict[str, object]) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    member = crew["members"][0]  # type: ignore[index]
    member.team.sync(now=NOW)
    name = entry_name(Identity.of(member).public)
    assert (folder / "members" / f"{name}.json").exists()
    files = set(folder.rglob("contributions/*.json"))
    member.team.leave("crew")
    assert not (folder / "members" / f"{name}.json").exists()
    assert len(files - set(folder.rglob("contributions/*.json"))) == 2


def test_roster_entries_are_checked(crew: dict[str, object]) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    store = FolderStore(folder)
    assert len(read_roster(store, "crew")) == 5
    intruder = Identity.generate()
    entry = roster_entry(intruder, "other-team", NOW.date())
    store.put_member(entry_name(intruder.public), entry)  # an entry of another team
    store.put_member("0123456789abcdef", roster_entry(Identity.generate(), "crew", NOW.date()))
    roster = read_roster(store, "crew")
    assert len(roster) == 5 and len(roster.problems) == 2
    assert b"CANARY" not in b"".join(p.read_bytes() for p in (folder / "members").glob("*"))


# ----------------------------------------------------------------------------- the CLI
def test_cli_sync_aggregate_report(crew: dict[str, object], capsys, mastery_home: Path) -> None:
    for col in _everyone(crew):
        study(col, [0])
        col.team.sync(now=NOW)
        col.close()
    code = main(["--no-bundled-decks", "--profile", "s0", "team", "aggregate"])
    out = capsys.readouterr().out
    assert code == 0 and "published the noised sum of 5 members" in out
    code = main(["--no-bundled-decks", "--profile", "s1", "team", "aggregate"])
    assert code == 0
    capsys.readouterr()
    code = main(["--no-bundled-decks", "--profile", "m0", "team", "report", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["latest_round"] == ROUND
    code = main(["--no-bundled-decks", "--profile", "m0", "team", "report"])
    out = capsys.readouterr().out
    assert code == 0 and f"Latest round {ROUND}" in out and "±" in out
    code = main(["--no-bundled-decks", "--profile", "m0", "team", "aggregate"])
    err = capsys.readouterr().err
    assert code == 2 and "not a steward" in err and err[-1] == "\n" and err.count("\n") == 1


def test_leaving_keeps_contributions_a_steward_has_already_summed(crew: dict[str, object]) -> None:
    """Removing the files would leave the other steward unable to find what the first one
    summed; the member who left still stops counting, by the stewards settling again."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    _sync_all(crew)
    first = crew["stewards"][0]  # type: ignore[index]
    first.team.aggregate(now=CLOSED)
    member = crew["members"][0]  # type: ignore[index]
    mine = member.team._contributions("crew")
    member.team.leave("crew")
    for round_id, name in mine.items():
        assert (folder / "rounds" / round_id / "contributions" / f"{name}.json").exists()
    # The second steward counts members on the roster only: it sums the four others, the
    # first one sums those four again, and the round settles without the member who left.
    outcomes = crew["stewards"][1].team.aggregate(now=CLOSED)  # type: ignore[index]
    assert all(o.status == "published" and o.members == 4 for o in outcomes)
    again = first.team.aggregate(now=CLOSED)
    assert again and all(o.members == 4 for o in again)
    latest = _report(first).latest
    assert latest is not None and latest.members == 4


def test_a_team_moved_to_another_folder_never_gets_a_round_summed_twice(
    crew: dict[str, object], tmp_path: Path
) -> None:
    """The lead moves the team to another folder (or database) after the stewards summed
    last week's round; everyone joins it there, and the members' next sync seals that
    round again (no steward summed it in the new folder). A steward who summed it in the
    old folder must not publish a second, freshly noised sum of the same members' week:
    anyone reading both folders would average the noise away. It says why instead."""
    for col in _everyone(crew):
        study(col, [0, 1])
    _sync_all(crew)
    _aggregate_all(crew)
    old: Path = crew["folder"]  # type: ignore[assignment]
    moved = tmp_path / "moved"
    shutil.copytree(old, moved, ignore=shutil.ignore_patterns("rounds", "members"))
    for col in _everyone(crew):
        col.team.join(moved, sync=True)
        col.team.sync(now=CLOSED)  # last week's round: not summed here yet
    assert len(list(moved.glob(f"rounds/{ROUND}/contributions/*.json"))) == 5
    steward = crew["stewards"][0]  # type: ignore[index]
    outcomes = {o.round: o for o in steward.team.aggregate(now=CLOSED)}
    assert outcomes[ROUND].status == "refused"
    assert "summed" in (outcomes[ROUND].detail or "")
    assert not list(moved.glob(f"rounds/{ROUND}/partials/*.json"))
    # the old folder's sums stay where they were: nothing of them is put in the new one
    assert len(list(old.glob(f"rounds/{ROUND}/partials/*.json"))) == 2


def test_a_steward_who_left_and_joined_again_waits_for_the_other_steward_quietly(
    crew: dict[str, object],
) -> None:
    """A steward sums a round, leaves the team and joins it again (a membership afresh):
    its sum is still in the folder, so while the other steward has not summed, there is
    nothing to say of that round (it is no 'summed before' refusal)."""
    for col in _everyone(crew):
        study(col, [0, 1])
    _sync_all(crew)
    steward = crew["stewards"][0]  # type: ignore[index]
    assert ROUND in [o.round for o in steward.team.aggregate(now=CLOSED)]
    steward.team.leave("crew", now=CLOSED)
    steward.team.join(crew["folder"], sync=True)
    assert ROUND not in [o.round for o in steward.team.aggregate(now=CLOSED)]
