"""The domain is a plain package: nothing below mastery/ except tui/ may import textual."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from typing import Any

import pytest

from conftest import ROOT

HEADLESS = [
    "mastery.backup",
    "mastery.calibration",
    "mastery.check",
    "mastery.cli",
    "mastery.collection",
    "mastery.cram",
    "mastery.db",
    "mastery.days",
    "mastery.decks",
    "mastery.decks.anki",
    "mastery.decks.anki.export_run",
    "mastery.decks.anki.history",
    "mastery.decks.anki.html",
    "mastery.decks.anki.import_run",
    "mastery.decks.anki.media",
    "mastery.decks.anki.package",
    "mastery.decks.anki.protobuf",
    "mastery.decks.anki.reader",
    "mastery.decks.anki.templates",
    "mastery.decks.anki.writer",
    "mastery.decks.importer",
    "mastery.decks.library",
    # The goals and journal packages, each module on its own.
    *(
        f"mastery.{package}{'' if p.stem == '__init__' else '.' + p.stem}"
        for package in ("goals", "journal")
        for p in sorted((ROOT / "src" / "mastery" / package).glob("*.py"))
    ),
    "mastery.mentor",
    "mastery.mentor.formats",
    "mastery.mentor.peers",
    "mastery.team",
    "mastery.team_formats",
    "mastery.text",
    "mastery.models",
    "mastery.optimize",
    "mastery.paths",
    "mastery.present",
    "mastery.query",
    "mastery.scheduler",
    "mastery.settings",
    "mastery.stats",
    # The CLI's modules, each on its own: a command group may import textual only inside the
    # handler that opens the app, so `mastery decks` never pays for it.
    "mastery.cli.main",
    "mastery.cli.common",
    *sorted(
        f"mastery.cli.commands.{p.stem}"
        for p in (ROOT / "src" / "mastery" / "cli" / "commands").glob("*.py")
        if p.stem != "__init__"
    ),
]


@pytest.mark.parametrize("module", HEADLESS)
def test_domain_module_does_not_import_textual(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{module} pulled in {out}"


def _importers(package: str) -> list[str]:
    """Modules with an `import package` / `from package[.x] import` line."""
    pattern = re.compile(rf"^\s*(import|from)\s+{package}(\.|\s|$)", re.MULTILINE)
    return sorted(
        str(p.relative_to(ROOT / "src" / "mastery"))
        for p in (ROOT / "src" / "mastery").rglob("*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    )


def test_only_scheduler_imports_fsrs() -> None:
    """py-fsrs (scheduling) lives in scheduler.py, fsrs-rs-python (fitting, simulating) in
    optimize.py: two engines, each behind one module."""
    assert _importers("fsrs") == ["scheduler.py"]
    assert _importers("fsrs_rs_python") == ["optimize.py"]


def test_opening_an_existing_profile_does_not_import_sqlmodel(tmp_path) -> None:
    """sqlmodel costs ~0.4 s to import; it is only needed to create or migrate a schema."""
    setup = (
        "from mastery.collection import Collection; "
        f"Collection.open(home={str(tmp_path)!r}, bundled=False).close()"
    )
    subprocess.run([sys.executable, "-c", setup], check=True)
    code = (
        "import sys; from mastery.collection import Collection; "
        f"c = Collection.open(home={str(tmp_path)!r}); c.next_card(); c.close(); "
        "print('sqlmodel' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_a_new_profile_does_not_import_sqlmodel(tmp_path) -> None:
    """The first run (`mastery decks` on a new home, the bundled decks imported) creates the
    schema from the SQL generated from models.py (storage/ddl.py), not from SQLModel."""
    code = (
        "import sys; from mastery.cli.main import main; "
        f"code = main(['decks', '--home', {str(tmp_path)!r}]); "
        "print('sqlmodel' in sys.modules, 'sqlalchemy' in sys.modules, code, file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stderr.strip().splitlines()[-1] == "False False 0"
    assert (tmp_path / "profiles" / "default" / "mastery.db").exists()


def _contract(name_start: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    [contract] = [c for c in contracts if c["name"].startswith(name_start)]
    return contract


def test_cli_command_groups_are_kept_apart() -> None:
    """Each `cli/commands/<group>.py` reads on its own: the groups never import each other
    (shared helpers live in cli/common.py) and never import cli/main.py, which imports them."""
    independent = _contract("CLI command groups are independent")
    assert independent["type"] == "independence"
    assert independent["modules"] == ["mastery.cli.commands.*"]
    layers = _contract("CLI layers:")
    assert layers["containers"] == ["mastery.cli"]
    assert layers["layers"] == ["main", "commands", "common"] and layers["exhaustive"] is True
    groups = {p.stem for p in (ROOT / "src" / "mastery" / "cli" / "commands").glob("*.py")}
    assert len(groups - {"__init__"}) >= 10, "the CLI's command groups moved elsewhere?"


def test_import_contracts_cover_every_domain_module() -> None:
    """import-linter has no "every module but cli and tui": the headless contract lists the
    domain modules by name, so a new module must join that list (and the layers' domain layer,
    which `exhaustive` already enforces) or it would escape the no-textual rule unnoticed."""
    package = ROOT / "src" / "mastery"
    domain = {
        f"mastery.{p.stem if p.is_file() else p.name}"
        for p in package.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists())
        and p.stem not in ("__init__", "__main__", "cli", "tui")
    }
    headless = _contract("The domain never imports")
    assert set(headless["source_modules"]) == domain
    assert {"textual", "rich", "mastery.tui", "mastery.cli"} <= set(headless["forbidden_modules"])
    layers = _contract("Layers:")
    lowest = {f"mastery.{m.strip()}" for m in layers["layers"][-1].split(":")}
    assert lowest == domain and layers["exhaustive"] is True


def test_the_importer_and_the_anki_reader_do_not_import_the_facade() -> None:
    """The result types live in mastery.model, so the deck code that builds them needs no
    `Collection` (the importer and collection.py used to import each other). Only the deck
    library, a service the facade creates, names it (for its type)."""
    importers = {m for m in _importers("mastery.collection") if m.startswith("decks/")}
    assert importers == {"decks/library.py"}


def test_reading_an_anki_package_writes_nothing_to_the_profile() -> None:
    """In `mastery.decks.anki`, the zip, the collection, the templates and the HTML are pure
    reading; the profile is written only by the history replay (through storage/) and by the
    media staging (its pending list, through settings_store), so an exporter or a new reader
    cannot start writing rows on the side."""

    def anki(modules: list[str]) -> list[str]:
        return [m for m in modules if m.startswith("decks/anki/")]

    assert anki(_importers("mastery.storage")) == ["decks/anki/history.py"]
    assert anki(_importers("mastery.settings_store")) == ["decks/anki/media.py"]


def _writers(table: str) -> set[str]:
    """Modules whose SQL inserts, updates or deletes rows of `table`."""
    write = re.compile(
        rf"(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+{table}\b", re.IGNORECASE
    )
    return {
        str(p.relative_to(ROOT / "src" / "mastery"))
        for p in (ROOT / "src" / "mastery").rglob("*.py")
        if write.search(p.read_text(encoding="utf-8"))
    }


def test_cards_and_review_logs_have_one_writer_each_besides_repair_and_schema() -> None:
    """Answers, cram answers, undo and imported histories all write through storage/: a
    schedule or log column cannot be filled one way here and another way there. The other
    writers are deliberate: deck content (the importer), repair (`mastery check`), the
    optimizer's reschedule, and the schema (migrations and the deck-refiling trigger, in
    models.py and in the SQL generated from it, storage/ddl.py). A new writer belongs in
    storage/, or in this list with a reason."""
    assert _writers("reviewlog") == {
        "storage/reviews.py",
        "check.py",
        "migrations.py",
        "models.py",
        "storage/ddl.py",
    }
    assert _writers("card") == {
        "storage/cards.py",
        "decks/importer.py",
        "check.py",
        "optimize.py",
    }


_SYNCED_AS_REVISIONS = {
    "goal",
    "milestone",
    "checkin",
    "goalreality",
    "goaldeck",
    "journalentry",
    "entrygoal",
}


def test_every_other_table_has_one_writer() -> None:
    """Settings and meta values are written by settings_store.py alone (the importer's pending
    media list too); a goal and its parts and a journal entry and its goal links by their
    package's service module, a goal's history by goals/progress.py, decks by the importer,
    deck presets and the deck-to-preset links by srs/presets.py, the mentor tables by the
    mentor side that keeps them (the personal channel stores synced rows through it). Sync (sync/revisions.py) also
    writes goals and entries: it shows what other devices' revisions hold, conflict copies
    included, which no edit of this device's services could express."""
    assert _writers("setting") == {"settings_store.py"}
    for table, writer in {
        "goal": "goals/service.py",
        "milestone": "goals/service.py",
        "checkin": "goals/service.py",
        "goalreality": "goals/service.py",
        "goaldeck": "goals/service.py",
        "goalprogress": "goals/progress.py",  # the history, inside the writes that change it
        "journalentry": "journal/service.py",
        "entrygoal": "journal/service.py",
        "deck": "decks/importer.py",
        "preset": "srs/presets.py",
        "deckpreset": "srs/presets.py",
        "syncevent": "sync/merge.py",  # what went through sync, beside the replay it drives
        "synccard": "sync/cardstate.py",
        "syncitem": "sync/items.py",  # settings, presets, mentor and team state as synced
        "synccontent": "sync/content.py",
        "syncdeck": "sync/content.py",
        "syncpending": "sync/pending.py",
        # The mentor tables: each side of mentoring writes its own, sync through them too.
        "feedbackcomment": "mentor/mentee.py",
        "feedbacknote": "mentor/mentee.py",
        "mentee": "mentor/mentoring.py",
        "menteeentry": "mentor/mentoring.py",
        "mentorcomment": "mentor/mentoring.py",
    }.items():
        found = _writers(table)
        synced = {"sync/revisions.py"} if table in _SYNCED_AS_REVISIONS else set()
        assert writer in found and found <= {writer, "check.py", "migrations.py", *synced}, table


