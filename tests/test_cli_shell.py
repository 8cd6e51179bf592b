"""The command line as a shell user meets it (issue 13): one-line usage errors, options before
or after the command, profiles made only when asked, pipes closed early, help for every
option."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mastery import paths
from mastery.cli import main
from mastery.cli.main import build_parser


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own exits (usage errors, --help)
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv",
    [
        ["goal", "add"],
        ["goal", "frobnicate"],
        ["stats", "--no-such-option"],
        ["goal", "checkin", "x", "not-a-number"],
        ["nonsense"],
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(capsys, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("mastery") and "error:" in err and "--help" in err


def test_global_options_work_after_the_command_too(capsys, tmp_path: Path) -> None:
    home = tmp_path / "elsewhere"
    code, _, err = run(capsys, "goal", "add", "Run", "--home", str(home), "--no-bundled-decks")
    assert code == 0, err
    assert paths.database_path(home=home).exists()
    code, out, _ = run(capsys, "goal", "list", "--json", "--home", str(home))
    assert [g["title"] for g in json.loads(out)] == ["Run"]
    # Given before the command, an option is not reset by the command's parser.
    code, out, _ = run(capsys, "--home", str(home), "goal", "list", "--json")
    assert [g["title"] for g in json.loads(out)] == ["Run"]
    code, _, err = run(capsys, "stats", "--profile", "ana", "--home", str(home))
    assert code == 2 and "no profile 'ana' (profiles: default)" in err


def test_a_mistyped_profile_is_refused_with_the_profiles_and_not_created(capsys) -> None:
    assert run(capsys, "--no-bundled-decks", "--profile", "alice", "decks")[0] == 0
    code, out, err = run(capsys, "--profile", "alcie", "journal", "add", "hello")
    assert code == 2 and out == ""
    assert err.strip() == (
        "mastery: error: no profile 'alcie' (profiles: alice); create it with "
        "`mastery profile add alcie` or add --create"
    )
    assert not paths.profile_dir("alcie").exists()
    code, _, err = run(capsys, "--profile", "alcie", "--create", "decks", "--json")
    assert code == 0 and paths.database_path("alcie").exists()


def test_profile_add_and_list(capsys) -> None:
    code, out, _ = run(capsys, "profile", "list")
    assert code == 0 and "No profiles yet" in out
    code, out, _ = run(capsys, "profile", "add", "bo", "--no-bundled-decks")
    assert code == 0 and "Made profile bo (0 decks)" in out and "mastery --profile bo" in out
    code, _, err = run(capsys, "profile", "add", "bo")
    assert code == 2 and "exists already" in err
    code, _, err = run(capsys, "profile", "add", "../evil")
    assert code == 2 and "invalid profile name" in err
    assert run(capsys, "--profile", "bo", "decks", "--json")[1].strip() == "[]"
    code, out, _ = run(capsys, "profile", "list", "--json")
    assert json.loads(out)["profiles"] == ["bo"]


def test_the_default_profile_is_made_on_first_use(capsys) -> None:
    code, _, err = run(capsys, "goal", "list")
    assert code == 0, err
    assert paths.database_path().exists()


def test_an_os_error_without_a_file_name_is_one_clean_line(capsys, monkeypatch) -> None:
    def fail(args: argparse.Namespace) -> int:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(sys.modules["mastery.cli.main"], "_dispatch", fail)
    code, _, err = run(capsys, "decks")
    assert code == 2 and err == "mastery: error: Input/output error\n"


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`mastery journal list | head` printed 'mastery: error:: Broken pipe'."""
    env = {**os.environ, "MASTERY_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "mastery", "--no-bundled-decks", "config"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""


def _parsers(
    parser: argparse.ArgumentParser, path: str
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {c.dest: c.help for c in action._choices_actions}
            for name, child in action.choices.items():
                if name not in helps:
                    continue  # an alias (`goal checkin`): the same parser as its command
                assert helps.get(name), f"{path} {name} has no help line"
                found += _parsers(child, f"{path} {name}")
    return found


def test_every_command_and_option_has_a_description() -> None:
    missing = [
        f"{path} {'/'.join(a.option_strings) or a.dest}"
        for path, parser in _parsers(build_parser(), "mastery")
        for a in parser._actions
        if not isinstance(a, argparse._SubParsersAction) and not a.help
    ]
    assert not missing, missing


def test_to_refuses_a_missing_folder_unless_parents(capsys, tmp_path: Path) -> None:
    """Issue 13: every `--to` quietly made the folders of a mistyped path."""
    target = tmp_path / "typo" / "deep" / "journal.md"
    code, out, err = run(capsys, "--no-bundled-decks", "journal", "export", "--to", str(target))
    assert code == 2 and out == ""
    assert (
        err.strip() == f"mastery: error: {target.parent}: no such folder (add --parents to make it)"
    )
    assert not (tmp_path / "typo").exists()
    code, out, _ = run(capsys, "journal", "export", "--to", str(target), "--parents")
    assert code == 0 and target.is_file() and f"to {target}" in out
    folder = tmp_path / "none" / "entries"
    code, _, err = run(capsys, "journal", "export", "--dir", str(folder))
    assert code == 2 and "no such folder" in err and not folder.parent.exists()


def test_a_relative_to_is_reported_as_the_full_path(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "--no-bundled-decks", "journal", "export", "--to", "j.md")
    assert code == 0 and f"to {tmp_path / 'j.md'}" in out


def test_files_for_people_default_to_their_documents_folder(tmp_path: Path, monkeypatch) -> None:
    """Not the folder the app was started from (a repository, or /)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    assert paths.export_dir() == tmp_path  # no Documents folder: home
    (tmp_path / "Documents").mkdir()
    assert paths.export_dir() == tmp_path / "Documents"
