"""The `mastery` command: the top-level parser, dispatch, and the one-line errors.

Each command group lives in `cli/commands/<group>.py` with its parser beside its handlers: its
`register(sub)` adds the subcommands and sets `run` on each to the function that carries it
out (`common.Handler`: the parsed arguments in, the exit status out). This module only builds
the parser in help order, calls `args.run`, and turns what a user can cause into one line.

Bad input is one line on stderr and exit status 2 (`deck check` uses 1 for "problems found", as
linters do); a traceback means a bug. Heavy imports (textual, fsrs) happen only in the commands
that need them, so `mastery decks` stays quick.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any

from mastery.cli.commands import (
    backup,
    card,
    config,
    decks,
    goal,
    identity,
    journal,
    mentor,
    optimize,
    preset,
    review,
    stats,
    team,
)
from mastery.cli.common import Handler
from mastery.errors import MasteryError
from mastery.text import safe_line


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; the order of the groups is the order `mastery --help` lists."""
    from mastery import __version__

    parser = argparse.ArgumentParser(
        prog="mastery",
        description="Personal mastery in the terminal: review cards, goals and a journal.",
    )
    parser.add_argument("--version", action="version", version=f"mastery {__version__}")
    parser.add_argument("--home", metavar="DIR", help="folder of all profiles (or MASTERY_HOME)")
    parser.add_argument(
        "--profile",
        default="default",
        metavar="NAME",
        help="whose profile to open (default: %(default)s)",
    )
    parser.add_argument(
        "--no-bundled-decks",
        action="store_true",
        help="create a new profile without the bundled decks",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in (
        review,
        decks,
        card,
        goal,
        journal,
        mentor,
        team,
        identity,
        stats,
        optimize,
        backup,
        config,
        preset,
    ):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line; the exit status (0 done, 2 a user's error, 130 interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
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
        name = f" {safe_line(exc.filename)}" if getattr(exc, "filename", None) else ""
        print(f"mastery: error:{name}: {safe_line(exc.strerror or exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except sqlite3.Error as exc:
        return _database_fault(exc, args)


def _dispatch(args: argparse.Namespace) -> int:
    """No command opens the app; every subcommand's parser names its handler in `run`."""
    if args.command is None:
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
