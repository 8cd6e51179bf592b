"""Teams: the folder, anonymized sync (one file per member) and the k-anonymous report."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import NOW
from mastery.collection import Collection
from mastery.errors import DatabaseBusyError, MasteryError
from mastery.identity import PAIRED_MAGIC, Identity, Opened, Peer, PublicIdentity
from mastery.team import (
    SUMMARY_VERSION,
    TeamError,
    build_report,
    init_team,
    load_team,
    read_records,
    render_text,
    write_record,
)
from mastery.team.roster import read_roster
from mastery.team.store import FolderStore

DECK = """id = "team-deck"
name = "Team Deck"
version = "1.0.0"

[[cards]]
id = "alpha"
front = "CANARY-CARD-FRONT alpha"
back = "CANARY-CARD-BACK"

[[cards]]
id = "beta"
front = "Beta question"
back = "Beta answer"
"""


STEWARDS = [Identity.generate() for _ in range(2)]  # stewards who are not among the profiles


def aggregate_as_the_command(
    steward: Identity,
    store: Any,
    config: Any,
    layout: Any,
    now: datetime,
    kept: dict[bytes, Peer] | None = None,
) -> list[Any]:
    """One steward's `aggregate` of the folder's closed rounds as `mastery team aggregate`
    runs it: the published partial sums read first, the roster read once, with
    the pairwise keys `kept` from an earlier run (none: a steward's first run), which are
    updated in place as the command keeps them in the profile (its kept refusals are not:
    tests/test_team_paired.py has those)."""
    from mastery.team.peers import Kept
    from mastery.team.report import read_partials
    from mastery.team.steward import aggregate

    known = {} if kept is None else kept
    published = {r: read_partials(store, config, r)[0] for r in store.rounds()}

    def keep(now_kept: Kept) -> None:
        known.clear()
        known.update(now_kept.peers)

    return aggregate(
        steward,
        store,
        config,
        layout,
        lambda: read_roster(store, config.id, keys=(steward, Kept(dict(known)))),
        published,
        now=now,
        today=now.date(),
        kept=Kept(dict(known)),
        keep=keep,
    )


def open_share(
    identity: Identity,
    box: bytes,
    senders: list[PublicIdentity],
    round_id: str,
    team_id: str = "crew",
) -> Opened:
    """A share of a contribution opened by `identity` as a steward opens it: a paired share
    with the pairs `identity` makes with `senders` (their tags for the team's round), a
    sealed one (before paired shares) on its own."""
    from mastery.team.peers import round_label, round_tags

    if not box.startswith(PAIRED_MAGIC):
        return identity.open(box)
    peers = [
        Peer.of(p.signing_bytes, p.encryption_bytes, identity.pair_key(p.encryption_bytes))
        for p in senders
    ]
    label = round_label(team_id, round_id)
    return identity.open_paired(box, round_tags(peers, label))


def make_team(folder: Path, k: int = 3, goals: str | None = None, *, stewards: bool = True) -> Path:
    """A team folder with one deck, a goal and (unless told otherwise) two stewards."""
    (folder / "decks").mkdir(parents=True)
    (folder / "decks" / "team-deck.toml").write_text(DECK, encoding="utf-8")
    if goals is None:
        goals = (
            '[[goals]]\nid = "basics"\ntitle = "Basics"\ndecks = ["team-deck"]\n'
            "target = 2027-06-30\n"
        )
    (folder / "team.toml").write_text(
        f'id = "crew"\nname = "The Crew"\nvision = "Learn together"\nk = {k}\n{goals}'
        + (
            "".join(
                f'\n[[stewards]]\nname = "S{n}"\nidentity = "{s.public.to_text()}"\n'
                for n, s in enumerate(STEWARDS)
            )
            if stewards
            else ""
        ),
        encoding="utf-8",
    )
    return folder


def legacy_sync(col: Collection, team: str | None = None, now: datetime = NOW) -> Path:
    """A plaintext record of the first team design, as `team sync` wrote it before issue 11
    (the report still reads these until members sync with this version)."""
    config = col.team.get(team)
    return write_record(config.folder, col.team.record(config, now=now))


def member(
    home: Path, name: str, folder: Path, *, sync: bool = True, reviews: int = 1
) -> Collection:
    """A profile that joined the team, pulled its decks and answered `reviews` times."""
    col = Collection.open(name, home, bundled=False, now=NOW)
    col.set_setting("timezone", "UTC")
    col.team.join(folder, sync=sync)
    col.team.pull(now=NOW)
    cards = col.deck_cards("crew/team-deck")  # namespaced by the team
    for n in range(reviews):
        col.answer(cards[0].id, 1 if n % 2 else 3, now=NOW - timedelta(days=reviews - n))
    return col


# ----------------------------------------------------------------------------- the folder
def test_init_copies_bundled_decks_and_validates(tmp_path: Path) -> None:
    config = init_team(tmp_path / "t", name="Core Team", today=NOW.date())
    assert config.id == "core-team" and config.k == 3
    assert set(config.decks) == {"git-essentials", "learning-organization"}
    assert config.goals and set(config.goals[0].decks) == set(config.decks)
    assert str(config.goals[0].target) == "2027-06-30"  # next June after the given day
    with pytest.raises(TeamError, match="already"):
        init_team(tmp_path / "t", today=NOW.date())


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('name = "x"\n', "missing key"),
        ('id = "crew"\nname = "x"\nk = 1\n', "k must be"),
        ('id = "crew"\nname = "x"\nk = "three"\n', "k must be"),
        ('id = "crew"\nname = "x"\n[[goals]]\ntitle = "g"\ndecks = ["nope"]\n', "unknown deck"),
        ('id = "crew"\nname = \n', "not valid TOML"),
    ],
)
def test_bad_team_toml_is_one_line(tmp_path: Path, text: str, reason: str) -> None:
    folder = make_team(tmp_path / "t")
    (folder / "team.toml").write_text(text, encoding="utf-8")
    with pytest.raises(TeamError, match=reason) as exc:
        load_team(folder)
    assert "\n" not in str(exc.value)


def test_missing_team_folder(tmp_path: Path) -> None:
    with pytest.raises(TeamError, match="no team.toml"):
        load_team(tmp_path)


def test_join_several_teams_and_leave(col: Collection, tmp_path: Path) -> None:
    a = col.team.join(make_team(tmp_path / "a"))
    other = make_team(tmp_path / "b")
    (other / "team.toml").write_text('id = "other"\nname = "Other"\n', encoding="utf-8")
    col.team.join(other, sync=True)
    assert [(t.id, t.sync) for t in col.team.list()] == [("crew", False), ("other", True)]
    with pytest.raises(MasteryError, match="several teams"):
        col.team.get()
    col.team.set_sync("crew", True)
    result = col.team.sync("crew", now=NOW)
    files = list(a.folder.rglob("contributions/*.json"))
    assert len(files) == len(result.rounds) == 2
    config, removed = col.team.leave("crew")
    assert config.id == a.id and removed and not any(f.exists() for f in files)
    assert [t.id for t in col.team.list()] == ["other"]


def test_two_windows_changing_teams_at_once_lose_no_team(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Joining reads the joined teams and writes them back: in one transaction, so a second
    window joining in between waits (here: gives up, busy) instead of being overwritten."""
    home = tmp_path / "home"
    first = Collection.open("p", home, bundled=False, now=NOW)
    second = Collection.open("p", home, bundled=False, now=NOW)
    second.db.max_wait = second.db.busy_timeout = 0.2
    crew = make_team(tmp_path / "a")
    other = make_team(tmp_path / "b")
    (other / "team.toml").write_text('id = "other"\nname = "Other"\n', encoding="utf-8")
    outcome: list[str] = []
    read = first.team._joined

    def read_then_race() -> dict:
        found = read()
        if not outcome:  # the second window joins while the first holds what it read
            try:
                second.team.join(other)
                outcome.append("joined")
            except DatabaseBusyError:
                outcome.append("busy")
        return found

    monkeypatch.setattr(first.team, "_joined", read_then_race)
    first.team.join(crew)
    monkeypatch.undo()
    kept = {t.id for t in first.team.list()}
    assert "crew" in kept
    assert outcome == ["busy"] or "other" in kept
    second.team.join(other)  # the first window is done: the second gets in now
    assert {t.id for t in first.team.list()} == {"crew", "other"}
    first.close()
    second.close()


def test_pull_keeps_review_history(col: Collection, tmp_path: Path) -> None:
    folder = make_team(tmp_path / "t")
    col.team.join(folder)
    col.team.pull(now=NOW)
    card = col.deck_cards("crew/team-deck")[0]
    col.answer(card.id, 3, now=NOW)
    deck = folder / "decks" / "team-deck.toml"
    deck.write_text(DECK.replace("Beta answer", "Beta answer, edited"), encoding="utf-8")
    reports = col.team.pull(now=NOW + timedelta(days=1))
    assert reports[0].updated == 1
    info = col.card_info(card.id)
    assert len(info.history) == 1 and info.card.reps == 1


# ----------------------------------------------------------------------------- sync
def test_sync_refused_until_opted_in(col: Collection, tmp_path: Path) -> None:
    folder = make_team(tmp_path / "t")
    col.team.join(folder)
    with pytest.raises(MasteryError, match="sync is off"):
        col.team.sync(now=NOW)
    assert not list(folder.rglob("contributions/*.json"))


def test_record_holds_no_names_or_text(mastery_home: Path, tmp_path: Path) -> None:
    folder = make_team(tmp_path / "t")
    col = member(mastery_home, "alice", folder, reviews=4)
    col.mentor.set_display_name("CANARY-DISPLAY-NAME")
    col.goals.add("CANARY-GOAL-TITLE", vision="CANARY-GOAL-VISION", category="my-own-CANARY")
    col.journal.add("CANARY-JOURNAL-TEXT", now=NOW)
    path = legacy_sync(col)
    text = path.read_text(encoding="utf-8")
    for canary in ("CANARY", "alice", "Beta question", "Team Deck", "Learn together", "Basics"):
        assert canary not in text
    record = json.loads(text)
    assert set(record) == {
        "format",
        "version",
        "team",
        "pseudonym",
        "synced_on",
        "daily",
        "decks",
        "streaks",
        "goals",
        "personal_goals",
    }
    assert record["synced_on"] == NOW.date().isoformat()
    assert all(len(day) == 10 for day in record["daily"])
    deck = record["decks"]["team-deck"]
    assert deck["studied"] == 1 and deck["card_stats"]["alpha"]["reviews"] == 4
    assert record["personal_goals"] == {"other": {"active": 1}}
    assert record["streaks"]["journal"] == 1
    assert text == json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    col.close()


def test_record_ignores_decks_not_of_the_team(
    mastery_home: Path, tmp_path: Path, write_deck
) -> None:
    folder = make_team(tmp_path / "t")
    col = member(mastery_home, "m", folder)
    col.import_files([write_deck(DECK.replace("team-deck", "private-deck"), "p.toml")], now=NOW)
    assert "private-deck" not in legacy_sync(col).read_text(encoding="utf-8")
    col.close()


def test_pseudonym_stable_and_unlinkable(mastery_home: Path, tmp_path: Path) -> None:
    a = member(mastery_home, "a", make_team(tmp_path / "t"))
    b = member(mastery_home, "b", tmp_path / "t")
    first = legacy_sync(a)
    again = legacy_sync(a, now=NOW + timedelta(days=1))
    assert first == again and len(list((tmp_path / "t" / "summary").glob("*.json"))) == 1
    assert a.team.pseudonym("crew") != a.team.pseudonym("other")
    assert a.team.pseudonym("crew") != b.team.pseudonym("crew")
    a.close()
    b.close()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"format": "mastery-team-summary", "vers', "corrupt or truncated"),
        ("", "corrupt or truncated"),
        (
            json.dumps({"format": "mastery-team-summary", "version": SUMMARY_VERSION + 1}),
            "newer than this Mastery",
        ),
    ],
)
def test_bad_summary_file_never_overwritten(
    mastery_home: Path, tmp_path: Path, content: str, reason: str
) -> None:
    folder = make_team(tmp_path / "t")
    col = member(mastery_home, "m", folder)
    path = folder / "summary" / f"{col.team.pseudonym('crew')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TeamError, match=reason) as exc:
        legacy_sync(col)
    assert "\n" not in str(exc.value)
    assert path.read_text(encoding="utf-8") == content
    records, problems = read_records(folder, "crew")
    assert records == [] and len(problems) == 1 and reason in problems[0].reason
    col.close()


