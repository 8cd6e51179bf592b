"""`mastery team ...`: team folders with shared decks and an anonymized summary."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.cli.common import json_flag, print_json, table, with_profile
from mastery.text import safe_line, safe_text

if TYPE_CHECKING:
    from mastery.collection import Collection


def register(sub: Any) -> None:
    """`team` with its actions."""
    team = sub.add_parser("team", help="teams: shared decks and goals, anonymized summary")
    actions = team.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    p = actions.add_parser("init", help="create a team folder (bundled decks as the example)")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--name", help="the team's name (default: the folder's name)")
    p.add_argument("--id", dest="team_id", metavar="ID", help="the team id (default: from name)")
    json_flag(p)
    p.set_defaults(run=with_profile(_init))
    p = actions.add_parser("join", help="join a team folder (validates its team.toml)")
    p.add_argument("dir", metavar="DIR")
    p.add_argument(
        "--sync",
        action="store_true",
        help="opt in to sharing your anonymized summary with this team",
    )
    json_flag(p)
    p.set_defaults(run=with_profile(_join))
    p = actions.add_parser("list", help="the teams you joined")
    json_flag(p)
    p.set_defaults(run=with_profile(_list))
    p = actions.add_parser("pull", help="import or update the team's decks (history kept)")
    p.add_argument("team", nargs="?", metavar="TEAM")
    json_flag(p)
    p.set_defaults(run=with_profile(_pull))
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
    json_flag(p)
    p.set_defaults(run=with_profile(_sync))
    p = actions.add_parser("report", help="the team's progress, k-anonymous")
    p.add_argument("team", nargs="?", metavar="TEAM")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.add_argument(
        "--cards",
        action="store_true",
        help="rank each team deck's cards by again-rate (for deck maintainers)",
    )
    p.set_defaults(run=with_profile(_report))
    p = actions.add_parser("leave", help="remove your record from the summary and forget the team")
    p.add_argument("team", metavar="TEAM")
    p.set_defaults(run=with_profile(_leave))


def _init(col: Collection, args: argparse.Namespace) -> int:
    config = col.team.init(args.dir, name=args.name, team_id=args.team_id)
    if args.json:
        print_json(config.to_dict())
    else:
        print(
            f"Created team {safe_line(config.name)} ({config.id}) in {config.folder} with "
            f"{present.plural(len(config.decks), 'deck')}. Join it with: mastery team join "
            f"{args.dir}"
        )
    return 0


def _join(col: Collection, args: argparse.Namespace) -> int:
    team = col.team
    config = team.join(args.dir, sync=args.sync)
    if args.json:
        print_json({**config.to_dict(), "sync": team.sync_enabled(config.id)})
    else:
        print(
            f"Joined team {safe_line(config.name)} ({config.id}). Get its decks with: "
            f"mastery team pull {config.id}"
        )
        if not team.sync_enabled(config.id):
            print(f"Sync is off; opt in with: mastery team sync {config.id} --enable")
    return 0


def _list(col: Collection, args: argparse.Namespace) -> int:
    teams = col.team.list()
    if args.json:
        print_json([t.to_dict() for t in teams])
    elif not teams:
        print("No teams yet. Join one with: mastery team join DIR")
    else:
        table(
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


def _pull(col: Collection, args: argparse.Namespace) -> int:
    reports = col.team.pull(args.team)
    if args.json:
        print_json([r.to_dict() for r in reports])
    else:
        for r in reports:
            if r.renamed_from is not None:
                print(
                    f"{safe_line(r.deck_key)}: renamed from {safe_line(r.renamed_from)} "
                    "(team decks are namespaced by team; history and goals kept)"
                )
            print(
                f"{safe_line(r.deck_key)}: {r.added} added, {r.updated} updated, "
                f"{r.unchanged} unchanged, {r.suspended} suspended"
            )
    return 0


def _sync(col: Collection, args: argparse.Namespace) -> int:
    """Opt in or out (and auto or manual) first, then write the record unless opting out."""
    team = col.team
    if args.enable or args.disable:
        team.set_sync(args.team, args.enable)
    if args.auto or args.manual:
        team.set_auto(args.team, args.auto)
    if args.disable:
        print("Sync is off for this team.")
        return 0
    path = team.sync(args.team)
    if args.json:
        print_json({"file": str(path)})
    else:
        print(f"Wrote your anonymized record to {path}")
    return 0


def _report(col: Collection, args: argparse.Namespace) -> int:
    """The team's report; summary files that could not be read are skipped with a warning."""
    from mastery.team import build_report, render_text

    config = col.team.get(args.team)
    report = build_report(config, now=col.now(), cards=args.cards)
    for problem in report.problems:
        print(f"mastery: warning: skipped {safe_line(problem)}", file=sys.stderr)
    if args.format == "json":
        print_json(report.to_dict())
    else:
        sys.stdout.write(safe_text(render_text(report, markdown=args.format == "markdown")))
    return 0


def _leave(col: Collection, args: argparse.Namespace) -> int:
    config, removed = col.team.leave(args.team)
    print(
        f"Left team {config.id}"
        + ("; your record was removed from the summary." if removed else ".")
    )
    return 0
