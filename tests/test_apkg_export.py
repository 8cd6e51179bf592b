"""`mastery deck export DECK --to FILE.apkg [--with-history]`: the phone round trip.

Read back by Mastery's own reader (both ways), then by Anki's own backend (the `anki` package
from PyPI, a test-only oracle; those tests are skipped where it is not installed).
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import NOW
from mastery.cli import main
from mastery.collection import Collection
from mastery.days import to_ms
from mastery.decks.anki import read_apkg_contents
from mastery.decks.anki.export_run import card_guid, markdown_html, own_card
from mastery.model import CardView

DECK = """\
id = "german"
name = "German Words"
description = "Words for the **trip**"
version = "1.2"
tags = ["lang"]

[[cards]]
id = "haus"
front = "**Haus**"
back = "house <b>not bold</b> & more\\nsecond line"
tags = ["noun"]

[[cards]]
id = "hund"
front = "Hund"
back = "dog ![dot.png](media/dot.png)"

[[cards]]
id = "katze"
front = "Katze *cat*"
back = "[sound: miau.mp3](media/miau.mp3)"

[[cards]]
id = "city"
front = "{{c1::Berlin}} is the capital, {{c2::Bonn}} was"
back = "extra"

[[cards]]
id = "maus"
front = "Maus"
back = "mouse"
"""

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _card(col: Collection, key: str) -> CardView:
    return next(c for c in col.search_cards("") if c.key == key)


@pytest.fixture
def profile(col: Collection, write_deck) -> Collection:
    """A deck with Markdown, media, a cloze note, and cards in every state: review (haus),
    relearning (hund), learning (katze), suspended (maus), new (the cloze cards)."""
    media = col.library.media_dir
    media.mkdir(parents=True, exist_ok=True)
    (media / "dot.png").write_bytes(PNG)
    (media / "miau.mp3").write_bytes(b"ID3 miau")
    col.import_files([write_deck(DECK)])
    start = NOW - timedelta(days=20)
    haus, hund, katze = (_card(col, k).id for k in ("haus", "hund", "katze"))
    for when, card, rating in [
        (start, haus, 3),
        (start + timedelta(minutes=10), haus, 3),
        (start + timedelta(days=3), haus, 3),
        (start + timedelta(hours=1), hund, 4),
        (start + timedelta(days=10), hund, 1),
        (NOW - timedelta(minutes=5), katze, 3),
    ]:
        col.answer(card, rating, now=when, duration_ms=5_000)
    col.suspend([_card(col, "maus").id])
    return col


def export(col: Collection, tmp_path: Path, *, history: bool = True) -> Path:
    path = tmp_path / "phone.apkg"
    col.export_apkg(["german"], path, with_history=history, now=NOW)
    return path


def log_rows(col: Collection) -> list[tuple[int, int, int]]:
    return [
        tuple(r)
        for r in col.conn.execute(
            "SELECT card_id, reviewed_at, rating FROM reviewlog ORDER BY card_id, reviewed_at"
        )
    ]


def schedules(col: Collection) -> dict[str, tuple]:
    return {
        c.key: (c.state, c.stability, c.difficulty, c.due, c.reps, c.lapses, c.suspended)
        for c in col.search_cards("")
    }


# ----------------------------------------------------------------------- our own reader
def test_export_reads_back_as_the_same_deck_cards_and_history(
    profile: Collection, tmp_path: Path
) -> None:
    contents = read_apkg_contents(export(profile, tmp_path))
    [deck] = contents.decks
    assert (deck.key, deck.name, deck.description) == (
        "german",
        "German Words",
        "Words for the **trip**",
    )
    ours = {c.key: c for c in profile.search_cards("")}
    assert {c.key for c in deck.cards} == set(ours)
    for card in deck.cards:
        mine = ours[card.key]
        assert (card.front, card.back, card.note_key) == (mine.front, mine.back, mine.note_key)
        assert set(card.tags) == set(mine.tags)
    answers = {
        key: [(a.reviewed_at, a.rating) for a in got] for (_, key), got in contents.history.items()
    }
    expected: dict[str, list[tuple[int, int]]] = {}
    for card_id, at, rating in log_rows(profile):
        key = next(k for k, c in ours.items() if c.id == card_id)
        expected.setdefault(key, []).append((at, rating))
    assert answers == expected
    assert sorted(contents.media) == ["dot.png", "miau.mp3"]


def test_the_package_is_the_legacy_layout_every_anki_imports(
    profile: Collection, tmp_path: Path
) -> None:
    with zipfile.ZipFile(export(profile, tmp_path)) as zf:
        assert set(zf.namelist()) == {"meta", "collection.anki21", "media", "0", "1"}
        assert zf.read("meta") == b"\x08\x02"
        mapping = json.loads(zf.read("media"))
        assert sorted(mapping.values()) == ["dot.png", "miau.mp3"]
        assert zf.read(next(k for k, v in mapping.items() if v == "dot.png")) == PNG


def test_without_history_every_card_is_new_and_no_review_is_exported(
    profile: Collection, tmp_path: Path
) -> None:
    path = export(profile, tmp_path, history=False)
    contents = read_apkg_contents(path)
    assert contents.history == {}
    db = _collection(path, tmp_path)
    assert db.execute("SELECT count(*) FROM revlog").fetchone()[0] == 0
    queues = sorted(q for (q,) in db.execute("SELECT queue FROM cards"))
    assert queues == [-1, 0, 0, 0, 0, 0]  # maus stays suspended
    assert {t for (t,) in db.execute("SELECT type FROM cards")} == {0}


def test_reimporting_the_unchanged_export_changes_nothing(
    profile: Collection, tmp_path: Path
) -> None:
    path = export(profile, tmp_path)
    before, logs = schedules(profile), log_rows(profile)
    [report] = profile.import_files([path], with_history=True, now=NOW)
    assert (report.added, report.updated, report.suspended) == (0, 0, 0)
    assert report.history_reviews == 0
    assert schedules(profile) == before
    assert log_rows(profile) == logs
    [deck] = profile.decks()
    assert (deck.name, deck.version, deck.tags) == ("German Words", "1.2", ("lang",))
    assert {c.key: c.tags for c in profile.search_cards("")}["haus"] == ("lang", "noun")


def _collection(path: Path, tmp_path: Path) -> sqlite3.Connection:
    out = tmp_path / "unpacked.anki21"
    with zipfile.ZipFile(path) as zf:
        out.write_bytes(zf.read("collection.anki21"))
    return sqlite3.connect(out)


def _with_phone_answers(
    path: Path, tmp_path: Path, answers: list[tuple[str, datetime, int]]
) -> Path:
    """The package as AnkiDroid would export it after these answers: revlog rows added."""
    db_path = tmp_path / "phone.anki21"
    with zipfile.ZipFile(path) as zf:
        db_path.write_bytes(zf.read("collection.anki21"))
        members = {n: zf.read(n) for n in zf.namelist()}
    with sqlite3.connect(db_path) as db:
        for key, when, ease in answers:
            (cid,) = db.execute(
                "SELECT c.id FROM cards c JOIN notes n ON n.id = c.nid WHERE n.guid LIKE ?",
                (f"mastery:german|{key}%",),
            ).fetchone()
            db.execute(
                "INSERT INTO revlog VALUES (?, ?, 5, ?, 3, 1, 2500, 7000, 1)",
                (to_ms(when), cid, ease),
            )
    db.close()
    members["collection.anki21"] = db_path.read_bytes()
    out = tmp_path / "from-phone.apkg"
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def test_phone_answers_are_added_once_and_no_card_is_duplicated(
    profile: Collection, tmp_path: Path
) -> None:
    cards = len(profile.search_cards(""))
    logs = log_rows(profile)
    later = NOW + timedelta(days=2)
    phone = _with_phone_answers(
        export(profile, tmp_path),
        tmp_path,
        [
            ("haus", later, 3),
            ("city::c1", later + timedelta(minutes=1), 3),
            ("city::c1", later + timedelta(minutes=10), 3),
        ],
    )
    [report] = profile.import_files([phone], with_history=True, now=later + timedelta(hours=1))
    assert (report.added, report.updated) == (0, 0)
    assert (report.history_cards, report.history_reviews) == (2, 3)
    assert len(profile.search_cards("")) == cards
    new = [row for row in log_rows(profile) if row not in logs]
    haus, city = _card(profile, "haus"), _card(profile, "city::c1")
    assert sorted(new) == sorted(
        [
            (haus.id, to_ms(later), 3),
            (city.id, to_ms(later + timedelta(minutes=1)), 3),
            (city.id, to_ms(later + timedelta(minutes=10)), 3),
        ]
    )
    assert (
        haus.last_review == later and haus.due is not None and haus.due > later + timedelta(days=1)
    )
    assert city.state != 0  # the phone's first answers made it a learning card here
    again = profile.import_files([phone], with_history=True, now=later + timedelta(hours=2))
    assert again[0].history_reviews == 0
    assert len(log_rows(profile)) == len(logs) + 3


def test_a_phone_answer_at_the_same_ms_as_an_exported_one_is_not_replayed_twice(
    profile: Collection, tmp_path: Path
) -> None:
    """Two answers in one millisecond: the second's revlog id moves a ms earlier, never later,
    so it never reads as newer than the card's own newest answer when it comes back."""
    haus, hund = _card(profile, "haus"), _card(profile, "hund")
    when = NOW - timedelta(days=1)
    profile.answer(haus.id, 3, now=when)
    profile.answer(hund.id, 3, now=when)
    logs = log_rows(profile)
    path = export(profile, tmp_path)
    ids = [i for (i,) in _collection(path, tmp_path).execute("SELECT id FROM revlog")]
    assert len(ids) == len(set(ids)) and to_ms(when) - 1 in ids
    [report] = profile.import_files([path], with_history=True, now=NOW)
    assert report.history_reviews == 0 and log_rows(profile) == logs


