"""The `mastery` command: parses arguments, calls the domain, prints tables or JSON.

Bad input is one line on stderr and exit status 2 (`deck check` uses 1 for "problems found", as
linters do); a traceback means a bug. Heavy imports (textual, fsrs) happen only in the commands
that need them, so `mastery decks` stays quick.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mastery import present
from mastery.errors import MasteryError, NotFoundError
from mastery.files import write_atomic
from mastery.limits import ref_number
from mastery.text import escape_json_text, safe_line, safe_text


def build_parser() -> argparse.ArgumentParser:
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

    p = sub.add_parser("review", help="go straight into today's review")
    p.add_argument("--deck", metavar="ID", help="review only this deck")

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

    p = sub.add_parser("import", help="import deck files (.toml, .csv, .tsv, Anki .txt and .apkg)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--with-history",
        action="store_true",
        help="Anki packages: bring the review history and reschedule from it",
    )
    _json_flag(p)

    p = sub.add_parser("decks", help="list decks with today's counts")
    _json_flag(p)

    deck = sub.add_parser("deck", help="work on deck files").add_subparsers(
        dest="deck_command", metavar="ACTION", required=True
    )
    p = deck.add_parser("check", help="validate deck files (exit 1 on problems)")
    p.add_argument("files", nargs="+", metavar="FILE")
    _json_flag(p)
    p = deck.add_parser("fmt", help="write explicit card ids into deck files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument(
        "--check", action="store_true", help="only report files that would change (exit 1 if any)"
    )

    p = deck.add_parser("export", help="write a deck of this profile as a TOML deck file")
    p.add_argument("deck", metavar="DECK", help="the deck id")
    p.add_argument("--to", required=True, metavar="FILE", dest="to")

    card = sub.add_parser("card", help="look at one card").add_subparsers(
        dest="card_command", metavar="ACTION", required=True
    )
    p = card.add_parser("show", help="card info: history, stability, difficulty, next due")
    p.add_argument("ref", metavar="ID", help="deck-id/card-id, or the number the browser shows")
    _json_flag(p)

    _goal_parsers(sub)
    _journal_parsers(sub)
    _mentor_parsers(sub)
    _team_parsers(sub)
    _id_parser(sub)  # the identity block, below _COMMANDS

    p = sub.add_parser(
        "stats", help="reviews, streak, heatmap, true retention, forecast, card states"
    )
    p.add_argument(
        "--deck", metavar="ID", help="the figures of one deck (the first lines stay the profile's)"
    )
    _json_flag(p)

    p = sub.add_parser(
        "calibration", help="how sure you said you were against how often you recalled"
    )
    p.add_argument("--deck", metavar="DECK", help="only this deck's answers")
    p.add_argument(
        "--by",
        choices=["month", "week"],
        default="month",
        help="periods of the over-time view (default: %(default)s)",
    )
    _json_flag(p)

    p = sub.add_parser("optimize", help="fit FSRS to your own reviews (log loss before/after)")
    p.add_argument("--deck", metavar="DECK", help="fit one deck's reviews, for that deck only")
    p.add_argument(
        "--apply",
        action="store_true",
        help="use the fitted weights (only if they predict your reviews better)",
    )
    p.add_argument(
        "--reschedule",
        action="store_true",
        help="with --apply: recompute every studied card's schedule with them",
    )
    p.add_argument(
        "--reset",
        action="store_true",
        help="go back to FSRS's defaults (for --deck: to the profile's weights)",
    )
    _json_flag(p)

    p = sub.add_parser("workload", help="reviews per day and knowledge kept at each retention")
    p.add_argument("--deck", metavar="DECK", help="simulate one deck with its weights")
    _json_flag(p)

    p = sub.add_parser(
        "backup",
        help="copy the profile database now (manual and daily backups rotate apart), "
        "list or restore backups",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--list", action="store_true", help="list the backups: number, date, kind, size, cards"
    )
    what.add_argument(
        "--restore",
        nargs="?",
        const=_LIST_BACKUPS,
        metavar="NAME|N",
        help="replace the profile with a backup (by name or number; lists them when left out)",
    )
    _json_flag(p)

    p = sub.add_parser(
        "check",
        help="check the profile database and fix what can be fixed (Anki's Check Database)",
    )
    p.add_argument("--dry-run", action="store_true", help="only report (exit 1 on problems)")
    _json_flag(p)

    p = sub.add_parser("config", help="show or change a setting")
    p.add_argument("key", nargs="?")
    p.add_argument("value", nargs="?")
    p.add_argument("--reset", action="store_true", help="put KEY back to its default")
    _json_flag(p)
    return parser


def _goal_parsers(sub: Any) -> None:
    goal = sub.add_parser("goal", help="goals: vision, current reality, milestones, check-ins")
    goals = goal.add_subparsers(dest="goal_command", metavar="ACTION", required=True)

    def goal_fields(p: argparse.ArgumentParser, editing: bool) -> None:
        p.add_argument("--vision", help="what you want")
        p.add_argument("--reality", help="where you stand now")
        p.add_argument(
            "--category",
            help="a discipline (personal-mastery, mental-models, "
            "shared-vision, team-learning, systems-thinking) or your own word",
        )
        p.add_argument(
            "--target",
            metavar="DATE",
            help='target date: "2027-03-01", "in 3 months", "end of quarter"',
        )
        p.add_argument(
            "--cadence",
            help='practice rule: "every weekday", "mon,wed,fri", '
            '"3 times a week"' + (' ("" clears)' if editing else ""),
        )
        p.add_argument(
            "--deck",
            action="append",
            dest="decks",
            metavar="DECK",
            help="link a deck whose cards measure progress (repeatable)",
        )
        vis = p.add_mutually_exclusive_group()
        vis.add_argument(
            "--shared",
            action="store_const",
            const="shared",
            dest="visibility",
            help="share with your mentor",
        )
        vis.add_argument(
            "--private",
            action="store_const",
            const="private",
            dest="visibility",
            help="keep private (the default)",
        )
        _json_flag(p)

    p = goals.add_parser("add", help="add a goal")
    p.add_argument("title")
    p.add_argument(
        "--milestone",
        action="append",
        dest="milestones",
        metavar="TITLE",
        help="a milestone, in order (repeatable)",
    )
    goal_fields(p, editing=False)
    p = goals.add_parser("list", help="list goals with progress and days left")
    p.add_argument("--status", default="active", choices=["active", "achieved", "dropped", "all"])
    _json_flag(p)
    p = goals.add_parser("show", help="one goal: vision and reality, milestones, progress")
    p.add_argument("ref", metavar="GOAL", help="goal number or the start of its title")
    _json_flag(p)
    p = goals.add_parser("edit", help="change a goal (a new reality keeps the old ones)")
    p.add_argument("ref", metavar="GOAL")
    p.add_argument("--title")
    goal_fields(p, editing=True)
    for name, text in (
        ("done", "mark a goal achieved"),
        ("drop", "drop a goal"),
        ("reopen", "make a goal active again"),
    ):
        p = goals.add_parser(name, help=text)
        p.add_argument("ref", metavar="GOAL")
        _json_flag(p)
    p = goals.add_parser("checkin", help="weekly check-in: confidence 1-10 and why")
    p.add_argument("ref", metavar="GOAL")
    p.add_argument("confidence", type=int, help="1-10: how sure you are the goal will be met")
    p.add_argument("note", nargs="?", default="", help="a line of why")
    _json_flag(p)
    milestone = goals.add_parser("milestone", help="add or tick milestones").add_subparsers(
        dest="milestone_command", metavar="ACTION", required=True
    )
    p = milestone.add_parser("add", help="add a milestone at the end")
    p.add_argument("ref", metavar="GOAL")
    p.add_argument("title")
    _json_flag(p)
    p = milestone.add_parser("done", help="tick a milestone done (by number or title start)")
    p.add_argument("ref", metavar="GOAL")
    p.add_argument("milestone", metavar="MILESTONE")
    p.add_argument("--undo", action="store_true", help="un-tick it")
    _json_flag(p)


def _journal_parsers(sub: Any) -> None:
    journal = sub.add_parser("journal", help="the learning journal: write, find, export")
    actions = journal.add_subparsers(dest="journal_command", metavar="ACTION", required=True)

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--tag", action="append", dest="tags", metavar="TAG")
        p.add_argument("--goal", metavar="GOAL", help="goal number or the start of its title")
        vis = p.add_mutually_exclusive_group()
        vis.add_argument("--shared", action="store_const", const="shared", dest="visibility")
        vis.add_argument("--private", action="store_const", const="private", dest="visibility")
        p.add_argument(
            "--when",
            metavar="PHRASE",
            help='"last week", "since 2026-10-01", "in march", "last 30 days"',
        )
        p.add_argument("--limit", type=int, metavar="N")
        _json_flag(p)

    p = actions.add_parser("add", help="write an entry (text, stdin, or $EDITOR)")
    p.add_argument("text", nargs="?", help="the entry; without it, stdin or $EDITOR")
    p.add_argument(
        "--prompt", metavar="KEY", help="start from a prompt (see `mastery journal prompts`)"
    )
    p.add_argument("--date", metavar="DATE", help='"yesterday", "last friday", "2026-11-02"')
    p.add_argument("--title")
    p.add_argument("--tag", action="append", dest="tags", metavar="TAG")
    p.add_argument("--goal", action="append", dest="goals", metavar="GOAL")
    p.add_argument(
        "--shared",
        action="store_const",
        const="shared",
        dest="visibility",
        default="private",
        help="share with your mentor (entries are private by default)",
    )
    _json_flag(p)
    p = actions.add_parser("list", help="entries, newest first")
    filters(p)
    p = actions.add_parser("show", help="one entry")
    p.add_argument("ref", metavar="ENTRY", help="entry id (e-...) or number")
    _json_flag(p)
    p = actions.add_parser("search", help="find entries; every word must match")
    p.add_argument("words", nargs="*", metavar="WORD")
    filters(p)
    p = actions.add_parser("export", help="export entries as Markdown")
    p.add_argument("--to", metavar="FILE", help="one Markdown file (default: stdout)")
    p.add_argument("--dir", metavar="FOLDER", help="one file per entry, with front matter")
    filters(p)
    p = actions.add_parser("import", help="import Markdown exported by Mastery")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders of .md files")
    _json_flag(p)
    p = actions.add_parser("prompts", help="the prompts you can start an entry from")
    _json_flag(p)


def _mentor_parsers(sub: Any) -> None:
    mentor = sub.add_parser(
        "mentor", help="mentors: share entries and get feedback, or mentor others"
    )
    actions = mentor.add_subparsers(dest="mentor_command", metavar="ACTION", required=True)

    p = actions.add_parser("export", help="write a bundle of what you share for your mentor")
    p.add_argument("--to", metavar="FILE", help="the bundle file to write")
    p.add_argument(
        "--since", metavar="DATE", help='only entries from this day on: "2026-10-01", "3 weeks ago"'
    )
    p.add_argument("--name", help="the name your mentor sees (remembered)")
    p.add_argument(
        "--deck",
        action="append",
        dest="decks",
        metavar="DECK",
        help="include this deck's maturity (counts only, no card text; repeatable)",
    )
    p.add_argument(
        "--preview",
        action="store_true",
        help="print exactly what would be written, and write nothing",
    )
    _json_flag(p)
    p = actions.add_parser("feedback", help="import your mentor's feedback file")
    p.add_argument("file", metavar="FILE")
    _json_flag(p)

    p = actions.add_parser("add", help="store (or update) a mentee's bundle")
    p.add_argument("file", metavar="FILE")
    _json_flag(p)
    p = actions.add_parser("list", help="your mentees: last activity, entries, unread")
    _json_flag(p)
    p = actions.add_parser("show", help="a mentee's shared goals and entries (marks them read)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--tag", action="append", dest="tags", metavar="TAG")
    p.add_argument("--goal", metavar="GOAL", help="g-<id>, or the start of the goal's title")
    p.add_argument(
        "--when",
        metavar="PHRASE",
        help='"last week", "since 2026-10-01", "in march", "last 30 days"',
    )
    p.add_argument("--keep-unread", action="store_true", help="do not mark entries read")
    _json_flag(p)
    p = actions.add_parser("open", help="open the Mentees screen")
    p.add_argument("name", nargs="?", metavar="NAME", help="start on this mentee")
    p = actions.add_parser("comment", help="comment on a mentee's entry or goal")
    p.add_argument("name", metavar="NAME")
    p.add_argument("ref", metavar="ENTRY_OR_GOAL", help="entry id (e-...) or goal id (g-...)")
    p.add_argument("text")
    _json_flag(p)
    p = actions.add_parser("note", help='write your overall note for a mentee ("" clears it)')
    p.add_argument("name", metavar="NAME")
    p.add_argument("text")
    _json_flag(p)
    p = actions.add_parser(
        "remove", help="forget a mentee: their copy, entries and your comments on them"
    )
    p.add_argument("name", metavar="NAME")
    _json_flag(p)
    p = actions.add_parser("reply", help="write the feedback file for a mentee")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--to", required=True, metavar="FILE")
    p.add_argument(
        "--name", dest="my_name", metavar="YOUR_NAME", help="the name your mentee sees (remembered)"
    )
    _json_flag(p)


def _team_parsers(sub: Any) -> None:
    team = sub.add_parser("team", help="teams: shared decks and goals, anonymized summary")
    actions = team.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    p = actions.add_parser("init", help="create a team folder (bundled decks as the example)")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--name", help="the team's name (default: the folder's name)")
    p.add_argument("--id", dest="team_id", metavar="ID", help="the team id (default: from name)")
    _json_flag(p)
    p = actions.add_parser("join", help="join a team folder (validates its team.toml)")
    p.add_argument("dir", metavar="DIR")
    p.add_argument(
        "--sync",
        action="store_true",
        help="opt in to sharing your anonymized summary with this team",
    )
    _json_flag(p)
    p = actions.add_parser("list", help="the teams you joined")
    _json_flag(p)
    p = actions.add_parser("pull", help="import or update the team's decks (history kept)")
    p.add_argument("team", nargs="?", metavar="TEAM")
    _json_flag(p)
    p = actions.add_parser("sync", help="write your anonymized record into the team summary")
    p.add_argument("team", nargs="?", metavar="TEAM")
    opt = p.add_mutually_exclusive_group()
    opt.add_argument("--enable", action="store_true", help="opt in, then sync")
    opt.add_argument(
        "--disable", action="store_true", help="opt out (your record stays until you leave)"
    )
    opt.add_argument(
        "--auto",
        action="store_true",
        help="opt in and sync automatically after every review session",
    )
    opt.add_argument(
        "--manual",
        action="store_true",
        help="stop syncing automatically (sync stays on when you run it)",
    )
    _json_flag(p)
    p = actions.add_parser("report", help="the team's progress, k-anonymous")
    p.add_argument("team", nargs="?", metavar="TEAM")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.add_argument(
        "--cards",
        action="store_true",
        help="rank each team deck's cards by again-rate (for deck maintainers)",
    )
    p = actions.add_parser("leave", help="remove your record from the summary and forget the team")
    p.add_argument("team", metavar="TEAM")


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def main(argv: Sequence[str] | None = None) -> int:
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


def _open(args: argparse.Namespace) -> Any:
    from mastery.collection import Collection

    col = Collection.open(args.profile, args.home, bundled=False if args.no_bundled_decks else None)
    col.db.on_busy = _say_waiting
    return col


def _say_waiting() -> None:
    """Told once when another window or command holds the profile: why nothing happens yet."""
    print("mastery: waiting for another Mastery window or command to finish…", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command
    if command == "deck":
        return _deck(args)
    if command is None or command == "review":
        from mastery.tui.app import run_app

        col = _open(args)
        try:
            if command == "review" and args.deck:
                col.deck(args.deck)  # fail before the screen opens
            return (
                run_app(col, start_review=command == "review", deck_key=getattr(args, "deck", None))
                or 0
            )
        finally:
            col.close()
    if command == "mentor" and args.mentor_command == "open":
        col = _open(args)
        try:
            if args.name:
                col.mentor.mentee(args.name)  # an unknown name fails before the screen opens
            from mastery.tui.app import run_app

            return run_app(col, start_screen="mentees", mentee=args.name) or 0
        finally:
            col.close()
        return 0
    if command == "check":
        return _check(args)
    if command == "backup" and (args.list or args.restore is not None):
        return _backup_list_or_restore(args)
    with _open(args) as col:
        handler = _COMMANDS[command]
        try:
            return handler(col, args)
        finally:
            _print_setting_warnings(col)


def _print_setting_warnings(col: Any) -> None:
    """Stored settings found invalid (and replaced by their defaults): one line each."""
    for line in col.settings_warnings:
        print(f"mastery: warning: {line}", file=sys.stderr)


# ----------------------------------------------------------------------------- commands
def _import(col: Any, args: argparse.Namespace) -> int:
    reports = col.import_files(args.files, with_history=args.with_history)
    if args.json:
        _print_json(
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
    _table(
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


def _decks(col: Any, args: argparse.Namespace) -> int:
    decks = col.decks()
    if args.json:
        _print_json(
            [
                {
                    "id": d.key,
                    "name": d.name,
                    "version": d.version,
                    "cards": d.total,
                    "new": d.new,
                    "learning": d.learning,
                    "due": d.due,
                    "suspended": d.suspended,
                }
                for d in decks
            ]
        )
        return 0
    if not decks:
        print("No decks yet. Import one with: mastery import FILE.toml")
        return 0
    _table(
        ["id", "name", "cards", "new", "learning", "due"],
        [[d.key, d.name, d.total, d.new, d.learning, d.due] for d in decks],
    )
    return 0


def _card_show(col: Any, args: argparse.Namespace) -> int:
    info = col.card_info(args.ref)
    card = info.card
    data = {
        "number": card.id,
        "ref": card.ref,
        "deck": card.deck_key,
        "front": card.front,
        "back": card.back,
        "tags": list(card.tags),
        "state": card.state_name,
        "suspended": card.suspended,
        "due": card.due.isoformat() if card.due else None,
        "stability_days": _round(card.stability, 2),
        "difficulty": _round(card.difficulty, 2),
        "retrievability": _round(info.retrievability, 3),
        "reps": card.reps,
        "lapses": card.lapses,
        "history": [
            {
                "at": h.reviewed_at.isoformat(),
                "rating": h.rating_name,
                "elapsed_days": h.elapsed_days,
                "interval_days": h.scheduled_days,
                "stability": round(h.stability_after, 2),
                "difficulty": round(h.difficulty_after, 2),
            }
            for h in info.history
        ],
    }
    if args.json:
        _print_json(data)
        return 0
    for key in (
        "number",
        "ref",
        "state",
        "suspended",
        "due",
        "stability_days",
        "difficulty",
        "retrievability",
        "reps",
        "lapses",
    ):
        value = data[key]
        if key == "due" and card.due is not None and card.state != 0:
            # The same "in N days" as the browser, the buttons and the done screen.
            from mastery.days import utcnow

            value = f"{value} ({present.due_in(card.due, utcnow(), col.clock)})"
        print(f"{key.replace('_', ' '):>15}: {safe_line(value)}")
    print(f"{'tags':>15}: {safe_line(' '.join(card.tags))}")
    print(safe_text(f"\n{card.front}\n---\n{card.back}\n"))
    if info.history:
        _table(
            ["when", "rating", "elapsed", "interval", "stability"],
            [
                [
                    h["at"][:16].replace("T", " "),
                    h["rating"],
                    h["elapsed_days"],
                    h["interval_days"],
                    h["stability"],
                ]
                for h in data["history"]
            ],
        )
    return 0


def _stats(col: Any, args: argparse.Namespace) -> int:
    from mastery.stats import insight, render_text

    figures = insight(col, deck_key=args.deck)  # an unknown deck fails before any output
    stats = col.stats()
    data = stats.to_dict()
    if args.json:
        _print_json({**data, **figures.to_dict()})
        return 0
    due = data["due_today"]
    print(f"Reviews today: {data['reviews_today']} ({data['time_today_s']} s)")
    print(f"Reviews total: {data['reviews_total']}")
    print(f"Streak: {data['streak_days']} days")
    cards = data["cards"]
    print(
        f"Cards: {cards['total']} ({cards['new']} new, {cards['learning']} learning, "
        f"{cards['review']} review, {cards['suspended']} suspended)"
    )
    print(f"Left today: {due['new']} new, {due['learning']} learning, {due['review']} review")
    if stats.next_due is not None:
        from mastery.days import utcnow

        print(
            f"Next due: {data['next_due']} ({present.due_in(stats.next_due, utcnow(), col.clock)})"
        )
    print()
    print(safe_text(render_text(figures)))  # deck names come from files
    return 0


def _cram(col: Any, args: argparse.Namespace) -> int:
    """A cram session in the app, or (`--list`, `--json`) its cards printed in session order."""
    from mastery.cram import nothing_to_cram

    query = " ".join(args.query)
    if args.list or args.json:
        cards = col.cram_cards(query)
        zone = col.clock.zone
        if args.json:
            _print_json(
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
            _table(
                ["#", "deck", "front", "state", "due"],
                [
                    [
                        c.id,
                        c.deck_key,
                        present.excerpt(c.front, 44),
                        c.state_name,
                        c.due.astimezone(zone).strftime("%Y-%m-%d %H:%M") if c.due else "-",
                    ]
                    for c in cards
                ],
            )
        return 0
    if col.start_cram(query).current is None:
        raise NotFoundError(nothing_to_cram(query or "all cards"))  # before the screen opens
    from mastery.tui.app import run_app

    return run_app(col, cram_query=query) or 0


def _calibration(col: Any, args: argparse.Namespace) -> int:
    from mastery.calibration import calibration
    from mastery.days import utcnow

    cal = calibration(col, now=utcnow(), deck_key=args.deck, period=args.by)
    if args.json:
        _print_json(cal.to_dict())
        return 0
    _print_calibration(cal)
    return 0


def _print_calibration(cal: Any) -> None:
    """The calibration figures as compact tables; empty parts say how to fill them."""
    if not cal.answers:
        print(
            "No answers with a confidence yet: turn on the confidence step in settings "
            "(confidence_step: `mastery config confidence_step true`, or s in the app), then "
            "press j unsure, k fairly sure or l certain before each answer is revealed."
        )
    else:
        print(f"How sure you were, against how often you recalled ({cal.answers} answers):")
        _table(
            ["confidence", "said", "recalled", "answers", ""],
            [
                [
                    lv.name,
                    present.percent(lv.stated),
                    present.percent(lv.recall_rate),
                    lv.answers,
                    present.bar(lv.recall_rate or 0.0),
                ]
                for lv in cal.levels
            ],
        )
        points = (
            "" if "points" in cal.score.verdict else f" ({present.signed(cal.score.points)} points)"
        )
        print(f"\nOverall: {cal.score.verdict}{points}")
        if len(cal.decks) > 1 or cal.deck_key is None:
            print()
            _table(
                ["deck", "answers", "score", "verdict"],
                [
                    [d.deck_key, d.score.answers, present.signed(d.score.points), d.score.verdict]
                    for d in cal.decks
                ],
            )
        periods = [p for p in cal.periods if p.score.answers]
        print(f"\nOver time (by {cal.period}):")
        _table(
            [cal.period, "answers", "score", "verdict"],
            [
                [p.label, p.score.answers, present.signed(p.score.points), p.score.verdict]
                for p in periods
            ],
        )
        if cal.certain_misses:
            print('\nAnswered "certain", then Again:')
            _table(
                ["card", "again", "certain", "front"],
                [[m.ref, m.failed, m.certain, m.front[:40]] for m in cal.certain_misses],
            )
    model = cal.model
    print(f"\nFSRS's own calibration ({model.answers} reviews of review cards):")
    if model.answers:
        _table(
            ["predicted", "mean", "recalled", "reviews", ""],
            [
                [
                    b.label,
                    present.percent(b.predicted),
                    present.percent(b.actual),
                    b.count,
                    present.bar(b.actual or 0.0),
                ]
                for b in model.bins
                if b.count
            ],
        )
        print(f"Log loss {model.log_loss:.3f} · RMSE (bins) {model.rmse_bins:.1%}")
    print(model.summary)


def _backup(col: Any, args: argparse.Namespace) -> int:
    path = col.backup()
    if args.json:
        _print_json({"backup": str(path), "kept": [str(p) for p in col.backups()]})
    else:
        print(f"Backed up to {path}")
    return 0


# `--restore` with no value: list the backups. A NUL cannot come from a command line, so
# `--restore ""` stays distinguishable (and is refused).
_LIST_BACKUPS = "\0list"


def _backup_list_or_restore(args: argparse.Namespace) -> int:
    """`--list`, `--restore` (lists) and `--restore NAME|N`, without opening the profile:
    a restore must be the only one with the file open, and it must work on a damaged one."""
    from mastery import backup, paths
    from mastery.days import utcnow

    db_path = paths.database_path(args.profile, args.home)
    folder = paths.backup_dir(args.profile, args.home)
    if args.restore == "":
        raise MasteryError("--restore needs a backup name or number; `--restore` alone lists them")
    if args.restore is not None and args.restore != _LIST_BACKUPS:
        report = backup.restore(db_path, folder, args.restore, now=utcnow())
        if args.json:
            _print_json(
                {
                    "restored": report.restored.to_dict(),
                    "safety": str(report.safety) if report.safety else None,
                }
            )
            return 0
        print(f"Restored {report.restored.name} ({report.restored.kind}).")
        if report.safety:
            print(f"The replaced file is kept as {report.safety}.")
        return 0
    infos = backup.list_backups(folder)
    if args.json:
        _print_json([i.to_dict() for i in infos])
        return 0
    if not infos:
        print(f"No backups yet in {folder}. `mastery backup` makes one.")
        return 0
    rows = []
    for n, info in enumerate(infos, 1):
        when = info.made_at.astimezone()
        made = when.strftime("%Y-%m-%d") if info.kind == "daily" else f"{when:%Y-%m-%d %H:%M}"
        cards = "unreadable" if info.cards is None else f"{info.cards:,}"
        rows.append([n, made, info.kind, _size(info.size), cards, info.name])
    _table(["#", "made", "kind", "size", "cards", "name"], rows)
    print("Restore one with `mastery backup --restore N` (1 = newest) or by name.")
    return 0


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _check(args: argparse.Namespace) -> int:
    """`mastery check` (check.check_profile opens the file itself, damaged or not)."""
    from mastery import paths
    from mastery.check import check_profile

    path = paths.database_path(args.profile, args.home)
    if path.exists() and not args.json and sys.stderr.isatty():
        print("Checking the database…", file=sys.stderr)
    report = check_profile(path, args.profile, fix=not args.dry_run)
    if args.json:
        _print_json(report.to_dict())
    else:
        print("\n".join(report.lines()))
    return 1 if args.dry_run and not report.ok else 0


def _config(col: Any, args: argparse.Namespace) -> int:
    if args.reset:
        if not args.key or args.value is not None:
            raise MasteryError("--reset takes one setting: mastery config --reset KEY")
        value = col.reset_setting(args.key)
        print(json.dumps(value) if args.json else f"{args.key} = {value} (the default)")
        return 0
    if args.key is not None and args.value is not None:  # '' is an unknown setting, not "all"
        value = col.set_setting(args.key, args.value)
        print(json.dumps(value) if args.json else f"{args.key} = {value}")
        return 0
    values = col.settings() if args.key is None else {args.key: col.setting(args.key)}
    if args.json:
        _print_json(values)
    else:
        _table(["setting", "value"], [[k, json.dumps(v)] for k, v in values.items()])
    return 0


def _goal(col: Any, args: argparse.Namespace) -> int:
    goals = col.goals
    action = args.goal_command
    if action == "list":
        rows = goals.list(args.status)
        if args.json:
            _print_json([g.to_dict() for g in rows])
        elif not rows:
            print(
                f"No {'' if args.status == 'all' else args.status + ' '}goals. "
                'Add one with: mastery goal add "Title" --vision "..." --target "in 3 months"'
            )
        else:
            _table(
                ["#", "goal", "progress", "milestones", "target", "left"],
                [
                    [
                        g.id,
                        g.title,
                        f"{present.bar(g.progress)} {present.percent(g.progress)}",
                        f"{g.milestones_done}/{g.milestones_total}",
                        g.target.isoformat() if g.target else "-",
                        "-" if g.days_left is None else f"{g.days_left}d",
                    ]
                    for g in rows
                ],
            )
        return 0
    if action == "show":
        detail = goals.get(args.ref)
        comments = col.mentor.comments_for_goal(detail.id)
        if args.json:
            _print_json({**detail.to_dict(), "feedback": [c.to_dict() for c in comments]})
        else:
            _print_goal(detail)
            _print_feedback(comments)
        col.mentor.mark_read([c.uid for c in comments])
        return 0
    if action == "milestone":
        if args.milestone_command == "add":
            result = goals.add_milestone(args.ref, args.title)
        else:
            ref: int | str = ref_number(args.milestone) or args.milestone
            result = goals.complete_milestone(args.ref, ref, done=not args.undo)
        if args.json:
            _print_json(result.to_dict())
        else:
            print(f"[{'x' if result.done else ' '}] {result.position}. {safe_line(result.title)}")
        return 0
    if action == "checkin":
        result = goals.check_in(args.ref, args.confidence, args.note)
        if args.json:
            _print_json(result.to_dict())
        else:
            print(f"Checked in: confidence {args.confidence}/10")
        return 0
    fields = {}
    if action in ("add", "edit"):
        fields = {
            k: getattr(args, k)
            for k in ("vision", "reality", "category", "target", "cadence", "decks", "visibility")
        }
        fields = {k: v for k, v in fields.items() if v is not None}
    if action == "add":
        view = goals.add(args.title, milestones=args.milestones or (), **fields)
    elif action == "edit":
        view = goals.edit(args.ref, title=args.title, **fields)
    else:
        view = getattr(goals, action)(args.ref)
    if args.json:
        _print_json(view.to_dict())
    else:
        print(
            f"{view.id}  {safe_line(view.title)}  [{view.status}]  {present.bar(view.progress)} {present.percent(view.progress)}"
        )
    return 0


def _print_goal(g: Any) -> None:
    target = g.target.isoformat() if g.target else "no target date"
    left = "" if g.days_left is None else f" ({g.days_left} days left)"
    print(f"{g.id}. {safe_line(g.title)}  [{g.status}, {safe_line(g.category)}, {g.visibility}]")
    print(
        f"Target: {target}{left}    Progress: {present.bar(g.progress)} {present.percent(g.progress)}"
    )
    print(f"\nVision:  {g.vision or '-'}\nReality: {g.reality or '-'}")
    if g.milestones:
        print("\nMilestones:")
        for m in g.milestones:
            done = f"  (done {m.done_on.isoformat()})" if m.done_on else ""
            print(f"  [{'x' if m.done else ' '}] {m.position}. {safe_line(m.title)}{done}")
    if g.decks:
        print("\nLinked decks:")
        for d in g.decks:
            share = present.percent(d.mature_share)
            recall = present.percent(d.mean_retrievability)
            print(f"  {d.key}: {d.mature}/{d.cards} mature ({share}), recall today {recall}")
    if g.cadence:
        a = g.adherence
        if a is None or a.rate is None:
            print(f"\nPractice: {g.cadence}; no practice day planned yet")
        else:
            print(
                f"\nPractice: {g.cadence}; kept {a.met} of {a.planned} days ({present.percent(a.rate)})"
            )
    if g.confidence_trend:
        trend = " -> ".join(str(c) for _, c in g.confidence_trend[-6:])
        warn = "  (falling: look at what changed)" if g.confidence_falling else ""
        print(f"\nConfidence: {trend}{warn}")
    if g.check_in_due and g.status == "active":
        print(f'Check-in due: mastery goal checkin {g.id} CONFIDENCE "why"')
    if len(g.history) > 1:
        print(f"\nProgress over time: {present.spark([p.progress for p in g.history][-40:])}")


def _journal(col: Any, args: argparse.Namespace) -> int:
    journal = col.journal
    action = args.journal_command
    if action == "add":
        body = args.text
        if body is None:
            template = journal.template(args.prompt) if args.prompt else ""
            body = _read_stdin() if not sys.stdin.isatty() else _edit_text(template)
        entry = journal.add(
            body,
            day=args.date,
            title=args.title or "",
            tags=args.tags or (),
            goals=args.goals or (),
            prompt=args.prompt,
            visibility=args.visibility,
        )
        if args.json:
            _print_json(entry.to_dict())
        else:
            print(f"Saved {entry.uid} ({entry.day.isoformat()}, {entry.visibility}): {entry.title}")
        return 0
    if action == "show":
        entry = journal.get(args.ref)
        comments = col.mentor.comments_for_entry(entry.uid)
        if args.json:
            _print_json({**entry.to_dict(), "feedback": [c.to_dict() for c in comments]})
        else:
            print(
                safe_line(
                    f"{entry.uid}  {entry.day.isoformat()}  {entry.visibility}"
                    + (f"  prompt: {entry.prompt}" if entry.prompt else "")
                )
            )
            if entry.tags:
                print("tags: " + safe_line(" ".join(entry.tags)))
            if entry.goals:
                print("goals: " + safe_line("; ".join(entry.goals)))
            print(safe_text(f"\n# {entry.title}\n\n{entry.body}"))
            _print_feedback(comments)
        col.mentor.mark_read([c.uid for c in comments])
        return 0
    if action == "prompts":
        prompts = journal.prompts()
        if args.json:
            _print_json([p.to_dict() for p in prompts])
        else:
            for prompt in prompts:
                print(f"{prompt.key}: {prompt.name} — {prompt.description}")
                for question in prompt.questions:
                    print(f"    - {question}")
        return 0
    if action == "import":
        summary = journal.import_markdown([Path(p) for p in args.paths])
        if args.json:
            _print_json(summary.to_dict())
        else:
            print(
                f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged"
            )
            for note in summary.notes:
                print(f"note: {note}")
        return 0
    goal: int | str | None = None
    if args.goal:
        goal = ref_number(args.goal) or args.goal
    if args.limit is not None and args.limit < 1:  # a negative LIMIT is "no limit" to SQLite
        raise MasteryError(f"--limit must be 1 or more, not {args.limit}")
    hits = journal.search(
        " ".join(args.words) if action == "search" else None,
        tag=args.tags,
        goal=goal,
        visibility=args.visibility,
        when=args.when,
        limit=args.limit,
    )
    if action == "export":
        entries = [h.entry for h in hits]
        if args.dir:
            written = journal.export_files(args.dir, entries)
            print(f"Wrote {len(written)} entries to {args.dir}")
        elif args.to:
            write_atomic(Path(args.to), journal.export_markdown(entries))
            print(f"Wrote {len(entries)} entries to {args.to}")
        else:
            sys.stdout.write(journal.export_markdown(entries))
        return 0
    if args.json:
        _print_json(
            [h.to_dict() for h in hits] if action == "search" else [h.entry.to_dict() for h in hits]
        )
        return 0
    if not hits:
        print(
            "No entries match."
            if action == "search" or args.when or args.tags
            else 'No entries yet. Write one with: mastery journal add "What I learned..."'
        )
        return 0
    mark = _highlighter()
    for hit in hits:
        e = hit.entry
        flags = " [shared]" if e.shared else ""
        tags = safe_line("  #" + " #".join(e.tags)) if e.tags else ""
        print(f"{e.day.isoformat()}  {e.uid}  {mark(e.title, hit.title_spans)}{flags}{tags}")
        for snippet, spans in hit.highlights:
            print(f"    {mark(snippet, spans)}")
    return 0


def _print_feedback(comments: list[Any]) -> None:
    """A mentor's comments under the entry or goal they belong to."""
    if not comments:
        return
    print("\nFeedback:")
    for c in comments:
        new = " (new)" if c.unread else ""
        print(f"  {safe_line(c.mentor_name)}, {c.updated.date().isoformat()}{new}:")
        for line in c.body.splitlines():
            print(f"    {safe_line(line)}")


