"""`mastery goal ...`: goals with vision and reality, milestones, check-ins and progress."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.cli.common import json_flag, print_feedback, print_json, table, with_profile
from mastery.conflicts import KEEP, MARK
from mastery.limits import ref_number
from mastery.text import safe_line

if TYPE_CHECKING:
    from mastery.collection import Collection


def register(sub: Any) -> None:
    """`goal` with its actions (and `goal milestone` with its own)."""
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
        json_flag(p)

    p = goals.add_parser("add", help="add a goal")
    p.add_argument("title", help="what you want, in a few words")
    p.add_argument(
        "--milestone",
        action="append",
        dest="milestones",
        metavar="TITLE",
        help="a milestone, in order (repeatable)",
    )
    goal_fields(p, editing=False)
    p.set_defaults(run=with_profile(_change))
    p = goals.add_parser("list", help="list goals with progress and days left")
    p.add_argument(
        "--status",
        default="active",
        choices=["active", "achieved", "dropped", "all"],
        help="which goals (default: %(default)s)",
    )
    json_flag(p)
    p.set_defaults(run=with_profile(_list))
    p = goals.add_parser("show", help="one goal: vision and reality, milestones, progress")
    p.add_argument("ref", metavar="GOAL", help="goal number or words of its title")
    json_flag(p)
    p.set_defaults(run=with_profile(_show))
    p = goals.add_parser("edit", help="change a goal (a new reality keeps the old ones)")
    p.add_argument("ref", metavar="GOAL", help="goal number or words of its title")
    p.add_argument("--title", help="a new title")
    goal_fields(p, editing=True)
    p.set_defaults(run=with_profile(_change))
    for name, text in (
        ("done", "mark a goal achieved"),
        ("drop", "drop a goal"),
        ("reopen", "make a goal active again"),
    ):
        p = goals.add_parser(name, help=text)
        p.add_argument("ref", metavar="GOAL", help="goal number or words of its title")
        json_flag(p)
        p.set_defaults(run=with_profile(_change))
    p = goals.add_parser(
        "resolve", help="settle a conflict copy sync kept: keep this one, the other or both"
    )
    p.add_argument(
        "ref", metavar="GOAL", help="the conflict copy: goal number or words of its title"
    )
    p.add_argument("--keep", required=True, choices=KEEP, help="which version stays")
    json_flag(p)
    p.set_defaults(run=with_profile(_resolve))
    # "check-in", as the app and the docs say it; "checkin" kept for scripts.
    p = goals.add_parser(
        "check-in", aliases=["checkin"], help="weekly check-in: confidence 1-10 and why"
    )
    p.add_argument("ref", metavar="GOAL", help="goal number or words of its title")
    p.add_argument("confidence", type=int, help="1-10: how sure you are the goal will be met")
    p.add_argument("note", nargs="?", default="", help="a line of why")
    json_flag(p)
    p.set_defaults(run=with_profile(_checkin))
    milestone = goals.add_parser("milestone", help="add or tick milestones").add_subparsers(
        dest="milestone_command", metavar="ACTION", required=True
    )
    p = milestone.add_parser("add", help="add a milestone at the end")
    p.add_argument("ref", metavar="GOAL", help="goal number or words of its title")
    p.add_argument("title", help="the milestone, in a few words")
    json_flag(p)
    p.set_defaults(run=with_profile(_milestone))
    p = milestone.add_parser("done", help="tick a milestone done (by number or words of its title)")
    p.add_argument("ref", metavar="GOAL", help="goal number or words of its title")
    p.add_argument("milestone", metavar="MILESTONE", help="milestone number or words of its title")
    p.add_argument("--undo", action="store_true", help="un-tick it")
    json_flag(p)
    p.set_defaults(run=with_profile(_milestone))


def _list(col: Collection, args: argparse.Namespace) -> int:
    rows = col.goals.list(args.status)
    if args.json:
        print_json([g.to_dict() for g in rows])
    elif not rows:
        print(
            f"No {'' if args.status == 'all' else args.status + ' '}goals. "
            'Add one with: mastery goal add "Title" --vision "..." --target "in 3 months"'
        )
    else:
        table(
            ["#", "goal", "progress", "milestones", "target", "left"],
            [
                [
                    g.id,
                    g.title + (f" [{MARK}]" if g.conflict_of else ""),
                    f"{present.bar(g.progress)} {present.percent(g.progress)}",
                    f"{g.milestones_done}/{g.milestones_total}",
                    g.target.isoformat() if g.target else "-",
                    "-" if g.days_left is None else f"{g.days_left}d",
                ]
                for g in rows
            ],
        )
    return 0


def _resolve(col: Collection, args: argparse.Namespace) -> int:
    kept = col.goals.resolve(args.ref, args.keep)
    if args.json:
        print_json(kept.to_dict() if kept else None)
    elif kept is None:
        print("Deleted the conflict copy.")
    else:
        print(safe_line(f"Kept goal {kept.id}: {kept.title}"))
    return 0


def _show(col: Collection, args: argparse.Namespace) -> int:
    """One goal and the mentor's comments on it, which are then marked read."""
    detail = col.goals.get(args.ref)
    comments = col.mentor.comments_for_goal(detail.id)
    if args.json:
        print_json({**detail.to_dict(), "feedback": [c.to_dict() for c in comments]})
    else:
        _print_goal(detail)
        print_feedback(comments)
    col.mentor.mark_read([c.uid for c in comments])
    return 0


