"""`mastery config [KEY [VALUE]] [--reset]`: show or change a setting (checked by
`mastery.settings` on every write)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from mastery.cli.common import json_flag, print_json, table, with_profile
from mastery.errors import MasteryError
from mastery.settings import as_text

if TYPE_CHECKING:
    from mastery.collection import Collection


def register(sub: Any) -> None:
    """`config`."""
    p = sub.add_parser("config", help="show or change a setting")
    p.add_argument("key", nargs="?", help="a setting (all of them when left out)")
    p.add_argument("value", nargs="?", help="its new value (shown when left out)")
    p.add_argument("--reset", action="store_true", help="put KEY back to its default")
    json_flag(p)
    p.set_defaults(run=with_profile(_config))


def _config(col: Collection, args: argparse.Namespace) -> int:
    """Every setting, one, a new value, or the default back (`--reset KEY`)."""
    if args.reset:
        if not args.key or args.value is not None:
            raise MasteryError("--reset takes one setting: mastery config --reset KEY")
        value = col.reset_setting(args.key)
        print(json.dumps(value) if args.json else f"{args.key} = {_text(value)} (the default)")
        return 0
    if args.key is not None and args.value is not None:  # '' is an unknown setting, not "all"
        value = col.set_setting(args.key, args.value)
        print(json.dumps(value) if args.json else f"{args.key} = {_text(value)}")
        return 0
    values = col.settings() if args.key is None else {args.key: col.setting(args.key)}
    if args.json:
        print_json(values)
    else:
        table(["setting", "value"], [[k, _text(v)] for k, v in values.items()])
    return 0


def _text(value: Any) -> str:
    """A value as `mastery config KEY VALUE` takes it back; an empty one says so."""
    return as_text(value) or "(empty)"
