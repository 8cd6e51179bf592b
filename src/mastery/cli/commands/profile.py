"""`mastery profile list|add`: the profiles in the home folder, and making a new one.

A profile is made only when asked for (here, or `--create`): a mistyped `--profile` is
refused with the list of profiles instead of quietly opening an empty one.
"""

from __future__ import annotations

import argparse
from typing import Any

from mastery.cli.common import json_flag, print_json, wall_clock
from mastery.errors import ProfileError


def register(sub: Any) -> None:
    """`profile` with `list` and `add`."""
    profile = sub.add_parser("profile", help="the profiles in the home folder; make a new one")
    actions = profile.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    p = actions.add_parser("list", help="the profiles that exist")
    json_flag(p)
    p.set_defaults(run=_list)
    p = actions.add_parser("add", help="make a new profile (with the bundled decks)")
    p.add_argument("name", metavar="NAME", help="letters, digits, '.', '_' or '-'")
    json_flag(p)
    p.set_defaults(run=_add)


def _list(args: argparse.Namespace) -> int:
    from mastery import paths

    names = paths.profile_names(args.home)
    if args.json:
        print_json({"home": str(paths.home_dir(args.home)), "profiles": names})
    elif not names:
        print(f"No profiles yet in {paths.home_dir(args.home)}: `mastery` makes the default one.")
    else:
        for name in names:
            print(name)
    return 0


def _add(args: argparse.Namespace) -> int:
    from mastery import paths
    from mastery.collection import Collection

    path = paths.database_path(args.name, args.home)
    if path.exists():
        raise ProfileError(f"profile {args.name!r} exists already; open it with --profile")
    with Collection.open(
        args.name, args.home, bundled=False if args.no_bundled_decks else None, clock=wall_clock
    ) as col:
        decks = len(col.decks())
    if args.json:
        print_json({"profile": args.name, "path": str(path), "decks": decks})
    else:
        print(f"Made profile {args.name} ({decks} decks) in {path.parent}")
        print(f"Open it with: mastery --profile {args.name}")
    return 0