def _mentor(col: Any, args: argparse.Namespace) -> int:
    mentor = col.mentor
    action = args.mentor_command
    if action == "export":
        if not args.to and not args.preview:
            raise MasteryError("where to? give --to FILE (or --preview to see the bundle)")
        preview = mentor.preview_bundle(since=args.since, name=args.name, decks=args.decks or ())
        if args.preview:
            sys.stdout.write(preview.text)
            return 0
        mentor.write_bundle(Path(args.to), preview)
        if args.json:
            _print_json({**preview.to_dict(), "file": args.to})
        else:
            print(
                f"Wrote {present.plural(preview.entry_count, 'shared entry', 'shared entries')} and "
                f"{present.plural(preview.goal_count, 'shared goal')} to {args.to} as {preview.name}"
            )
            print("Private entries, private goals and card text are never included.")
        return 0
    if action == "feedback":
        report = mentor.import_feedback(Path(args.file))
        if args.json:
            _print_json(report.to_dict())
            return 0
        mentor_name = safe_line(report.mentor_name)
        print(
            f"Feedback from {mentor_name}: {present.plural(report.added, 'new comment')}, "
            f"{report.updated} updated, {report.unchanged} unchanged, "
            f"{report.withdrawn} withdrawn"
        )
        if report.note is not None:
            print(f"New note from {mentor_name}:")
            for line in report.note.body.splitlines():
                print(f"    {safe_line(line)}")
        if report.added or report.updated:
            print("See them with `mastery journal show ENTRY` and `mastery goal show GOAL`.")
        return 0
    if action == "add":
        added = mentor.add_bundle(Path(args.file))
        if args.json:
            _print_json(added.to_dict())
            return 0
        m = added.mentee
        verb = "Added" if added.new_mentee else "Updated"
        print(
            f"{verb} {safe_line(m.name)}: {added.added} new, {added.updated} changed, "
            f"{added.unchanged} unchanged, {added.removed} no longer shared; "
            f"{present.plural(m.entries, 'entry', 'entries')} and {present.plural(m.goals, 'goal')} in all"
        )
        return 0
    if action == "list":
        mentees = mentor.mentees()
        for m in mentees:
            if m.problem:
                print(
                    f"mastery: warning: mentee {m.id} ({safe_line(m.name)}) is stored with "
                    f"invalid data ({safe_line(m.problem)}); a newer bundle replaces it, or "
                    f"remove it with `mastery mentor remove {m.id}`",
                    file=sys.stderr,
                )
        if args.json:
            _print_json([m.to_dict() for m in mentees])
        elif not mentees:
            print("No mentees yet. Store a mentee's bundle with: mastery mentor add FILE")
        else:
            _table(
                ["mentee", "last activity", "entries", "unread", "goals", "comments"],
                [
                    [
                        m.name + (" (invalid)" if m.problem else ""),
                        m.last_activity.isoformat(),
                        m.entries,
                        m.unread,
                        m.goals,
                        m.comments,
                    ]
                    for m in mentees
                ],
            )
        return 0
    if action == "show":
        return _mentor_show(mentor, args)
    if action == "remove":
        gone = mentor.remove_mentee(args.name)
        if args.json:
            _print_json({"removed": gone.id, "name": gone.name})
        else:
            print(
                f"Removed mentee {gone.id} ({safe_line(gone.name)}), their entries and "
                "your comments on them"
            )
        return 0
    if action == "comment":
        kind, target = mentor.resolve_target(args.name, args.ref)
        comment = mentor.comment(args.name, kind, target, args.text)
        if args.json:
            _print_json(comment.to_dict())
        else:
            print(
                f"Comment {comment.uid} on {kind} {safe_line(target)}; it goes with your next reply"
            )
        return 0
    if action == "note":
        info = mentor.set_note(args.name, args.text)
        if args.json:
            _print_json(info.to_dict())
        elif info.note:
            print(f"Note for {safe_line(info.name)} saved; it goes with your next reply")
        else:
            print(f"Note for {safe_line(info.name)} cleared")
        return 0
    if action == "reply":
        preview = mentor.reply(args.name, Path(args.to), name=args.my_name)
        if args.json:
            _print_json({**preview.to_dict(), "file": args.to})
        else:
            note = " and your note" if preview.note else ""
            withdrawn = f", {len(preview.withdrawn)} withdrawn" if preview.withdrawn else ""
            print(
                f"Wrote {present.plural(len(preview.comments), 'comment')}{withdrawn}{note} for "
                f"{safe_line(preview.mentee.name)} to {args.to}"
            )
        return 0
    raise MasteryError(f"unknown mentor action {action}")


