"""`mastery sync`: set up, run and look at sync between devices (mastery.sync; docs/sync.md).

The passphrase comes from `--passphrase-file F`, then `MASTERY_SYNC_PASSPHRASE`, then the key
`sync setup` remembered on this device, then a prompt on a terminal; a script without any of
them gets one line saying how to give it, never a prompt that hangs. The passphrase itself is
never stored (the derived key is, unless `--no-remember`: mastery/sync/keystore.py says why).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from mastery import present
from mastery.cli.common import json_flag, print_json, progress_bar, with_profile
from mastery.errors import MasteryError
from mastery.text import safe_line

if TYPE_CHECKING:
    from mastery.collection import Collection
    from mastery.sync import Progress, SyncReport

_ENV = "MASTERY_SYNC_PASSPHRASE"
_LOST = present.LOST_PASSPHRASE


def register(sub: Any) -> None:
    """`sync`, `sync setup TARGET`, `sync status`, `sync forget-key`, `sync auto on|off`."""
    p = sub.add_parser(
        "sync",
        help="sync this profile with your other devices (end-to-end encrypted)",
        description="Bring this profile and the sync target up to date: reviews from your "
        "other devices come in, this device's go out. Set it up first with `sync setup`.",
    )
    _passphrase_option(p)
    json_flag(p)
    p.set_defaults(run=with_profile(_sync))
    inner = p.add_subparsers(dest="sync_command", metavar="SUBCOMMAND")
    s = inner.add_parser(
        "setup",
        help="sync with TARGET: a folder another tool syncs, or a git remote",
        description="Sync with TARGET, a folder another tool syncs (Syncthing, Dropbox) or a "
        "git remote (a private repository, a bare repository on a USB stick). The first device "
        "sets the passphrase; the others join with the same one. The key derived from it is "
        "remembered on this device (PROFILE/sync/key, readable by you only), so `mastery sync` "
        "and the app sync without asking; the passphrase itself is never stored. " + _LOST,
    )
    s.add_argument("target", metavar="TARGET", help="a folder path or a git URL")
    _passphrase_option(s, top=False)
    s.add_argument(
        "--no-remember",
        dest="remember",
        action="store_false",
        help="do not keep the key on this device (and remove one kept before): every sync "
        "asks for the passphrase, and the app does not sync on its own",
    )
    s.add_argument(
        "--no-auto",
        dest="auto",
        action="store_const",
        const=False,
        default=None,
        help="the app does not sync on its own when it opens and after a review session "
        "(`mastery sync auto on` switches it back)",
    )
    s.add_argument(
        "--rejoin",
        action="store_true",
        help="the target was set up again since this device joined it (two devices set up "
        "one synced folder at once): start this device over under the target's header "
        "(its old chunks there are removed and everything is sent again; nothing in this "
        "profile is lost)",
    )
    placed = s.add_mutually_exclusive_group()
    placed.add_argument(
        "--moved",
        action="store_true",
        help="this profile's folder moved (another path or machine) and the old place will "
        "never sync again: record the new place; nothing else changes",
    )
    placed.add_argument(
        "--new-device",
        action="store_true",
        help="this profile is a copy of another device's, which still syncs: go on as a new "
        "device (what the copy made since its last sync is sent under a new id; nothing is "
        "counted twice)",
    )
    json_flag(s)
    s.set_defaults(run=with_profile(_setup))
    st = inner.add_parser("status", help="the target, this device, and what waits to be sent")
    json_flag(st)
    st.set_defaults(run=with_profile(_status))
    f = inner.add_parser(
        "forget-key",
        help="remove the sync key remembered on this device (syncs then ask for the passphrase)",
    )
    f.set_defaults(run=with_profile(_forget_key))
    a = inner.add_parser(
        "auto",
        help="whether the app syncs on its own (when it opens and after a review session)",
    )
    a.add_argument(
        "switch",
        choices=("on", "off"),
        metavar="on|off",
        help="on: sync when the app opens and after a review session (needs the remembered "
        "key); off: only when asked (y on the dashboard)",
    )
    a.set_defaults(run=with_profile(_auto))


def _passphrase_option(p: argparse.ArgumentParser, *, top: bool = True) -> None:
    """On `sync` and again on `sync setup` (where it must not reset one given before)."""
    p.add_argument(
        "--passphrase-file",
        metavar="F",
        default=None if top else argparse.SUPPRESS,
        help=f"read the passphrase from the first line of F (or set {_ENV})",
    )


def _given(args: argparse.Namespace) -> bool:
    """A passphrase was given without a prompt (a file or the environment)."""
    return bool(args.passphrase_file or os.environ.get(_ENV))


def _passphrase(args: argparse.Namespace, *, confirm: bool = False) -> str:
    """The passphrase from the file, the environment, or a prompt (see the module doc)."""
    if args.passphrase_file:
        path = os.path.expanduser(args.passphrase_file)
        try:
            # utf-8-sig: Notepad's byte-order mark is not part of the passphrase.
            with open(path, encoding="utf-8-sig") as fh:
                line = fh.readline().rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise MasteryError(f"{safe_line(path)}: not UTF-8 text") from exc
        if not line:
            raise MasteryError(f"{safe_line(path)}: its first line is empty (no passphrase)")
        return line
    if os.environ.get(_ENV):
        return os.environ[_ENV]
    if not sys.stdin.isatty():
        raise MasteryError(f"no sync passphrase: give --passphrase-file F or set {_ENV}")
    from getpass import getpass

    phrase = getpass("Sync passphrase: ")
    if not phrase:
        raise MasteryError("no sync passphrase given")
    if confirm and getpass("The same passphrase again: ") != phrase:
        raise MasteryError("the two passphrases differ; nothing was set up")
    return phrase


def _progress(args: argparse.Namespace) -> Progress | None:
    """A bar on stderr, rewritten in place, on a terminal only: it moves while chunks are
    read and while cards are replayed (a new device joining a big profile)."""
    if args.json or not sys.stderr.isatty():
        return None
    bar = progress_bar(True)

    def show(fraction: float, what: str) -> None:
        bar(fraction, what)
        if fraction >= 1:
            print(file=sys.stderr)

    return show


def _report(report: SyncReport, args: argparse.Namespace) -> int:
    if args.json:
        print_json(
            {
                "received": report.received,
                "sent": report.sent,
                "chunks_read": report.chunks_read,
                "devices": report.devices,
                "rewritten": report.rewritten,
                "changes": report.changes,
            }
        )
        return 0
    print(present.synced(report.received, report.devices, report.sent, report.changes))
    if report.rewritten:
        print(
            f"Wrote {present.plural(report.rewritten, 'chunk')} of this device again: "
            f"the target had lost {'it' if report.rewritten == 1 else 'them'} "
            "(deleted, or a force-pushed remote)."
        )
    return 0


def _setup(col: Collection, args: argparse.Namespace) -> int:
    if not args.json:
        import textwrap

        print(textwrap.fill(_LOST, width=78))
    phrase = _passphrase(args, confirm=True)
    report = col.sync.setup(
        args.target,
        phrase,
        remember=args.remember,
        auto=args.auto,
        rejoin=args.rejoin,
        moved=args.moved,
        new_device=args.new_device,
        progress=_progress(args),
    )
    status = col.sync.status()
    if args.json:
        print_json(
            {
                "target": status.target,
                "kind": status.kind,
                "joined": report.joined,
                "key_remembered": status.key_remembered,
                "auto": status.auto,
            }
        )
        return 0
    how = "Joined" if report.joined else "Set up"
    print(f"{how} sync with {safe_line(status.target or '')} ({status.kind}).")
    if status.key_remembered:
        print("The key is remembered on this device: `mastery sync` and the app ask for nothing.")
    else:
        print("The key is not remembered: each sync asks for the passphrase.")
    return _report(report, args)


def _sync(col: Collection, args: argparse.Namespace) -> int:
    sync = col.sync
    if sync.status().target is None:
        raise MasteryError("no sync target yet: run `mastery sync setup TARGET` first")
    # A passphrase given on purpose wins; else the remembered key; else a prompt.
    phrase = _passphrase(args) if _given(args) or not sync.keys.exists() else None
    return _report(sync.run(phrase, progress=_progress(args)), args)


def _forget_key(col: Collection, args: argparse.Namespace) -> int:
    if col.sync.forget_key():
        print("Forgot the sync key on this device: syncs ask for the passphrase again.")
    else:
        print("No sync key was remembered on this device.")
    return 0


def _auto(col: Collection, args: argparse.Namespace) -> int:
    on = args.switch == "on"
    col.sync.set_auto(on)
    if on:
        print("The app syncs on its own when it opens and after a review session.")
    else:
        print("The app syncs only when asked (y on the dashboard, or ctrl+p: sync: Sync now).")
    return 0


def _status(col: Collection, args: argparse.Namespace) -> int:
    s = col.sync.status()
    if args.json:
        print_json(
            {
                "target": s.target,
                "kind": s.kind,
                "device": s.device,
                "chunks_sent": s.chunks_sent,
                "unsent_answers": s.unsent_answers,
                "pending_answers": s.pending_answers,
                "read_up_to": s.read_up_to,
                "last_sync": s.last_sync,
                "key_remembered": s.key_remembered,
                "auto": s.auto,
            }
        )
        return 0
    if s.target is None:
        print("Not set up: run `mastery sync setup TARGET` (a folder or a git URL).")
        return 0
    from mastery.days import from_ms

    last = "never"
    if s.last_sync:
        last = from_ms(s.last_sync).astimezone(col.clock.zone).strftime("%Y-%m-%d %H:%M")
    print(f"Target:      {safe_line(s.target)} ({s.kind})")
    print(f"This device: {s.device}")
    print(f"Last sync:   {last}")
    key = "remembered on this device" if s.key_remembered else "asked for at each sync"
    print(f"Key:         {key}")
    auto = "when the app opens and after a review session" if s.auto else "off"
    if s.auto and not s.key_remembered:
        auto += " (needs the remembered key)"
    print(f"Automatic:   {auto}")
    print(f"Sent:        {present.plural(s.chunks_sent, 'chunk')}")
    print(f"To send:     {present.plural(s.unsent_answers, 'answer')}")
    print(f"Other devices read: {len(s.read_up_to)}")
    if s.pending_answers:
        print(
            f"Waiting:     {present.plural(s.pending_answers, 'answer')} for cards of decks "
            "not imported on this device yet"
        )
    return 0