def test_markdown_comes_back_unchanged_through_anki_html() -> None:
    """Our own export's HTML comes back as the very Markdown (`own_field_markdown`); read as any
    Anki HTML (edited on the phone), a literal star is escaped, which shows the same."""
    from mastery.decks.anki.html import field_markdown, own_field_markdown

    media: dict[str, Path] = {}
    for text in [
        "plain",
        "**bold** and *it* and 2 * 3 * 4",
        "a < b > c & d\nnext\n\nparagraph",
        "![x.png](media/x.png) and [sound: a b.mp3](<media/a b.mp3>)",
        "# not a heading here\n- nor a list\n`code_with_underscores`",
    ]:
        assert own_field_markdown(markdown_html(text, Path("/nowhere"), media)) == text
    assert media == {}  # no such files: names kept, nothing packed
    exported = markdown_html("2 * 3 * 4", Path("/nowhere"), media)
    assert field_markdown(exported) == "2 \\* 3 \\* 4"
    assert own_field_markdown(exported.replace("2 ", "<div>2 ")) is None  # edited in Anki


def test_a_link_out_of_the_media_folder_brings_no_file(tmp_path: Path) -> None:
    media: dict[str, Path] = {}
    (tmp_path / "secret.txt").write_text("x")
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "link.txt").symlink_to(tmp_path / "secret.txt")
    html = markdown_html(
        "![s](media/../secret.txt) ![t](/etc/passwd) ![l](media/link.txt)", folder, media
    )
    assert media == {} and "../" not in html and "/etc" not in html