def _mentor_show(mentor: Any, args: argparse.Namespace) -> int:
    info = mentor.mentee(args.name)
    if info.problem:
        print(
            f"mastery: warning: the stored copy of {safe_line(info.name)} is invalid "
            f"({safe_line(info.problem)}); a newer bundle replaces it, or remove it with "
            f"`mastery mentor remove {info.id}`",
            file=sys.stderr,
        )
    entries = mentor.mentee_entries(info, tag=args.tags, goal=args.goal, when=args.when)
    goals = mentor.mentee_goals(info)
    if not args.keep_unread and entries:
        mentor.mark_entries_read(info, [e.uid for e in entries])
    if args.json:
        _print_json(
            {
                "mentee": info.to_dict(),
                "goals": [g.to_dict() for g in goals],
                "entries": [e.to_dict() for e in entries],
            }
        )
        return 0
    s = info.summary
    retention = present.percent(s.retention_30d)
    _say(
        f"{info.name}  (bundle of {info.bundle_created.date().isoformat()}, "
        f"last activity {info.last_activity.isoformat()})"
    )
    _say(
        f"Review streak {present.plural(s.review_streak, 'day')} · journal streak "
        f"{present.plural(s.journal_streak, 'day')} · {present.plural(s.reviews_30d, 'review')} in 30 days, "
        f"retention {retention}"
    )
    for d in s.decks:
        _say(f"  {d.name} ({d.key}): {d.mature}/{d.cards} mature, {d.studied} studied")
    if info.note:
        _say(f"Your note: {info.note}")
    for g in goals:
        target = f", target {g.target.isoformat()}" if g.target else ""
        _say(
            f"\n{g.id}  {g.title}  [{g.status}{target}]  {present.bar(g.progress)} {present.percent(g.progress)}"
        )
        if g.vision:
            _say(f"    Vision:  {g.vision}")
        if g.reality:
            _say(f"    Reality: {g.reality}")
        for m in g.milestones:
            _say(f"    [{'x' if m.done else ' '}] {m.position}. {m.title}")
        if g.confidence_trend:
            _say("    Confidence: " + " -> ".join(str(c) for _, c in g.confidence_trend[-6:]))
        _print_own_comments(g.comments)
    if not entries:
        _say(
            "\nNo shared entries match."
            if (args.tags or args.goal or args.when)
            else "\nNo shared entries."
        )
    for e in entries:
        new = "  [new]" if e.unread else ""
        tags = ("  #" + " #".join(e.tags)) if e.tags else ""
        _say(f"\n{e.day.isoformat()}  {e.uid}  {e.title}{new}{tags}")
        if e.goals:
            _say(
                "    goals: "
                + "; ".join(f"{g} {t}" for g, t in zip(e.goal_ids, e.goals, strict=True))
            )
        for line in e.body.splitlines():
            _say(f"    {line}")
        _print_own_comments(e.comments)
    return 0


