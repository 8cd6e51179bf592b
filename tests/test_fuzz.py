"""Fuzz: every kind of file a user receives or edits, mutated, must end in success or one line.

A mutant bundle, feedback file, team file, setting or deck is fed to the command that reads
it. The rule, for every mutant: the command returns 0, or it returns 2 with exactly one line
on stderr and the profile unchanged; never a traceback. And whatever was accepted, the read
commands that come after (`mentor list/show`, `team report`, `decks`, the next answer) still
work, so no stored value can crash a later run.

Mutations are seeded and deterministic, so a failure names its seed and replays exactly.
Mentor files are sealed: a forger cannot make one, so most mutants are sealed with the genuine
writer's key (a paired person's bug, or a hostile paired person) and reach the field checks;
the rest arrive as plain text and must be refused as not sealed.
"""

from __future__ import annotations

import json
import random
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from mentor_files import open_doc, pair_profiles, seal_as

from mastery import paths
from mastery.cli import main
from mastery.collection import Collection

# Values an attacker or a careless editor puts where a field was.
HOSTILE: list[Any] = [
    None,
    "oops",
    "",
    -1,
    0,
    2**70,
    -(2**70),
    1.5,
    [],
    {},
    [1, 2],
    {"a": None},
    True,
    "0000-01-01",
    "9999-12-31T23:59:59+00:00",
    "2099-01-01T00:00:00+00:00",
    "1970-01-01",
    "\x1b]0;pwned\x07\x1b[2J",
    "x" * 20_000,
    "../../etc/passwd",
    "p-" + "A" * 26,
]

# Raw-text replacements for a whole value: things json.dumps cannot write.
RAW_VALUES = ["NaN", "Infinity", "-Infinity", "1" * 5000, "1e400", "[" * 5000 + "]" * 5000]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((*prefix, i))
            out.extend(_paths(value, (*prefix, i)))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> None:
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


_MARK = "\u2603FUZZ-RAW\u2603"


def mutate_json(doc: dict[str, Any], rng: random.Random) -> tuple[str, str]:
    """A mutant of `doc` as file text, and what was done (for the failure message)."""
    doc = json.loads(json.dumps(doc))
    paths = _paths(doc)
    op = rng.choice(["replace", "replace", "replace", "delete", "raw", "text"])
    if op == "text":
        text = json.dumps(doc, indent=2)
        how = rng.choice(["truncate", "flip", "empty", "bom", "latin1", "array"])
        if how == "truncate":
            return text[: rng.randrange(len(text))], "truncated"
        if how == "flip":
            i = rng.randrange(len(text))
            return text[:i] + chr(rng.randrange(1, 0x2FF)) + text[i + 1 :], f"flip at {i}"
        if how == "empty":
            return "", "empty"
        if how == "bom":
            return "\ufeff" + text, "bom"
        if how == "latin1":
            return text.replace('"', "\xff", 1), "latin1"
        return json.dumps([doc]), "wrapped in a list"
    path = rng.choice(paths)
    if op == "delete":
        _set(doc, path, None, delete=True)
        return json.dumps(doc, indent=2), f"delete {path}"
    if op == "raw":
        raw = rng.choice(RAW_VALUES)
        _set(doc, path, _MARK)
        return json.dumps(doc, indent=2).replace(json.dumps(_MARK), raw), f"{path} = {raw[:20]}"
    value = rng.choice(HOSTILE)
    _set(doc, path, value)
    return json.dumps(doc, indent=2), f"{path} = {str(value)[:40]!r}"