def test_guids_name_cards_and_forged_ones_fall_back_to_the_hash() -> None:
    assert own_card(card_guid("german", "haus", "german/haus")) == ("german", "haus", "german/haus")
    guid = card_guid("team-a/german", "city::c2", "team-a/german/city")
    assert own_card(guid) == ("team-a/german", "city::c2", "team-a/german/city")
    for forged in [
        "mastery:../x|haus",
        "mastery:german|../../x",
        "mastery:German|haus",
        "mastery:a/b/c|haus",
        "mastery:german|haus|x|y",
        "mastery:german",
        "abc",
    ]:
        assert own_card(forged) is None


# ----------------------------------------------------------------------- the CLI
def test_cli_exports_apkg_with_history_and_all(profile: Collection, tmp_path: Path, capsys) -> None:
    profile.close()
    out = tmp_path / "out.apkg"
    assert main(["deck", "export", "german", "--to", str(out), "--with-history"]) == 0
    assert "6 cards" in capsys.readouterr().out
    assert read_apkg_contents(out).history
    everything = tmp_path / "all.apkg"
    assert main(["deck", "export", "--all", "--to", str(everything)]) == 0
    assert len(read_apkg_contents(everything).decks) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all", "--to", "x.toml"], "x.toml: --all writes an Anki package; use FILE.apkg"),
        (
            ["german", "--with-history", "--to", "x.toml"],
            "x.toml: --with-history needs an Anki package (FILE.apkg)",
        ),
        (["--to", "x.apkg"], "name a deck, or --all"),
        (["german", "--all", "--to", "x.apkg"], "name a deck, or --all, not both"),
        (["nope", "--to", "x.apkg"], "no deck 'nope'"),
    ],
)
def test_cli_export_errors_are_one_line_and_write_nothing(
    profile: Collection, tmp_path: Path, monkeypatch, capsys, args: list[str], message: str
) -> None:
    profile.close()
    monkeypatch.chdir(tmp_path)
    assert main(["deck", "export", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not list(tmp_path.glob("x.*"))


def test_an_apkg_export_onto_a_fifo_is_refused_and_the_fifo_kept(
    profile: Collection, tmp_path: Path, capsys
) -> None:
    import os
    import stat

    fifo = tmp_path / "pipe.apkg"
    os.mkfifo(fifo)
    profile.close()
    assert main(["deck", "export", "german", "--to", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pipe")] == []


def test_an_export_that_fails_leaves_the_old_file(
    profile: Collection, tmp_path: Path, monkeypatch
) -> None:
    from mastery.decks.anki import writer
    from mastery.errors import MasteryError

    path = tmp_path / "phone.apkg"
    path.write_bytes(b"old")

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_write_media", broken)
    with pytest.raises(MasteryError):
        profile.export_apkg(["german"], path, now=NOW)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".phone")] == []


# ----------------------------------------------------------------------- Anki's own backend
@pytest.fixture
def anki_col(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("anki", reason="the Anki oracle: pip install anki")
    monkeypatch.setenv("TZ", "UTC")  # Anki's day is the machine's; the profile's is UTC
    from anki.collection import Collection as AnkiCollection

    (tmp_path / "anki").mkdir()
    col = AnkiCollection(str(tmp_path / "anki" / "collection.anki2"))
    yield col
    col.close()


def _anki_import(anki_col, path: Path) -> None:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    anki_col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(path),
            options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True),
        )
    )


