"""The `mastery` command: the top-level parser, dispatch, and the one-line errors.

Each command group lives in `cli/commands/<group>.py` with its parser beside its handlers: its
`register(sub)` adds the subcommands and sets `run` on each to the function that carries it
out (`common.Handler`: the parsed arguments in, the exit status out). This module only builds
the parser in help order, calls `args.run`, and turns what a user can cause into one line.
The command modules are imported when the parser is built, so `mastery due` (a shell prompt
runs it every time) is parsed by a parser of its own without importing the others.

Bad input is one line on stderr and exit status 2 (`deck check` uses 1 for "problems found", as
linters do); a traceback means a bug. Heavy imports (textual, fsrs) happen only in the commands
that need them, so `mastery decks` stays quick.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from mastery.cli.common import Handler, Parser, global_options
from mastery.errors import MasteryError
from mastery.text import safe_line


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every command's parser under `parser`, at any depth (`goal milestone add`)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield child
                yield from _parsers(child)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; the order of the groups is the order `mastery --help` lists."""
    from mastery import __version__
    from mastery.cli.commands import (
        backup,
        card,
        config,
        decks,
        due,
        goal,
        identity,
        journal,
        mentor,
        optimize,
        preset,
        profile,
        review,
        stats,
        sync,
        team,
    )

    parser = Parser(
        prog="mastery",
        description="Personal mastery in the terminal: review cards, goals and a journal.",
    )
    parser.add_argument("--version", action="version", version=f"mastery {__version__}")
    global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in (
        review,
        due,
        decks,
        card,
        goal,
        journal,
        mentor,
        team,
        identity,
        sync,
        stats,
        optimize,
        backup,
        config,
        preset,
        profile,
    ):
        group.register(sub)
    for child in _parsers(parser):
        global_options(child, top=False)
        outputs = [a.dest for a in child._actions if set(a.option_strings) & {"--to", "--dir"}]
        if outputs:
            child.add_argument(
                "--parents",
                action="store_true",
                help="make the folders of --to/--dir that do not exist yet",
            )
            child.set_defaults(outputs=outputs)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The command word of a command line (global options and their values skipped)."""
    words = iter(argv)
    for word in words:
        if word in ("--home", "--profile"):
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _due_parser() -> argparse.ArgumentParser:
    """Just `mastery due` and the global options: building the whole parser imports every
    command module, which a shell prompt running `mastery due` cannot wait for."""
    from mastery.cli.commands import due

    parser = Parser(prog="mastery")
    global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    due.register(sub)
    for child in _parsers(parser):
        global_options(child, top=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line; the exit status (0 done, 2 a user's error, 130 interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _due_parser() if _command_of(argv) == "due" else build_parser()
    args = parser.parse_args(argv)
    try:
        code = _dispatch(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:
        return _pipe_closed()
    except MasteryError as exc:
        from mastery.check import damage_hint

        print(f"mastery: error: {safe_line(exc)}{damage_hint(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except ValueError as exc:
        # Files are parsed into pydantic models and their errors become typed MasteryErrors
        # at the boundary; a ValidationError that still gets here is one line, not a traceback.
        from pydantic import ValidationError

        if not isinstance(exc, ValidationError):
            raise
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        print(f"mastery: error: {safe_line(where)}: {safe_line(first['msg'])}", file=sys.stderr)
        return 2
    except OSError as exc:
        name = f" {safe_line(exc.filename)}:" if getattr(exc, "filename", None) else ""
        print(f"mastery: error:{name} {safe_line(exc.strerror or exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except sqlite3.Error as exc:
        return _database_fault(exc, args)


def _pipe_closed() -> int:
    """The reader of our output went away (`mastery journal list | head`): stop quietly, as
    `git log | head` does, with the status of a process ended by SIGPIPE. Python would
    otherwise complain once more when it flushes stdout on exit, so stdout is pointed at
    /dev/null first."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a file (captured in a test): nothing to do
        pass
    return 141


def _check_outputs(args: argparse.Namespace) -> None:
    """The files and folders a command writes (`--to`, `--dir`): `~` expanded, made absolute
    so the command's output says where they went, and their folder must exist unless
    `--parents` says to make it (a typo in a folder name must not quietly make a new tree)."""
    for dest in getattr(args, "outputs", ()):
        value = getattr(args, dest, None)
        if not value:
            continue
        path = os.path.abspath(os.path.expanduser(value))
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            if not args.parents:
                raise MasteryError(
                    f"{safe_line(folder)}: no such folder (add --parents to make it)"
                )
            os.makedirs(folder, exist_ok=True)
        setattr(args, dest, path)


def _dispatch(args: argparse.Namespace) -> int:
    """No command opens the app; every subcommand's parser names its handler in `run`."""
    _check_outputs(args)
    if args.command is None:
        from mastery.cli.commands import review

        return review.open_app(args)
    handler: Handler = args.run
    return handler(args)


def _database_fault(exc: sqlite3.Error, args: argparse.Namespace) -> int:
    """The last resort for a database fault that escaped `Database`'s translation (a read on
    a damaged file): one line naming the profile, and `mastery check`."""
    from mastery import paths
    from mastery.db import translate

    try:
        where: Any = paths.database_path(args.profile, args.home)
    except MasteryError:
        where = "profile database"
    typed = translate(exc, where)
    line = str(typed) if typed is not None else f"{where}: database error ({exc})"
    if "mastery check" not in line:
        line += "; run `mastery check`"
    print(f"mastery: error: {line}", file=sys.stderr)
    return 2