def _say(text: str = "") -> None:
    """Print text that holds what a file said, with control characters made visible."""
    print(safe_text(text))


def _print_own_comments(comments: Sequence[Any]) -> None:
    for c in comments:
        first, *rest = c.body.splitlines() or [""]
        _say(f"    > {c.uid}: {first}")
        for line in rest:
            _say(f"    > {line}")


def _highlighter() -> Any:
    """Marks matches in reverse video on a terminal, with *asterisks* when piped."""
    start, end = ("\x1b[7m", "\x1b[0m") if sys.stdout.isatty() else ("*", "*")

    def mark(text: str, spans: list[tuple[int, int]]) -> str:
        out, last = [], 0
        for a, b in sorted(spans):  # text from files is escaped piece by piece, marks kept
            out += [safe_line(text[last:a]), start, safe_line(text[a:b]), end]
            last = b
        out.append(safe_line(text[last:]))
        return "".join(out)

    return mark


def _edit_text(template: str) -> str:
    """Open $EDITOR (or $VISUAL, else vi) on a temporary file holding `template`."""
    import os
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".md", delete=False, encoding="utf-8") as fh:
        fh.write(template)
        name = fh.name
    try:
        result = subprocess.run([*shlex.split(editor), name], check=False)
        if result.returncode != 0:
            raise MasteryError(
                f"the editor ({editor}) exited with status {result.returncode}; nothing saved"
            )
        from mastery.limits import MAX_TEXT_BYTES, read_text_bounded

        return read_text_bounded(name, MAX_TEXT_BYTES, source="the edited entry")
    finally:
        Path(name).unlink(missing_ok=True)