def cli(capsys: pytest.CaptureFixture[str], profile: str, *args: str) -> tuple[int, str, str]:
    code = main(["--no-bundled-decks", "--profile", profile, *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out, err


def dump(profile: str) -> list[str]:
    """What the profile's database holds, read with plain sqlite3: opening a Collection for
    it cost more than the command under test, and could itself write (settings repair)."""
    path = paths.database_path(profile)
    if not path.exists():  # the command under test is the profile's first
        Collection.open(profile, bundled=False).close()
    with closing(sqlite3.connect(path)) as conn:
        return list(conn.iterdump())


def check_outcome(
    capsys: pytest.CaptureFixture[str],
    what: str,
    profile: str,
    args: list[str],
    *,
    allowed: tuple[int, ...] = (0, 2),
) -> int:
    """Run one command on a mutant: 0, or 2 with one line and nothing changed."""
    before = dump(profile)
    code, _, err = cli(capsys, profile, *args)
    assert code in allowed, f"{what}: exit {code}: {err}"
    if code != 0:
        lines = err.strip().splitlines()
        assert len(lines) == 1, f"{what}: {len(lines)} lines: {err}"
        assert "\x1b" not in err, f"{what}: raw escape in {err!r}"
        assert dump(profile) == before, f"{what}: refused but the profile changed"
    return code


def still_works(capsys: pytest.CaptureFixture[str], what: str, profile: str, *args: str) -> None:
    code, out, err = cli(capsys, profile, *args)
    assert code == 0, f"after {what}: `{' '.join(args)}` exit {code}: {err}"
    assert "\x1b" not in out + err, f"after {what}: raw escape printed by `{' '.join(args)}`"


SEEDS = range(24)


# ----------------------------------------------------------------------------- mentor files
@pytest.fixture
def mentor_pair(capsys, tmp_path: Path) -> dict[str, Any]:
    """Ana shares an entry and a goal and exports; Bo adds the bundle, comments and replies.
    Returns the payloads sealed in the two files."""
    pair_profiles("ana", "bo")
    assert (
        cli(capsys, "ana", "goal", "add", "Speak German", "--milestone", "A1", "--shared")[0] == 0
    )
    code, out, _ = cli(
        capsys, "ana", "journal", "add", "Dative", "--tag", "g", "--shared", "--json"
    )
    assert code == 0
    uid = json.loads(out)["uid"]
    bundle = tmp_path / "bundle.json"
    assert cli(capsys, "ana", "mentor", "export", "--to", str(bundle), "--name", "Ana")[0] == 0
    assert cli(capsys, "bo", "mentor", "add", str(bundle))[0] == 0
    assert cli(capsys, "bo", "mentor", "comment", "Ana", uid, "Use it")[0] == 0
    assert cli(capsys, "bo", "mentor", "note", "Ana", "Steady")[0] == 0
    feedback = tmp_path / "feedback.json"
    assert (
        cli(capsys, "bo", "mentor", "reply", "Ana", "--to", str(feedback), "--name", "Bo")[0] == 0
    )
    return {
        "bundle": open_doc(bundle),
        "feedback": open_doc(feedback),
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_bundle_is_stored_or_refused_in_one_line(
    capsys, mentor_pair, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(f"bundle-{seed}")
    for i in range(6):
        doc = {**mentor_pair["bundle"]}
        doc["sequence"] += i + 1  # a new file each time (unless the mutant changes it)
        text, how = mutate_json(doc, rng)
        path = tmp_path / f"bundle-{seed}-{i}.json"
        if rng.random() < 0.8:
            path.write_bytes(seal_as(text, "ana", "bo"))
        else:
            path.write_text(text, encoding="utf-8", errors="surrogateescape")
        what = f"bundle seed {seed}/{i}: {how}"
        check_outcome(capsys, what, "bo", ["mentor", "add", str(path)])
        still_works(capsys, what, "bo", "mentor", "list")
        still_works(capsys, what, "bo", "mentor", "list", "--json")
        code, _, err = cli(capsys, "bo", "mentor", "show", "Ana", "--keep-unread")
        assert code in (0, 2) and "\x1b" not in err, f"after {what}: mentor show: {err}"


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_feedback_is_applied_or_refused_in_one_line(
    capsys, mentor_pair, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(f"feedback-{seed}")
    for i in range(6):
        doc = {**mentor_pair["feedback"]}
        doc["sequence"] += i + 1  # a new file each time (unless the mutant changes it)
        text, how = mutate_json(doc, rng)
        path = tmp_path / f"feedback-{seed}-{i}.json"
        if rng.random() < 0.8:
            path.write_bytes(seal_as(text, "bo", "ana"))
        else:
            path.write_text(text, encoding="utf-8", errors="surrogateescape")
        what = f"feedback seed {seed}/{i}: {how}"
        check_outcome(capsys, what, "ana", ["mentor", "feedback", str(path)])
        still_works(capsys, what, "ana", "journal", "list")
        still_works(capsys, what, "ana", "goal", "list")


@pytest.mark.parametrize("seed", range(12))
def test_mutated_invitation_pairs_or_is_refused_in_one_line(
    capsys, tmp_path: Path, seed: int
) -> None:
    """Half the mutants change the signed part and are signed again with Ana's own key (what
    a hostile inviter can do), so they reach the field checks; the rest break the signature."""
    import base64

    from mastery.identity import Identity

    source = tmp_path / "ana.inv"
    args = ("mentor", "invite", "--as", "mentee", "--to", str(source), "--name", "Ana")
    assert cli(capsys, "ana", *args)[0] == 0
    assert cli(capsys, "bo", "id")[0] == 0  # Bo's keys exist before: pairing makes nothing else
    outer = json.loads(source.read_text(encoding="utf-8"))
    with Collection.open("ana", bundled=False) as ana:
        ana_keys = Identity.of(ana)
    inner = json.loads(base64.b64decode(outer["signed"])[64 + len(b"mastery signed v1\x00") :])
    rng = random.Random(f"invitation-{seed}")
    for i in range(6):
        if rng.random() < 0.5:
            text, how = mutate_json(inner, rng)
            signed = ana_keys.sign(text.encode("utf-8", errors="surrogateescape"))
            text = json.dumps({**outer, "signed": base64.b64encode(signed).decode()})
            how = f"signed part: {how}"
        else:
            text, how = mutate_json(outer, rng)
        path = tmp_path / f"invitation-{seed}-{i}.json"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        what = f"invitation seed {seed}/{i}: {how}"
        check_outcome(capsys, what, "bo", ["mentor", "pair", str(path), "--yes"])
        still_works(capsys, what, "bo", "mentor", "pairs")
        still_works(capsys, what, "bo", "mentor", "list")


# ----------------------------------------------------------------------------- team files
@pytest.fixture
def team_folder(capsys, tmp_path: Path) -> Path:
    folder = tmp_path / "team"
    assert cli(capsys, "ann", "team", "init", str(folder))[0] == 0
    assert cli(capsys, "ann", "team", "join", str(folder), "--sync")[0] == 0
    assert cli(capsys, "ann", "team", "pull")[0] == 0
    # a plaintext record of the first team design: the report reads those until members sync
    from test_team import legacy_sync

    with Collection.open("ann", paths.home_dir(), bundled=False) as col:
        legacy_sync(col)
    return folder


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_summary_record_never_breaks_the_report(
    capsys, team_folder: Path, seed: int
) -> None:
    (record,) = (team_folder / "summary").glob("*.json")
    good = json.loads(record.read_text(encoding="utf-8"))
    rng = random.Random(f"record-{seed}")
    for i in range(6):
        text, how = mutate_json(good, rng)
        bad = team_folder / "summary" / f"{seed:02d}{i}{'0' * 60}.json"
        bad.write_text(text, encoding="utf-8", errors="surrogateescape")
        what = f"summary record seed {seed}/{i}: {how}"
        for fmt in ("text", "json", "markdown"):
            code, out, err = cli(capsys, "ann", "team", "report", "--format", fmt)
            assert code == 0, f"{what}: report --format {fmt} exit {code}: {err}"
            assert "nan" not in out.lower().split() and "inf" not in out.lower().split(), what
            assert "\x1b" not in out + err, what
        bad.unlink()


TEAM_TOML_MUTANTS = [
    'k = "three"',
    "k = -1",
    "k = 99999999999999999999999",
    "k = nan",
    "k = inf",
    'id = ""',
    'id = "../../escape"',
    'name = "\\u001b]0;pwned\\u0007"',
    'vision = "\\u001b[2J"',
    "goals = 3",
    "[[goals]]",
    '[[goals]]\nid = "g"\ntitle = "t"\ndecks = [1, 2]',
    '[[goals]]\nid = "g"\ntitle = "t"\ndecks = ["x"]\ntarget = 0001-01-01',
    '[[goals]]\nid = "g"\ntitle = "t"\ndecks = ["x"]\ntarget = "someday"',
    "= broken",
    "[" * 500,
    "\x00\x01",
]


@pytest.mark.parametrize("mutant", range(len(TEAM_TOML_MUTANTS)))
def test_mutated_team_toml_joins_or_refuses_in_one_line(
    capsys, tmp_path: Path, mutant: int
) -> None:
    folder = tmp_path / "team"
    assert cli(capsys, "owner", "team", "init", str(folder))[0] == 0
    toml = folder / "team.toml"
    lines = toml.read_text(encoding="utf-8").splitlines()
    extra = TEAM_TOML_MUTANTS[mutant]
    key = extra.split("=")[0].strip()
    kept = [ln for ln in lines if not (key and ln.strip().startswith(key + " ="))]
    if extra.startswith("[[goals]]"):
        kept = lines[: next(i for i, ln in enumerate(lines) if ln.startswith("[[goals]]"))]
    toml.write_text("\n".join([*kept[:6], extra, *kept[6:]]) + "\n", encoding="utf-8")
    what = f"team.toml mutant {mutant}: {extra[:30]!r}"
    code = check_outcome(capsys, what, "joiner", ["team", "join", str(folder)])
    still_works(capsys, what, "joiner", "team", "list")
    if code == 0:
        for args in (["team", "pull"], ["team", "report"]):
            check_outcome(capsys, what, "joiner", args)
        still_works(capsys, what, "joiner", "decks")


# ----------------------------------------------------------------------------- settings
SETTING_VALUES = [
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "1e308",
    "9" * 5000,
    "",
    "[]",
    "{}",
    "null",
    "true",
    "999999999d",
    "1m 999999999999d",
    "0s",
    "-5m",
    '["1m", "nan"]',
    "1.5",
    "0.5",
    "1.0",
    "Mars/Olympus",
    "\x1b[2J",
    "[" * 3000,
    "x" * 10_000,
]


def _settings_keys() -> list[str]:
    from mastery.settings import SETTINGS

    return sorted(SETTINGS)


@pytest.mark.parametrize("key", _settings_keys())
def test_any_setting_value_is_taken_or_refused_and_review_still_works(
    capsys, tmp_path: Path, key: str
) -> None:
    from datetime import UTC, datetime

    deck = tmp_path / "d.toml"
    deck.write_text(
        'id = "d"\nname = "D"\n'
        + "".join(f'\n[[cards]]\nfront = "q{i}"\nback = "a{i}"\n' for i in range(5)),
        encoding="utf-8",
    )
    assert cli(capsys, "s", "import", str(deck))[0] == 0
    for value in SETTING_VALUES:
        what = f"config {key} {value[:20]!r}"
        if check_outcome(capsys, what, "s", ["config", key, "--", value]) != 0:
            continue  # refused, and the profile is as it was (checked): nothing new to break
        still_works(capsys, what, "s", "config")
        still_works(capsys, what, "s", "decks")
        now = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
        with Collection.open("s", bundled=False, now=now) as col:
            card = col.next_card(now=now)
            if card is not None:
                col.answer(card.id, 3, now=now)
                col.undo()


# ----------------------------------------------------------------------------- decks
def _deck_text() -> str:
    return (
        "# A deck\n"
        'id = "fuzz"\n'
        'name = "Fuzz"\n'
        'description = "cards"\n\n'
        "[[cards]]\n"
        'front = "What is a mental model?"\n'
        'back = "A deeply held image of how the world works."\n'
        'tags = ["senge"]\n\n'
        "[[cards]]\n"
        'front = "The {{c1::fifth}} discipline is {{c2::systems thinking}}."\n\n'
        "[[cards]]\n"
        'front = "Q3"\n'
        'back = "A3"\n'
    )


def mutate_lines(text: str, rng: random.Random) -> tuple[str, str]:
    lines = text.splitlines()
    i = rng.randrange(len(lines))
    op = rng.choice(["drop", "dup", "replace_value", "garbage", "truncate"])
    if op == "drop":
        del lines[i]
    elif op == "dup":
        lines.insert(i, lines[i])
    elif op == "replace_value" and "=" in lines[i]:
        key = lines[i].split("=")[0]
        value = rng.choice(
            ["nan", "-1", "1" * 5000, "[]", "{}", '"\\u001b[2J"', "true", "0000-01-01", '""']
        )
        lines[i] = f"{key}= {value}"
    elif op == "garbage":
        lines.insert(i, rng.choice(["[[cards", "front =", "\x00", "}", "[cards]", "a.b.c = 1"]))
    else:
        return text[: rng.randrange(len(text))], "truncate"
    return "\n".join(lines) + "\n", f"{op} line {i}"


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_deck_imports_or_refuses_in_one_line(capsys, tmp_path: Path, seed: int) -> None:
    rng = random.Random(f"deck-{seed}")
    good = tmp_path / "fuzz.toml"
    good.write_text(_deck_text(), encoding="utf-8")
    assert cli(capsys, "d", "import", str(good))[0] == 0
    for i in range(6):
        text, how = mutate_lines(_deck_text(), rng)
        path = tmp_path / "fuzz.toml"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        what = f"deck seed {seed}/{i}: {how}"
        check_outcome(capsys, what, "d", ["import", str(path)])
        code, _, err = cli(capsys, "d", "deck", "check", str(path))
        assert code in (0, 1, 2), f"{what}: deck check exit {code}: {err}"
        still_works(capsys, what, "d", "decks")


# ----------------------------------------------------------------------------- Anki text
def _anki_text() -> str:
    """An Anki "Notes in Plain Text" export with every header (issue 12)."""
    return (
        "#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n#deck column:3\n"
        "#tags column:6\n"
        'g1\tBasic\tLang::German\t<b>Haus</b> <img src="h.png">\thouse<br><table><tr><td>a'
        "</td></tr></table>\tde\n"
        "g2\tBasic (and reversed card)\tLang::German\tKatze\t<i>cat</i>\tde\n"
        "g3\tCloze\tLang\t{{c1::Berlin::city}} is a {{c2::capital}}\textra\tgeo\n"
    )


_ANKI_HOSTILE = [
    "{{c1::never closed",
    "<div>" * 3000,
    "<style>x",
    "\x1b]0;pwned\x07",
    '<img src="../../etc/passwd">',
    "<a href='javascript:alert(1)'>x</a>",
    "",
    "#deck column:999",
    "#separator:",
    "#columns:Back\tFront",
]


@pytest.mark.parametrize("seed", range(8))
def test_mutated_anki_text_export_imports_or_refuses_in_one_line(
    capsys, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(f"anki-text-{seed}")
    for i in range(4):
        lines = _anki_text().splitlines()
        at = rng.randrange(len(lines))
        fields = lines[at].split("\t")
        fields[rng.randrange(len(fields))] = rng.choice(_ANKI_HOSTILE)
        lines[at] = "\t".join(fields)
        path = tmp_path / "export.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        what = f"anki text seed {seed}/{i}: line {at}"
        check_outcome(capsys, what, "t", ["import", str(path)])
        still_works(capsys, what, "t", "decks")