def _sync_one(home: str, folder: str, n: int) -> None:
    col = Collection.open(f"m{n}", home, bundled=False, now=NOW)
    col.team.join(folder, sync=True)
    col.team.sync(now=NOW)
    col.close()


def test_fifty_concurrent_syncs(mastery_home: Path, tmp_path: Path) -> None:
    folder = make_team(tmp_path / "t")
    ctx = multiprocessing.get_context("fork")
    procs = [
        ctx.Process(target=_sync_one, args=(str(mastery_home), str(folder), n)) for n in range(50)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    files = list(folder.rglob("contributions/*.json"))
    assert len(files) == 100  # this round and the last, for each of the fifty
    for f in files:
        assert set(json.loads(f.read_text(encoding="utf-8"))) >= {"shares", "round"}
    roster = read_roster(FolderStore(folder), "crew")
    assert len(roster) == 50 and not roster.problems


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_two_members_sync_merge_in_git(mastery_home: Path, tmp_path: Path) -> None:
    folder = make_team(tmp_path / "t")

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=folder,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "team")
    a = member(mastery_home, "a", folder)
    b = member(mastery_home, "b", folder)
    git("checkout", "-qb", "a")
    a.team.sync(now=NOW)
    git("add", "-A")
    git("commit", "-qm", "a syncs")
    git("checkout", "-q", "main")
    git("checkout", "-qb", "b")
    b.team.sync(now=NOW)
    git("add", "-A")
    git("commit", "-qm", "b syncs")
    git("merge", "-q", "--no-edit", "a")  # raises on a conflict
    assert len(list(folder.rglob("contributions/*.json"))) == 4
    assert len(read_roster(FolderStore(folder), "crew")) == 2
    a.close()
    b.close()


