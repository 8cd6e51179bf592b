"""What several command groups share: opening the profile, and printing JSON, tables and text
that came from files.

A command module under `cli/commands/` imports from here, never from another command module
(an import-linter contract checks it), so each group can be read on its own.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from mastery import present
from mastery.text import escape_json_text, safe_line, safe_text

if TYPE_CHECKING:
    from mastery.collection import Collection

# What `main` calls for a parsed command line: the exit status.
Handler = Callable[[argparse.Namespace], int]
# Most handlers work on the open profile; `with_profile` turns one into a `Handler`.
ProfileHandler = Callable[["Collection", argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line as every other error is (argparse prints the
    usage first: three or four lines where the README promises one)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def global_options(p: argparse.ArgumentParser, *, top: bool) -> None:
    """`--home`, `--profile`, `--create` and `--no-bundled-decks`, accepted before the
    command and after it (`mastery stats --profile ana`). On a command's parser they have no
    default, so one given before the command is not reset by the command's parser."""
    group = p.add_argument_group("global options" if top else "global options (also here)")

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    group.add_argument(
        "--home",
        metavar="DIR",
        default=default(None),
        help="folder of all profiles (or MASTERY_HOME)",
    )
    group.add_argument(
        "--profile",
        default=default("default"),
        metavar="NAME",
        help="whose profile to open (default: default); it must exist, or --create",
    )
    group.add_argument(
        "--create",
        action="store_true",
        default=default(False),
        help="create the profile named by --profile if it does not exist",
    )
    group.add_argument(
        "--no-bundled-decks",
        action="store_true",
        default=default(False),
        help="create the profile, if new, without the bundled decks",
    )


def json_flag(p: argparse.ArgumentParser) -> None:
    """The `--json` option, worded the same on every command that has it."""
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def wall_clock() -> datetime:
    """The one clock of a command line. The profile is opened with it (handlers ask
    `col.now()`), and `backup --restore`, which must not open the profile, asks it directly.
    It reads `days.utcnow` at each call, so patching that moves every command's "now"."""
    from mastery import days

    return days.utcnow()


def open_profile(args: argparse.Namespace) -> Collection:
    """The profile the command line names (`--profile`, `--home`, `--no-bundled-decks`).
    A profile other than the default one must exist unless creating it was asked for
    (`--create`, or `--no-bundled-decks`, which says how to create one). Collection is
    imported here, not at the top, so `mastery --help` stays quick."""
    from mastery import paths
    from mastery.collection import Collection

    if not (args.create or args.no_bundled_decks):
        paths.require_profile(args.profile, args.home)
    col = Collection.open(
        args.profile,
        args.home,
        bundled=False if args.no_bundled_decks else None,
        clock=wall_clock,
    )
    col.db.on_busy = say_waiting
    return col


def say_waiting() -> None:
    """Told once when another window or command holds the profile: why nothing happens yet."""
    print("mastery: waiting for another Mastery window or command to finish…", file=sys.stderr)


def print_setting_warnings(col: Collection) -> None:
    """Stored settings found invalid (and replaced by their defaults): one line each."""
    for line in col.settings_warnings:
        print(f"mastery: warning: {line}", file=sys.stderr)


def with_profile(handler: ProfileHandler) -> Handler:
    """Run `handler` on the open profile, closed afterwards; settings found invalid are
    reported even when the command fails, since they may be why it did."""

    def run(args: argparse.Namespace) -> int:
        with open_profile(args) as col:
            try:
                return handler(col, args)
            finally:
                print_setting_warnings(col)

    return run


def progress_bar(show: bool) -> Callable[[float, str], None]:
    """A progress callback for slow work (optimize, calibration): a bar of 20 cells and the
    step, rewritten in place on stderr; silent unless `show` (a terminal, no --json)."""

    def progress(fraction: float, what: str) -> None:
        if show:
            bar = "█" * int(fraction * 20)
            print(f"\r{bar:<20} {fraction:4.0%} {what:<40}", end="", file=sys.stderr, flush=True)

    return progress


def print_json(data: Any) -> None:
    """JSON for scripts, with control characters from files escaped for the terminal."""
    print(escape_json_text(json.dumps(data, indent=2, ensure_ascii=False)))


def table(headers: list[str], rows: list[list[Any]]) -> None:
    """A plain aligned table; every cell made safe to print (cells hold text from files)."""
    print(present.table(headers, [[safe_line(c) for c in row] for row in rows]))


def say(text: str = "") -> None:
    """Print text that holds what a file said, with control characters made visible."""
    print(safe_text(text))


def print_feedback(comments: Sequence[Any]) -> None:
    """A mentor's comments under the entry or goal they belong to (`journal show`,
    `goal show`)."""
    if not comments:
        return
    print("\nFeedback:")
    for c in comments:
        new = " (new)" if c.unread else ""
        print(f"  {safe_line(c.mentor_name)}, {c.updated.date().isoformat()}{new}:")
        for line in c.body.splitlines():
            print(f"    {safe_line(line)}")