def _read_stdin() -> str:
    """An entry piped in, refused (one line) beyond the size a journal file may have."""
    from mastery.errors import InputError
    from mastery.limits import MAX_TEXT_BYTES

    text = sys.stdin.read(MAX_TEXT_BYTES + 1)
    if len(text) > MAX_TEXT_BYTES:
        raise InputError(
            "stdin", None, f"the entry is too large (at most {MAX_TEXT_BYTES} characters)"
        )
    return text


def _deck(args: argparse.Namespace) -> int:
    from mastery import decks

    if args.deck_command == "check":
        problems = [p for f in args.files for p in decks.check_deck(Path(f))]
        if args.json:
            _print_json([{"path": p.path, "line": p.line, "reason": p.reason} for p in problems])
        else:
            for problem in problems:
                print(problem)
            if not problems:
                print(f"{len(args.files)} deck file(s) OK")
        return 1 if problems else 0
    if args.deck_command == "fmt":
        changed = 0
        for name in args.files:
            path = Path(name)
            if path.suffix.lower() != ".toml":
                raise MasteryError(f"{path}: deck fmt works on .toml deck files only")
            text = path.read_text(encoding="utf-8")
            new = decks.format_deck(text, str(path))
            if new != text:
                changed += 1
                if args.check:
                    print(f"{path}: would write explicit card ids")
                else:
                    write_atomic(path, new)
                    print(f"{path}: wrote explicit card ids")
        if not changed:
            print(f"{len(args.files)} deck file(s) already have explicit ids")
        return 1 if (args.check and changed) else 0
    if args.deck_command == "export":
        with _open(args) as col:
            text = col.export_deck(args.deck)
        write_atomic(Path(args.to), text)
        print(f"Wrote deck {args.deck} to {args.to}")
        return 0
    raise MasteryError(f"unknown deck action {args.deck_command}")


