"""`mastery card show`: one card's info, history, memory and next due."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.cli.common import json_flag, print_json, table, with_profile
from mastery.text import safe_line, safe_text

if TYPE_CHECKING:
    from mastery.collection import Collection


def register(sub: Any) -> None:
    """`card` with its one action, `show`."""
    card = sub.add_parser("card", help="look at one card").add_subparsers(
        dest="card_command", metavar="ACTION", required=True
    )
    p = card.add_parser("show", help="card info: history, stability, difficulty, next due")
    p.add_argument("ref", metavar="ID", help="deck-id/card-id, or the number the browser shows")
    json_flag(p)
    p.set_defaults(run=with_profile(_card_show))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _card_show(col: Collection, args: argparse.Namespace) -> int:
    info = col.card_info(args.ref)
    card = info.card
    data: dict[str, Any] = {
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
        print_json(data)
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
            value = f"{value} ({present.due_in(card.due, col.now(), col.clock)})"
        print(f"{key.replace('_', ' '):>15}: {safe_line(value)}")
    print(f"{'tags':>15}: {safe_line(' '.join(card.tags))}")
    print(safe_text(f"\n{card.front}\n---\n{card.back}\n"))
    if info.history:
        table(
            ["when", "rating", "elapsed", "interval", "stability"],
            [
                [
                    h["at"][:16].replace("T", " "),
                    h["rating"],
                    h["elapsed_days"],
                    present.interval_given(log.scheduled_days, log.due_after - log.reviewed_at),
                    h["stability"],
                ]
                for h, log in zip(data["history"], info.history, strict=True)
            ],
        )
    return 0
