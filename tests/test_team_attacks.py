"""An adversarial review of issue 11's team protocol: each test plays one attacker.

The promise under attack: nobody (a teammate, the lead, the folder's host, a reader of git
history, a steward alone) learns one member's figures; bad files in the folder never give a
traceback, never hang a command and never block everyone. Every hole the review found is
fixed; each test here is the attack that found it, now failing as it should.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from test_team import open_share
from test_team_rounds import (
    CLOSED,
    NOW,
    ROUND,
    _aggregate_all,
    _everyone,
    _report,
    _sync_all,
    add_stewards,
    open_profile,
    study,
)

from mastery.cli import main
from mastery.collection import Collection
from mastery.identity import Identity
from mastery.team import load_team
from mastery.team.contribution import member_vector, split
from mastery.team.layout import deck_cards, layout_of
from mastery.team.noise import draw_noise, interval, noise_scale
from mastery.team.roster import entry_name
from mastery.team.wire import CONTRIBUTION_FORMAT, SHARE_FORMAT, dumps, encode_vector, round_of

LAST_WEEK = round_of(NOW.date() - timedelta(days=7))
Crew = dict[str, object]


@pytest.fixture
def crew(mastery_home: Path, tmp_path: Path) -> Crew:
    """test_team_rounds' team: k=3, two stewards who are members too, three more members."""
    from test_team import make_team

    folder = make_team(tmp_path / "crew", k=3, stewards=False)
    stewards = [open_profile(mastery_home, f"s{n}") for n in range(2)]
    add_stewards(folder, *stewards)
    members = [open_profile(mastery_home, f"m{n}") for n in range(3)]
    for col in [*stewards, *members]:
        col.team.join(folder, sync=True)
        col.team.pull(now=NOW)
    return {"folder": folder, "stewards": stewards, "members": members}


def _layout(folder: Path):  # type: ignore[no-untyped-def]
    config = load_team(folder)
    return config, layout_of(deck_cards(config.deck_files), [g.id for g in config.goals])


