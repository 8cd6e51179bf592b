"""`mastery` (no command), `mastery review` and `mastery cram`: the doors into the app.

Anything the app would refuse (an unknown deck, an empty `--deck ''`, a search that matches
nothing) is refused here, before the screen opens: one line and exit 2 instead of an app
that starts on an error.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.cli.common import open_profile, print_json, table, with_profile
from mastery.errors import NotFoundError

if TYPE_CHECKING:
    from mastery.collection import Collection


def register(sub: Any) -> None:
    """`review` and `cram`."""
    p = sub.add_parser("review", help="go straight into today's review")
    p.add_argument("--deck", metavar="ID", help="review only this deck")
    p.set_defaults(run=open_app)

    p = sub.add_parser("cram", help="go through any search without touching the schedule")
    p.add_argument(
        "query",
        nargs="*",
        metavar="SEARCH",
        help="e.g. deck:x tag:x due:3 is:new (every card when left out)",
    )
    p.add_argument(
        "--list",
        action="store_true",
        help="print the cards in session order instead of opening the app",
    )
    p.add_argument("--json", action="store_true", help="print them as JSON (implies --list)")
    p.set_defaults(run=with_profile(_cram))


def open_app(args: argparse.Namespace) -> int:
    """The app on its dashboard (no command), or straight into review (`review [--deck]`)."""
    from mastery.tui.app import run_app

    reviewing = args.command == "review"
    deck_key = getattr(args, "deck", None)
    col = open_profile(args)
    try:
        if reviewing and deck_key is not None:
            col.deck(deck_key)  # fail before the screen opens ('' is no deck either)
        return run_app(col, start_review=reviewing, deck_key=deck_key) or 0
    finally:
        col.close()


def _cram(col: Collection, args: argparse.Namespace) -> int:
    """A cram session in the app, or (`--list`, `--json`) its cards printed in session order."""
    from mastery.cram import nothing_to_cram

    query = " ".join(args.query)
    if args.list or args.json:
        cards = col.cram_cards(query)
        now = col.now()
        if args.json:
            print_json(
                [
                    {
                        "number": c.id,
                        "ref": c.ref,
                        "deck": c.deck_key,
                        "front": c.front,
                        "back": c.back,
                        "tags": list(c.tags),
                        "state": c.state_name,
                        "due": c.due.isoformat() if c.due else None,
                    }
                    for c in cards
                ]
            )
        elif not cards:
            print(nothing_to_cram(query or "all cards"))
        else:
            table(
                ["#", "deck", "front", "state", "due"],
                [
                    [
                        c.id,
                        c.deck_key,
                        present.excerpt(c.front, 44),
                        c.state_name,
                        # As the browser says it ("today", "in 9d"): learner's days.
                        present.due_cell(c.due, now, col.clock),
                    ]
                    for c in cards
                ],
            )
        return 0
    if col.start_cram(query).current is None:
        raise NotFoundError(nothing_to_cram(query or "all cards"))  # before the screen opens
    from mastery.tui.app import run_app

    return run_app(col, cram_query=query) or 0