# ----------------------------------------------------------------------------- report
def _team_of(mastery_home: Path, tmp_path: Path, members: int, k: int = 3):
    folder = make_team(tmp_path / "t", k=k)
    for n in range(members):
        col = member(mastery_home, f"m{n}", folder, reviews=2 + n)
        legacy_sync(col)
        col.close()
    return load_team(folder)


def test_report_below_k_is_suppressed_everywhere(mastery_home: Path, tmp_path: Path) -> None:
    config = _team_of(mastery_home, tmp_path, 2)
    report = build_report(config, now=NOW, cards=True)
    for markdown in (False, True):
        text = render_text(report, markdown=markdown)
        assert "suppressed (<3 members)" in text
        assert "%" not in text
    data = report.to_dict()
    assert data["members"] == 2
    assert data["goals"][0]["progress"] == {"value": None, "members": 2, "suppressed": True}
    assert data["decks"][0]["retention"]["suppressed"] is True
    assert data["decks"][0]["coverage"]["value"] is None
    assert data["heatmap"]["suppressed"] and all(
        d["reviews"] is None for d in data["heatmap"]["days"]
    )
    assert data["streaks"]["review"]["suppressed"]
    assert data["hardest_cards"] == []
    assert all(c["suppressed"] and c["lapse_rate"] is None for c in data["cards"]["team-deck"])