def _team(col: Any, args: argparse.Namespace) -> int:
    team = col.team
    action = args.team_command
    as_json = getattr(args, "json", False)
    if action == "init":
        config = team.init(args.dir, name=args.name, team_id=args.team_id)
        if as_json:
            _print_json(config.to_dict())
        else:
            print(
                f"Created team {safe_line(config.name)} ({config.id}) in {config.folder} with "
                f"{present.plural(len(config.decks), 'deck')}. Join it with: mastery team join "
                f"{args.dir}"
            )
        return 0
    if action == "join":
        config = team.join(args.dir, sync=args.sync)
        if as_json:
            _print_json({**config.to_dict(), "sync": team.sync_enabled(config.id)})
        else:
            print(
                f"Joined team {safe_line(config.name)} ({config.id}). Get its decks with: "
                f"mastery team pull {config.id}"
            )
            if not team.sync_enabled(config.id):
                print(f"Sync is off; opt in with: mastery team sync {config.id} --enable")
        return 0
    if action == "list":
        teams = team.list()
        if as_json:
            _print_json([t.to_dict() for t in teams])
        elif not teams:
            print("No teams yet. Join one with: mastery team join DIR")
        else:
            _table(
                ["Team", "Name", "Sync", "Folder"],
                [
                    [
                        t.id,
                        t.name + (f" ({t.problem})" if t.problem else ""),
                        "on" if t.sync else "off",
                        str(t.folder),
                    ]
                    for t in teams
                ],
            )
        return 0
    if action == "pull":
        reports = team.pull(args.team)
        if as_json:
            _print_json([r.to_dict() for r in reports])
        else:
            for r in reports:
                print(
                    f"{safe_line(r.deck_key)}: {r.added} added, {r.updated} updated, "
                    f"{r.unchanged} unchanged, {r.suspended} suspended"
                )
        return 0
    if action == "sync":
        if args.enable or args.disable:
            team.set_sync(args.team, args.enable)
        if args.auto or args.manual:
            team.set_auto(args.team, args.auto)
        if args.disable:
            print("Sync is off for this team.")
            return 0
        path = team.sync(args.team)
        if as_json:
            _print_json({"file": str(path)})
        else:
            print(f"Wrote your anonymized record to {path}")
        return 0
    if action == "report":
        from mastery.days import utcnow
        from mastery.team import build_report, render_text

        config = team.get(args.team)
        report = build_report(config, now=utcnow(), cards=args.cards)
        for problem in report.problems:
            print(f"mastery: warning: skipped {safe_line(problem)}", file=sys.stderr)
        if args.format == "json":
            _print_json(report.to_dict())
        else:
            sys.stdout.write(safe_text(render_text(report, markdown=args.format == "markdown")))
        return 0
    if action == "leave":
        config, removed = team.leave(args.team)
        print(
            f"Left team {config.id}"
            + ("; your record was removed from the summary." if removed else ".")
        )
        return 0
    raise MasteryError(f"unknown team action {action}")


