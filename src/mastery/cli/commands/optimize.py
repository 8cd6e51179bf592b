"""`mastery optimize` and `mastery workload`: FSRS fitted to your reviews, and what a desired
retention costs. Both run in `mastery.optimize`, the one module that imports the optimizer."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.cli.common import json_flag, print_json, progress_bar, table, with_profile

if TYPE_CHECKING:
    from mastery.collection import Collection


def register(sub: Any) -> None:
    """`optimize` and `workload`."""
    p = sub.add_parser(
        "optimize", help="fit FSRS to your own reviews (Anki's log loss and RMSE before/after)"
    )
    p.add_argument("--deck", metavar="DECK", help="fit one deck's reviews, for that deck only")
    p.add_argument(
        "--preset",
        metavar="PRESET",
        help="fit the reviews of a preset's decks, for that preset (as Anki's Optimize)",
    )
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
        "--evaluate",
        action="store_true",
        help="only measure the weights in force, as Anki's Evaluate button (no fit)",
    )
    p.add_argument(
        "--reset",
        action="store_true",
        help="go back to FSRS's defaults (for --deck: to the profile's weights)",
    )
    json_flag(p)
    p.set_defaults(run=with_profile(_optimize))

    p = sub.add_parser("workload", help="answers per day and knowledge kept at each retention")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--deck", metavar="DECK", help="simulate one deck with its weights")
    scope.add_argument(
        "--preset", metavar="PRESET", help="simulate a preset's decks with its weights and limits"
    )
    json_flag(p)
    p.set_defaults(run=with_profile(_workload))


def _optimize(col: Collection, args: argparse.Namespace) -> int:
    """Fit, compare log loss and RMSE, and with `--apply` keep the weights only if better.
    Progress goes to stderr, and only on a terminal."""
    from mastery import optimize
    from mastery.errors import MasteryError

    if args.deck is not None and args.preset is not None:
        raise MasteryError("--deck and --preset: fit one deck or one preset, not both")
    if args.reset and args.preset is not None:
        col.presets.set_parameters(None, preset=args.preset)
        name = col.presets.preset(args.preset).name
        print(
            json.dumps({"reset": f"preset {name}"})
            if args.json
            else f"Reset: preset {name} uses FSRS's default weights."
        )
        return 0
    if args.reset:
        col.set_fsrs_parameters(None, deck_key=args.deck)
        where = (
            f"deck {args.deck} uses the profile's weights"
            if args.deck
            else "the profile uses FSRS's default weights"
        )
        print(json.dumps({"reset": args.deck or "profile"}) if args.json else f"Reset: {where}.")
        return 0
    if args.evaluate:
        return _evaluate(col, args)
    show = sys.stderr.isatty() and not args.json

    progress = progress_bar(show)
    result = optimize.optimize(col, args.deck, preset=args.preset, progress=progress)
    if show:
        print(file=sys.stderr)
    applied = rescheduled = 0
    if args.apply and result.improved:
        rescheduled = optimize.apply(col, result, reschedule=args.reschedule, progress=progress)
        applied = 1
        if show:
            print(file=sys.stderr)
    if args.json:
        print_json({**result.to_dict(), "applied": bool(applied), "rescheduled": rescheduled})
        return 0
    print(f"FSRS fitted to {result.fitted_on} ({result.scope}) in {result.seconds:.2f} s")
    _figures([("weights in force", result.before_eval), ("fitted weights", result.after_eval)])
    if result.health is not None:
        print(result.health.message)
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
        print("Run again with --apply to use them (and --reschedule to redo due dates).")
    return 0


def _evaluate(col: Collection, args: argparse.Namespace) -> int:
    """Anki's Evaluate button: the weights in force measured on the scope's reviews."""
    from mastery import optimize

    reviews, figures = optimize.evaluate_in_force(col, args.deck, preset=args.preset)
    scope = f"deck {args.deck}" if args.deck else "profile"
    if args.preset is not None:
        scope = f"preset {col.presets.preset(args.preset).name}"
    if args.json:
        print_json(
            {
                "scope": scope,
                "deck": args.deck,
                "preset": args.preset,
                "reviews": reviews,
                **figures.to_dict(),
            }
        )
        return 0
    print(f"The weights in force, measured on {reviews:,} reviews ({scope}):")
    _figures([("weights in force", figures)])
    return 0


def _figures(rows: list[tuple[str, Any]]) -> None:
    """Anki's two figures, then Mastery's own, each column saying what it is."""
    table(
        ["", "log loss", "RMSE (bins)", "log loss, unweighted"],
        [
            [
                name,
                f"{e.log_loss:.4f}",
                f"{e.rmse_bins:.2%}",
                f"{e.log_loss_unweighted:.4f}",
            ]
            for name, e in rows
        ],
    )
    print(
        "Log loss and RMSE (bins) are Anki's Evaluate figures (recent reviews weigh more);\n"
        "the unweighted log loss counts every review the same and decides whether a fit is\n"
        "kept. Lower is better."
    )


def _workload(col: Collection, args: argparse.Namespace) -> int:
    """A simulated year at every third desired retention, the one in force marked."""
    from mastery import optimize

    retentions = optimize.WORKLOAD_RETENTIONS
    if not args.json:
        # The table shows every third retention and the last: only those are simulated
        # (each point is seeded on its own, so they are the same as in the full run).
        last = retentions[-1:] if (len(retentions) - 1) % 3 else ()
        retentions = retentions[::3] + last
    points = optimize.workload(col, args.deck, preset=args.preset, retentions=retentions)
    if args.json:
        print_json([p.to_dict() for p in points])
        return 0
    retention = col.setting("desired_retention")
    where = f"deck {args.deck}" if args.deck else "profile"
    if args.preset is not None:
        view = col.presets.preset(args.preset)
        retention = view.values.get("desired_retention", retention)
        where = f"preset {view.name}"
    now_point = optimize.nearest(points, retention)
    top = max(p.reviews_per_day for p in points) or 1
    rows = []
    for p in points:
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
    print(f"A simulated year at each desired retention ({where}):")
    table(["retention", "answers/day", "min/day", "cards known", ""], rows)
    return 0
