"""`mastery import`, `mastery decks` and `mastery deck check|fmt|export`: decks in and out.

`deck check` and `deck fmt` work on files alone, without opening a profile, so a deck
maintainer's CI needs no profile; `deck check` exits 1 on problems, as linters do.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.cli.common import json_flag, open_profile, print_json, table, with_profile
from mastery.errors import MasteryError
from mastery.files import write_atomic

if TYPE_CHECKING:
    from mastery.collection import Collection


def register(sub: Any) -> None:
    """`import`, `decks` and `deck` with its actions."""
    p = sub.add_parser("import", help="import deck files (.toml, .csv, .tsv, Anki .txt and .apkg)")
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="deck files: .toml, .csv, .tsv, .txt, .apkg"
    )
    p.add_argument(
        "--with-history",
        action="store_true",
        help="Anki packages: bring the review history and reschedule from it",
    )
    json_flag(p)
    p.set_defaults(run=with_profile(_import))

    p = sub.add_parser("decks", help="list decks with today's counts")
    json_flag(p)
    p.set_defaults(run=with_profile(_decks))

    deck = sub.add_parser("deck", help="work on deck files").add_subparsers(
        dest="deck_command", metavar="ACTION", required=True
    )
    p = deck.add_parser("check", help="validate deck files (exit 1 on problems)")
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="deck files: .toml, .csv, .tsv, .txt, .apkg"
    )
    json_flag(p)
    p.set_defaults(run=_deck_check)
    p = deck.add_parser("fmt", help="write explicit card ids into deck files")
    p.add_argument("files", nargs="+", metavar="FILE", help=".toml deck files")
    p.add_argument(
        "--check", action="store_true", help="only report files that would change (exit 1 if any)"
    )
    p.set_defaults(run=_deck_fmt)

    p = deck.add_parser(
        "export",
        help="write decks of this profile as a TOML deck file, or an Anki package (.apkg)",
    )
    p.add_argument("deck", metavar="DECK", nargs="?", help="the deck id")
    p.add_argument(
        "--to",
        required=True,
        metavar="FILE",
        dest="to",
        help="FILE.apkg: an Anki package; else TOML",
    )
    p.add_argument("--all", action="store_true", help="every deck (Anki packages only)")
    p.add_argument(
        "--with-history",
        action="store_true",
        help="Anki packages: each card's schedule, FSRS memory state and review log",
    )
    json_flag(p)
    p.set_defaults(run=_deck_export)


def _import(col: Collection, args: argparse.Namespace) -> int:
    reports = col.import_files(args.files, with_history=args.with_history)
    if args.json:
        print_json(
            [
                {
                    **r.to_dict(),
                    **(
                        {"history_cards": r.history_cards, "history_reviews": r.history_reviews}
                        if args.with_history
                        else {}
                    ),
                }
                for r in reports
            ]
        )
        return 0
    table(
        ["deck", "added", "updated", "unchanged", "suspended", "restored"],
        [[r.deck_key, r.added, r.updated, r.unchanged, r.suspended, r.restored] for r in reports],
    )
    if args.with_history:
        cards = sum(r.history_cards for r in reports)
        answers = sum(r.history_reviews for r in reports)
        print(
            f"review history: {answers} answers replayed onto {cards} cards"
            if cards
            else "review history: nothing new to replay"
        )
    return 0


def _decks(col: Collection, args: argparse.Namespace) -> int:
    decks = col.decks()
    if args.json:
        print_json(
            [
                {
                    "id": d.key,
                    "name": d.name,
                    "team": d.team,
                    "version": d.version,
                    "cards": d.total,
                    "new": d.new,
                    "learning": d.learning,
                    "due": d.due,
                    "suspended": d.suspended,
                    "preset": d.preset,
                    # Which preset's daily limit cut `new` / `due`: [preset, per day], or null.
                    "new_limit": list(d.new_limit) if d.new_limit else None,
                    "due_limit": list(d.due_limit) if d.due_limit else None,
                }
                for d in decks
            ]
        )
        return 0
    if not decks:
        print("No decks yet. Import one with: mastery import FILE.toml")
        return 0
    table(
        ["id", "name", "cards", "new", "learning", "due"],
        [[d.key, d.name, d.total, d.new, d.learning, d.due] for d in decks],
    )
    return 0


def _deck_check(args: argparse.Namespace) -> int:
    from mastery import decks

    problems = [p for f in args.files for p in decks.check_deck(Path(f))]
    if args.json:
        print_json([{"path": p.path, "line": p.line, "reason": p.reason} for p in problems])
    else:
        for problem in problems:
            print(problem)
        if not problems:
            print(f"{present.plural(len(args.files), 'deck file')} OK")
    return 1 if problems else 0


def _deck_fmt(args: argparse.Namespace) -> int:
    from mastery import decks

    changed = 0
    for name in args.files:
        path = Path(name)
        if decks.format_deck_file(path, write=not args.check):
            changed += 1
            print(
                f"{path}: would write explicit card ids"
                if args.check
                else f"{path}: wrote explicit card ids"
            )
    if not changed:
        print(
            f"{present.plural(len(args.files), 'deck file')} already "
            + ("has" if len(args.files) == 1 else "have")
            + " explicit ids"
        )
    return 1 if (args.check and changed) else 0


def _deck_export(args: argparse.Namespace) -> int:
    """``.apkg`` writes an Anki package (by the domain, atomically); any other name a TOML deck
    file, written after the profile is closed (it is read whole first)."""
    target = Path(args.to)
    anki = target.suffix.lower() == ".apkg"
    if args.all and not anki:
        raise MasteryError(f"{args.to}: --all writes an Anki package; use FILE.apkg")
    if args.with_history and not anki:
        raise MasteryError(f"{args.to}: --with-history needs an Anki package (FILE.apkg)")
    if args.all == bool(args.deck):
        raise MasteryError(
            "deck export: name a deck, or --all, not both"
            if args.all
            else "deck export: name a deck, or --all"
        )
    if not anki:
        with open_profile(args) as col:
            text = col.export_deck(args.deck)
        write_atomic(target, text)
        print(f"Wrote deck {args.deck} to {args.to}")
        return 0
    with open_profile(args) as col:
        report = col.export_apkg(
            [] if args.all else [args.deck],
            target,
            with_history=args.with_history,
            progress=_progress() if sys.stderr.isatty() and not args.json else None,
        )
    if args.json:
        print_json(report.to_dict())
        return 0
    history = f", {report.reviews} reviews" if args.with_history else ""
    print(
        f"Wrote {present.plural(report.decks, 'deck')}, {present.plural(report.cards, 'card')}"
        f"{history} and {present.plural(report.media, 'media file')} to {args.to}"
    )
    return 0


def _progress() -> Callable[[str, int, int], None]:
    """Progress on stderr, one line rewritten in place (only on a terminal)."""

    def show(what: str, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\rexporting {what}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show