def test_anki_imports_the_export_with_text_states_memory_and_history(
    profile: Collection, tmp_path: Path, anki_col
) -> None:
    _anki_import(anki_col, export(profile, tmp_path))
    assert anki_col.note_count() == 6 and anki_col.card_count() == 6
    assert "German Words" in [d.name for d in anki_col.decks.all_names_and_ids()]
    ours = {c.key: c for c in profile.search_cards("")}
    today = anki_col.sched.today
    real_today = profile.clock.day_of(datetime.now(UTC))
    by_key = {}
    for cid in anki_col.find_cards(""):
        card = anki_col.get_card(cid)
        note = card.note()
        deck_key, key, _ = own_card(note.guid)
        by_key[key] = card
        assert deck_key == "german"
        assert note.note_type()["name"] == "Mastery"
    assert by_key["haus"].note()["Front"] == "<b>Haus</b>"
    assert by_key["hund"].note()["Back"] == 'dog <img src="dot.png">'
    assert (Path(anki_col.media.dir()) / "dot.png").read_bytes() == PNG
    assert (Path(anki_col.media.dir()) / "miau.mp3").exists()
    haus = by_key["haus"]
    assert (haus.type, haus.queue) == (2, 2)
    assert haus.due - today == (profile.clock.day_of(ours["haus"].due) - real_today).days
    assert haus.memory_state is not None
    assert haus.memory_state.stability == pytest.approx(ours["haus"].stability, rel=1e-3)
    assert haus.memory_state.difficulty == pytest.approx(ours["haus"].difficulty, rel=1e-3)
    assert (haus.reps, haus.lapses) == (ours["haus"].reps, ours["haus"].lapses)
    assert (by_key["hund"].type, by_key["hund"].lapses) == (3, 1)
    assert by_key["katze"].type == 1
    assert by_key["maus"].queue == -1
    assert {by_key[k].type for k in ("city::c1", "city::c2")} == {0}
    revlog = anki_col.db.all("SELECT id, cid, ease, type FROM revlog ORDER BY id")
    ours_log = sorted(log_rows(profile), key=lambda r: r[1])
    assert [(r[0], r[2]) for r in revlog] == [(at, rating) for _, at, rating in ours_log]
    assert {r[1] for r in revlog} == {by_key[k].id for k in ("haus", "hund", "katze")}


