"""`mastery preset list|show|add|edit|rename|use|remove`: deck presets (Anki's deck options).

A preset holds desired retention, daily limits, steps, maximum interval, leech settings, FSRS
weights and easy days; every deck uses the default preset (the profile's settings, which `mastery
config` edits) until `preset use DECK NAME` gives it another."""

from __future__ import annotations

import argparse
import json
import shlex
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.cli.common import json_flag, print_json, say, table, with_profile
from mastery.settings import as_text

if TYPE_CHECKING:
    from mastery.collection import Collection
    from mastery.model import PresetView


def register(sub: Any) -> None:
    """`preset` and its subcommands."""
    p = sub.add_parser("preset", help="deck presets: limits, steps, retention per deck")
    psub = p.add_subparsers(dest="preset_command", metavar="COMMAND", required=True)

    q = psub.add_parser("list", help="every preset and the decks that use it")
    json_flag(q)
    q.set_defaults(run=with_profile(_list))

    q = psub.add_parser("show", help="one preset's values and decks")
    q.add_argument("name", metavar="PRESET", help="preset name or number")
    json_flag(q)
    q.set_defaults(run=with_profile(_show))

    q = psub.add_parser("add", help="a new preset, a copy of the default (or of --copy)")
    q.add_argument("name", metavar="NAME", help="the new preset's name")
    q.add_argument("--copy", metavar="PRESET", help="start from this preset's values")
    json_flag(q)
    q.set_defaults(run=with_profile(_add))

    q = psub.add_parser("edit", help="set one value of a preset (as `mastery config` does)")
    q.add_argument("name", metavar="PRESET", help="preset name or number")
    q.add_argument(
        "key", metavar="KEY", help="a setting a preset holds (see `mastery preset show`)"
    )
    q.add_argument("value", metavar="VALUE", help="its new value")
    json_flag(q)
    q.set_defaults(run=with_profile(_edit))

    q = psub.add_parser("rename", help="give a preset another name")
    q.add_argument("name", metavar="PRESET", help="preset name or number")
    q.add_argument("new_name", metavar="NEW_NAME", help="the new name")
    json_flag(q)
    q.set_defaults(run=with_profile(_rename))

    q = psub.add_parser("use", help="make a deck use a preset")
    q.add_argument("deck", metavar="DECK", help="deck id")
    q.add_argument("name", metavar="PRESET", help="preset name or number")
    json_flag(q)
    q.set_defaults(run=with_profile(_use))

    q = psub.add_parser("remove", help="delete a preset; its decks go back to the default")
    q.add_argument("name", metavar="PRESET", help="preset name or number")
    json_flag(q)
    q.set_defaults(run=with_profile(_remove))


def _as_dict(view: PresetView) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "default": view.default,
        "values": view.values,
        "decks": list(view.decks),
    }


def _list(col: Collection, args: argparse.Namespace) -> int:
    views = col.presets.presets()
    if args.json:
        print_json([_as_dict(v) for v in views])
        return 0
    table(
        ["id", "preset", "new/day", "reviews/day", "retention", "decks"],
        [
            [
                v.id,
                v.name + (" (default)" if v.default else ""),
                v.values["new_per_day"],
                v.values["reviews_per_day"],
                v.values["desired_retention"],
                len(v.decks),
            ]
            for v in views
        ],
    )
    return 0


def _show(col: Collection, args: argparse.Namespace) -> int:
    view = col.presets.preset(args.name)
    if args.json:
        print_json(_as_dict(view))
        return 0
    say(f"Preset {view.name} (id {view.id}{', the default' if view.default else ''})")
    table(["setting", "value"], [[k, as_text(v) or "(empty)"] for k, v in view.values.items()])
    say("Decks: " + (", ".join(view.decks) or "none"))
    return 0


def _add(col: Collection, args: argparse.Namespace) -> int:
    view = col.presets.add(args.name, copy_of=args.copy)
    if args.json:
        print_json(_as_dict(view))
    else:
        use = shlex.join(["mastery", "preset", "use", "DECK", view.name])  # pasted as it is
        say(f"Added preset {view.name} (id {view.id}); `{use}`.")
    return 0


def _edit(col: Collection, args: argparse.Namespace) -> int:
    value = col.presets.edit(args.name, args.key, args.value)
    print(json.dumps(value) if args.json else f"{args.key} = {as_text(value) or '(empty)'}")
    return 0


def _rename(col: Collection, args: argparse.Namespace) -> int:
    view = col.presets.rename(args.name, args.new_name)
    if args.json:
        print_json(_as_dict(view))
    else:
        say(f"Renamed to {view.name}.")
    return 0


def _use(col: Collection, args: argparse.Namespace) -> int:
    view = col.presets.use(args.deck, args.name)
    if args.json:
        print_json({"deck": args.deck, "preset": view.name})
    else:
        say(f"Deck {args.deck} uses preset {view.name}.")
    return 0


def _remove(col: Collection, args: argparse.Namespace) -> int:
    view = col.presets.remove(args.name)
    if args.json:
        print_json(_as_dict(view))
    else:
        moved = (
            f"; {present.plural(len(view.decks), 'deck')} back on the default" if view.decks else ""
        )
        say(f"Removed preset {view.name}{moved}.")
    return 0