def _cli(capsys: pytest.CaptureFixture[str], profile: str, *args: str) -> tuple[int, str, str]:
    """Run one command line as `profile`; a traceback fails the test by propagating."""
    code = main(["--no-bundled-decks", "--profile", profile, "team", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _close(crew: Crew) -> None:
    """The CLI opens each profile itself (with the wall clock, long after NOW)."""
    for col in _everyone(crew):
        col.close()


# ----------------------------------------------------------------------------- hostile files
def _hostile_files(folder: Path, outside: Path) -> None:
    """Everything a member with write access could put under members/ and rounds/."""
    outside.mkdir(exist_ok=True)
    (outside / "secret.json").write_text('{"format": "not yours"}')
    targets = [
        folder / "members",
        folder / "rounds" / ROUND / "contributions",
        folder / "rounds" / ROUND / "partials",
    ]
    for n, where in enumerate(targets):
        where.mkdir(parents=True, exist_ok=True)
        (where / f"deep{n}.json").write_text("[" * 100_000 + "]" * 100_000)
        (where / f"nan{n}.json").write_text('{"format": NaN, "version": 1e999}')
        (where / f"types{n}.json").write_text(
            '{"format": 1, "version": "1", "signed": [], "shares": {}, "team": null}'
        )
        (where / f"binary{n}.json").write_bytes(b"\xff\xfe\x00garbage\x80")
        with (where / f"huge{n}.json").open("wb") as huge:  # sparse: over every size limit
            huge.truncate(70 * 1024 * 1024)
        (where / f"dir{n}.json").mkdir()
        os.mkfifo(where / f"fifo{n}.json")
        (where / f"out{n}.json").symlink_to(outside / "secret.json")
        (where / f"loop{n}.json").symlink_to(where / f"loop{n}.json")
        (where / f"dev{n}.json").symlink_to("/dev/zero")
        (where / "NOT OURS.json").write_text("{}")
        (where / "..json").write_text("{}")
    for bad in ("2026-W99", "0000-W01", "2026-W00", "9999-W53"):
        (folder / "rounds" / bad / "contributions").mkdir(parents=True)
        (folder / "rounds" / bad / "partials").mkdir(parents=True)
    (folder / "rounds" / "2026-W40").write_text("a file, not a round")
    (folder / "rounds" / "2026-W41").symlink_to(outside)


def test_hostile_files_never_give_a_traceback_hang_or_block_the_round(
    crew: Crew, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A round directory named like a week that does not exist (`2026-W99`) used to raise
    `WireProblem` (a ValueError) out of `team aggregate`: a traceback, and no round summed for
    anyone. Every other hostile file is skipped with one warning line each."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    _hostile_files(folder, tmp_path / "outside")
    _close(crew)
    for steward in ("s0", "s1"):
        code, out, err = _cli(capsys, steward, "aggregate")
        assert "2026-W99" not in out + err and "Traceback" not in err
        assert f"{ROUND}: published the noised sum of 5 members" in out, out + err
    for profile in ("m0", "s0"):
        code, out, err = _cli(capsys, profile, "report", "--format", "json")
        assert code == 0 and json.loads(out)["latest_round"] == ROUND
        assert all(line.startswith("mastery: warning: skipped ") for line in err.splitlines())
        code, out, err = _cli(capsys, profile, "report")
        assert code == 0 and f"Latest round {ROUND}" in out
    code, out, err = _cli(capsys, "m1", "sync")
    assert code == 0 and "Traceback" not in err
    assert not (tmp_path / "outside" / "secret.json").read_text().startswith('{"format": "m')


def test_a_symlinked_round_folder_never_makes_mastery_write_outside_the_team_folder(
    crew: Crew, tmp_path: Path
) -> None:
    """A member commits `rounds/<week>/contributions` and `partials` as links to a folder of
    the victim's (git stores symlinks): syncs and sums used to write there."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    outside = tmp_path / "victim"
    outside.mkdir()
    for kind in ("contributions", "partials"):
        (folder / "rounds" / ROUND).mkdir(parents=True, exist_ok=True)
        (folder / "rounds" / ROUND / kind).symlink_to(outside, target_is_directory=True)
    member = crew["members"][0]  # type: ignore[index]
    try:
        member.team.sync(now=NOW)
    except Exception as exc:  # refused with one line is fine
        assert "outside" in str(exc) or "link" in str(exc)
    steward = crew["stewards"][0]  # type: ignore[index]
    try:
        steward.team.aggregate(now=CLOSED)
    except Exception as exc:
        assert "link" in str(exc)
    assert list(outside.iterdir()) == []


# ----------------------------------------------------------------------------- malicious stewards
def test_deleting_a_partial_sum_never_makes_its_steward_publish_fresh_noise(crew: Crew) -> None:
    """Anyone who can write the folder deletes a steward's partial sum; the steward's next
    `team aggregate` used to publish a second, freshly noised sum of the same members, and
    git history keeps both: averaging them takes noise away (the very thing the store's
    one-partial-per-steward rule is there to stop). The steward must put back the sum it
    published (it keeps it in its profile), not draw new noise."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    _aggregate_all(crew)
    steward = crew["stewards"][0]  # type: ignore[index]
    path = (
        folder / "rounds" / ROUND / "partials" / f"{entry_name(Identity.of(steward).public)}.json"
    )
    published = path.read_bytes()
    for _ in range(3):
        path.unlink()
        steward.team.aggregate(now=CLOSED + timedelta(hours=1))
        assert path.read_bytes() == published
    assert _report(steward).latest.round == ROUND  # type: ignore[union-attr]


def test_a_file_at_a_stewards_partial_path_blocks_one_round_not_every_round(crew: Crew) -> None:
    """Someone who is not a steward puts something where a steward's partial sum goes (its
    name is public: a digest of the steward's key); a garbage file is replaced (next test),
    but a directory cannot be: `team aggregate` used to stop with that error and sum no later
    round either."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)  # both LAST_WEEK and ROUND get five contributions
    steward = crew["stewards"][1]  # type: ignore[index]
    name = entry_name(Identity.of(steward).public)
    blocked = folder / "rounds" / LAST_WEEK / "partials" / f"{name}.json"
    blocked.mkdir(parents=True)
    crew["stewards"][0].team.aggregate(now=CLOSED)  # type: ignore[index]
    outcomes = {o.round: o for o in steward.team.aggregate(now=CLOSED)}
    assert outcomes[ROUND].status == "published" and outcomes[ROUND].members == 5
    assert outcomes[LAST_WEEK].status == "refused"
    assert f"{name}.json" in outcomes[LAST_WEEK].detail
    assert _report(steward).latest.round == ROUND  # type: ignore[union-attr]


def test_a_file_at_a_stewards_partial_path_cannot_block_the_round(crew: Crew) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    steward = crew["stewards"][1]  # type: ignore[index]
    name = entry_name(Identity.of(steward).public)
    (folder / "rounds" / ROUND / "partials").mkdir(parents=True)
    (folder / "rounds" / ROUND / "partials" / f"{name}.json").write_text("{}")
    crew["stewards"][0].team.aggregate(now=CLOSED)  # type: ignore[index]
    steward.team.aggregate(now=CLOSED)
    assert _report(steward).latest.round == ROUND  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- malicious members
def _split_brain_contribution(
    member: Collection, folder: Path, ids: list[str] | None = None
) -> bytes:
    """A contribution whose shares name a different contribution id for each steward: each
    steward opens a valid, signed share, but no two agree on what they summed (or, given
    `ids`, the ids the attacker chose, one per steward)."""
    config, layout = _layout(folder)
    identity = Identity.of(member)
    vector = member_vector(member, config, layout, ROUND, now=NOW)
    ids = ids or [secrets.token_hex(16) for _ in config.stewards]
    sealed = []
    for steward, share, cid in zip(config.stewards, split(vector, 2), ids, strict=True):
        payload = {
            "format": SHARE_FORMAT,
            "version": 1,
            "team": config.id,
            "round": ROUND,
            "contribution": cid,
            "layout": layout.digest,
            "created_at": (NOW + timedelta(minutes=5)).astimezone(UTC).isoformat(),
            "length": len(share),
            "share": encode_vector(share),
        }
        sealed.append(base64.b64encode(identity.seal(dumps(payload), to=steward.identity)))
    return dumps(
        {
            "format": CONTRIBUTION_FORMAT,
            "version": 1,
            "team": config.id,
            "round": ROUND,
            "shares": [s.decode("ascii") for s in sealed],
        }
    )


def test_one_member_cannot_stall_a_round_forever(crew: Crew) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    liar = crew["members"][0]  # type: ignore[index]
    name = next(iter(liar.team._contributions("crew").values()))  # noqa: SLF001
    own = folder / "rounds" / ROUND / "contributions" / f"{name}.json"
    own.write_bytes(_split_brain_contribution(liar, folder))  # newest: it replaces the honest one
    first, second = crew["stewards"]  # type: ignore[misc]
    assert [o.status for o in first.team.aggregate(now=CLOSED) if o.round == ROUND] == ["published"]
    for hours in (1, 24, 24 * 30):
        second.team.aggregate(now=CLOSED + timedelta(hours=hours))
    assert _report(first).latest.round == ROUND  # type: ignore[union-attr]


def test_a_member_cannot_pass_its_share_off_as_anothers_contribution(crew: Crew) -> None:
    """The first steward's partial sum lists contribution ids in clear. A member who did not
    contribute to the round seals, for the second steward, a share under another member's
    listed id: the second steward used to sum that share in place of the victim's, and the
    report showed figures of shares that do not add up (random numbers modulo 2**64)."""
    from mastery.team.report import read_partials
    from mastery.team.store import FolderStore

    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    attacker = crew["members"][0]  # type: ignore[index]
    for name in attacker.team._contributions("crew").values():  # noqa: SLF001
        (folder / "rounds" / ROUND / "contributions" / f"{name}.json").unlink(missing_ok=True)
    first, second = crew["stewards"]  # type: ignore[misc]
    first.team.aggregate(now=CLOSED)
    config = load_team(folder)
    listed = read_partials(FolderStore(folder), config, ROUND)[0][0].contributions
    assert len(listed) == 4
    victim_id = listed[0]
    forged = _split_brain_contribution(attacker, folder, [secrets.token_hex(16), victim_id])
    (folder / "rounds" / ROUND / "contributions" / f"{'f' * 32}.json").write_bytes(forged)
    second.team.aggregate(now=CLOSED)
    figures = next(r for r in _report(first).rounds if r.round == ROUND)
    if figures.shown:  # shown only with every share the first steward summed
        assert all(abs(e.value - 4) <= e.margin + 1 for e in figures.days[5:6])  # type: ignore[operator]
        assert figures.members == 4
        monday = [e.value for e in figures.days[:5]]
        assert all(abs(v) <= figures.days[0].margin + 1 for v in monday), monday  # type: ignore[arg-type]


def test_leaving_keeps_contributions_a_steward_already_summed(crew: Crew) -> None:
    """`team leave` removes 'your contributions to rounds not yet summed' (docs/teams.md), but
    it used to remove them from rounds one steward had already summed too: the other steward
    then waited for ever for a contribution that is gone."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    crew["stewards"][0].team.aggregate(now=CLOSED)  # type: ignore[index]
    leaver = crew["members"][0]  # type: ignore[index]
    before = set(folder.rglob("contributions/*.json"))
    leaver.team.leave("crew")
    assert set(folder.rglob("contributions/*.json")) == before
    assert not (folder / "members" / f"{entry_name(Identity.of(leaver).public)}.json").exists()


def test_a_member_leaving_between_the_stewards_runs_never_stalls_the_round(crew: Crew) -> None:
    """Found stalling here; main's 852d48f fixed it (the second steward follows the first
    one's list even for a member who left the roster since)."""
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    first, second = crew["stewards"]  # type: ignore[misc]
    first.team.aggregate(now=CLOSED)
    crew["members"][0].team.leave("crew")  # type: ignore[index]
    outcomes = {o.round: o.status for o in second.team.aggregate(now=CLOSED)}
    assert outcomes[ROUND] == "published", outcomes


def test_a_steward_cannot_lift_one_member_over_k_with_keys_off_the_roster(
    mastery_home: Path, tmp_path: Path
) -> None:
    from test_team import make_team

    from mastery.team.contribution import seal_contribution
    from mastery.team.report import read_partials
    from mastery.team.roster import Roster, read_roster
    from mastery.team.steward import aggregate
    from mastery.team.store import FolderStore

    folder = make_team(tmp_path / "t", k=3, stewards=False)
    stewards = [open_profile(mastery_home, f"s{n}") for n in range(2)]
    add_stewards(folder, *stewards)
    victim = open_profile(mastery_home, "victim")
    for col in [*stewards, victim]:
        col.team.join(folder, sync=False)
    victim.team.set_sync("crew", True)
    victim.team.pull(now=NOW)
    study(victim, [0])
    victim.team.sync(now=NOW)
    config, layout = _layout(folder)
    store = FolderStore(folder)
    sybils = [Identity.generate() for _ in range(2)]
    for sybil in sybils:  # contributions of nobody, never on the roster
        data = seal_contribution(sybil, config, layout, ROUND, [0] * layout.size, now=NOW)
        store.put_contribution(ROUND, secrets.token_hex(16), data)
    honest = read_roster(store, "crew")
    assert len(honest) == 3  # the two stewards and the victim; no Sybil
    forged_roster = Roster(
        {**honest.members, **{s.public.signing_key: s.public for s in sybils}}, []
    )
    malicious = Identity.of(stewards[0])
    published = {r: read_partials(store, config, r)[0] for r in store.rounds()}
    aggregate(
        malicious, store, config, layout, forged_roster, published, now=CLOSED, today=CLOSED.date()
    )
    outcomes = {o.round: o for o in stewards[1].team.aggregate(now=CLOSED)}
    assert outcomes[ROUND].status != "published", outcomes[ROUND]


# ----------------------------------------------------------------------------- readers
def test_every_contribution_of_a_round_has_the_same_size(crew: Crew) -> None:
    """Size is all a reader sees of a contribution: it must not tell a busy member (Again on
    five cards, every day) from one who did nothing."""
    members = _everyone(crew)
    study(members[0], [0, 1, 2, 3, 4, 5], again=True)
    study(members[1], [0])
    _sync_all(crew)
    folder: Path = crew["folder"]  # type: ignore[assignment]
    sizes = {p.stat().st_size for p in folder.glob(f"rounds/{ROUND}/contributions/*.json")}
    assert len(sizes) == 1


def test_the_stated_95_percent_interval_holds_for_the_noise_actually_added(crew: Crew) -> None:
    """The report's margin is `interval(sigma, stewards)`; OpenDP's discrete Gaussian must
    land inside it at least 95% of the time, or the report overstates its precision."""
    config, layout = _layout(crew["folder"])  # type: ignore[arg-type]
    scale = noise_scale(layout.size, layout.sensitivity, config.rho)
    margin = interval(scale, 2)
    inside = total = 0
    for _ in range(300):
        summed = [
            a + b
            for a, b in zip(
                draw_noise(layout.size, scale), draw_noise(layout.size, scale), strict=True
            )
        ]
        inside += sum(abs(v) <= margin for v in summed)
        total += len(summed)
    assert inside / total >= 0.945, (inside / total, margin)


# ----------------------------------------------------------------------------- hostile commands
@pytest.mark.parametrize(
    "args",
    [
        ["steward", "add", "crew", "mastery-id1:AAAA:BBBB", "--name", "Eve"],
        ["steward", "add", "crew", "not an identity", "--name", "Eve"],
        ["steward", "remove", "crew", "nobody-of-that-name"],
        ["join", "/nonexistent/team"],
        ["join", "/dev/null"],
        ["report", "no-such-team"],
        ["aggregate", "no-such-team"],
        ["sync", "no-such-team"],
        ["leave", "no-such-team"],
        ["init", "/dev/null"],
        ["init", "/proc/no-such-dir/x"],
        ["init", "{folder}"],  # a team is already there
        ["init", "{folder}/../new", "--id", "../../etc"],
        ["init", "{folder}/../new2", "--id", "UPPER CASE"],
        ["join", "{folder}/team.toml"],
        ["join", "{folder}/decks"],
    ],
)
def test_hostile_command_lines_are_one_line_and_exit_2(
    crew: Crew, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    before = (folder / "team.toml").read_bytes()
    _close(crew)
    code, _, err = _cli(capsys, "s0", *(a.replace("{folder}", str(folder)) for a in args))
    assert code == 2 and err.startswith("mastery: error: ") and err.count("\n") == 1, err
    assert (folder / "team.toml").read_bytes() == before


def test_steward_names_with_control_characters_stay_one_toml_value(
    crew: Crew, capsys: pytest.CaptureFixture[str], mastery_home: Path
) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    _close(crew)
    third = open_profile(mastery_home, "s2")
    identity = Identity.of(third).public.to_text()
    third.close()
    name = 'Eve"\n[[stewards]]\nname = "Mallory\x1b[2J'
    code, out, err = _cli(capsys, "s0", "steward", "add", "crew", identity, "--name", name)
    if code == 0:
        config = load_team(folder)
        assert len(config.stewards) == 3 and "\x1b" not in out
    else:
        assert code == 2 and err.count("\n") == 1
        assert len(load_team(folder).stewards) == 2


def test_a_sybil_roster_lifts_k_only_through_the_roster(mastery_home: Path, tmp_path: Path) -> None:
    """Documented, not a hole: whoever controls the roster can add made-up members. Made-up
    *contributions* without roster entries count for nothing."""
    from test_team import make_team

    folder = make_team(tmp_path / "t", k=3, stewards=False)
    stewards = [open_profile(mastery_home, f"s{n}") for n in range(2)]
    add_stewards(folder, *stewards)
    for col in stewards:
        col.team.join(folder, sync=True)
        col.team.pull(now=NOW)
    stewards[0].team.sync(now=NOW)
    for _ in range(5):  # a Sybil without a roster entry: its contribution is ignored
        sybil = open_profile(mastery_home, f"sybil{secrets.token_hex(2)}")
        sybil.team.join(folder, sync=True)
        sybil.team.pull(now=NOW)
        sybil.team.sync(now=NOW)
        (folder / "members" / f"{entry_name(Identity.of(sybil).public)}.json").unlink()
        sybil.close()
    outcomes = {o.round: o for o in stewards[0].team.aggregate(now=CLOSED)}
    assert outcomes[ROUND].status == "suppressed" and outcomes[ROUND].members == 1


def test_colluding_teammates_cannot_tell_whether_one_member_studied(
    crew: Crew, tmp_path: Path
) -> None:
    """Three teammates (among them the stewards, honest: they keep their noise to themselves,
    but they are members too) pool their own contributions; the fourth contributor is either
    a member who studied on six days of the week or one who did not study. Adding up the two
    published partial sums (unclipped) and subtracting what they pooled, they test which."""
    import shutil

    from mastery.team.report import read_partials
    from mastery.team.roster import read_roster
    from mastery.team.steward import aggregate
    from mastery.team.store import FolderStore
    from mastery.team.wire import MODULUS, decode_vector

    s0, s1 = crew["stewards"]  # type: ignore[misc]
    m0, idle, busy = crew["members"]  # type: ignore[misc]
    study(busy, [0, 1, 2, 3, 4, 5])
    _sync_all(crew)
    folder: Path = crew["folder"]  # type: ignore[assignment]
    config, layout = _layout(folder)
    vectors = {c: member_vector(c, config, layout, ROUND, now=NOW) for c in (s0, s1, m0)}
    pooled = [sum(v) for v in zip(*vectors.values(), strict=True)]
    candidates = {
        "idle": member_vector(idle, config, layout, ROUND, now=NOW),
        "busy": member_vector(busy, config, layout, ROUND, now=NOW),
    }
    d = [b - a for a, b in zip(candidates["idle"], candidates["busy"], strict=True)]
    roster = read_roster(FolderStore(folder), "crew")
    stewards = [Identity.of(s) for s in (s0, s1)]
    files = {
        "idle": set(idle.team._contributions("crew").values()),  # noqa: SLF001
        "busy": set(busy.team._contributions("crew").values()),  # noqa: SLF001
    }
    right = trials = 0
    for trial in range(50):
        for target, other in (("busy", "idle"), ("idle", "busy")):
            copy = tmp_path / f"t{trial}{target}"
            shutil.copytree(folder, copy)
            for name in files[other]:
                for f in copy.glob(f"rounds/*/contributions/{name}.json"):
                    f.unlink()
            store = FolderStore(copy)
            for identity in stewards:
                published = {r: read_partials(store, config, r)[0] for r in store.rounds()}
                aggregate(
                    identity,
                    store,
                    config,
                    layout,
                    roster,
                    published,
                    now=CLOSED,
                    today=CLOSED.date(),
                )
            partials, _ = read_partials(store, config, ROUND)
            assert len(partials) == 2 and partials[0].n == 4
            total = [0] * layout.size
            for p in partials:
                vector = decode_vector(p.sums or "", layout.size)
                total = [(a + b) % MODULUS for a, b in zip(total, vector, strict=True)]
            signed = [v - MODULUS if v >= MODULUS // 2 else v for v in total]
            residue = [
                t - k - i for t, k, i in zip(signed, pooled, candidates["idle"], strict=True)
            ]
            score = sum(r * x for r, x in zip(residue, d, strict=True))
            guess = "busy" if score > sum(x * x for x in d) / 2 else "idle"
            right += guess == target
            trials += 1
            shutil.rmtree(copy)
    # The best test between two known vectors through Gaussian noise is right with probability
    # Phi(|d| / (2 sigma)), sigma that of the two stewards' noise together: computed, not
    # sampled, this is the claim (about 2 times in 3 at the default rho = 1; at rho = 8 it was
    # 93 times in 100). The sampled attack above must agree with it within chance (100 trials
    # spread it over 0.6-0.8 from run to run), so it is held to a loose bound.
    from statistics import NormalDist

    from mastery.team.noise import noise_scale

    sigma = noise_scale(layout.size, layout.sensitivity, config.rho) * 2**0.5
    best = NormalDist().cdf(sum(x * x for x in d) ** 0.5 / (2 * sigma))
    assert best < 0.75, f"the best test is right {best:.0%} of the time"
    assert right / trials < 0.9, f"the teammates guessed right {right} times of {trials}"


# ----------------------------------------------------------------------------- team.toml
def _replace_stewards(folder: Path, *keys: Identity) -> None:
    """What any member with write access can do to team.toml: name keys of their own."""
    text = (folder / "team.toml").read_text(encoding="utf-8")
    text = text[: text.index("[[stewards]]")] + "".join(
        f'[[stewards]]\nname = "S{n}"\nidentity = "{k.public.to_text()}"\n\n'
        for n, k in enumerate(keys)
    )
    (folder / "team.toml").write_text(text, encoding="utf-8")


def test_a_member_who_rewrites_the_stewards_never_receives_a_contribution(
    crew: Crew, capsys: pytest.CaptureFixture[str]
) -> None:
    """A teammate replaces both stewards in team.toml with two keys of their own: every
    member's next sync used to seal both shares to the attacker, who added them up and read
    each member's contribution exactly. A member's sync now seals only for the stewards it
    joined with; a change is refused in one line until the member accepts it (`team join`)."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    victim = crew["members"][0]  # type: ignore[index]
    study(victim, [0, 2])
    victim.team.sync(now=NOW)
    victim_key = Identity.of(victim).public
    before = sorted(folder.rglob("contributions/*.json"))
    mallory = [Identity.generate(), Identity.generate()]
    _replace_stewards(folder, *mallory)
    with pytest.raises(Exception, match="stewards changed") as refused:
        victim.team.sync(now=NOW + timedelta(hours=1))
    assert "\n" not in str(refused.value) and "team join" in str(refused.value)
    assert sorted(folder.rglob("contributions/*.json")) == before  # nothing sent, nothing lost
    # the attacker can open nothing the victim ever wrote
    for path in before:
        for box in json.loads(path.read_text())["shares"]:
            for key in mallory:
                with pytest.raises(Exception, match="another identity"):
                    open_share(key, base64.b64decode(box), [victim_key], path.parent.parent.name)
    # the CLI says so in one line, exit 2
    victim.close()
    code, _, err = _cli(capsys, "m0", "sync")
    assert code == 2 and err.count("\n") == 1 and "stewards changed" in err
    # a member who trusts the change (fingerprints compared) accepts it by joining again
    code, _, _ = _cli(capsys, "m0", "join", str(folder))
    assert code == 0
    code, _, err = _cli(capsys, "m0", "sync")
    assert code == 0, err


def test_a_member_who_raises_rho_never_makes_a_steward_add_less_noise(crew: Crew) -> None:
    """A teammate sets `rho = 100` (and `k = 2`) in team.toml: stewards used to add the
    little noise that asks for without a word, and members' figures came out nearly exact."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    path = folder / "team.toml"
    text = path.read_text(encoding="utf-8").replace("k = 3", "k = 2")
    path.write_text(text.replace("[[goals]]", "[privacy]\nrho = 100.0\n\n[[goals]]", 1))
    assert load_team(folder).rho == 100.0
    steward = crew["stewards"][0]  # type: ignore[index]
    with pytest.raises(Exception, match="rho") as refused:
        steward.team.aggregate(now=CLOSED)
    assert "\n" not in str(refused.value)
    assert not list(folder.rglob("partials/*.json"))
    with pytest.raises(Exception, match="rho"):
        crew["members"][0].team.sync(now=NOW)  # type: ignore[index]


# ----------------------------------------------------------------------------- the Team screen
async def test_the_team_screen_survives_hostile_files_and_refuses_a_changed_team_toml(
    mastery_home: Path, tmp_path: Path
) -> None:
    """The TUI's Team screen reads the same folder: hostile files, a round named like a week
    that does not exist and a garbage partial sum give a report, not a crash; syncing after
    someone replaced the stewards is one error notification, and nothing is written."""
    from test_tui_helpers import SIZE, make_app
    from test_tui_team import open_team, summed_team

    folder = summed_team(mastery_home, tmp_path, members=3)
    _hostile_files(folder, tmp_path / "outside")
    col = open_profile(mastery_home, "m0")
    app = make_app(col, now=CLOSED)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_team(app, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        rounds = str(screen.query_one("#team-rounds").render())
        assert LAST_WEEK in rounds and "2026-W99" not in rounds
        before = sorted(folder.rglob("contributions/*.json"))
        _replace_stewards(folder, Identity.generate(), Identity.generate())
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        notes = app.notes  # type: ignore[attr-defined]
        assert any(sev == "error" and "stewards changed" in m for sev, m in notes), notes
        assert sorted(folder.rglob("contributions/*.json")) == before


# ----------------------------------------------------------------------------- concurrency
def test_stewards_summing_before_they_see_each_other_never_stall_the_round(crew: Crew) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    first, second = crew["stewards"]  # type: ignore[misc]
    first.team.aggregate(now=CLOSED)
    partials = folder / "rounds" / ROUND / "partials"
    away = folder.parent / "not-pulled-yet"
    partials.rename(away)  # the second steward's clone does not have it yet ...
    crew["members"][0].team.sync(now=CLOSED)  # ... nor the member's, who syncs last week again
    second.team.aggregate(now=CLOSED)
    for path in away.iterdir():  # git merges both partial sums
        path.rename(partials / path.name)
    for steward in (first, second):
        steward.team.aggregate(now=CLOSED + timedelta(days=1))
    status = {r.round: r.status for r in _report(first).rounds}
    assert status[ROUND] == "shown", status


def test_many_large_files_are_not_held_in_memory_at_once(crew: Crew) -> None:
    import tracemalloc

    from mastery.team.service import team_report
    from mastery.team.store import FolderStore

    folder: Path = crew["folder"]  # type: ignore[assignment]
    partials = folder / "rounds" / ROUND / "partials"
    partials.mkdir(parents=True)
    for n in range(24):
        with (partials / f"{n:016x}.json").open("wb") as f:
            f.truncate(4 * 1024 * 1024)  # sparse: 96 MB on paper, nothing on disk
    config = load_team(folder)
    tracemalloc.start()
    try:
        team_report(config, FolderStore(folder), now=CLOSED)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB"


# ----------------------------------------------------------------------------- more files
def test_round_folders_from_the_future_never_clutter_the_report(crew: Crew) -> None:
    """Anyone can make `rounds/2199-W01/`; no one can sum it for 170 years, so the report
    used to list every such folder as 'waiting' (ten thousand of them, if someone wished)."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    _aggregate_all(crew)
    for week in ("2199-W01", "2150-W33", "2030-W01"):
        (folder / "rounds" / week / "contributions").mkdir(parents=True)
    rounds = [r.round for r in _report(crew["members"][0]).rounds]  # type: ignore[index]
    assert rounds[-1] == ROUND and not any(r.startswith(("2199", "2150", "2030")) for r in rounds)


def test_a_partial_sum_whose_count_is_not_its_list_is_skipped(crew: Crew) -> None:
    """A steward's signed partial sum says `n` members and lists the contributions; the
    report used to believe `n` (it divides every mean by it and shows it as the member count)
    even when the list says otherwise."""
    from mastery.team.report import read_partials
    from mastery.team.steward import sign_partial
    from mastery.team.store import FolderStore
    from mastery.team.wire import PartialPayload

    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    _aggregate_all(crew)
    config = load_team(folder)
    store = FolderStore(folder)
    steward = Identity.of(crew["stewards"][0])  # type: ignore[index]
    mine = next(
        p for p in read_partials(store, config, ROUND)[0] if p.steward == steward.public.to_text()
    )
    inflated = mine.model_dump(mode="json") | {"n": 1000}
    PartialPayload.model_validate(inflated)  # every field alone is fine
    path = folder / "rounds" / ROUND / "partials" / f"{entry_name(steward.public)}.json"
    path.write_bytes(sign_partial(steward, inflated))
    partials, problems = read_partials(store, config, ROUND)
    assert len(partials) == 1 and any(path.name in p for p in problems)
    assert not any(r.members == 1000 for r in _report(crew["members"][0]).rounds)  # type: ignore[index]


def test_what_a_killed_write_leaves_behind_is_never_read(crew: Crew) -> None:
    """`kill -9` during a write leaves write_atomic's temp file (`.NAME.json.XXXX.tmp`) and
    its lock; neither is a round file, and the next sync, sum and report go on."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    for kind in ("contributions", "partials"):
        where = folder / "rounds" / ROUND / kind
        where.mkdir(parents=True, exist_ok=True)
        (where / f".{'a' * 32}.json.1234abcd.tmp").write_text('{"format": "half wr')
        (where / f".{'a' * 32}.json.lock").write_text("")
    (folder / "members" / ".0123456789abcdef.json.5678.tmp").write_text("{")
    crew["members"][0].team.sync(now=NOW + timedelta(minutes=1))  # type: ignore[index]
    _aggregate_all(crew)
    report = _report(crew["members"][1])  # type: ignore[index]
    assert report.latest.round == ROUND and report.latest.members == 5  # type: ignore[union-attr]
    assert not report.problems
    assert ".*.tmp" in (folder / "rounds" / ".gitignore").read_text()


def test_automatic_syncs_never_reveal_the_days_a_member_studied(crew: Crew) -> None:
    folder: Path = crew["folder"]  # type: ignore[assignment]
    member = crew["members"][0]  # type: ignore[index]
    member.team.set_auto("crew", True)
    card = next(c for c in member.deck_cards("crew/team-deck") if c.key == "alpha")
    monday = NOW - timedelta(days=NOW.weekday())  # the round's Monday, 10:00
    studied = {0, 2, 3}  # Monday, Wednesday, Thursday
    changed = set()
    files = set(folder.rglob("contributions/*.json"))
    for day in range(6):
        moment = monday + timedelta(days=day)
        if day in studied:  # a review session, then what the app does after one
            member.answer(card.id, 3, now=moment)
            member.team.auto_sync(now=moment + timedelta(minutes=5))
        now_files = set(folder.rglob("contributions/*.json"))
        if now_files != files:
            changed.add(day)
        files = now_files
    assert changed != studied, "the folder changed on exactly the days the member studied"


def test_empty_round_folders_never_make_stewards_write(crew: Crew) -> None:
    """Anyone can make `rounds/2001-W01/` ... `rounds/2006-W52/` (hundreds of closed rounds
    with nothing in them): each steward used to publish a partial sum, layout and all, for
    every one of them, and the report listed them all."""
    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    for year in range(2001, 2007):
        for week in range(1, 53):
            (folder / "rounds" / f"{year}-W{week:02d}" / "contributions").mkdir(parents=True)
    _aggregate_all(crew)
    written = {p.parent.parent.name for p in folder.glob("rounds/*/partials/*.json")}
    assert written == {LAST_WEEK, ROUND}
    report = _report(crew["members"][0])  # type: ignore[index]
    assert [r.round for r in report.rounds] == [LAST_WEEK, ROUND]


def test_a_steward_never_puts_another_teams_partial_sum_into_this_team(
    crew: Crew, tmp_path: Path
) -> None:
    """A steward keeps its partial sums in the profile by team id and round; team ids are
    names people choose (`crew`). A steward of one `crew` who joins another `crew` must not
    'put back' the first team's partial sum into the second team's folder. Nor does it sum
    again last week's round, which the members seal anew there: it summed that week of the
    same id in the first folder (a move looks just the same), and a second sum with its own
    noise would let anyone reading both folders average the noise away."""
    from test_team import make_team

    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    _aggregate_all(crew)
    other = make_team(tmp_path / "other-crew", k=3, stewards=False)
    add_stewards(other, *crew["stewards"])  # type: ignore[arg-type]
    for col in _everyone(crew):
        col.team.join(other, sync=True)  # the same id: this folder replaces the first
        col.team.pull(now=NOW)
        col.team.sync(now=CLOSED)  # last week's round (summed in the first) and this week's
    first_team = {p.read_bytes() for p in crew["folder"].glob("rounds/*/partials/*.json")}  # type: ignore[attr-defined]
    week_after = round_of(CLOSED.date())
    later = CLOSED + timedelta(days=7)
    for steward in crew["stewards"]:  # type: ignore[attr-defined]
        outcomes = {o.round: o.status for o in steward.team.aggregate(now=later)}
        assert outcomes == {ROUND: "refused", week_after: "published"}
    assert not first_team & {p.read_bytes() for p in other.glob("rounds/*/partials/*.json")}
    assert not list(other.glob(f"rounds/{ROUND}/partials/*.json"))
    report = crew["members"][0].team.report(now=later)  # type: ignore[index,attr-defined]
    assert report.latest.round == week_after


# ----------------------------------------------------------------------------- both stores
@pytest.fixture(params=["folder", "postgres"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A team folder and a team in PostgreSQL: the same attacks hold against both."""
    from mastery.team.pg_store import PostgresStore
    from mastery.team.store import FolderStore

    if request.param == "folder":
        (tmp_path / "team").mkdir()
        yield FolderStore(tmp_path / "team")
        return
    with PostgresStore(request.getfixturevalue("pg_dsn"), team="crew") as pg:
        yield pg


def test_a_round_named_like_a_week_that_does_not_exist_is_no_round(any_store) -> None:  # type: ignore[no-untyped-def]
    """`2026-W99` matches the pattern of a round: in either store it used to reach
    `round_days`, whose ValueError was a traceback in `team aggregate`."""
    from test_team_postgres import plant

    any_store.put_contribution(ROUND, "b" * 32, b"{}")  # the first write makes the tables
    for bad in ("2026-W99", "0000-W01", "2026-W00"):
        plant(any_store, "contribution", "a" * 32, b"{}", round_id=bad)
    assert any_store.rounds() == [ROUND]


def test_libsodium_itself_refuses_a_small_order_signing_key() -> None:
    """A steward opens shares without re-checking the signer's keys (`check_keys=False`): it
    relies on libsodium's verify refusing an all-zero or small-order Ed25519 key, which would
    otherwise accept signatures nobody made. If a libsodium ever stopped doing so, this fails."""
    import nacl.bindings
    import nacl.exceptions

    small_order = [
        bytes(32),
        bytes([1]) + bytes(31),
        bytes([0xEC]) + bytes([0xFF]) * 30 + bytes([0x7F]),
    ]
    for key in small_order:
        with pytest.raises((nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError)):
            nacl.bindings.crypto_sign_open(bytes(64) + b"any message", key)


def test_a_steward_never_holds_a_whole_round_of_large_files_at_once(crew: Crew) -> None:
    """Someone fills a round's folder with files just under the size limit: the steward reads
    them a batch at a time (`steward.BATCH`, two batches held: one opened while the next is
    read), so its memory does not grow with their number."""
    import tracemalloc

    from mastery.team import steward as steward_module

    folder: Path = crew["folder"]  # type: ignore[assignment]
    for col in _everyone(crew):
        study(col, [0])
    _sync_all(crew)
    contributions = folder / "rounds" / ROUND / "contributions"
    for n in range(40):
        with (contributions / f"{n:032x}.json").open("wb") as f:
            f.truncate(4 * 1024 * 1024)  # sparse: 160 MB on paper, nothing on disk
    steward = crew["stewards"][0]  # type: ignore[index]
    tracemalloc.start()
    try:
        outcomes = {o.round: o for o in steward.team.aggregate(now=CLOSED)}
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcomes[ROUND].members == 5  # the junk is ignored, the round summed
    # two batches, and the file being read: the same 56 MB as when one batch of 32 MB was held
    limit = 2 * steward_module.BATCH_BYTES + 24 * 1024 * 1024
    assert peak < limit, f"peak {peak / 2**20:.0f} MB"