def _milestone(col: Collection, args: argparse.Namespace) -> int:
    goals = col.goals
    if args.milestone_command == "add":
        result = goals.add_milestone(args.ref, args.title)
    else:
        ref: int | str = ref_number(args.milestone) or args.milestone
        result = goals.complete_milestone(args.ref, ref, done=not args.undo)
    if args.json:
        print_json(result.to_dict())
    else:
        print(f"[{'x' if result.done else ' '}] {result.position}. {safe_line(result.title)}")
    return 0


def _checkin(col: Collection, args: argparse.Namespace) -> int:
    result = col.goals.check_in(args.ref, args.confidence, args.note)
    if args.json:
        print_json(result.to_dict())
    else:
        print(f"Checked in: confidence {args.confidence}/10")
        if result.replaced is not None:
            print(f"This replaces today's earlier check-in ({result.replaced}/10): one a day.")
    return 0


def _change(col: Collection, args: argparse.Namespace) -> int:
    """`add`, `edit`, `done`, `drop` and `reopen`: each answers with the goal's one line."""
    goals = col.goals
    action = args.goal_command
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
        print_json(view.to_dict())
    else:
        print(
            f"{view.id}  {safe_line(view.title)}  [{view.status}]  {present.bar(view.progress)} {present.percent(view.progress)}"
        )
        if getattr(args, "target", None) and view.target is not None:
            # Say which date the phrase was read as: "march 5" is this year's March.
            left = (
                "" if view.days_left is None else f", {present.plural(view.days_left, 'day')} left"
            )
            print(f"Target: {view.target.isoformat()} ({safe_line(args.target)}{left})")
    return 0


def _print_goal(g: Any) -> None:
    target = g.target.isoformat() if g.target else "no target date"
    if g.days_left is None:
        left = ""
    elif g.days_left >= 0:
        left = f" ({present.plural(g.days_left, 'day')} left)"
    else:
        left = f" ({present.plural(-g.days_left, 'day')} late)"
    print(f"{g.id}. {safe_line(g.title)}  [{g.status}, {safe_line(g.category)}, {g.visibility}]")
    if g.conflict_of:
        print(f"{MARK}: resolve it with `mastery goal resolve {g.id} --keep this|other|both`")
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
        print(f'Check-in due: mastery goal check-in {g.id} CONFIDENCE "why"')
    if len(g.history) > 1:
        print(f"\nProgress over time: {present.spark([p.progress for p in g.history][-40:])}")