# ----------------------------------------------------------------------------- output
def _print_json(data: Any) -> None:
    print(escape_json_text(json.dumps(data, indent=2, ensure_ascii=False)))


def _table(headers: list[str], rows: list[list[Any]]) -> None:
    print(present.table(headers, [[safe_line(c) for c in row] for row in rows]))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _optimize(col: Any, args: argparse.Namespace) -> int:
    from mastery import optimize

    if args.reset:
        col.set_fsrs_parameters(None, deck_key=args.deck)
        where = (
            f"deck {args.deck} uses the profile's weights"
            if args.deck
            else "the profile uses FSRS's default weights"
        )
        print(json.dumps({"reset": args.deck or "profile"}) if args.json else f"Reset: {where}.")
        return 0
    show = sys.stderr.isatty() and not args.json

    def progress(fraction: float, what: str) -> None:
        if show:
            bar = "█" * int(fraction * 20)
            print(f"\r{bar:<20} {fraction:4.0%} {what:<40}", end="", file=sys.stderr, flush=True)

    result = optimize.optimize(col, args.deck, progress=progress)
    if show:
        print(file=sys.stderr)
    applied = rescheduled = 0
    if args.apply and result.improved:
        rescheduled = optimize.apply(col, result, reschedule=args.reschedule, progress=progress)
        applied = 1
        if show:
            print(file=sys.stderr)
    if args.json:
        _print_json({**result.to_dict(), "applied": bool(applied), "rescheduled": rescheduled})
        return 0
    print(
        f"FSRS fitted to {result.reviews:,} reviews of {result.cards:,} cards "
        f"({result.scope}) in {result.seconds:.2f} s"
    )
    _table(
        ["", "log loss", "RMSE"],
        [
            [
                "weights in force",
                f"{result.before_eval.log_loss:.4f}",
                f"{result.before_eval.rmse:.2%}",
            ],
            [
                "fitted weights",
                f"{result.after_eval.log_loss:.4f}",
                f"{result.after_eval.rmse:.2%}",
            ],
        ],
    )
    if not result.improved:
        print("The fitted weights predict your reviews no better: your weights stay.")
    elif applied:
        print(
            f"Applied to the {result.scope}."
            + (
                f" {rescheduled:,} cards rescheduled."
                if args.reschedule
                else " Cards keep their due dates until their next answer (--reschedule to redo them)."
            )
        )
    else:
        print(
            "Lower is better. Run again with --apply to use them "
            "(and --reschedule to redo due dates)."
        )
    return 0


