"""`mastery id`: your public identity and its fingerprint (the keys live in mastery.identity)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mastery.cli.common import json_flag, print_json, with_profile

if TYPE_CHECKING:
    from mastery.collection import Collection


def register(sub: Any) -> None:
    """`id`."""
    p = sub.add_parser("id", help="your public identity and its fingerprint (made on first use)")
    json_flag(p)
    p.set_defaults(run=with_profile(_id))


def _id(col: Collection, args: argparse.Namespace) -> int:
    from mastery.identity import Identity

    public = Identity.of(col).public
    if args.json:
        print_json(
            {**public.model_dump(), "text": public.to_text(), "fingerprint": public.fingerprint}
        )
        return 0
    print("Your public identity (give it to your mentor, mentee or team):")
    print(f"  {public.to_text()}")
    print("Fingerprint (compare it with theirs in person or on a call before trusting a key):")
    print(f"  {public.fingerprint}")
    return 0
