"""`mastery due`: one short line for shell prompts, tmux status lines and cron reminders.

`12 due · 2 learning · 3 new · journal ✓`: the review cards due today and the learning
cards waiting (the dashboard's Due and Learning; learning only when there are some), the new
cards left today (limits applied), and whether today has a journal entry. It runs on every prompt, so
it must be quick: `cli.main` parses it without building the other commands' parsers, and this
path never imports textual, fsrs or pydantic (tests/test_cli_due.py checks; the benchmark
`due_cli_ms` times the whole process). It reads only: a profile that does not exist yet is
not made here.
"""

from __future__ import annotations

import argparse
from typing import Any

from mastery.cli.common import json_flag, print_json, wall_clock
from mastery.errors import ProfileError


def register(sub: Any) -> None:
    """`due`."""
    p = sub.add_parser(
        "due", help="one line for a shell prompt: cards due, new cards left, journal today"
    )
    p.add_argument(
        "--ascii",
        action="store_true",
        help='plain ASCII: "12 due, 3 new, journal yes" (for terminals without Unicode)',
    )
    json_flag(p)
    p.set_defaults(run=_due)


def _due(args: argparse.Namespace) -> int:
    from mastery import paths
    from mastery.collection import Collection

    # Reading never writes: no profile is made to say "0 due".
    paths.require_profile(args.profile, args.home)
    if not paths.database_path(args.profile, args.home).exists():
        raise ProfileError("no profile yet: run `mastery` once to make one")
    with Collection.open(args.profile, args.home, bundled=False, clock=wall_clock) as col:
        summary = col.overview.due()
    if args.json:
        print_json(summary.to_dict())
        return 0
    from mastery import present

    print(present.due_line(summary, ascii_only=args.ascii))
    return 0