def test_report_at_k_shows_figures(mastery_home: Path, tmp_path: Path) -> None:
    config = _team_of(mastery_home, tmp_path, 3)
    report = build_report(config, now=NOW, cards=True)
    data = report.to_dict()
    deck = data["decks"][0]
    assert deck["coverage"]["value"] == 0.5 and not deck["coverage"]["suppressed"]
    assert deck["active_members"]["value"] == 3
    # members reviewed 2, 3, 4 times alternating Good/Again, all while learning: no card
    # lapsed, and old records count lapses, not Again presses. Listing cards at "0% again"
    # (the order then arbitrary) told the team nothing true (issue 13).
    assert data["hardest_cards"] == []
    alpha = next(c for c in data["cards"]["team-deck"] if c["card"] == "alpha")
    assert alpha["reviews"] == 9 and alpha["lapses"] == 0
    assert sum(d["reviews"] for d in data["heatmap"]["days"]) == 9
    assert len(data["heatmap"]["days"]) <= 26 * 7
    assert sum(data["streaks"]["review"]["buckets"].values()) == 3
    text = render_text(report)
    before_cards = text.split("Cards of")[0]
    assert "coverage 50%" in before_cards and "maturity 0%" in before_cards
    # nobody answered a card in review state yet: retention rests on 0 members, so suppressed
    assert deck["retention"] == {"value": None, "members": 0, "suppressed": True}
    assert "retention suppressed (<3 members)" in before_cards
    rows = [line for line in text.splitlines() if line[:3] in ("Mon", "Tue", "Sun")]
    assert len(rows) == 3
    assert "| team-deck |" in render_text(report, markdown=True)
    assert "none lapsed yet" in text and "% again" not in text


