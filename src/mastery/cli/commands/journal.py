"""`mastery journal ...`: write entries (text, stdin or $EDITOR), find, show, export, import."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastery.cli.common import json_flag, print_feedback, print_json, with_profile
from mastery.conflicts import KEEP, MARK
from mastery.errors import MasteryError
from mastery.files import write_atomic
from mastery.limits import ref_number
from mastery.text import safe_line, safe_text

if TYPE_CHECKING:
    from mastery.collection import Collection


def register(sub: Any) -> None:
    """`journal` with its actions; `list`, `search` and `export` share the filters."""
    journal = sub.add_parser("journal", help="the learning journal: write, find, export")
    actions = journal.add_subparsers(dest="journal_command", metavar="ACTION", required=True)

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--tag",
            action="append",
            dest="tags",
            metavar="TAG",
            help="entries with this tag (repeatable: all of them)",
        )
        p.add_argument(
            "--goal", metavar="GOAL", help="entries linked to this goal (number or words)"
        )
        vis = p.add_mutually_exclusive_group()
        vis.add_argument(
            "--shared",
            action="store_const",
            const="shared",
            dest="visibility",
            help="only entries shared with your mentor",
        )
        vis.add_argument(
            "--private",
            action="store_const",
            const="private",
            dest="visibility",
            help="only private entries",
        )
        p.add_argument(
            "--when",
            metavar="PHRASE",
            help='"last week", "since 2026-10-01", "in march", "last 30 days"',
        )
        p.add_argument("--limit", type=int, metavar="N", help="at most N entries, newest first")
        json_flag(p)

    p = actions.add_parser("add", help="write an entry (text, stdin, or $EDITOR)")
    p.add_argument(
        "text",
        nargs="*",
        metavar="TEXT",
        help="the entry: words are joined, quotes optional; #tags in it become tags "
        "(without it, stdin or $EDITOR)",
    )
    p.add_argument(
        "--prompt", metavar="KEY", help="start from a prompt (see `mastery journal prompts`)"
    )
    p.add_argument("--date", metavar="DATE", help='"yesterday", "last friday", "2026-11-02"')
    p.add_argument("--title", help="a title (default: the first line)")
    p.add_argument(
        "--tag",
        action="append",
        dest="tags",
        metavar="TAG",
        help="a tag (repeatable; or #tag in the text)",
    )
    p.add_argument(
        "--goal",
        action="append",
        dest="goals",
        metavar="GOAL",
        help="link a goal: number or words of its title (repeatable)",
    )
    p.add_argument(
        "--shared",
        action="store_const",
        const="shared",
        dest="visibility",
        default="private",
        help="share with your mentor (entries are private by default)",
    )
    json_flag(p)
    p.set_defaults(run=with_profile(_add))
    p = actions.add_parser("list", help="entries, newest first")
    p.add_argument(
        "--on-this-day",
        action="store_true",
        help="only entries from this day of the month in earlier months and years",
    )
    filters(p)
    p.set_defaults(run=with_profile(_find))
    p = actions.add_parser("show", help="one entry")
    p.add_argument("ref", metavar="ENTRY", help="entry id (e-...) or number")
    json_flag(p)
    p.set_defaults(run=with_profile(_show))
    p = actions.add_parser("edit", help="change an entry: $EDITOR on its text, or --text")
    p.add_argument("ref", metavar="ENTRY", help="entry id (e-...) or number")
    p.add_argument("--text", help="the new text, instead of opening $EDITOR")
    p.add_argument("--title", help='a new title ("" goes back to the first line)')
    p.add_argument("--date", metavar="DATE", help='a new date: "yesterday", "2026-11-02"')
    json_flag(p)
    p.set_defaults(run=with_profile(_edit))
    p = actions.add_parser("delete", help="delete an entry (asks first unless --yes)")
    p.add_argument("ref", metavar="ENTRY", help="entry id (e-...) or number")
    p.add_argument("--yes", action="store_true", help="delete without asking")
    json_flag(p)
    p.set_defaults(run=with_profile(_delete))
    for name, text in (
        ("share", "share an entry with your mentor (in your next bundle)"),
        ("unshare", "make an entry private again"),
    ):
        p = actions.add_parser(name, help=text)
        p.add_argument("ref", metavar="ENTRY", help="entry id (e-...) or number")
        json_flag(p)
        p.set_defaults(run=with_profile(_share))
    p = actions.add_parser(
        "resolve", help="settle a conflict copy sync kept: keep this one, the other or both"
    )
    p.add_argument("ref", metavar="ENTRY", help="the conflict copy: entry id (e-...) or number")
    p.add_argument("--keep", required=True, choices=KEEP, help="which version stays")
    json_flag(p)
    p.set_defaults(run=with_profile(_resolve))
    p = actions.add_parser("search", help="find entries; every word must match")
    p.add_argument("words", nargs="*", metavar="WORD", help="words and filters (tag:x when:...)")
    filters(p)
    p.set_defaults(run=with_profile(_find))
    p = actions.add_parser("export", help="export entries as Markdown")
    p.add_argument("--to", metavar="FILE", help="one Markdown file (default: stdout)")
    p.add_argument("--dir", metavar="FOLDER", help="one file per entry, with front matter")
    filters(p)
    p.set_defaults(run=with_profile(_find))
    p = actions.add_parser("import", help="import Markdown exported by Mastery")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders of .md files")
    json_flag(p)
    p.set_defaults(run=with_profile(_import))
    p = actions.add_parser("prompts", help="the prompts you can start an entry from")
    json_flag(p)
    p.set_defaults(run=with_profile(_prompts))


def _add(col: Collection, args: argparse.Namespace) -> int:
    journal = col.journal
    body = " ".join(args.text) if args.text else None
    if body is None:
        template = journal.template(args.prompt) if args.prompt else ""
        body = _read_stdin() if not sys.stdin.isatty() else _edit_text(template)
    entry = journal.add(
        body,
        day=args.date,
        title=args.title or "",
        tags=args.tags or (),
        goals=args.goals or (),
        prompt=args.prompt,
        visibility=args.visibility,
    )
    if args.json:
        print_json(entry.to_dict())
    else:
        print(
            safe_line(
                f"Saved {entry.uid} ({entry.day.isoformat()}, {entry.visibility}): {entry.title}"
            )
            # Tags the title already shows inline (#grammar) are not said twice.
            + (
                safe_line("  #" + " #".join(extra))
                if (extra := _not_in(entry.tags, entry.title))
                else ""
            )
        )
    return 0


def _edit(col: Collection, args: argparse.Namespace) -> int:
    """`--text`, `--title` and `--date` change what they name; with none of them, $EDITOR
    opens on the entry's text (left unchanged, nothing is saved)."""
    journal = col.journal
    entry = journal.get(args.ref)
    body = args.text
    if body is None and args.title is None and args.date is None:
        if not sys.stdin.isatty():
            raise MasteryError("journal edit needs --text (or a terminal for $EDITOR)")
        body = _edit_text(entry.body)
        if body.strip() == entry.body.strip():
            print(f"Unchanged: {entry.uid}")
            return 0
    changed = journal.edit(entry.uid, body=body, title=args.title, day=args.date)
    if args.json:
        print_json(changed.to_dict())
    else:
        print(safe_line(f"Saved {changed.uid} ({changed.day.isoformat()}): {changed.title}"))
    return 0


