"""Every `mastery ...` command a message, a screen or the docs tell people to run exists.

Issue 13: hints named commands that do not exist (`see mastery goals`), in the CLI and the
TUI. Each string in the source (messages, notices, placeholders, docstrings) and each command
in the README and docs/ that names a `mastery` command is parsed here by the real parser;
placeholders (FILE, NAME, `{goal.id}`), optional parts (`[--deck D]`) and alternatives
(`add|list`) are read the way a person would fill them in.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from mastery.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "mastery"

# Placeholders that must be a number where they stand.
NUMBERS = {"CONFIDENCE": "7", "N": "1", "NUMBER": "1"}
# In backticks (and after "with:" / "run") a hint is a command to copy; elsewhere "mastery"
# followed by a word is a command when the word is one, or nearly one (`goals`, `search`).
_QUOTED = re.compile(r"`(mastery(?: [^`]*)?)`")
_WITH = re.compile(r"with: (mastery [^\n`]*)")
_BARE = re.compile(r"(?<![\w./-])(mastery [a-z][a-z-]*(?: [^\n`;()]*)?)")


def _commands() -> set[str]:
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(subs.choices)


COMMANDS = _commands()


def _strings(path: Path) -> Iterator[tuple[int, str]]:
    """Every string literal of a module, f-strings with `{...}` standing for a value."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts_of_fstrings = {
        id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values
    }
    for node in ast.walk(tree):
        if id(node) in parts_of_fstrings:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            parts = [
                v.value if isinstance(v, ast.Constant) else "{value}"
                for v in node.values
                if isinstance(v, ast.Constant | ast.FormattedValue)
            ]
            yield node.lineno, "".join(str(p) for p in parts)


def _hints(text: str) -> Iterator[str]:
    seen: set[str] = set()
    for pattern in (_QUOTED, _WITH):
        for m in pattern.finditer(text):
            seen.add(m.group(1))
            yield m.group(1)
    for m in _BARE.finditer(text):
        word = m.group(1).split()[1]
        near = {word, word.rstrip("s"), word + "s"} & COMMANDS
        if (
            m.group(1) not in seen
            and not any(m.group(1) in s for s in seen)
            and near
            or m.group(1) not in seen
            and word.endswith("s")
            and word[:-1] in COMMANDS
        ):
            yield m.group(1)


def _argv(hint: str) -> list[str]:
    """The hint as the words a person would type, placeholders filled in."""
    text = " ".join(hint.replace("\\|", "|").replace("{value}", "1").split())
    text = re.sub(r"\s(?:\.\.\.|…)", "", text)
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        words = text.split()
    argv: list[str] = []
    depth = 0
    for word in words[1:]:
        if depth or word.startswith("["):
            depth += word.count("[") - word.count("]")
            continue
        if word in ("/", "or", "|"):
            break  # "`mastery mentor pairs` / `unpair NAME`": the rest is another command
        if "|" in word and not word.startswith("-"):
            if not (argv and argv[-1].startswith("-")):  # `add|list|show P`: the first action
                argv.append(word.split("|")[0])
                break
            word = word.split("|")[0]  # an option's value: `--as mentee|mentor`
        argv.append(NUMBERS.get(word, word.rstrip(".,:")))
    return argv


def _problem(argv: list[str]) -> str | None:
    """What the real parser says about `argv`: None when it parses, or when only required
    arguments or an option's value are missing (prose names a command or an option: "see
    `mastery import`", "`mastery optimize --deck`")."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            build_parser().parse_args(argv)
        except SystemExit as exc:
            said = err.getvalue().strip()
            missing = ("arguments are required", "expected one argument")
            if exc.code and not any(m in said for m in missing):
                return said or f"exit {exc.code}"
    return None


def _source_hints() -> Iterator[tuple[str, str]]:
    for path in sorted(SRC.rglob("*.py")):
        for line, text in _strings(path):
            for hint in _hints(text):
                yield f"{path.relative_to(ROOT)}:{line}", hint


def _doc_hints() -> Iterator[tuple[str, str]]:
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        block = False
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip().startswith("```"):
                block = not block
                continue
            where = f"{path.relative_to(ROOT)}:{n}"
            if block:
                command = line.split("#")[0].strip().rstrip("\\").strip()
                if command.startswith("mastery ") and not line.rstrip().endswith("\\"):
                    yield where, command
            else:
                for hint in _hints(line):
                    yield where, hint


def test_hints_are_found() -> None:
    """The scan sees the hints it is meant to check (a scan that finds nothing passes)."""
    found = [h for _, h in _source_hints()]
    assert "mastery check" in found and len(found) > 50
    assert any(h.startswith("mastery goal add") for h in found)
    assert _argv("mastery goal checkin {value} CONFIDENCE 'why'") == [
        "goal",
        "checkin",
        "1",
        "7",
        "why",
    ]
    assert _argv("mastery preset list|show P [--copy P]") == ["preset", "list"]
    assert _argv("mastery x --as a|b --to F  # note") == ["x", "--as", "a", "--to", "F"]
    assert _problem(["goals"]) is not None


@pytest.mark.parametrize("source", ["src", "docs"])
def test_every_hinted_command_parses(source: str) -> None:
    hints = _source_hints() if source == "src" else _doc_hints()
    bad = []
    for where, hint in hints:
        problem = _problem(_argv(hint))
        if problem is not None:
            bad.append(f"{where}: {hint!r}: {problem.splitlines()[-1]}")
    assert not bad, "\n".join(bad)