def test_report_skips_bad_files_with_a_warning(mastery_home: Path, tmp_path: Path) -> None:
    config = _team_of(mastery_home, tmp_path, 3)
    bad = config.summary_dir / "broken.json"
    bad.write_text("{", encoding="utf-8")
    report = build_report(config, now=NOW)
    assert report.members == 3 and [p.path for p in report.problems] == [bad]
    assert f"warning: skipped {bad}" in render_text(report)


def test_auto_sync_runs_only_for_teams_set_to_it(tmp_path: Path, mastery_home: Path) -> None:
    folder = make_team(tmp_path / "team")
    col = member(mastery_home, "ann", folder, sync=False)
    assert col.team.auto_sync(now=NOW) == []  # not opted in: nothing written
    assert not list(folder.rglob("contributions/*.json"))
    col.team.set_sync("crew", True)
    assert col.team.auto_sync(now=NOW) == []  # opted in, but syncs only when asked
    col.team.set_auto("crew", True)
    assert col.team.auto_sync(now=NOW) == [("crew", None)]
    # only the round that has ended, once: this week's studying shows nowhere yet
    assert [p.parent.parent.name for p in folder.rglob("contributions/*.json")] == ["2026-W46"]
    before = {p.read_bytes() for p in folder.rglob("contributions/*.json")}
    assert col.team.auto_sync(now=NOW + timedelta(hours=3)) == [("crew", None)]
    assert {p.read_bytes() for p in folder.rglob("contributions/*.json")} == before
    col.team.set_auto("crew", False)
    assert col.team.sync_enabled("crew") and not col.team.auto_enabled("crew")
    col.close()


def test_auto_sync_reports_a_broken_folder_without_raising(
    tmp_path: Path, mastery_home: Path
) -> None:
    folder = make_team(tmp_path / "team")
    col = member(mastery_home, "ann", folder)
    col.team.set_auto("crew", True)
    (folder / "team.toml").write_text("not = [valid", encoding="utf-8")
    [(team_id, problem)] = col.team.auto_sync(now=NOW)
    assert team_id == "crew" and problem
    col.close()


def test_coverage_counts_cards_in_the_teams_deck_file(tmp_path: Path, mastery_home: Path) -> None:
    """A deck that grew since members pulled it: coverage is measured against the file."""
    folder = make_team(tmp_path / "team", k=2)
    bob = member(mastery_home, "bob", folder)
    legacy_sync(bob)
    bob.close()
    col = member(mastery_home, "ann", folder)  # each studied 1 of the deck's 2 cards
    legacy_sync(col)
    deck_file = folder / "decks" / "team-deck.toml"
    deck_file.write_text(
        deck_file.read_text(encoding="utf-8")
        + '\n[[cards]]\nid = "gamma"\nfront = "Gamma?"\nback = "G"\n'
        + '\n[[cards]]\nid = "delta"\nfront = "Delta?"\nback = "D"\n',
        encoding="utf-8",
    )
    [deck] = build_report(col.team.get(), now=NOW).decks
    assert deck.cards == 4
    assert deck.coverage.value == pytest.approx(0.25)
    col.close()