def test_phone_round_trip_through_anki_adds_only_the_answers_given_there(
    profile: Collection, tmp_path: Path, anki_col
) -> None:
    from anki.collection import ExportAnkiPackageOptions

    _anki_import(anki_col, export(profile, tmp_path))
    logs, cards = log_rows(profile), len(profile.search_cards(""))
    # The learner reviews on the phone: two new cards, answered Good.
    anki_col.decks.select(anki_col.decks.id_for_name("German Words"))
    answered = []
    for _ in range(2):
        card = anki_col.sched.getCard()
        assert card is not None
        anki_col.sched.answerCard(card, 3)
        answered.append(own_card(card.note().guid)[1])
    phone = tmp_path / "from-phone.apkg"
    anki_col.export_anki_package(
        out_path=str(phone),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=False),
        limit=None,
    )
    later = datetime.now(UTC) + timedelta(minutes=1)
    [report] = profile.import_files([phone], with_history=True, now=later)
    assert (report.added, report.updated, report.suspended) == (0, 0, 0)
    assert report.history_reviews == 2
    assert len(profile.search_cards("")) == cards
    new = [row for row in log_rows(profile) if row not in logs]
    assert sorted(_key(profile, card_id) for card_id, _, _ in new) == sorted(answered)
    assert profile.import_files([phone], with_history=True, now=later)[0].history_reviews == 0


def _key(col: Collection, card_id: int) -> str:
    return next(c.key for c in col.search_cards("") if c.id == card_id)


# ----------------------------------------------------------------------- forged packages
FORGED_GUIDS = [
    "mastery:german|haus",  # two notes claiming one card
    "mastery:german|hund|haus",
    "mastery:german|" + "x" * 5000,
    "mastery:german|\x1b[2J",
    "mastery:other-deck|haus",
    "mastery:../../etc|passwd",
    "",
]
FORGED_REVLOG = [
    "UPDATE revlog SET id = -1 WHERE rowid = (SELECT min(rowid) FROM revlog)",
    "UPDATE revlog SET id = 9223372036854775807 WHERE rowid = (SELECT min(rowid) FROM revlog)",
    "UPDATE revlog SET ease = 9",
    "UPDATE revlog SET time = -5, type = 77",
    "UPDATE revlog SET cid = 12345",
    "UPDATE cards SET ord = 1",
    "UPDATE notes SET flds = 'only one field'",
    "UPDATE cards SET data = 'not json'",
]


def _forged(path: Path, tmp_path: Path, sql: str, params: tuple = ()) -> Path:
    db_path = tmp_path / "forged.anki21"
    with zipfile.ZipFile(path) as zf:
        db_path.write_bytes(zf.read("collection.anki21"))
        members = {n: zf.read(n) for n in zf.namelist()}
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute(sql, params)
    members["collection.anki21"] = db_path.read_bytes()
    out = tmp_path / "forged.apkg"
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