def test_tables_named_by_a_variable_are_written_only_by_their_owner() -> None:
    """`_writers` finds a table by its name in the SQL; a write whose table is a variable
    (`f"INSERT INTO {table}"`) hides from it, so only the owner of every table it can name
    may write that way: the goals service (a goal's parts) and the mentee side (its two
    feedback tables)."""
    write = re.compile(r"(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\{")
    found = {
        str(p.relative_to(ROOT / "src" / "mastery"))
        for p in (ROOT / "src" / "mastery").rglob("*.py")
        if write.search(p.read_text(encoding="utf-8"))
    }
    assert found == {"goals/service.py", "mentor/mentee.py"}


def test_goals_and_journal_are_packages_of_small_modules() -> None:
    """Issue 10: a newcomer reads the layout in an hour. goals.py (1,194 lines) and journal.py
    (1,470) became packages along their seams; a module that grows past ~450 lines is a new
    seam to cut, not a place to keep adding."""
    package = ROOT / "src" / "mastery"
    for name in ("goals", "journal"):
        assert not (package / f"{name}.py").exists(), f"{name}.py is back beside {name}/"
        modules = sorted((package / name).glob("*.py"))
        assert len(modules) >= 5, name
        for module in modules:
            lines = len(module.read_text(encoding="utf-8").splitlines())
            assert lines <= 450, f"{module.relative_to(package)} has {lines} lines"
