"""`mastery stats` and `mastery calibration`: what the reviews say about you."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.cli.common import json_flag, print_json, progress_bar, table, with_profile
from mastery.text import safe_text

if TYPE_CHECKING:
    from mastery.collection import Collection


def register(sub: Any) -> None:
    """`stats` and `calibration`."""
    p = sub.add_parser(
        "stats", help="reviews, streak, heatmap, true retention, forecast, card states"
    )
    p.add_argument(
        "--deck", metavar="ID", help="the figures of one deck (the first lines stay the profile's)"
    )
    json_flag(p)
    p.set_defaults(run=with_profile(_stats))

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
    json_flag(p)
    p.set_defaults(run=with_profile(_calibration))


def _stats(col: Collection, args: argparse.Namespace) -> int:
    from mastery.stats import insight, render_text

    figures = insight(col, deck_key=args.deck)  # an unknown deck fails before any output
    stats = col.stats()
    data = stats.to_dict()
    if args.json:
        print_json({**data, **figures.to_dict()})
        return 0
    due = data["due_today"]
    print(f"Reviews today: {data['reviews_today']} ({present.duration(stats.time_today_ms)})")
    print(f"Reviews total: {data['reviews_total']}")
    print(f"Streak: {present.plural(data['streak_days'], 'day')}")
    cards = data["cards"]
    print(
        f"Cards: {cards['total']} ({cards['new']} new, {cards['learning']} learning, "
        f"{cards['review']} review, {cards['suspended']} suspended)"
    )
    print(f"Left today: {due['new']} new, {due['learning']} learning, {due['review']} review")
    waiting = col.queue.waiting()
    if waiting:
        # Cards already due come first: a later "next due" would read as "nothing due now".
        print(f"Next due: now ({present.plural(waiting, 'card')} waiting)")
    elif stats.next_due is not None:
        print(
            f"Next due: {data['next_due']} ({present.due_in(stats.next_due, col.now(), col.clock)})"
        )
    print()
    print(safe_text(render_text(figures)))  # deck names come from files
    return 0


def _calibration(col: Collection, args: argparse.Namespace) -> int:
    from mastery.calibration import calibration

    show = sys.stderr.isatty() and not args.json
    cal = calibration(
        col, now=col.now(), deck_key=args.deck, period=args.by, progress=progress_bar(show)
    )
    if show:
        print(file=sys.stderr)
    if args.json:
        print_json(cal.to_dict())
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
        table(
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
        headline, detail = cal.score.in_words()
        print(f"\nOverall: {headline}" + (f" ({detail})" if detail else ""))
        if len(cal.decks) > 1 or cal.deck_key is None:
            print()
            table(
                ["deck", "answers", "score", "verdict"],
                [
                    [d.deck_key, d.score.answers, present.signed(d.score.points), d.score.verdict]
                    for d in cal.decks
                ],
            )
        periods = [p for p in cal.periods if p.score.answers]
        print(f"\nOver time (by {cal.period}):")
        table(
            [cal.period, "answers", "score", "verdict"],
            [
                [p.label, p.score.answers, present.signed(p.score.points), p.score.verdict]
                for p in periods
            ],
        )
        if cal.certain_misses:
            print('\nAnswered "certain", then Again:')
            table(
                ["card", "again", "certain", "front"],
                [[m.ref, m.failed, m.certain, m.front[:40]] for m in cal.certain_misses],
            )
    model = cal.model
    print(f"\nFSRS's own calibration ({model.answers} reviews of review cards):")
    if model.answers:
        table(
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
        print(
            f"Log loss {model.log_loss:.3f} · calibration RMSE {model.calibration_rmse:.1%} "
            "(from the stability stored with each review, every review the same weight, over "
            "the bins above; Anki's Evaluate figures: `mastery optimize --evaluate`)"
        )
    print(model.summary)