def _workload(col: Any, args: argparse.Namespace) -> int:
    from mastery import optimize

    points = optimize.workload(col, args.deck)
    if args.json:
        _print_json([p.to_dict() for p in points])
        return 0
    shown = points[::3] + ([points[-1]] if (len(points) - 1) % 3 else [])
    now_point = optimize.nearest(shown, col.setting("desired_retention"))
    top = max(p.reviews_per_day for p in points) or 1
    rows = []
    for p in shown:
        mark = " ◀ now" if p is now_point else ""
        rows.append(
            [
                f"{p.retention:.2f}",
                f"{p.reviews_per_day:.0f}",
                f"{p.minutes_per_day:.0f}",
                f"{p.knowledge:,.0f}",
                present.bar(p.reviews_per_day / top) + mark,
            ]
        )
    print(
        f"A simulated year at each desired retention ({'deck ' + args.deck if args.deck else 'profile'}):"
    )
    _table(["retention", "reviews/day", "min/day", "cards known", ""], rows)
    return 0


_COMMANDS = {
    "optimize": _optimize,
    "workload": _workload,
    "import": _import,
    "decks": _decks,
    "card": _card_show,
    "stats": _stats,
    "calibration": _calibration,
    "goal": _goal,
    "journal": _journal,
    "mentor": _mentor,
    "team": _team,
    "backup": _backup,
    "config": _config,
    "cram": _cram,
}


# --------------------------------------------------------------- identity (issue 11): `mastery id`
# One self-contained block (parser, handler, registration) to move into its own command module
# when the CLI is split; the logic lives in mastery.identity.
def _id_parser(sub: Any) -> None:
    p = sub.add_parser("id", help="your public identity and its fingerprint (made on first use)")
    _json_flag(p)


def _id(col: Any, args: argparse.Namespace) -> int:
    from mastery.identity import Identity

    public = Identity.of(col).public
    if args.json:
        _print_json(
            {**public.model_dump(), "text": public.to_text(), "fingerprint": public.fingerprint}
        )
        return 0
    print("Your public identity (give it to your mentor, mentee or team):")
    print(f"  {public.to_text()}")
    print("Fingerprint (compare it with theirs in person or on a call before trusting a key):")
    print(f"  {public.fingerprint}")
    return 0


_COMMANDS["id"] = _id
