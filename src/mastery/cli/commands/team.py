"""`mastery team ...`: team folders with shared decks and figures summed by stewards."""

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
    team = sub.add_parser("team", help="teams: shared decks and goals, figures nobody can trace")
    actions = team.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    p = actions.add_parser(
        "init",
        help="create a team folder (bundled decks as the example), or publish one to PostgreSQL",
    )
    p.add_argument("dir", metavar="DIR", help="a folder, or postgresql://... with --from DIR")
    p.add_argument(
        "--from",
        dest="source",
        metavar="DIR",
        help="with a postgresql:// URL: publish this team folder's team.toml and decks there",
    )
    p.add_argument("--name", help="the team's name (default: the folder's name)")
    p.add_argument("--id", dest="team_id", metavar="ID", help="the team id (default: from name)")
    json_flag(p)
    p.set_defaults(run=with_profile(_init))
    p = actions.add_parser("join", help="join a team folder (validates its team.toml)")
    p.add_argument("dir", metavar="DIR", help="the team folder, or its postgresql:// URL")
    p.add_argument(
        "--sync",
        action="store_true",
        help="opt in to contributing to the team's figures",
    )
    json_flag(p)
    p.set_defaults(run=with_profile(_join))
    p = actions.add_parser("list", help="the teams you joined")
    json_flag(p)
    p.set_defaults(run=with_profile(_list))
    p = actions.add_parser("pull", help="import or update the team's decks (history kept)")
    p.add_argument(
        "team", nargs="?", metavar="TEAM", help="team id (default: the only team you joined)"
    )
    json_flag(p)
    p.set_defaults(run=with_profile(_pull))
    p = actions.add_parser(
        "sync", help="seal your contribution to this week's round for the team's stewards"
    )
    p.add_argument(
        "team", nargs="?", metavar="TEAM", help="team id (default: the only team you joined)"
    )
    opt = p.add_mutually_exclusive_group()
    opt.add_argument("--enable", action="store_true", help="opt in, then sync")
    opt.add_argument(
        "--disable",
        action="store_true",
        help="opt out (contributions already sealed stay until you leave)",
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
    p = actions.add_parser(
        "aggregate", help="as a steward: sum closed rounds, add noise, publish the partial sums"
    )
    p.add_argument(
        "team", nargs="?", metavar="TEAM", help="team id (default: the only team you joined)"
    )
    json_flag(p)
    p.set_defaults(run=with_profile(_aggregate))
    p = actions.add_parser("steward", help="name or remove a steward in team.toml")
    steward = p.add_subparsers(dest="steward_command", metavar="ACTION", required=True)
    q = steward.add_parser("add", help="add a steward by their public identity (mastery id)")
    q.add_argument("team", metavar="TEAM", help="team id")
    q.add_argument("identity", metavar="IDENTITY", help="the mastery-id1:... line of `mastery id`")
    q.add_argument("--name", required=True, help="the steward's name, as the team knows them")
    q.set_defaults(run=with_profile(_steward_add))
    q = steward.add_parser("remove", help="remove a steward by name or fingerprint")
    q.add_argument("team", metavar="TEAM", help="team id")
    q.add_argument("steward", metavar="NAME", help="the steward's name or fingerprint")
    q.set_defaults(run=with_profile(_steward_remove))
    p = actions.add_parser("report", help="the team's figures, summed over at least k members")
    p.add_argument(
        "team", nargs="?", metavar="TEAM", help="team id (default: the only team you joined)"
    )
    p.add_argument(
        "--format",
        choices=["text", "markdown", "json"],
        default="text",
        help="output format (default: %(default)s)",
    )
    p.add_argument(
        "--cards",
        action="store_true",
        help="list every card with how many members pressed Again (for deck maintainers)",
    )
    p.set_defaults(run=with_profile(_report))
    p = actions.add_parser(
        "leave", help="remove your roster entry and contributions, and forget the team"
    )
    p.add_argument("team", metavar="TEAM", help="team id")
    p.set_defaults(run=with_profile(_leave))


def _init(col: Collection, args: argparse.Namespace) -> int:
    from mastery.errors import MasteryError
    from mastery.team.config import redacted_url

    is_url = args.dir.startswith(("postgresql://", "postgres://"))
    if is_url != bool(args.source):
        raise MasteryError(
            "a postgresql:// URL needs --from DIR (the team folder to publish), and --from "
            "only goes with a URL"
        )
    if is_url:
        config = col.team.publish(args.dir, args.source)
        if args.json:
            print_json(config.to_dict())
        else:
            print(
                f"Published team {safe_line(config.name)} ({config.id}) to "
                f"{redacted_url(args.dir)}; members join it with: mastery team join URL"
            )
        return 0
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
            f"Joined team {safe_line(config.name)} ({config.id}): your signed entry is on its "
            "roster (members/), with your public key and no name. Get its decks with: "
            f"mastery team pull {config.id}"
        )
        if len(config.stewards) < 2:
            print(
                "Note: this team has "
                + (
                    "no steward yet"
                    if not config.stewards
                    else "one steward, who would see each member's contribution"
                )
                + "; its lead names two or more in team.toml (docs/teams.md)."
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
            ["Team", "Name", "Sync", "Folder or database"],
            [
                [
                    t.id,
                    t.name + (f" ({t.problem})" if t.problem else ""),
                    "on" if t.sync else "off",
                    t.where,
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
    result = team.sync(args.team)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(
        f"Sealed your contribution to {'round' if len(result.rounds) == 1 else 'rounds'} {', '.join(result.rounds)} for the stewards of "
        f"team {result.team}; only the team's sums will ever be shown."
    )
    if result.removed_record:
        print("Your plaintext record of the earlier team design was deleted.")
    if not result.on_roster:
        print(
            "Your roster entry was missing and has been added to members/: stewards count "
            "your contributions once whoever controls the team's folder keeps it."
        )
    return 0


def _aggregate(col: Collection, args: argparse.Namespace) -> int:
    outcomes = col.team.aggregate(args.team)
    if args.json:
        print_json(
            [
                {
                    "round": o.round,
                    "status": o.status,
                    "members": o.members,
                    "detail": o.detail,
                    "ignored": o.ignored,
                }
                for o in outcomes
            ]
        )
        return 0
    if not outcomes:
        from mastery.team.render import nothing_to_sum

        print(nothing_to_sum(col.team.next_to_close(args.team)))
    for o in outcomes:
        line = {
            "published": f"{o.round}: published the noised sum of {present.plural(o.members, 'member')}",
            "suppressed": f"{o.round}: {present.plural(o.members, 'member')}, fewer than k: published the "
            "count only",
        }.get(o.status, f"{o.round}: {o.status}: {o.detail}")
        ignored = ", ".join(f"{n} {why}" for why, n in sorted(o.ignored.items()))
        print(line + (f" (ignored: {ignored})" if ignored else ""))
    return 0 if all(o.status in ("published", "suppressed") for o in outcomes) else 1


def _steward_add(col: Collection, args: argparse.Namespace) -> int:
    from mastery.identity import PublicIdentity
    from mastery.team.config import change_stewards

    identity = PublicIdentity.parse(args.identity, source="IDENTITY")
    config = change_stewards(col.team.get(args.team).folder, add=(args.name, identity))
    col.team.accept(config.id)  # you made the change: your own syncs accept it
    print(
        f"{safe_line(args.name)} ({identity.fingerprint}) is now a steward of team {config.id} "
        f"({len(config.stewards)} in all). Compare that fingerprint with theirs before you "
        "commit team.toml; contributions made from now on are shared among the stewards."
    )
    return 0


def _steward_remove(col: Collection, args: argparse.Namespace) -> int:
    from mastery.team.config import change_stewards

    config = change_stewards(col.team.get(args.team).folder, remove=args.steward)
    col.team.accept(config.id)
    print(f"Removed; team {config.id} has {present.plural(len(config.stewards), 'steward')}.")
    return 0


def _report(col: Collection, args: argparse.Namespace) -> int:
    """The team's report; summary files that could not be read are skipped with a warning."""
    from mastery.team import TeamReport, build_report, render_text
    from mastery.team.render import render_rounds

    config = col.team.get(args.team)
    report = col.team.report(args.team)
    if isinstance(report, TeamReport) and args.cards:
        report = build_report(config, now=col.now(), cards=True)
    for problem in report.problems:
        print(f"mastery: warning: skipped {safe_line(str(problem))}", file=sys.stderr)
    if args.format == "json":
        print_json(report.to_dict())
        return 0
    markdown = args.format == "markdown"
    if isinstance(report, TeamReport):
        print(
            "(From plaintext records of the first team design: they disappear as members "
            "sync with this version.)\n"
        )
        sys.stdout.write(safe_text(render_text(report, markdown=markdown)))
    else:
        sys.stdout.write(safe_text(render_rounds(report, markdown=markdown, cards=args.cards)))
    return 0


def _leave(col: Collection, args: argparse.Namespace) -> int:
    config, removed = col.team.leave(args.team)
    print(
        f"Left team {config.id}"
        + ("; your roster entry and contributions were removed." if removed else ".")
    )
    return 0