@pytest.mark.parametrize(
    "forgery",
    [("guid", g) for g in FORGED_GUIDS] + [("sql", s) for s in FORGED_REVLOG],
)
def test_a_forged_phone_package_imports_or_refuses_in_one_line(
    profile: Collection, tmp_path: Path, capsys, forgery: tuple[str, str]
) -> None:
    kind, value = forgery
    exported = export(profile, tmp_path)
    if kind == "guid":
        path = _forged(
            exported,
            tmp_path,
            "UPDATE notes SET guid = ? WHERE id = (SELECT max(id) FROM notes)",
            (value,),
        )
    else:
        path = _forged(exported, tmp_path, value)
    profile.close()
    with Collection.open(bundled=False, now=NOW) as col:
        before, log_count = schedules(col), len(log_rows(col))
    code = main(["import", str(path), "--with-history"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code != 0:
        assert code == 2 and err.count("\n") == 1, err
        with Collection.open(bundled=False, now=NOW) as col:
            assert schedules(col) == before and len(log_rows(col)) == log_count
    assert main(["decks"]) == 0
    with Collection.open(bundled=False, now=NOW) as col:
        assert len(log_rows(col)) >= log_count  # nothing known is ever removed


def test_future_dated_and_ancient_phone_answers_are_skipped(
    profile: Collection, tmp_path: Path
) -> None:
    """A forged (or clock-broken) answer in 2099 would make every later real answer look old;
    one before Anki existed is as bogus. Both are skipped, the real one is replayed."""
    later = NOW + timedelta(days=2)
    phone = _with_phone_answers(
        export(profile, tmp_path),
        tmp_path,
        [
            ("maus", datetime(2099, 1, 1, tzinfo=UTC), 4),
            ("city::c2", datetime(2001, 1, 1, tzinfo=UTC), 4),
            ("haus", later, 3),
        ],
    )
    [report] = profile.import_files([phone], with_history=True, now=later + timedelta(hours=1))
    assert (report.history_cards, report.history_reviews) == (1, 1)
    assert _card(profile, "maus").last_review is None
    assert _card(profile, "city::c2").state == 0


def test_progress_is_reported_and_json_says_what_was_written(
    profile: Collection, tmp_path: Path, capsys
) -> None:
    heard: list[tuple[str, int, int]] = []
    report = profile.export_apkg(
        [], tmp_path / "p.apkg", with_history=True, now=NOW, progress=lambda *a: heard.append(a)
    )
    assert ("cards", 6, 6) in heard and ("media", 2, 2) in heard
    assert (report.decks, report.cards, report.media) == (1, 6, 2)
    assert report.reviews == len(log_rows(profile))
    profile.close()
    out = tmp_path / "q.apkg"
    assert main(["deck", "export", "--all", "--to", str(out), "--with-history", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {**report.to_dict(), "path": str(out)}


def test_a_note_deleted_on_the_phone_leaves_its_deck_here_with_its_history(
    profile: Collection, tmp_path: Path
) -> None:
    logs = log_rows(profile)
    path = _forged(
        export(profile, tmp_path),
        tmp_path,
        "DELETE FROM notes WHERE guid = ?",
        (card_guid("german", "haus", "german/haus"),),
    )
    [report] = profile.import_files([path], with_history=True, now=NOW)
    assert (report.added, report.suspended) == (0, 1)
    haus = _card(profile, "haus")
    assert haus.suspended and not haus.in_deck
    assert log_rows(profile) == logs


def test_the_bundled_decks_come_back_from_anki_unchanged(col: Collection, tmp_path: Path) -> None:
    """Real card text (code spans, lists, links, bold) survives Markdown -> Anki HTML ->
    Markdown exactly, so a round trip through the phone updates no card."""
    decks = sorted((Path(__file__).parent.parent / "decks").glob("*.toml"))
    col.import_files(decks, now=NOW)
    path = tmp_path / "bundled.apkg"
    col.export_apkg([], path, with_history=True, now=NOW)
    reports = col.import_files([path], with_history=True, now=NOW)
    assert len(reports) == len(decks)
    assert all((r.added, r.updated, r.suspended) == (0, 0, 0) for r in reports), reports


def test_flags_travel_as_ankis_card_flags_and_come_back(
    profile: Collection, tmp_path: Path, anki_col
) -> None:
    """A flag set here shows as the card's flag in Anki (not a `flag::red` tag); the mark is
    Anki's own `marked` tag; both come back unchanged through Anki's export."""
    from anki.collection import ExportAnkiPackageOptions

    profile.set_flag([_card(profile, "haus").id], 1)  # red
    profile.set_flag([_card(profile, "hund").id], 4)  # blue
    profile.set_marked([_card(profile, "hund").id], True)
    _anki_import(anki_col, export(profile, tmp_path))
    by_key = {own_card(anki_col.get_card(c).note().guid)[1]: c for c in anki_col.find_cards("")}
    haus, hund = anki_col.get_card(by_key["haus"]), anki_col.get_card(by_key["hund"])
    assert (haus.user_flag(), hund.user_flag()) == (1, 4)
    assert not any(t.startswith("flag::") for t in haus.note().tags + hund.note().tags)
    assert "marked" in hund.note().tags
    assert list(anki_col.find_cards("flag:1")) == [by_key["haus"]]

    back = tmp_path / "phone.apkg"
    anki_col.export_anki_package(
        out_path=str(back),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True),
        limit=None,
    )
    main(["--profile", profile.profile, "import", str(back), "--with-history"])
    assert "flag::red" in _card(profile, "haus").tags
    assert {"flag::blue", "marked"} <= set(_card(profile, "hund").tags)