def _delete(col: Collection, args: argparse.Namespace) -> int:
    """Asks on a terminal; elsewhere `--yes` must say it (a script never deletes by accident)."""
    journal = col.journal
    entry = journal.get(args.ref)
    what = safe_line(f"{entry.uid} ({entry.day.isoformat()}): {entry.title}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise MasteryError(f"delete {entry.uid}? add --yes to delete without asking")
        answer = input(f"Delete {what}? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("Kept.")
            return 0
    deleted = journal.delete(entry.uid)
    if args.json:
        print_json(deleted.to_dict())
    else:
        print(f"Deleted {what}")
    return 0


def _resolve(col: Collection, args: argparse.Namespace) -> int:
    kept = col.journal.resolve(args.ref, args.keep)
    if args.json:
        print_json(kept.to_dict() if kept else None)
    elif kept is None:
        print("Deleted the conflict copy.")
    else:
        print(safe_line(f"Kept {kept.uid} ({kept.day.isoformat()}): {kept.title}"))
    return 0


def _share(col: Collection, args: argparse.Namespace) -> int:
    visibility = "shared" if args.journal_command == "share" else "private"
    entry = col.journal.edit(args.ref, visibility=visibility)
    if args.json:
        print_json(entry.to_dict())
    elif visibility == "shared":
        print(safe_line(f"Shared {entry.uid}: {entry.title}") + " (in your next mentor bundle)")
    else:
        print(safe_line(f"Private {entry.uid}: {entry.title}"))
    return 0


def _show(col: Collection, args: argparse.Namespace) -> int:
    """One entry and the mentor's comments on it, which are then marked read."""
    entry = col.journal.get(args.ref)
    comments = col.mentor.comments_for_entry(entry.uid)
    if args.json:
        print_json({**entry.to_dict(), "feedback": [c.to_dict() for c in comments]})
    else:
        print(
            safe_line(
                f"{entry.uid}  {entry.day.isoformat()}  {entry.visibility}"
                + (f"  prompt: {entry.prompt}" if entry.prompt else "")
                + (f"  {MARK} of {entry.conflict_of}" if entry.conflict_of else "")
            )
        )
        if entry.tags:
            print("tags: " + safe_line(" ".join(entry.tags)))
        if entry.goals:
            print("goals: " + safe_line("; ".join(entry.goals)))
        print(safe_text(f"\n# {entry.title}\n\n{entry.body}"))
        print_feedback(comments)
    col.mentor.mark_read([c.uid for c in comments])
    return 0


def _prompts(col: Collection, args: argparse.Namespace) -> int:
    prompts = col.journal.prompts()
    if args.json:
        print_json([p.to_dict() for p in prompts])
    else:
        for prompt in prompts:
            print(f"{prompt.key}: {prompt.name} — {prompt.description}")
            for question in prompt.questions:
                print(f"    - {question}")
    return 0


def _import(col: Collection, args: argparse.Namespace) -> int:
    summary = col.journal.import_markdown([Path(p) for p in args.paths])
    if args.json:
        print_json(summary.to_dict())
    else:
        print(f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged")
        for note in summary.notes:
            print(f"note: {note}")
    return 0


def _find(col: Collection, args: argparse.Namespace) -> int:
    """`list`, `search` and `export`: the same filters, then printed, or written as Markdown."""
    journal = col.journal
    action = args.journal_command
    goal: int | str | None = None
    if args.goal:
        goal = ref_number(args.goal) or args.goal
    if args.limit is not None and args.limit < 1:  # search would still stop after one hit
        raise MasteryError(f"--limit must be 1 or more, not {args.limit}")
    hits = journal.search(
        " ".join(args.words) if action == "search" else None,
        tag=args.tags,
        goal=goal,
        visibility=args.visibility,
        when=args.when,
        limit=None if getattr(args, "on_this_day", False) else args.limit,
    )
    if getattr(args, "on_this_day", False):
        earlier = {e.uid for e in journal.on_this_day()}
        hits = [h for h in hits if h.entry.uid in earlier][: args.limit]
    if action == "export":
        entries = [h.entry for h in hits]
        if args.dir:
            written = journal.export_files(args.dir, entries)
            print(f"Wrote {len(written)} entries to {args.dir}")
        elif args.to:
            write_atomic(Path(args.to), journal.export_markdown(entries))
            print(f"Wrote {len(entries)} entries to {args.to}")
        else:
            sys.stdout.write(journal.export_markdown(entries))
        return 0
    if args.json:
        print_json(
            [h.to_dict() for h in hits] if action == "search" else [h.entry.to_dict() for h in hits]
        )
        return 0
    if not hits:
        if getattr(args, "on_this_day", False):
            print("No entries from this day in earlier months or years.")
        else:
            print(
                "No entries match."
                if action == "search" or args.when or args.tags
                else "No entries yet. Write one with: mastery journal add What I learned..."
            )
        return 0
    mark = _highlighter()
    for hit in hits:
        e = hit.entry
        flags = (" [shared]" if e.shared else "") + (f" [{MARK}]" if e.conflict_of else "")
        tags = safe_line("  #" + " #".join(e.tags)) if e.tags else ""
        print(f"{e.day.isoformat()}  {e.uid}  {mark(e.title, hit.title_spans)}{flags}{tags}")
        for snippet, spans in hit.highlights:
            print(f"    {mark(snippet, spans)}")
    return 0


def _highlighter() -> Callable[[str, list[tuple[int, int]]], str]:
    """Marks matches in reverse video on a terminal; piped, the text stays as it was written
    (marks would end up in files and in what scripts read)."""
    start, end = ("\x1b[7m", "\x1b[0m") if sys.stdout.isatty() else ("", "")

    def mark(text: str, spans: list[tuple[int, int]]) -> str:
        out, last = [], 0
        for a, b in sorted(spans):  # text from files is escaped piece by piece, marks kept
            out += [safe_line(text[last:a]), start, safe_line(text[a:b]), end]
            last = b
        out.append(safe_line(text[last:]))
        return "".join(out)

    return mark


def _edit_text(template: str) -> str:
    """Open $EDITOR (or $VISUAL, else vi) on a temporary file holding `template`."""
    import os
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".md", delete=False, encoding="utf-8") as fh:
        fh.write(template)
        name = fh.name
    try:
        result = subprocess.run([*shlex.split(editor), name], check=False)
        if result.returncode != 0:
            raise MasteryError(
                f"the editor ({editor}) exited with status {result.returncode}; nothing saved"
            )
        from mastery.limits import MAX_TEXT_BYTES, read_text_bounded

        return read_text_bounded(name, MAX_TEXT_BYTES, source="the edited entry")
    finally:
        Path(name).unlink(missing_ok=True)


def _read_stdin() -> str:
    """An entry piped in, refused (one line) beyond the size a journal file may have."""
    from mastery.errors import InputError
    from mastery.limits import MAX_TEXT_BYTES

    text = sys.stdin.read(MAX_TEXT_BYTES + 1)
    if len(text) > MAX_TEXT_BYTES:
        raise InputError(
            "stdin", None, f"the entry is too large (at most {MAX_TEXT_BYTES} characters)"
        )
    return text


def _not_in(tags: tuple[str, ...], title: str) -> list[str]:
    """The tags a title does not already show as `#tag`."""
    words = {w.casefold() for w in title.split()}
    return [t for t in tags if f"#{t}".casefold() not in words]
