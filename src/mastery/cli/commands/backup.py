"""`mastery backup` and `mastery check`: keeping the profile file safe, and repairing it.

Listing and restoring backups, and checking the database, do not open the profile the usual
way: a restore must be the only one with the file open, and both must work on a damaged file.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from mastery.cli.common import json_flag, print_json, table, wall_clock, with_profile
from mastery.errors import MasteryError

if TYPE_CHECKING:
    from mastery.collection import Collection

# `--restore` with no value: list the backups. A NUL cannot come from a command line, so
# `--restore ""` stays distinguishable (and is refused).
_LIST_BACKUPS = "\0list"


def register(sub: Any) -> None:
    """`backup` (with `--list` and `--restore`) and `check`."""
    p = sub.add_parser(
        "backup",
        help="copy the profile database now (manual and daily backups rotate apart), "
        "list or restore backups",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--list", action="store_true", help="list the backups: number, date, kind, size, cards"
    )
    what.add_argument(
        "--restore",
        nargs="?",
        const=_LIST_BACKUPS,
        metavar="NAME|N",
        help="replace the profile with a backup (by name or number; lists them when left out)",
    )
    json_flag(p)
    p.set_defaults(run=_backup)

    p = sub.add_parser(
        "check",
        help="check the profile database and fix what can be fixed (Anki's Check Database)",
    )
    p.add_argument("--dry-run", action="store_true", help="only report (exit 1 on problems)")
    json_flag(p)
    p.set_defaults(run=_check)


def _backup(args: argparse.Namespace) -> int:
    """A backup now (on the open profile), or `--list` / `--restore` without opening it."""
    if args.list or args.restore is not None:
        return _list_or_restore(args)
    return with_profile(_backup_now)(args)


def _backup_now(col: Collection, args: argparse.Namespace) -> int:
    path = col.backup()
    if args.json:
        print_json({"backup": str(path), "kept": [str(p) for p in col.backups()]})
    else:
        print(f"Backed up to {path}")
    return 0


def _list_or_restore(args: argparse.Namespace) -> int:
    """`--list`, `--restore` (lists) and `--restore NAME|N`, without opening the profile:
    a restore must be the only one with the file open, and it must work on a damaged one."""
    from mastery import backup, paths

    db_path = paths.database_path(args.profile, args.home)
    folder = paths.backup_dir(args.profile, args.home)
    if args.restore == "":
        raise MasteryError("--restore needs a backup name or number; `--restore` alone lists them")
    if args.restore is not None and args.restore != _LIST_BACKUPS:
        report = backup.restore(db_path, folder, args.restore, now=wall_clock())
        if args.json:
            print_json(
                {
                    "restored": report.restored.to_dict(),
                    "safety": str(report.safety) if report.safety else None,
                }
            )
            return 0
        print(f"Restored {report.restored.name} ({report.restored.kind}).")
        if report.safety:
            print(f"The replaced file is kept as {report.safety}.")
        return 0
    infos = backup.list_backups(folder)
    if args.json:
        print_json([i.to_dict() for i in infos])
        return 0
    if not infos:
        print(f"No backups yet in {folder}. `mastery backup` makes one.")
        return 0
    rows = []
    for n, info in enumerate(infos, 1):
        when = info.made_at.astimezone()
        made = when.strftime("%Y-%m-%d") if info.kind == "daily" else f"{when:%Y-%m-%d %H:%M}"
        cards = "unreadable" if info.cards is None else f"{info.cards:,}"
        rows.append([n, made, info.kind, _size(info.size), cards, info.name])
    table(["#", "made", "kind", "size", "cards", "name"], rows)
    print("Restore one with `mastery backup --restore N` (1 = newest) or by name.")
    return 0


def _size(size: int) -> str:
    """A file size as people read it: 512 B, 3.4 KB, 12.0 MB."""
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _check(args: argparse.Namespace) -> int:
    """`mastery check` (check.check_profile opens the file itself, damaged or not); with
    `--dry-run`, exit 1 when there are problems."""
    from mastery import paths
    from mastery.check import check_profile

    path = paths.database_path(args.profile, args.home)
    if path.exists() and not args.json and sys.stderr.isatty():
        print("Checking the database…", file=sys.stderr)
    report = check_profile(path, args.profile, fix=not args.dry_run)
    if args.json:
        print_json(report.to_dict())
    else:
        print("\n".join(report.lines()))
    return 1 if args.dry_run and not report.ok else 0
